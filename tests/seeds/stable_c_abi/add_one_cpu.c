/*
 * add_one_cpu (y = x + 1 on float32 vectors) in plain C against the stable C ABI, the way
 * seed 004 describes it: the function is the symbol __tvm_ffi_<name>, each argument's
 * type_index is checked before its value is read, errors are set with
 * TVMFFIErrorSetRaisedFromCStr(Parts) and the function returns 0 or -1.
 */
#include <tvm/ffi/c_api.h>

static int RaiseArgError(const char* kind, const char* arg_name, const char* problem) {
  const char* parts[4] = {"add_one_cpu: argument `", arg_name, "` ", problem};
  TVMFFIErrorSetRaisedFromCStrParts(kind, parts, 4);
  return -1;
}

/* Reads argument `arg` as a contiguous 1-d float32 CPU tensor. */
static int ReadVector(const TVMFFIAny* arg, const char* arg_name, DLTensor** out) {
  DLTensor* tensor = NULL;
  if (arg->type_index == kTVMFFIDLTensorPtr) {
    tensor = (DLTensor*)arg->v_ptr;
  } else if (arg->type_index == kTVMFFITensor) {
    /* a Tensor object is the object header followed by a DLTensor */
    tensor = (DLTensor*)((char*)arg->v_obj + sizeof(TVMFFIObject));
  } else {
    return RaiseArgError("TypeError", arg_name, "must be a tensor");
  }
  if (tensor->device.device_type != kDLCPU) {
    return RaiseArgError("ValueError", arg_name, "must be on the CPU");
  }
  if (tensor->dtype.code != kDLFloat || tensor->dtype.bits != 32 || tensor->dtype.lanes != 1) {
    return RaiseArgError("TypeError", arg_name, "must be float32");
  }
  if (tensor->ndim != 1) {
    return RaiseArgError("ValueError", arg_name, "must be 1-dimensional");
  }
  if (tensor->strides != NULL && tensor->shape[0] > 1 && tensor->strides[0] != 1) {
    return RaiseArgError("ValueError", arg_name, "must be contiguous");
  }
  *out = tensor;
  return 0;
}

int __tvm_ffi_add_one_cpu(void* handle, const TVMFFIAny* args, int32_t num_args,
                          TVMFFIAny* result) {
  DLTensor* x = NULL;
  DLTensor* y = NULL;
  const float* x_data;
  float* y_data;
  int64_t i;
  (void)handle;
  if (num_args != 2) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "add_one_cpu expects 2 arguments (x, y)");
    return -1;
  }
  if (ReadVector(&args[0], "x", &x) != 0 || ReadVector(&args[1], "y", &y) != 0) return -1;
  if (x->shape[0] != y->shape[0]) {
    TVMFFIErrorSetRaisedFromCStr("ValueError", "add_one_cpu: x and y must have the same length");
    return -1;
  }
  x_data = (const float*)((const char*)x->data + x->byte_offset);
  y_data = (float*)((char*)y->data + y->byte_offset);
  for (i = 0; i < x->shape[0]; ++i) y_data[i] = x_data[i] + 1.0f;
  /* no return value: result stays None */
  result->type_index = kTVMFFINone;
  result->zero_padding = 0;
  result->v_int64 = 0;
  return 0;
}
