/*
 * CUDA error checks that raise TVM-FFI errors: a failing CUDA call becomes a RuntimeError
 * in Python carrying the CUDA error name and string (TVM_FFI_CHECK_CUDA_ERROR, from base.h).
 */
#ifndef TVM_FFI_EXTRA_CUDA_CHECK_H_
#define TVM_FFI_EXTRA_CUDA_CHECK_H_

#include <tvm/ffi/extra/cuda/base.h>

/* Checks the last kernel launch (cudaGetLastError). */
#define TVM_FFI_CHECK_CUDA_LAUNCH() TVM_FFI_CHECK_CUDA_ERROR(cudaGetLastError())

#endif  // TVM_FFI_EXTRA_CUDA_CHECK_H_
