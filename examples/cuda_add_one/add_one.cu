// y = x + 1 on the GPU, launched on the caller's stream (torch's current stream when called
// with torch CUDA tensors).
#include <tvm/ffi/extra/cuda/launch.h>
#include <tvm/ffi/tvm_ffi.h>

namespace {

__global__ void AddOneKernel(const float* x, float* y, int64_t n) {
  int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] + 1.0f;
}

}  // namespace

void add_one_cuda(tvm::ffi::TensorView x, tvm::ffi::TensorView y) {
  TVM_FFI_CHECK(x.dtype().code == kDLFloat && x.dtype().bits == 32, TypeError)
      << "add_one_cuda expects float32";
  TVM_FFI_CHECK(x.numel() == y.numel(), ValueError) << "x and y must have the same size";
  TVM_FFI_CHECK(x.device() == y.device(), ValueError) << "x and y must be on the same device";
  tvm::ffi::LaunchKernel1D(AddOneKernel, x.device(), x.numel(),
                           static_cast<const float*>(x.data_ptr()),
                           static_cast<float*>(y.data_ptr()), x.numel());
}

TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one_cuda, add_one_cuda);
