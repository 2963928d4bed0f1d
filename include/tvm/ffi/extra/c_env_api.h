/*
 * The environment API: per-thread streams, the framework tensor allocator, signal checks,
 * and module symbol lookup. Part of the stable C ABI.
 */
#ifndef TVM_FFI_EXTRA_C_ENV_API_H_
#define TVM_FFI_EXTRA_C_ENV_API_H_

#include <tvm/ffi/c_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A device stream (cudaStream_t on CUDA); NULL is the default stream. */
typedef void* TVMFFIStreamHandle;

/* Sets this thread's stream for a device; the previous one goes to *opt_out_original_stream. */
TVM_FFI_DLL int TVMFFIEnvSetStream(int32_t device_type, int32_t device_id,
                                   TVMFFIStreamHandle stream,
                                   TVMFFIStreamHandle* opt_out_original_stream);
/* This thread's stream for a device (NULL if none was set). */
TVM_FFI_DLL TVMFFIStreamHandle TVMFFIEnvGetStream(int32_t device_type, int32_t device_id);

/*
 * Sets the allocator TVMFFIEnvTensorAlloc uses on this thread (and, when
 * write_to_global_context is non-zero, the default of threads that set none). NULL clears
 * this thread's own allocator, so the default applies again; *opt_out_original_allocator
 * receives this thread's previous own allocator (NULL if it had none), ready to restore.
 */
TVM_FFI_DLL int TVMFFIEnvSetDLPackManagedTensorAllocator(
    DLPackManagedTensorAllocator allocator, int write_to_global_context,
    DLPackManagedTensorAllocator* opt_out_original_allocator);
TVM_FFI_DLL DLPackManagedTensorAllocator TVMFFIEnvGetDLPackManagedTensorAllocator(void);
/* Allocates a Tensor shaped like `prototype` through the current allocator. */
TVM_FFI_DLL int TVMFFIEnvTensorAlloc(DLTensor* prototype, TVMFFIObjectHandle* out);

/* Non-zero when the frontend has a pending signal (e.g. Ctrl-C); the error is then set there. */
TVM_FFI_DLL int TVMFFIEnvCheckSignals(void);
/*
 * Gives the runtime a frontend C function by name: "PyErr_CheckSignals",
 * "PyGILState_Ensure" or "PyGILState_Release".
 */
TVM_FFI_DLL int TVMFFIEnvRegisterCAPI(const char* name, void* symbol);

/* Registers a symbol of the system library; `name` is "__tvm_ffi_<prefix><function>". */
TVM_FFI_DLL int TVMFFIEnvModRegisterSystemLibSymbol(const char* name, void* symbol);
/*
 * Looks up `func_name` for the library whose `__tvm_ffi__library_ctx` is `library_ctx`:
 * first in its imports, then in the global registry. *out receives an owning handle.
 */
TVM_FFI_DLL int TVMFFIEnvModLookupFromImports(TVMFFIObjectHandle library_ctx, const char* func_name,
                                              TVMFFIObjectHandle* out);
/* Registers a symbol that every library loaded afterwards receives in its `__<name>` slot. */
TVM_FFI_DLL int TVMFFIEnvModRegisterContextSymbol(const char* name, void* symbol);

#ifdef __cplusplus
}  // extern "C"
#endif
#endif  // TVM_FFI_EXTRA_C_ENV_API_H_
