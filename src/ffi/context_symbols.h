/*
 * Context symbols (TVMFFIEnvModRegisterContextSymbol): values the runtime writes into a
 * library's exported pointer slot of the same name when the library is loaded, so that the
 * library reaches them without linking against whoever provides them.
 */
#ifndef TVM_FFI_JIT_SRC_FFI_CONTEXT_SYMBOLS_H_
#define TVM_FFI_JIT_SRC_FFI_CONTEXT_SYMBOLS_H_

#include <functional>

namespace tvm {
namespace ffi {

/*!
 * \brief For the module loader, once per newly opened library: writes every registered
 * symbol into the slot `lookup(name)` returns (e.g. dlsym on the library), when non-NULL.
 */
void InitContextSymbols(const std::function<void*(const char*)>& lookup);

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_JIT_SRC_FFI_CONTEXT_SYMBOLS_H_
