/*
 * The base of the CUDA-side headers: the check that turns a failing CUDA runtime call into
 * a RuntimeError, and a dim3 that host code can build without the CUDA launch syntax.
 */
#ifndef TVM_FFI_EXTRA_CUDA_BASE_H_
#define TVM_FFI_EXTRA_CUDA_BASE_H_

#include <cuda_runtime.h>
#include <tvm/ffi/error.h>

/*
 * TVM_FFI_CHECK_CUDA_ERROR(cudaMemcpy(...));  throws RuntimeError unless the call returns
 * cudaSuccess. The message reads "CUDA Runtime Error: <name> (<code>): <description>", then
 * the failing call; more context may be streamed after it: TVM_FFI_CHECK_CUDA_ERROR(x) << "...".
 */
#define TVM_FFI_CHECK_CUDA_ERROR(stmt)                                                            \
  if (cudaError_t tvm_ffi_cuda_err_ = (stmt); TVM_FFI_LIKELY(tvm_ffi_cuda_err_ == cudaSuccess)) { \
  } else                                                                                          \
    TVM_FFI_THROW(RuntimeError) << "CUDA Runtime Error: " << cudaGetErrorName(tvm_ffi_cuda_err_)  \
                                << " (" << static_cast<int>(tvm_ffi_cuda_err_)                    \
                                << "): " << cudaGetErrorString(tvm_ffi_cuda_err_)                 \
                                << " [" #stmt "] "

namespace tvm {
namespace ffi {

/*!
 * \brief Grid or block extents for launches through CubinKernel (x, y, z; unset ones are 1).
 * A plain struct so host-only code can name launch shapes; CUDA's own ::dim3 is unaffected.
 */
struct dim3 {
  unsigned int x;
  unsigned int y;
  unsigned int z;

  dim3() : x(1), y(1), z(1) {}
  explicit dim3(unsigned int x_) : x(x_), y(1), z(1) {}
  dim3(unsigned int x_, unsigned int y_) : x(x_), y(y_), z(1) {}
  dim3(unsigned int x_, unsigned int y_, unsigned int z_) : x(x_), y(y_), z(z_) {}
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_BASE_H_
