/*
 * Macros shared by all C++ headers: inlining, symbol concatenation, static init blocks.
 */
#ifndef TVM_FFI_BASE_DETAILS_H_
#define TVM_FFI_BASE_DETAILS_H_

#include <tvm/ffi/c_api.h>

#include <exception>

#define TVM_FFI_INLINE inline __attribute__((always_inline))
#define TVM_FFI_NO_INLINE __attribute__((noinline))
#define TVM_FFI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TVM_FFI_LIKELY(x) __builtin_expect(!!(x), 1)

#define TVM_FFI_STR_CONCAT_(a, b) a##b
#define TVM_FFI_STR_CONCAT(a, b) TVM_FFI_STR_CONCAT_(a, b)

#if defined(__GNUC__) || defined(__clang__)
#define TVM_FFI_FUNC_SIG __PRETTY_FUNCTION__
#else
#define TVM_FFI_FUNC_SIG __func__
#endif

namespace tvm {
namespace ffi {
namespace details {
/*!
 * \brief Runs a static init block. An exception must not escape a library's initializers
 * (it would end the process inside dlopen): it is raised as an ImportError on this thread
 * instead, which the loader reports when dlopen returns.
 */
inline int RunStaticInitBlock(void (*body)()) noexcept {
  try {
    body();
  } catch (const std::exception& error) {
    TVMFFIErrorSetRaisedFromCStr("ImportError", error.what());
  } catch (...) {
    TVMFFIErrorSetRaisedFromCStr("ImportError", "a static init block threw a non-std exception");
  }
  return 0;
}
}  // namespace details
}  // namespace ffi
}  // namespace tvm

/*
 * TVM_FFI_STATIC_INIT_BLOCK() { ... } runs its body once when the library is loaded.
 * Usable several times in one file.
 */
#define TVM_FFI_STATIC_INIT_BLOCK_IMPL_(id)                                                        \
  static void TVM_FFI_STR_CONCAT(__tvm_ffi_static_init_fn_, id)();                                 \
  [[maybe_unused]] static const int TVM_FFI_STR_CONCAT(__tvm_ffi_static_init_var_, id) =           \
      ::tvm::ffi::details::RunStaticInitBlock(&TVM_FFI_STR_CONCAT(__tvm_ffi_static_init_fn_, id)); \
  static void TVM_FFI_STR_CONCAT(__tvm_ffi_static_init_fn_, id)()
#define TVM_FFI_STATIC_INIT_BLOCK() TVM_FFI_STATIC_INIT_BLOCK_IMPL_(__COUNTER__)

#endif  // TVM_FFI_BASE_DETAILS_H_
