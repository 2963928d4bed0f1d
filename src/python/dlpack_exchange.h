/*
 * The DLPack exchange API a framework publishes as `type.__dlpack_c_exchange_api__`
 * (a PyCapsule named "dlpack_exchange_api"): C entry points that convert its tensors
 * without a Python-level __dlpack__ call. dlpack.h (DLPack 1.3) defines its structs.
 */
#ifndef TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
#define TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_

#include <dlpack/dlpack.h>

#endif  // TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
