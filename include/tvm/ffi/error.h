/*
 * Error: the exception type that crosses the ABI as an Error object, TVM_FFI_THROW,
 * the TVM_FFI_ICHECK family, and the safe-call guards that keep C++ exceptions
 * from escaping a C ABI function.
 */
#ifndef TVM_FFI_ERROR_H_
#define TVM_FFI_ERROR_H_

#include <tvm/ffi/object.h>

#include <exception>
#include <sstream>
#include <string>
#include <utility>

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
    std::string text(bt->data, bt->size);
    obj->backtrace_ = mode == kTVMFFIBacktraceUpdateModeAppend ? obj->backtrace_ + text : text;
    obj->backtrace = {obj->backtrace_.data(), obj->backtrace_.size()};
  }
  std::string kind_, message_, backtrace_;
};
}  // namespace details

/*! \brief A C++ exception holding an Error object; what() is "Kind: message". */
class Error : public ObjectRef, public std::exception {
 public:
  Error(std::string kind, std::string message, std::string backtrace)
      : ObjectRef(make_object<details::ErrorObjFromStd>(std::move(kind), std::move(message),
                                                        std::move(backtrace))) {}
  Error(std::string kind, std::string message, const TVMFFIByteArray* backtrace)
      : Error(std::move(kind), std::move(message),
              backtrace ? std::string(backtrace->data, backtrace->size) : std::string()) {}
  explicit Error(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  std::string kind() const { return ToStd(cell()->kind); }
  std::string message() const { return ToStd(cell()->message); }
  std::string backtrace() const { return ToStd(cell()->backtrace); }
  /*! \brief Replaces or appends (kTVMFFIBacktraceUpdateMode*) the backtrace. */
  void UpdateBacktrace(const std::string& text, int32_t mode) const {
    TVMFFIByteArray bytes = {text.data(), text.size()};
    cell()->update_backtrace(details::ObjectUnsafe::GetHandle(*this), &bytes, mode);
  }
  const char* what() const noexcept override {
    what_ = kind() + ": " + message();
    return what_.c_str();
  }
  const ErrorObj* get() const { return static_cast<const ErrorObj*>(data_.get()); }
  using ContainerType = ErrorObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ErrorObj* cell() const { return get(); }
  static std::string ToStd(const TVMFFIByteArray& b) { return std::string(b.data, b.size); }
  mutable std::string what_;
};

/*! \brief Thrown when the frontend already holds the error (safe-call code -2). */
struct EnvErrorAlreadySet : public std::exception {
  const char* what() const noexcept override { return "error already set by the frontend"; }
};

namespace details {
/*! \brief Collects a streamed message and throws it as an Error when destroyed. */
class ErrorBuilder {
 public:
  ErrorBuilder(const char* kind, const char* file, int line, const char* func)
      : kind_(kind), file_(file), func_(func), line_(line) {}
  std::ostringstream& stream() { return stream_; }
  [[noreturn]] ~ErrorBuilder() noexcept(false) {
    const TVMFFIByteArray* bt = TVMFFIBacktrace(file_, line_, func_, /*cross_ffi_boundary=*/0);
    throw Error(kind_, stream_.str(), bt);
  }

 private:
  std::ostringstream stream_;
  const char* kind_;
  const char* file_;
  const char* func_;
  int line_;
};

/*! \brief Turns a streamed check message into a void expression (for TVM_FFI_CHECK). */
struct Voidify {
  void operator&(std::ostream&) {}
};

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

/*! \brief Stores the in-flight exception as this thread's raised error; returns the code. */
inline int SetRaisedFromCurrentException() noexcept {
  try {
    throw;
  } catch (const Error& err) {
    TVMFFIErrorSetRaised(ObjectUnsafe::GetHandle(err));
    return -1;
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

/* TVM_FFI_THROW(ValueError) << "message " << value;  throws tvm::ffi::Error. */
#define TVM_FFI_THROW(ErrorKind) \
  ::tvm::ffi::details::ErrorBuilder(#ErrorKind, __FILE__, __LINE__, TVM_FFI_FUNC_SIG).stream()

/* TVM_FFI_CHECK(cond, ErrorKind) << "message";  throws ErrorKind unless cond holds. */
// The conditional-expression form (not if/else) is safe as the body of an unbraced `if`.
#define TVM_FFI_CHECK(cond, ErrorKind)                    \
  TVM_FFI_LIKELY(cond) ? (void)0                          \
                       : ::tvm::ffi::details::Voidify() & \
                             TVM_FFI_THROW(ErrorKind) << "Check failed: (" #cond ") is false: "

/* Internal invariants: throw InternalError when violated. */
#define TVM_FFI_ICHECK(cond) TVM_FFI_CHECK(cond, InternalError)
#define TVM_FFI_ICHECK_BINARY_OP_(op, x, y)                                                \
  TVM_FFI_LIKELY((x)op(y))                                                                 \
  ? (void)0                                                                                \
  : ::tvm::ffi::details::Voidify() & TVM_FFI_THROW(InternalError)                          \
                                         << "Check failed: " #x " " #op " " #y " (" << (x) \
                                         << " vs. " << (y) << "): "
#define TVM_FFI_ICHECK_EQ(x, y) TVM_FFI_ICHECK_BINARY_OP_(==, x, y)
#define TVM_FFI_ICHECK_NE(x, y) TVM_FFI_ICHECK_BINARY_OP_(!=, x, y)
#define TVM_FFI_ICHECK_LT(x, y) TVM_FFI_ICHECK_BINARY_OP_(<, x, y)
#define TVM_FFI_ICHECK_LE(x, y) TVM_FFI_ICHECK_BINARY_OP_(<=, x, y)
#define TVM_FFI_ICHECK_GT(x, y) TVM_FFI_ICHECK_BINARY_OP_(>, x, y)
#define TVM_FFI_ICHECK_GE(x, y) TVM_FFI_ICHECK_BINARY_OP_(>=, x, y)
#define TVM_FFI_ICHECK_NOTNULL(x) TVM_FFI_ICHECK((x) != nullptr)

/*
 * Wrap the body of a TVMFFISafeCallType function: any exception becomes the raised error
 * and the function returns -1 (or -2); falling through returns 0.
 */
#define TVM_FFI_SAFE_CALL_BEGIN() try {
#define TVM_FFI_SAFE_CALL_END()                                  \
  return 0;                                                      \
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
