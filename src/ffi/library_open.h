/*
 * How the runtime opens a module's shared library: everything bound at load, nothing added to
 * the global scope, and a NEEDED libtvm_ffi.so (upstream's runtime name) resolved to this one
 * when upstream's runtime is not loaded.
 */
#ifndef TVM_FFI_JIT_RUNTIME_LIBRARY_OPEN_H_
#define TVM_FFI_JIT_RUNTIME_LIBRARY_OPEN_H_

#include <string>

namespace tvm {
namespace ffi {

/*!
 * \brief dlopen(path, RTLD_NOW | RTLD_LOCAL); throws ImportError with the loader's reason (an
 * undefined symbol is named, demangled) instead of letting a lazy binding kill the process later.
 */
void* OpenLibrary(const std::string& path);

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_JIT_RUNTIME_LIBRARY_OPEN_H_
