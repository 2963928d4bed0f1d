/*
 * C functions this runtime exports beyond the TVM-FFI ABI, for tvm_ffi_jit's own Python
 * binding only. Kernel libraries must not call them: they would not load on another
 * runtime of the same ABI.
 */
#ifndef TVM_FFI_JIT_RUNTIME_EXTENSIONS_H_
#define TVM_FFI_JIT_RUNTIME_EXTENSIONS_H_

#include <tvm/ffi/c_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Attaches a docstring to the global function `name`. */
TVM_FFI_DLL int TVMFFIFunctionSetGlobalDoc(const TVMFFIByteArray* name, const TVMFFIByteArray* doc);
/* Lists the names of all global functions as an Array of String in *out. */
TVM_FFI_DLL int TVMFFIFunctionListGlobalNames(TVMFFIAny* out);

#ifdef __cplusplus
}  // extern "C"
#endif
#endif  // TVM_FFI_JIT_RUNTIME_EXTENSIONS_H_
