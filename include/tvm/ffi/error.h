/*
 * Error: the exception type that crosses the ABI as an Error object, TVM_FFI_THROW,
 * the TVM_FFI_ICHECK family, and the safe-call guards that keep C++ exceptions
 * from escaping a C ABI function.
 */
#ifndef TVM_FFI_ERROR_H_
#define TVM_FFI_ERROR_H_

#include <tvm/ffi/object.h>

#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

/* Build switches of TVM-FFI's own library; accepted here, this runtime does not use them. */
#ifndef TVM_FFI_USE_LIBBACKTRACE
#define TVM_FFI_USE_LIBBACKTRACE 0
#endif
#ifndef TVM_FFI_BACKTRACE_ON_SEGFAULT
#define TVM_FFI_BACKTRACE_ON_SEGFAULT 0
#endif
/* Set to 1 to print every error TVM_FFI_THROW raises to stderr before it is thrown. */
#ifndef TVM_FFI_ALWAYS_LOG_BEFORE_THROW
#define TVM_FFI_ALWAYS_LOG_BEFORE_THROW 0
#endif

namespace tvm {
namespace ffi {

/*! \brief Object layout of an error: header then TVMFFIErrorCell. */
class ErrorObj : public Object, public TVMFFIErrorCell {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Error", kTVMFFIError)
};

namespace details {
/*! \brief An ErrorObj whose strings are owned by std::string members. */
class ErrorObjFromStd : public ErrorObj {
 public:
  ErrorObjFromStd(std::string kind, std::string message, std::string backtrace)
      : kind_(std::move(kind)), message_(std::move(message)), backtrace_(std::move(backtrace)) {
    this->kind = {kind_.data(), kind_.size()};
    this->message = {message_.data(), message_.size()};
    this->backtrace = {backtrace_.data(), backtrace_.size()};
    this->update_backtrace = UpdateBacktrace;
    this->cause_chain = nullptr;
    this->extra_context = nullptr;
  }
  ~ErrorObjFromStd() {
    if (cause_chain) TVMFFIObjectDecRef(cause_chain);
    if (extra_context) TVMFFIObjectDecRef(extra_context);
  }

 private:
  static void UpdateBacktrace(TVMFFIObjectHandle self, const TVMFFIByteArray* bt, int32_t mode) {
    auto* obj = static_cast<ErrorObjFromStd*>(
        static_cast<ErrorObj*>(ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(self))));
    if (mode == kTVMFFIBacktraceUpdateModeAppend) {
      obj->backtrace_.append(bt->data, bt->size);
    } else {
      obj->backtrace_.assign(bt->data, bt->size);
    }
    obj->backtrace = {obj->backtrace_.data(), obj->backtrace_.size()};
  }
  std::string kind_, message_, backtrace_;
};
}  // namespace details

/*! \brief A C++ exception holding an Error object; what() is the message. */
class Error : public ObjectRef, public std::exception {
 public:
  Error(std::string kind, std::string message, std::string backtrace)
      : ObjectRef(make_object<details::ErrorObjFromStd>(std::move(kind), std::move(message),
                                                        std::move(backtrace))) {}
  Error(std::string kind, std::string message, const TVMFFIByteArray* backtrace)
      : Error(std::move(kind), std::move(message),
              backtrace ? std::string(backtrace->data, backtrace->size) : std::string()) {}
  /*! \brief An error caused by `cause_chain`, carrying `extra_context` (both may be absent). */
  Error(std::string kind, std::string message, std::string backtrace,
        std::optional<Error> cause_chain, std::optional<ObjectRef> extra_context)
      : Error(std::move(kind), std::move(message), std::move(backtrace)) {
    ErrorObj* obj = mutable_cell();
    if (cause_chain.has_value()) {
      obj->cause_chain = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(*cause_chain));
    }
    if (extra_context.has_value()) {
      obj->extra_context = details::ObjectUnsafe::MoveToOwned(std::move(*extra_context));
    }
  }
  explicit Error(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}
  explicit Error(UnsafeInit tag) : ObjectRef(tag) {}

