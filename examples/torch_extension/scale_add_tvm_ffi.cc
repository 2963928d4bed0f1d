// alpha * x + y for tvm_ffi_jit (tvm_ffi_jit.cpp.load_inline): the same kernel as
// scale_add_torch.cpp, line for line.
#include <tvm/ffi/extra/dtype_dispatch.h>
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

ffi::Tensor scale_add(ffi::TensorView x, ffi::TensorView y, double alpha) {
  TVM_FFI_CHECK(x.shape().ToVector() == y.shape().ToVector(), ValueError)
      << "scale_add: x and y differ in shape";
  TVM_FFI_CHECK(x.dtype() == y.dtype(), TypeError) << "scale_add: x and y differ in dtype";
  TVM_FFI_CHECK(x.IsContiguous() && y.IsContiguous(), ValueError)
      << "scale_add: expects contiguous tensors";
  // Allocated by the caller's framework (torch's allocator for torch tensors).
  ffi::Tensor out =
      ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, x.shape(), x.dtype(), x.device());
  TVM_FFI_DISPATCH_FLOATING_TYPES(x.dtype(), "scale_add", [&] {
    const scalar_t* a = static_cast<const scalar_t*>(x.data_ptr());
    const scalar_t* b = static_cast<const scalar_t*>(y.data_ptr());
    scalar_t* result = static_cast<scalar_t*>(out.data_ptr());
    for (int64_t i = 0; i < x.numel(); ++i) result[i] = static_cast<scalar_t>(alpha) * a[i] + b[i];
  });
  return out;
}
