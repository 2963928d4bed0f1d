/*
 * CUDA error checks that raise TVM-FFI errors: a failing CUDA call becomes a RuntimeError
 * in Python carrying the CUDA error name and string.
 */
#ifndef TVM_FFI_EXTRA_CUDA_CHECK_H_
#define TVM_FFI_EXTRA_CUDA_CHECK_H_

#include <cuda_runtime.h>
#include <tvm/ffi/error.h>

/* TVM_FFI_CHECK_CUDA_ERROR(cudaMemcpy(...)) << "while copying";  throws on failure. */
#define TVM_FFI_CHECK_CUDA_ERROR(expr)                                                            \
  if (cudaError_t tvm_ffi_cuda_err_ = (expr); TVM_FFI_LIKELY(tvm_ffi_cuda_err_ == cudaSuccess)) { \
  } else                                                                                          \
    TVM_FFI_THROW(RuntimeError) << "CUDA error " << cudaGetErrorName(tvm_ffi_cuda_err_) << ": "   \
                                << cudaGetErrorString(tvm_ffi_cuda_err_) << " (" #expr ") "

/* Checks the last kernel launch (cudaGetLastError). */
#define TVM_FFI_CHECK_CUDA_LAUNCH() TVM_FFI_CHECK_CUDA_ERROR(cudaGetLastError())

#endif  // TVM_FFI_EXTRA_CUDA_CHECK_H_