  std::string kind() const { return ToStd(cell()->kind); }
  std::string message() const { return ToStd(cell()->message); }
  /*! \brief The backtrace as recorded: most recent call first. */
  std::string backtrace() const { return ToStd(cell()->backtrace); }
  /*! \brief The error this one was raised from, if any. */
  std::optional<Error> cause_chain() const {
    if (cell()->cause_chain == nullptr) return std::nullopt;
    return Error(details::ObjectUnsafe::PtrFromBorrowed<Object>(
        static_cast<TVMFFIObject*>(cell()->cause_chain)));
  }
  /*! \brief Extra context attached by the raiser, if any. */
  std::optional<ObjectRef> extra_context() const {
    if (cell()->extra_context == nullptr) return std::nullopt;
    return ObjectRef(details::ObjectUnsafe::PtrFromBorrowed<Object>(
        static_cast<TVMFFIObject*>(cell()->extra_context)));
  }
  /*! \brief The backtrace lines in Python's order: most recent call last (empty lines dropped). */
  std::string TracebackMostRecentCallLast() const {
    const TVMFFIByteArray& text = cell()->backtrace;
    std::string out;
    out.reserve(text.size + 1);
    for (size_t end = text.size; end > 0;) {  // one line per turn, from the last one
      size_t start = end;
      while (start > 0 && text.data[start - 1] != '\n') --start;
      if (end > start) {
        out.append(text.data + start, end - start);
        out += '\n';
      }
      end = start > 0 ? start - 1 : 0;
    }
    return out;
  }
  /*! \brief "Traceback (most recent call last):", the traceback, then "Kind: message". */
  std::string FullMessage() const {
    std::string out = "Traceback (most recent call last):\n";
    out += TracebackMostRecentCallLast();
    out.append(cell()->kind.data, cell()->kind.size);
    out += ": ";
    out.append(cell()->message.data, cell()->message.size);
    out += '\n';
    return out;
  }
  /*! \brief Replaces or appends (kTVMFFIBacktraceUpdateMode*) the backtrace. */
  void UpdateBacktrace(const TVMFFIByteArray* text, int32_t mode) {
    cell()->update_backtrace(details::ObjectUnsafe::GetHandle(*this), text, mode);
  }
  void UpdateBacktrace(const std::string& text, int32_t mode) const {
    TVMFFIByteArray bytes = {text.data(), text.size()};
    cell()->update_backtrace(details::ObjectUnsafe::GetHandle(*this), &bytes, mode);
  }
  const char* what() const noexcept override {
    what_.assign(cell()->message.data, cell()->message.size);
    return what_.c_str();
  }
  const ErrorObj* get() const { return static_cast<const ErrorObj*>(data_.get()); }
  const ErrorObj* operator->() const { return get(); }
  using ContainerType = ErrorObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ErrorObj* cell() const { return get(); }
  ErrorObj* mutable_cell() const { return const_cast<ErrorObj*>(get()); }
  static std::string ToStd(const TVMFFIByteArray& b) { return std::string(b.data, b.size); }
  mutable std::string what_;
};

/*! \brief Thrown when the frontend already holds the error (safe-call code -2). */
struct EnvErrorAlreadySet : public std::exception {
  const char* what() const noexcept override { return "error already set by the frontend"; }
};

namespace details {
/*! \brief Prints the error `kind` with `message` and its traceback to stderr, then throws it. */
[[noreturn]] TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline void LogAndThrowError(
    const char* kind, std::string message, const TVMFFIByteArray* backtrace) {
  Error error(kind, std::move(message), backtrace);
  std::cerr << error.FullMessage();
  throw error;
}

/*! \brief LogAndThrowError, or nullptr for an error thrown without being printed first. */
using ErrorLogger = void (*)(const char* kind, std::string message,
                             const TVMFFIByteArray* backtrace);

#if TVM_FFI_ALWAYS_LOG_BEFORE_THROW
#define TVM_FFI_DEFAULT_ERROR_LOGGER_ &::tvm::ffi::details::LogAndThrowError
#else
#define TVM_FFI_DEFAULT_ERROR_LOGGER_ nullptr
#endif

/*!
 * \brief Collects a streamed message for an Error of `kind`. ThrowErrorBuilder (below) throws
 * it once every operand was streamed; an operand that throws instead (e.g. `v.at(i)`) leaves
 * the builder to be destroyed during unwinding, so its own exception propagates, never
 * std::terminate. With a logger (TVM_FFI_LOG_AND_THROW) the full message is printed to stderr
 * first; the logger is a pointer so that modules that never log do not compile the printing.
 */
class ErrorBuilder : public std::ostringstream {
 public:
  TVM_FFI_COLD_CODE ErrorBuilder(const char* kind, const char* file, int line, const char* func,
                                 ErrorLogger logger = TVM_FFI_DEFAULT_ERROR_LOGGER_)
      : kind_(kind), file_(file), func_(func), line_(line), logger_(logger) {}
  TVM_FFI_COLD_CODE ErrorBuilder(const char* kind, const char* file, int line, const char* func,
                                 bool log_before_throw)
      : ErrorBuilder(kind, file, line, func, log_before_throw ? &LogAndThrowError : nullptr) {}
  std::ostringstream& stream() { return *this; }
  /*! \brief Throws the Error with the message streamed so far. */
  [[noreturn]] TVM_FFI_COLD_CODE void Throw() {
    const TVMFFIByteArray* bt = TVMFFIBacktrace(file_, line_, func_, /*cross_ffi_boundary=*/0);
    if (logger_ != nullptr) {
      logger_(kind_, str(), bt);
      TVM_FFI_UNREACHABLE();  // a logger throws the error it printed
    }
    // Made in place as the thrown object: a local copy would add a cleanup to the unwinding.
    throw Error(kind_, str(), bt);
  }

