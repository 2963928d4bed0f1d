/*
 * The caller's stream for a device, as set through the environment API
 * (TVMFFIEnvSetStream); launch kernels on it so they order with the framework's work.
 */
#ifndef TVM_FFI_EXTRA_CUDA_ENV_STREAM_H_
#define TVM_FFI_EXTRA_CUDA_ENV_STREAM_H_

#include <cuda_runtime.h>
#include <tvm/ffi/extra/c_env_api.h>

namespace tvm {
namespace ffi {

/*! \brief The environment stream of CUDA device `device_id` (the default stream if none). */
inline cudaStream_t GetEnvCUDAStream(int32_t device_id) {
  return static_cast<cudaStream_t>(TVMFFIEnvGetStream(kDLCUDA, device_id));
}

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_ENV_STREAM_H_
