/*
 * LaunchKernel1D: runs a kernel over `n` elements on the environment stream of the
 * tensor's device, under a device guard, and checks the launch.
 */
#ifndef TVM_FFI_EXTRA_CUDA_LAUNCH_H_
#define TVM_FFI_EXTRA_CUDA_LAUNCH_H_

#include <tvm/ffi/extra/cuda/check.h>
#include <tvm/ffi/extra/cuda/device_guard.h>
#include <tvm/ffi/extra/cuda/env_stream.h>

#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Blocks of `threads_per_block` covering `n` elements, at least one (CUDA's ::dim3). */
inline ::dim3 GridFor(int64_t n, int threads_per_block) {
  int64_t blocks = (n + threads_per_block - 1) / threads_per_block;
  return ::dim3(static_cast<unsigned>(blocks > 0 ? blocks : 1));
}

/*!
 * \brief kernel<<<GridFor(n), threads_per_block, 0, env stream>>>(args...) on `device`.
 * Throws RuntimeError with the CUDA error string if the launch fails.
 */
template <typename... KernelArgs, typename... Args>
void LaunchKernel1D(void (*kernel)(KernelArgs...), DLDevice device, int64_t n, Args&&... args) {
  TVM_FFI_CHECK(device.device_type == kDLCUDA, ValueError)
      << "LaunchKernel1D needs a CUDA tensor, got device type " << device.device_type;
  constexpr int kThreadsPerBlock = 256;
  CUDADeviceGuard guard(device.device_id);
  kernel<<<GridFor(n, kThreadsPerBlock), kThreadsPerBlock, 0, GetEnvCUDAStream(device.device_id)>>>(
      std::forward<Args>(args)...);
  TVM_FFI_CHECK_CUDA_LAUNCH() << "launching a kernel over " << n << " elements";
}

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_LAUNCH_H_
