// The kernels shipped, compiled ahead of time, inside the add_ops wheel.
#include <tvm/ffi/tvm_ffi.h>

#include <cstdint>

namespace {

int64_t AddOne(int64_t x) { return x + 1; }

// Adds `value` to every element of a float32 tensor, in place.
void AddScalar(tvm::ffi::TensorView x, double value) {
  TVM_FFI_CHECK(x.dtype().code == kDLFloat && x.dtype().bits == 32, TypeError)
      << "add_scalar expects float32, got " << x.dtype();
  float* data = static_cast<float*>(x.data_ptr());
  for (int64_t i = 0; i < x.numel(); ++i) data[i] += static_cast<float>(value);
}

}  // namespace

TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, AddOne);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_scalar, AddScalar);
