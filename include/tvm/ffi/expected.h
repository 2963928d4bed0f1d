/*
 * Expected<T>: a T or an Error, for error handling without exceptions. Unexpected(err)
 * makes the error case; TVM_FFI_UNEXPECTED(Kind) << "msg" builds one in place, and the
 * TVM_FFI_RET_CHECK* family returns it from the enclosing function when a check fails.
 * Function::CallExpected calls a function and returns its result or error this way.
 * Across the ABI an Expected is its value or its Error object.
 */
#ifndef TVM_FFI_EXPECTED_H_
#define TVM_FFI_EXPECTED_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/function.h>

#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief The error case of an Expected. */
template <typename E = Error>
class Unexpected {
  static_assert(std::is_base_of_v<Error, std::remove_cv_t<E>>, "Unexpected holds an Error");

 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  const E& error() const& noexcept { return error_; }
  E& error() & noexcept { return error_; }
  E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

/*! \brief A T or an Error. */
template <typename T>
class Expected {
  static_assert(!std::is_same_v<T, Error>, "Expected<Error>: use Error itself");

 public:
  Expected(T value) : data_(Any(std::move(value))) {}  // NOLINT(*)
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_base_of_v<Error, std::decay_t<U>> &&
                                                    !std::is_same_v<std::decay_t<U>, Expected>>>
  Expected(U&& value) : data_(Any(T(std::forward<U>(value)))) {}  // NOLINT(*)
  Expected(Error error) : data_(Any(std::move(error))) {}         // NOLINT(*)
  template <typename E>
  Expected(Unexpected<E> unexpected) : data_(Any(std::move(unexpected).error())) {}  // NOLINT(*)

  int32_t type_index() const noexcept { return data_.type_index(); }
  bool is_ok() const noexcept { return data_.type_index() != kTVMFFIError; }
  bool is_err() const noexcept { return !is_ok(); }
  bool has_value() const noexcept { return is_ok(); }
  /*! \brief The value; throws the Error when there is none. */
  T value() const {
    if (is_err()) throw data_.cast<Error>();
    if constexpr (std::is_same_v<T, Any>) {
      return data_;
    } else {
      return data_.cast<T>();
    }
  }
  /*! \brief The Error; throws RuntimeError when this holds a value. */
  Error error() const {
    if (is_ok()) {
      TVM_FFI_THROW(RuntimeError) << "Expected::error() called on a value";
    }
    return data_.cast<Error>();
  }
  template <typename U>
  T value_or(U&& default_value) const {
    return is_ok() ? value() : T(std::forward<U>(default_value));
  }
  /*! \brief The value as U, or the error (also when it does not convert to U). */
  template <typename U = Any>
  Expected<U> as_or_error() const {
    if (is_err()) return error();
    std::optional<U> converted = data_.try_cast<U>();
    if (converted.has_value()) return *std::move(converted);
    return Error(
        "TypeError",
        "Cannot convert `" + data_.GetTypeKey() + "` to `" + TypeTraits<U>::TypeStr() + "`",
        std::string());
  }

 private:
  template <typename, typename>
  friend struct TypeTraits;
  Any data_;  // a T, or an Error (type index kTVMFFIError)
};

/*! \brief Nothing or an Error. */
template <>
class Expected<void> {
 public:
  Expected() = default;
  Expected(Error error) : data_(Any(std::move(error))) {}  // NOLINT(*)
  template <typename E>
  Expected(Unexpected<E> unexpected) : data_(Any(std::move(unexpected).error())) {}  // NOLINT(*)

  int32_t type_index() const noexcept { return data_.type_index(); }
  bool is_ok() const noexcept { return data_.type_index() != kTVMFFIError; }
  bool is_err() const noexcept { return !is_ok(); }
  bool has_value() const noexcept { return is_ok(); }
  /*! \brief Throws the Error, if any. */
  void value() const {
    if (is_err()) throw data_.cast<Error>();
  }
  Error error() const {
    if (is_ok()) {
      TVM_FFI_THROW(RuntimeError) << "Expected::error() called on a value";
    }
    return data_.cast<Error>();
  }

 private:
  template <typename, typename>
  friend struct TypeTraits;
  Any data_;
};

template <typename T>
struct TypeTraits<Expected<T>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Expected<T>& v, TVMFFIAny* out) {
    *out = *details::AnyUnsafe::Raw(v.data_);
  }
  static void MoveToAny(Expected<T> v, TVMFFIAny* out) {
    *out = details::AnyUnsafe::MoveToRaw(std::move(v.data_));
  }
  static std::optional<Expected<T>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIError) {
      return Expected<T>(*TypeTraits<Error>::TryCastFromAnyView(src));
    }
    if constexpr (std::is_void_v<T>) {
      if (src->type_index == kTVMFFINone) return Expected<void>();
      return std::nullopt;
    } else {
      std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(src);
      if (!value.has_value()) return std::nullopt;
      return Expected<T>(*std::move(value));
    }
  }
  static std::string TypeStr() {
    if constexpr (std::is_void_v<T>) {
      return "Expected<void>";
    } else {
      return "Expected<" + TypeTraits<T>::TypeStr() + ">";
    }
  }
  static std::string TypeSchema() {
    return R"({"type":"Expected","args":[)" + details::TypeSchema<T>::v() +
           R"(,{"type":"ffi.Error"}]})";
  }
};