 private:
  const char* kind_;
  const char* file_;
  const char* func_;
  int line_;
  ErrorLogger logger_;
};

/*!
 * \brief `ThrowErrorBuilder() & builder.stream() << a << b` throws the builder's error: `&`
 * binds after every `<<`, so this noreturn call runs only once all operands were streamed.
 */
struct ThrowErrorBuilder {
  [[noreturn]] TVM_FFI_COLD_CODE void operator&(std::ostream& stream) {
#if defined(__GXX_RTTI) || defined(__cpp_rtti)
    if (auto* builder = dynamic_cast<ErrorBuilder*>(&stream)) builder->Throw();
    // An operator<< that returned another stream than the one it was given.
    throw Error("InternalError", "TVM_FFI_THROW: the message stream was replaced", std::string());
#else
    static_cast<ErrorBuilder&>(stream).Throw();  // every operator<< returns the stream it got
#endif
  }
};

/*! \brief Turns a streamed check message into a void expression (kept for older code). */
struct Voidify {
  void operator&(std::ostream&) {}
};

/*! \brief `value` when it is not null; else throws `kind` with `message`. */
template <typename T, typename U>
T NotNullOrThrow(U&& value, const char* kind, const char* message, const char* file, int line,
                 const char* func) {
  if (TVM_FFI_UNLIKELY(value == nullptr)) {
    ErrorBuilder builder(kind, file, line, func);
    builder << message;
    builder.Throw();
  }
  return std::forward<U>(value);
}

/*! \brief Turns a non-zero safe-call code into the matching exception. */
[[noreturn]] inline void ThrowRaised(int code) {
  if (code == -2) throw EnvErrorAlreadySet();
  TVMFFIObjectHandle handle = nullptr;
  TVMFFIErrorMoveFromRaised(&handle);
  if (handle == nullptr) {
    throw Error("RuntimeError", "a call failed without raising an error", std::string());
  }
  throw Error(ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(handle)));
}

/*! \brief Stores a caught Error as this thread's raised error; returns the code. */
inline int SetRaisedFromError(const Error& err) noexcept {
  // An Error of this kind (TVM-FFI's spelling of EnvErrorAlreadySet) means the same.
  constexpr char kAlreadySet[] = "EnvErrorAlreadySet";
  const TVMFFIByteArray& kind = err->kind;
  if (kind.size == sizeof(kAlreadySet) - 1 && std::memcmp(kind.data, kAlreadySet, kind.size) == 0) {
    return -2;
  }
  TVMFFIErrorSetRaised(ObjectUnsafe::GetHandle(err));
  return -1;
}

/*! \brief Stores the in-flight exception as this thread's raised error; returns the code. */
inline int SetRaisedFromCurrentException() noexcept {
  try {
    throw;
  } catch (const Error& err) {
    return SetRaisedFromError(err);
  } catch (const EnvErrorAlreadySet&) {
    return -2;
  } catch (const std::bad_alloc& err) {
    TVMFFIErrorSetRaisedFromCStr("MemoryError", err.what());
    return -1;
  } catch (const std::exception& err) {
    TVMFFIErrorSetRaisedFromCStr("RuntimeError", err.what());
    return -1;
  } catch (...) {
    TVMFFIErrorSetRaisedFromCStr("RuntimeError", "unknown C++ exception");
    return -1;
  }
}
}  // namespace details
}  // namespace ffi
}  // namespace tvm

