/*
 * CUDADeviceGuard: switches the current CUDA device for a scope and restores it after.
 *
 *   void kernel(tvm::ffi::TensorView x) {
 *     tvm::ffi::CUDADeviceGuard guard(x.device().device_id);
 *     ...
 *   }
 */
#ifndef TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_
#define TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_

#include <tvm/ffi/extra/cuda/base.h>

namespace tvm {
namespace ffi {

struct CUDADeviceGuard {
  CUDADeviceGuard() = delete;
  /*! \brief Makes `device_index` current (no cudaSetDevice if it already is). */
  explicit CUDADeviceGuard(int device_index) : target_device_index_(device_index) {
    TVM_FFI_CHECK_CUDA_ERROR(cudaGetDevice(&original_device_index_));
    if (original_device_index_ != target_device_index_) {
      TVM_FFI_CHECK_CUDA_ERROR(cudaSetDevice(target_device_index_));
    }
  }
  /*!
   * \brief Makes the original device current again. Best effort: a destructor that threw
   * while an error unwinds the stack would terminate the process.
   */
  ~CUDADeviceGuard() {
    if (original_device_index_ != target_device_index_) (void)cudaSetDevice(original_device_index_);
  }
  CUDADeviceGuard(const CUDADeviceGuard&) = delete;
  CUDADeviceGuard& operator=(const CUDADeviceGuard&) = delete;

 private:
  int original_device_index_ = 0;
  int target_device_index_ = 0;
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_DEVICE_GUARD_H_