template <typename T, typename... Args>
Expected<T> Function::CallExpected(Args&&... args) const {
  AnyView packed[sizeof...(Args) > 0 ? sizeof...(Args) : 1];
  PackedArgs::Fill(packed, std::forward<Args>(args)...);
  Any result;
  const FunctionObj* obj = get();
  int code = obj->safe_call(
      details::ObjectUnsafe::GetHandle(*this), reinterpret_cast<const TVMFFIAny*>(packed),
      static_cast<int32_t>(sizeof...(Args)), details::AnyUnsafe::MutableRaw(&result));
  if (code != 0) {
    try {
      details::ThrowRaised(code);
    } catch (const Error& error) {
      return error;
    } catch (const EnvErrorAlreadySet&) {
      return Error("EnvErrorAlreadySet", "", "");
    }
  }
  if (std::optional<Error> error = result.try_cast<Error>()) return *std::move(error);
  if constexpr (std::is_same_v<T, Any>) {
    return result;
  } else if constexpr (std::is_void_v<T>) {
    if (result == nullptr) return Expected<void>();
    return Error("TypeError",
                 "CallExpected: expected no result but got `" + result.GetTypeKey() + "`",
                 std::string());
  } else {
    if (std::optional<T> value = result.try_cast<T>()) return *std::move(value);
    return Error("TypeError",
                 "CallExpected: expected `" + TypeTraits<T>::TypeStr() + "` but got `" +
                     result.GetTypeKey() + "`",
                 std::string());
  }
}

namespace details {
/*! \brief Collects a streamed message; converts to Unexpected<Error> / Expected<T>. */
class UnexpectedBuilder {
 public:
  UnexpectedBuilder(const char* kind, const char* file, int line, const char* function)
      : kind_(kind), file_(file), function_(function), line_(line) {}
  template <typename T>
  UnexpectedBuilder&& operator<<(T&& value) && {
    stream_ << std::forward<T>(value);
    return std::move(*this);
  }
  operator Unexpected<Error>() && {  // NOLINT(*)
    std::ostringstream backtrace;
    backtrace << "  File \"" << file_ << "\", line " << line_ << ", in " << function_ << '\n';
    return Unexpected<Error>(Error(kind_, stream_.str(), backtrace.str()));
  }
  template <typename T>
  operator Expected<T>() && {  // NOLINT(*)
    return static_cast<Unexpected<Error>>(std::move(*this));
  }

 private:
  const char* kind_;
  const char* file_;
  const char* function_;
  int line_;
  std::ostringstream stream_;
};
}  // namespace details
}  // namespace ffi
}  // namespace tvm

/* return TVM_FFI_UNEXPECTED(ValueError) << "msg";  from a function returning Expected<T>. */
#define TVM_FFI_UNEXPECTED(ErrorKind) \
  ::tvm::ffi::details::UnexpectedBuilder(#ErrorKind, __FILE__, __LINE__, TVM_FFI_FUNC_SIG)

/* Like TVM_FFI_CHECK*, but a failure returns the error (as Unexpected) from the function. */
#define TVM_FFI_RET_CHECK(cond, ErrorKind) \
  while (TVM_FFI_PREDICT_FALSE(!(cond)))   \
  return TVM_FFI_UNEXPECTED(ErrorKind) << "Check failed: (" #cond ") is false: "
#define TVM_FFI_RET_CHECK_BINARY_OP(name, op, x, y, ErrorKind)                   \
  while (auto tvm_ffi_check_failed_ = ::tvm::ffi::details::LogCheck##name(x, y)) \
  return TVM_FFI_UNEXPECTED(ErrorKind)                                           \
         << "Check failed: " #x " " #op " " #y << *tvm_ffi_check_failed_ << ": "
#define TVM_FFI_RET_CHECK_EQ(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_EQ, ==, x, y, ErrorKind)
#define TVM_FFI_RET_CHECK_NE(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_NE, !=, x, y, ErrorKind)
#define TVM_FFI_RET_CHECK_LT(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_LT, <, x, y, ErrorKind)
#define TVM_FFI_RET_CHECK_LE(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_LE, <=, x, y, ErrorKind)
#define TVM_FFI_RET_CHECK_GT(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_GT, >, x, y, ErrorKind)
#define TVM_FFI_RET_CHECK_GE(x, y, ErrorKind) TVM_FFI_RET_CHECK_BINARY_OP(_GE, >=, x, y, ErrorKind)
#define TVM_FFI_RET_ICHECK(x) TVM_FFI_RET_CHECK(x, InternalError)
#define TVM_FFI_RET_ICHECK_EQ(x, y) TVM_FFI_RET_CHECK_EQ(x, y, InternalError)
#define TVM_FFI_RET_ICHECK_NE(x, y) TVM_FFI_RET_CHECK_NE(x, y, InternalError)
#define TVM_FFI_RET_ICHECK_LT(x, y) TVM_FFI_RET_CHECK_LT(x, y, InternalError)
#define TVM_FFI_RET_ICHECK_LE(x, y) TVM_FFI_RET_CHECK_LE(x, y, InternalError)
#define TVM_FFI_RET_ICHECK_GT(x, y) TVM_FFI_RET_CHECK_GT(x, y, InternalError)
#define TVM_FFI_RET_ICHECK_GE(x, y) TVM_FFI_RET_CHECK_GE(x, y, InternalError)

#endif  // TVM_FFI_EXPECTED_H_