namespace tvm {
namespace ffi {
namespace details {
/*! \brief " (x vs. y) ": the operands of a failed TVM_FFI_CHECK_<OP>, as the message shows them. */
template <typename X, typename Y>
TVM_FFI_COLD_CODE std::unique_ptr<std::string> LogCheckFormat(const X& x, const Y& y) {
  std::ostringstream os;
  os << " (" << x << " vs. " << y << ") ";
  return std::make_unique<std::string>(os.str());
}

/*
 * Defines details::LogCheck<name>(x, y): nullptr when `x op y` holds, else the formatted
 * operands. An (int, int) overload lets enum and literal operands compare as ints; it is a
 * template too (of an unused parameter, more specialized, so chosen as the non-template was)
 * so that only files using a check compile its formatting.
 */
#define TVM_FFI_CHECK_FUNC(name, op)                                                   \
  template <typename X, typename Y>                                                    \
  TVM_FFI_INLINE std::unique_ptr<std::string> LogCheck##name(const X& x, const Y& y) { \
    if (x op y) return nullptr;                                                        \
    return LogCheckFormat(x, y);                                                       \
  }                                                                                    \
  template <typename = void>                                                           \
  TVM_FFI_INLINE std::unique_ptr<std::string> LogCheck##name(int x, int y) {           \
    return LogCheck##name<int, int>(x, y);                                             \
  }

// The comparisons live in functions so that signed/unsigned warnings can be silenced here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
TVM_FFI_CHECK_FUNC(_LT, <)
TVM_FFI_CHECK_FUNC(_GT, >)
TVM_FFI_CHECK_FUNC(_LE, <=)
TVM_FFI_CHECK_FUNC(_GE, >=)
TVM_FFI_CHECK_FUNC(_EQ, ==)
TVM_FFI_CHECK_FUNC(_NE, !=)
#pragma GCC diagnostic pop
}  // namespace details
}  // namespace ffi
}  // namespace tvm

