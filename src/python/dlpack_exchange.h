/*
 * The DLPack exchange API a framework publishes as `type.__dlpack_c_exchange_api__`
 * (a PyCapsule named "dlpack_exchange_api"): C entry points that convert its tensors
 * without a Python-level __dlpack__ call. dlpack.h (DLPack 1.3) defines its structs.
 * Also the policy every import route applies to read-only memory.
 */
#ifndef TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
#define TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_

#include <dlpack/dlpack.h>

namespace tvm_ffi_jit {

/*!
 * \brief Whether read-only memory may become a tensor here: inside
 * `with tvm_ffi_jit.allow_readonly():` or `from_dlpack(x, allow_readonly=True)`. Kernels cannot
 * see the flag, so by default such inputs are refused.
 */
bool ReadOnlyInputsAllowed();

/*! \brief Sets the BufferError refusing a read-only input of type `what`; returns -1. */
int RaiseReadOnlyInput(const char* what);

}  // namespace tvm_ffi_jit

#endif  // TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
