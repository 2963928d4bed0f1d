/*
 * Another TVM-FFI runtime in the process, e.g. apache-tvm-ffi's libtvm_ffi.so, which its Python
 * package loads RTLD_GLOBAL. Modules loaded after it bind to it by the usual ELF rules, so their
 * errors, streams and allocators live there: the call path reaches them through this bridge.
 */
#ifndef TVM_FFI_JIT_PYTHON_FOREIGN_RUNTIME_H_
#define TVM_FFI_JIT_PYTHON_FOREIGN_RUNTIME_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <tvm/ffi/c_api.h>
#include <tvm/ffi/extra/c_env_api.h>

namespace tvm_ffi_jit {

/*! \brief The other runtime's entry points the call path uses (upstream's C signatures). */
struct ForeignRuntime {
  void (*error_move_from_raised)(TVMFFIObjectHandle* result);
  void (*error_set_raised)(TVMFFIObjectHandle error);
  int (*env_set_stream)(int32_t device_type, int32_t device_id, TVMFFIStreamHandle stream,
                        TVMFFIStreamHandle* opt_out_original_stream);
  int (*env_set_allocator)(DLPackManagedTensorAllocator allocator, int write_to_global_context,
                           DLPackManagedTensorAllocator* opt_out_original_allocator);
  int (*function_get_global)(const TVMFFIByteArray* name, TVMFFIObjectHandle* out);
  const TVMFFITypeInfo* (*get_type_info)(int32_t type_index);
};

/*!
 * \brief The bridged runtime, or nullptr when this process has none (then the call path pays
 * one predictable branch). Written and read with the GIL held.
 */
extern ForeignRuntime* foreign_runtime;

/*! \brief Adopts a runtime found in the global scope that is not this one; no-op otherwise. */
void RefreshForeignRuntime();

/*! \brief Takes the foreign runtime's raised error (nullptr if it has none, or no runtime). */
TVMFFIObjectHandle MoveForeignRaisedError();

/*!
 * \brief Whether the function whose safe_call is `callee` runs on the foreign runtime: its
 * code lies outside this extension, this runtime and the modules bound to this runtime.
 */
bool RunsOnForeignRuntime(const void* callee);

/*!
 * \brief Raises `error` (borrowed) in the foreign runtime, for a caller bound to it: a Python
 * callback's failure goes where the code that called it looks.
 */
void RaiseInForeignRuntime(TVMFFIObjectHandle error);

/*! \brief The foreign runtime's global function `name` (owned), or nullptr; -1 on failure. */
/*!
 * \brief The type information of `object` from the registry that gave its type index: a
 * dynamic type of an object made by code bound to the foreign runtime is registered there.
 */
const TVMFFITypeInfo* TypeInfoOfObject(const TVMFFIObject* object);

/*!
 * \brief After taking `error` from one runtime: the runtime raises an error in both when two
 * are loaded (its code may have been called by either), so the copy in the other goes too.
 */
void DropMirroredError(TVMFFIObjectHandle error);

int ForeignGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out);

/*! \brief Adds _check_module_runtime to the module and looks for a foreign runtime. */
int InitForeignRuntime(PyObject* module);

}  // namespace tvm_ffi_jit
#endif  // TVM_FFI_JIT_PYTHON_FOREIGN_RUNTIME_H_
