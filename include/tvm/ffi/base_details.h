/*
 * Macros shared by all C++ headers: inlining, branch hints, symbol concatenation, static
 * init blocks. The internal namespace is `details`; `detail::` finds its names too.
 */
#ifndef TVM_FFI_BASE_DETAILS_H_
#define TVM_FFI_BASE_DETAILS_H_

#include <tvm/ffi/c_api.h>
#include <tvm/ffi/endian.h>

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <utility>

#if defined(__GLIBCXX__)
#include <cxxabi.h>  // abi::__forced_unwind
#endif

#define TVM_FFI_INLINE inline __attribute__((always_inline))
#define TVM_FFI_NO_INLINE __attribute__((noinline))
#define TVM_FFI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TVM_FFI_LIKELY(x) __builtin_expect(!!(x), 1)
#define TVM_FFI_PREDICT_FALSE(cond) (__builtin_expect(static_cast<bool>(cond), 0))
#define TVM_FFI_PREDICT_TRUE(cond) (__builtin_expect(static_cast<bool>(cond), 1))
/* Marks functions on error paths: compiled for size, kept out of the hot code. */
#define TVM_FFI_COLD_CODE [[gnu::cold]]
#define TVM_FFI_UNREACHABLE() __builtin_unreachable()
/* Tells the optimizer `cond` holds; undefined behaviour if it does not. */
#if defined(__clang__)
#define TVM_FFI_UNSAFE_ASSUME(cond) __builtin_assume(cond)
#else
#define TVM_FFI_UNSAFE_ASSUME(cond)       \
  do {                                    \
    if (!(cond)) __builtin_unreachable(); \
  } while (0)
#endif
/* On 32-bit targets a pointer does not fill the 8-byte value slot: zero the rest first. */
#define TVM_FFI_CLEAR_PTR_PADDING_IN_FFI_ANY(result) \
  if constexpr (sizeof(void*) != sizeof(int64_t)) {  \
    (result)->v_int64 = 0;                           \
  }

/* Declares the default copy/move constructors and assignments of TypeName. */
#define TVM_FFI_DEFINE_DEFAULT_COPY_MOVE_AND_ASSIGN(TypeName)        \
  TypeName(const TypeName& other) = default;                         \
  TypeName(TypeName&& other) noexcept = default;                     \
  TypeName& operator=(const TypeName& other) = default; /* NOLINT */ \
  TypeName& operator=(TypeName&& other) noexcept = default;

/*
 * TVM_FFI_LOG_EXCEPTION_CALL_BEGIN(); body; TVM_FFI_LOG_EXCEPTION_CALL_END(Name);
 * For code that must not throw (destructors, callbacks): an exception is printed and the
 * process exits.
 */
#define TVM_FFI_LOG_EXCEPTION_CALL_BEGIN() \
  try {                                    \
  (void)0
#define TVM_FFI_LOG_EXCEPTION_CALL_END(Name)                                              \
  }                                                                                       \
  catch (const std::exception& err) {                                                     \
    std::cerr << "Exception caught during " << #Name << ":\n" << err.what() << std::endl; \
    std::exit(-1);                                                                        \
  }

/*
 * A handler clause that lets a thread's forced unwind (pthread_exit, pthread_cancel; e.g.
 * CPython ending a thread that wants the GIL while the interpreter finalizes) pass: a
 * `catch (...)` that swallowed it would abort the process. Put it before every catch (...).
 */
#if defined(__GLIBCXX__)
#define TVM_FFI_RETHROW_FORCED_UNWIND() \
  catch (abi::__forced_unwind&) {       \
    throw;                              \
  }
#else
#define TVM_FFI_RETHROW_FORCED_UNWIND()
#endif

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

/*! \brief Calls f(index, arg) for each argument in order. */
template <typename F, typename... Args, size_t... I>
void ForEachIndexed(std::index_sequence<I...>, const F& f, Args&&... args) {
  (f(I, std::forward<Args>(args)), ...);
}
template <typename F, typename... Args>
void for_each(const F& f, Args&&... args) {  // NOLINT(*)
  ForEachIndexed(std::index_sequence_for<Args...>{}, f, std::forward<Args>(args)...);
}
}  // namespace details
/*!
 * \brief `detail::X` finds `details::X` too (TVM-FFI sources use both spellings); a
 * using-directive rather than an alias, so `namespace detail { ... }` may still be opened.
 */
namespace detail {
using namespace ::tvm::ffi::details;  // NOLINT(build/namespaces)
}  // namespace detail
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
