/*
 * CUDADeviceGuard: switches the current CUDA device for a scope and restores it after.
 */
#ifndef TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_
#define TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_

#include <tvm/ffi/extra/cuda/check.h>

namespace tvm {
namespace ffi {

class CUDADeviceGuard {
 public:
  /*! \brief Makes `device_id` current (no-op if it already is). */
  explicit CUDADeviceGuard(int device_id) {
    TVM_FFI_CHECK_CUDA_ERROR(cudaGetDevice(&original_));
    if (original_ != device_id) TVM_FFI_CHECK_CUDA_ERROR(cudaSetDevice(device_id));
    current_ = device_id;
  }
  ~CUDADeviceGuard() {
    // Never throw from a destructor: restoring is best effort.
    if (original_ != current_) (void)cudaSetDevice(original_);
  }
  CUDADeviceGuard(const CUDADeviceGuard&) = delete;
  CUDADeviceGuard& operator=(const CUDADeviceGuard&) = delete;

 private:
  int original_ = 0;
  int current_ = 0;
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_
