/*
 * A C program that loads a module built by tvm_ffi_jit.cpp.build and calls a function through
 * the TVM-FFI C API only: global functions ffi.ModuleLoadFromFile and ffi.ModuleGetFunction,
 * TVMFFIFunctionCall with TVMFFIAny arguments, TVMFFIErrorMoveFromRaised for errors.
 *
 *   ./main build/c_axpy.so
 */
#include <stdio.h>
#include <string.h>
#include <tvm/ffi/c_api.h>

/* Prints the error raised on this thread ("ValueError: ...") and releases it. */
static void print_raised_error(const char* what) {
  TVMFFIObjectHandle error = NULL;
  TVMFFIErrorMoveFromRaised(&error);
  if (error == NULL) {
    printf("%s failed without an error\n", what);
    return;
  }
  /* An Error object's payload (kind, message, backtrace) follows the object header. */
  const TVMFFIErrorCell* cell = (const TVMFFIErrorCell*)((char*)error + sizeof(TVMFFIObject));
  printf("%s raised %.*s: %.*s\n", what, (int)cell->kind.size, cell->kind.data,
         (int)cell->message.size, cell->message.data);
  TVMFFIObjectDecRef(error);
}

/* The global function `name` (an owned handle), or NULL. */
static TVMFFIObjectHandle global_function(const char* name) {
  TVMFFIByteArray bytes = {name, strlen(name)};
  TVMFFIObjectHandle func = NULL;
  if (TVMFFIFunctionGetGlobal(&bytes, &func) != 0) print_raised_error(name);
  return func;
}

static TVMFFIAny none_any(void) {
  TVMFFIAny value;
  memset(&value, 0, sizeof(value));
  value.type_index = kTVMFFINone;
  return value;
}

static TVMFFIAny str_arg(const char* text) {
  TVMFFIAny value = none_any();
  value.type_index = kTVMFFIRawStr;
  value.v_c_str = text;
  return value;
}

static TVMFFIAny tensor_arg(DLTensor* tensor) {
  TVMFFIAny value = none_any();
  value.type_index = kTVMFFIDLTensorPtr;
  value.v_ptr = tensor;
  return value;
}

static DLTensor cpu_vector(void* data, int64_t* length, uint8_t code, uint8_t bits) {
  DLTensor t;
  memset(&t, 0, sizeof(t));
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = 1;
  t.dtype.code = code;
  t.dtype.bits = bits;
  t.dtype.lanes = 1;
  t.shape = length;
  return t;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s path/to/library.so\n", argv[0]);
    return 2;
  }
  TVMFFIVersion version;
  TVMFFIGetVersion(&version);
  printf("TVM-FFI C ABI %u.%u.%u\n", version.major, version.minor, version.patch);

  TVMFFIObjectHandle load = global_function("ffi.ModuleLoadFromFile");
  TVMFFIObjectHandle get_function = global_function("ffi.ModuleGetFunction");
  if (load == NULL || get_function == NULL) return 1;

  /* module = ffi.ModuleLoadFromFile(path) */
  TVMFFIAny path = str_arg(argv[1]);
  TVMFFIAny module = none_any();
  if (TVMFFIFunctionCall(load, &path, 1, &module) != 0) {
    print_raised_error("ffi.ModuleLoadFromFile");
    return 1;
  }
  /* axpy = ffi.ModuleGetFunction(module, "axpy", query_imports=false) */
  TVMFFIAny lookup[3] = {module, str_arg("axpy"), none_any()};
  lookup[2].type_index = kTVMFFIBool;
  lookup[2].v_int64 = 0;
  TVMFFIAny axpy = none_any();
  if (TVMFFIFunctionCall(get_function, lookup, 3, &axpy) != 0) {
    print_raised_error("ffi.ModuleGetFunction");
    return 1;
  }
  if (axpy.type_index != kTVMFFIFunction) {
    printf("the module exports no function axpy\n");
    return 1;
  }

  /* axpy(2.0, x, y): y += 2 * x */
  float xs[4] = {0, 1, 2, 3};
  float ys[4] = {1, 1, 1, 1};
  int64_t length = 4;
  DLTensor x = cpu_vector(xs, &length, kDLFloat, 32);
  DLTensor y = cpu_vector(ys, &length, kDLFloat, 32);
  TVMFFIAny args[3] = {none_any(), tensor_arg(&x), tensor_arg(&y)};
  args[0].type_index = kTVMFFIFloat;
  args[0].v_float64 = 2.0;
  TVMFFIAny result = none_any();
  if (TVMFFIFunctionCall(axpy.v_obj, args, 3, &result) != 0) {
    print_raised_error("axpy");
    return 1;
  }
  printf("axpy(2.0, x, y): y = [%g, %g, %g, %g]\n", ys[0], ys[1], ys[2], ys[3]);
  int ok = ys[0] == 1 && ys[1] == 3 && ys[2] == 5 && ys[3] == 7;

  /* A wrong argument: the kernel raises, the call returns -1, the error says why. */
  int32_t ints[4] = {0, 1, 2, 3};
  DLTensor wrong = cpu_vector(ints, &length, kDLInt, 32);
  args[1] = tensor_arg(&wrong);
  int code = TVMFFIFunctionCall(axpy.v_obj, args, 3, &result);
  printf("axpy with int32 x returned %d\n", code);
  if (code == 0)
    ok = 0;
  else
    print_raised_error("axpy");

  TVMFFIObjectDecRef(axpy.v_obj);
  TVMFFIObjectDecRef(module.v_obj);
  TVMFFIObjectDecRef(get_function);
  TVMFFIObjectDecRef(load);
  printf(ok ? "OK\n" : "FAILED\n");
  return ok ? 0 : 1;
}
