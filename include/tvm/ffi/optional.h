/*
 * Optional<T>: a value or None; crosses the ABI as T or kTVMFFINone.
 */
#ifndef TVM_FFI_OPTIONAL_H_
#define TVM_FFI_OPTIONAL_H_

#include <tvm/ffi/any.h>

#include <optional>
#include <string>
#include <utility>

namespace tvm {
namespace ffi {

template <typename T>
class Optional {
 public:
  Optional() = default;
  Optional(std::nullopt_t) {}                                     // NOLINT(*)
  Optional(std::nullptr_t) {}                                     // NOLINT(*)
  Optional(T value) : value_(std::move(value)) {}                 // NOLINT(*)
  Optional(std::optional<T> value) : value_(std::move(value)) {}  // NOLINT(*)

  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }
  /*! \brief The value; throws RuntimeError when empty. */
  const T& value() const {
    if (!value_.has_value()) TVM_FFI_THROW(RuntimeError) << "Optional has no value";
    return *value_;
  }
  T value_or(T other) const { return value_.has_value() ? *value_ : std::move(other); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  bool operator==(std::nullptr_t) const { return !has_value(); }
  bool operator!=(std::nullptr_t) const { return has_value(); }

 private:
  std::optional<T> value_;
};

template <typename T>
struct TypeTraits<Optional<T>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Optional<T>& v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::CopyToAnyView(*v, out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  static void MoveToAny(Optional<T> v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::MoveToAny(*v, out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  static std::optional<Optional<T>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return Optional<T>();
    std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(src);
    if (!value.has_value()) return std::nullopt;
    return Optional<T>(*std::move(value));
  }
  static std::string TypeStr() { return "Optional<" + TypeTraits<T>::TypeStr() + ">"; }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_OPTIONAL_H_