/* TVM_FFI_THROW(ValueError) << "message " << value;  throws tvm::ffi::Error. */
#define TVM_FFI_THROW(ErrorKind)             \
  ::tvm::ffi::details::ThrowErrorBuilder() & \
      ::tvm::ffi::details::ErrorBuilder(#ErrorKind, __FILE__, __LINE__, TVM_FFI_FUNC_SIG).stream()

/* Like TVM_FFI_THROW, and prints the error with its traceback to stderr first. */
#define TVM_FFI_LOG_AND_THROW(ErrorKind)                                                  \
  ::tvm::ffi::details::ThrowErrorBuilder() &                                              \
      ::tvm::ffi::details::ErrorBuilder(#ErrorKind, __FILE__, __LINE__, TVM_FFI_FUNC_SIG, \
                                        &::tvm::ffi::details::LogAndThrowError)           \
          .stream()

/* TVM_FFI_CHECK(cond, ErrorKind) << "message";  throws ErrorKind unless cond holds. */
// The conditional-expression form (not if/else) is safe as the body of an unbraced `if`.
#define TVM_FFI_CHECK(cond, ErrorKind) \
  TVM_FFI_LIKELY(cond) ? (void)0       \
                       : TVM_FFI_THROW(ErrorKind) << "Check failed: (" #cond ") is false: "

/*
 * TVM_FFI_CHECK_EQ(x, y, ErrorKind) << "message";  and _NE/_LT/_LE/_GT/_GE: each operand is
 * evaluated once and both are printed on failure ("Check failed: x == y (1 vs. 2) : ...").
 * The `if (...) {} else` shape keeps a following `else` with the user's own `if`.
 */
#define TVM_FFI_CHECK_BINARY_OP(name, op, x, y, ErrorKind)                    \
  if (auto tvm_ffi_check_failed_ = ::tvm::ffi::details::LogCheck##name(x, y); \
      TVM_FFI_LIKELY(!tvm_ffi_check_failed_)) {                               \
  } else /* NOLINT(readability/braces) */                                     \
    TVM_FFI_THROW(ErrorKind) << "Check failed: " #x " " #op " " #y << *tvm_ffi_check_failed_ << ": "
#define TVM_FFI_CHECK_EQ(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_EQ, ==, x, y, ErrorKind)
#define TVM_FFI_CHECK_NE(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_NE, !=, x, y, ErrorKind)
#define TVM_FFI_CHECK_LT(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_LT, <, x, y, ErrorKind)
#define TVM_FFI_CHECK_LE(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_LE, <=, x, y, ErrorKind)
#define TVM_FFI_CHECK_GT(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_GT, >, x, y, ErrorKind)
#define TVM_FFI_CHECK_GE(x, y, ErrorKind) TVM_FFI_CHECK_BINARY_OP(_GE, >=, x, y, ErrorKind)
/* An expression: throws ErrorKind when x is null (before x is used), else yields x. */
#define TVM_FFI_CHECK_NOTNULL(x, ErrorKind)                                                      \
  ::tvm::ffi::details::NotNullOrThrow<decltype((x))>((x), #ErrorKind, "Check not null: " #x " ", \
                                                     __FILE__, __LINE__, TVM_FFI_FUNC_SIG)

/* Internal invariants: throw InternalError when violated. */
#define TVM_FFI_ICHECK(cond) TVM_FFI_CHECK(cond, InternalError)
#define TVM_FFI_ICHECK_EQ(x, y) TVM_FFI_CHECK_EQ(x, y, InternalError)
#define TVM_FFI_ICHECK_NE(x, y) TVM_FFI_CHECK_NE(x, y, InternalError)
#define TVM_FFI_ICHECK_LT(x, y) TVM_FFI_CHECK_LT(x, y, InternalError)
#define TVM_FFI_ICHECK_LE(x, y) TVM_FFI_CHECK_LE(x, y, InternalError)
#define TVM_FFI_ICHECK_GT(x, y) TVM_FFI_CHECK_GT(x, y, InternalError)
#define TVM_FFI_ICHECK_GE(x, y) TVM_FFI_CHECK_GE(x, y, InternalError)
#define TVM_FFI_ICHECK_NOTNULL(x) TVM_FFI_CHECK_NOTNULL(x, InternalError)

/* Debug-only invariants: TVM_FFI_ICHECK*, compiled but never evaluated under NDEBUG. */
#ifndef NDEBUG
#define TVM_FFI_DCHECK(x) TVM_FFI_ICHECK(x)
#define TVM_FFI_DCHECK_EQ(x, y) TVM_FFI_ICHECK_EQ(x, y)
#define TVM_FFI_DCHECK_NE(x, y) TVM_FFI_ICHECK_NE(x, y)
#define TVM_FFI_DCHECK_LT(x, y) TVM_FFI_ICHECK_LT(x, y)
#define TVM_FFI_DCHECK_LE(x, y) TVM_FFI_ICHECK_LE(x, y)
#define TVM_FFI_DCHECK_GT(x, y) TVM_FFI_ICHECK_GT(x, y)
#define TVM_FFI_DCHECK_GE(x, y) TVM_FFI_ICHECK_GE(x, y)
#define TVM_FFI_DCHECK_NOTNULL(x) TVM_FFI_ICHECK_NOTNULL(x)
#else
#define TVM_FFI_DCHECK(x) \
  while (false) TVM_FFI_ICHECK(x)
#define TVM_FFI_DCHECK_EQ(x, y) \
  while (false) TVM_FFI_ICHECK_EQ(x, y)
#define TVM_FFI_DCHECK_NE(x, y) \
  while (false) TVM_FFI_ICHECK_NE(x, y)
#define TVM_FFI_DCHECK_LT(x, y) \
  while (false) TVM_FFI_ICHECK_LT(x, y)
#define TVM_FFI_DCHECK_LE(x, y) \
  while (false) TVM_FFI_ICHECK_LE(x, y)
#define TVM_FFI_DCHECK_GT(x, y) \
  while (false) TVM_FFI_ICHECK_GT(x, y)
#define TVM_FFI_DCHECK_GE(x, y) \
  while (false) TVM_FFI_ICHECK_GE(x, y)
#define TVM_FFI_DCHECK_NOTNULL(x) (x)
#endif  // NDEBUG

/*
 * Wrap the body of a TVMFFISafeCallType function: any exception becomes the raised error
 * and the function returns -1 (or -2); falling through returns 0.
 */
#define TVM_FFI_SAFE_CALL_BEGIN() try {
#define TVM_FFI_SAFE_CALL_END()                                  \
  return 0;                                                      \
  }                                                              \
  TVM_FFI_RETHROW_FORCED_UNWIND()                                \
  catch (const ::tvm::ffi::Error& err) {                         \
    /* the common case, without a rethrow to find the type */    \
    return ::tvm::ffi::details::SetRaisedFromError(err);         \
  }                                                              \
  catch (...) {                                                  \
    return ::tvm::ffi::details::SetRaisedFromCurrentException(); \
  }

/* Calls a C API function and throws its raised error on failure. */
#define TVM_FFI_CHECK_SAFE_CALL(func)                                                    \
  {                                                                                      \
    int tvm_ffi_check_code_ = (func);                                                    \
    if (tvm_ffi_check_code_ != 0) ::tvm::ffi::details::ThrowRaised(tvm_ffi_check_code_); \
  }

#endif  // TVM_FFI_ERROR_H_
