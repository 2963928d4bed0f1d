/*
 * A kernel in plain C (C11) against the TVM-FFI C ABI: no C++, no helper macros.
 *
 *   axpy(a: float, x: Tensor, y: Tensor) -> None    y[i] += a * x[i], float32, 1-D, same length
 *
 * A module export is a TVMFFISafeCallType function named __tvm_ffi_<name>: it reads borrowed
 * TVMFFIAny arguments, writes an owned result, and reports errors by raising one on this thread
 * (TVMFFIErrorSetRaisedFromCStr) and returning -1. It never lets anything unwind through it.
 */
#include <tvm/ffi/c_api.h>

/* The DLTensor behind a tensor argument: a raw DLTensor* (C callers) or a Tensor object. */
static DLTensor* tensor_arg(const TVMFFIAny* arg) {
  if (arg->type_index == kTVMFFIDLTensorPtr) return (DLTensor*)arg->v_ptr;
  /* A Tensor object's DLTensor sits right after the 24-byte object header. */
  if (arg->type_index == kTVMFFITensor)
    return (DLTensor*)((char*)arg->v_obj + sizeof(TVMFFIObject));
  return NULL;
}

static int is_float32_vector(const DLTensor* t) {
  return t->dtype.code == kDLFloat && t->dtype.bits == 32 && t->dtype.lanes == 1 && t->ndim == 1 &&
         t->device.device_type == kDLCPU && (t->strides == NULL || t->strides[0] == 1);
}

TVM_FFI_DLL_EXPORT int __tvm_ffi_axpy(void* self, const TVMFFIAny* args, int32_t num_args,
                                      TVMFFIAny* result) {
  (void)self;
  if (num_args != 3) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "axpy(a, x, y) takes 3 arguments");
    return -1;
  }
  double a;
  if (args[0].type_index == kTVMFFIFloat) {
    a = args[0].v_float64;
  } else if (args[0].type_index == kTVMFFIInt) {
    a = (double)args[0].v_int64;
  } else {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "axpy: a must be a number");
    return -1;
  }
  DLTensor* x = tensor_arg(&args[1]);
  DLTensor* y = tensor_arg(&args[2]);
  if (x == NULL || y == NULL) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "axpy: x and y must be tensors");
    return -1;
  }
  if (!is_float32_vector(x) || !is_float32_vector(y) || x->shape[0] != y->shape[0]) {
    TVMFFIErrorSetRaisedFromCStr("ValueError",
                                 "axpy: x and y must be contiguous 1-D float32 CPU tensors of "
                                 "the same length");
    return -1;
  }
  const float* xs = (const float*)((const char*)x->data + x->byte_offset);
  float* ys = (float*)((char*)y->data + y->byte_offset);
  for (int64_t i = 0; i < x->shape[0]; ++i) ys[i] += (float)a * xs[i];
  result->type_index = kTVMFFINone;
  return 0;
}
