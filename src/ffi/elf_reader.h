/*
 * Reads the dynamic section and dynamic symbols of an ELF shared library from its file,
 * without loading it.
 */
#ifndef TVM_FFI_JIT_RUNTIME_ELF_READER_H_
#define TVM_FFI_JIT_RUNTIME_ELF_READER_H_

#include <string>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief Names of the symbols the library defines that start with `prefix`, prefix removed. */
std::vector<std::string> ListElfDefinedSymbols(const std::string& path, const std::string& prefix);

/*! \brief The library's DT_NEEDED entries (e.g. "libtvm_ffi.so"); empty if unreadable. */
std::vector<std::string> ListElfNeeded(const std::string& path);

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_JIT_RUNTIME_ELF_READER_H_
