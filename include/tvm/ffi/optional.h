/*
 * Optional<T>: a value or None; crosses the ABI as T or kTVMFFINone.
 */
#ifndef TVM_FFI_OPTIONAL_H_
#define TVM_FFI_OPTIONAL_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/string.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
/*!
 * \brief Where Optional<T> keeps "no value". Object references and String/Bytes use their
 * own null state (a null pointer; a None Any), so Optional<Function> is one pointer and
 * Optional<String> 16 bytes, the layouts every TVM-FFI runtime's C++ classes share.
 * Other types keep a flag beside the value.
 */
template <typename T, typename = void>
struct OptionalStorage {
  std::optional<T> value;
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : value(std::move(v)) {}
  bool has_value() const { return value.has_value(); }
  const T& get() const { return *value; }
  T& mut() { return *value; }
};

template <typename T>
struct OptionalStorage<T, std::enable_if_t<std::is_base_of_v<ObjectRef, T>>> {
  ObjectRef ref;  // same layout as T: one object pointer, null when empty
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : ref(std::move(v)) {}
  bool has_value() const { return ref.defined(); }
  const T& get() const { return *reinterpret_cast<const T*>(&ref); }
  T& mut() { return *reinterpret_cast<T*>(&ref); }
};

template <typename T>
struct OptionalStorage<T, std::enable_if_t<std::is_same_v<T, String> || std::is_same_v<T, Bytes>>> {
  T value = BytesUnsafe::FromOwnedRaw<T>(TVMFFIAny{});  // kTVMFFINone: empty
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : value(std::move(v)) {}
  bool has_value() const { return BytesUnsafe::Raw(value).type_index != kTVMFFINone; }
  const T& get() const { return value; }
  T& mut() { return value; }
};

template <typename A, typename B, typename = void>
struct IsEqualityComparable : std::false_type {};
template <typename A, typename B>
struct IsEqualityComparable<
    A, B, std::void_t<decltype(std::declval<const A&>() == std::declval<const B&>())>>
    : std::true_type {};
}  // namespace details

template <typename T>
class Optional;
template <typename T>
inline constexpr bool is_optional_type_v = false;
template <typename T>
inline constexpr bool is_optional_type_v<Optional<T>> = true;

template <typename T>
class Optional {
 public:
  using value_type = T;

  Optional() = default;
  Optional(std::nullopt_t) {}                        // NOLINT(*)
  Optional(std::nullptr_t) {}                        // NOLINT(*)
  Optional(T value) : storage_(std::move(value)) {}  // NOLINT(*)
  Optional(std::optional<T> value) {                 // NOLINT(*)
    if (value.has_value()) storage_ = Storage(*std::move(value));
  }
  Optional& operator=(T value) {
    storage_ = Storage(std::move(value));
    return *this;
  }
  Optional& operator=(std::nullopt_t) {
    storage_ = Storage();
    return *this;
  }
  Optional& operator=(std::nullptr_t) {
    storage_ = Storage();
    return *this;
  }

  bool has_value() const { return storage_.has_value(); }
  explicit operator bool() const { return has_value(); }
  /*! \brief The value; throws RuntimeError when empty. */
  const T& value() const& {
    CheckHasValue();
    return storage_.get();
  }
  T value() && {
    CheckHasValue();
    return std::move(storage_.mut());
  }
  template <typename U = std::remove_cv_t<T>>
  T value_or(U&& other) const {
    return has_value() ? storage_.get() : T(std::forward<U>(other));
  }
  /*! \brief The value, unchecked: only after has_value(). */
  const T& operator*() const& { return storage_.get(); }
  T operator*() && { return std::move(storage_.mut()); }
  /*! \brief Members of the value; for an object reference, of its object (as `ref->`). */
  auto operator->() const {
    if constexpr (std::is_base_of_v<ObjectRef, T>) {
      return get();
    } else {
      return &storage_.get();
    }
  }
  /*! \brief For an object reference: its object, or nullptr when empty. */
  template <typename U = T, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, U>>>
  const typename U::ContainerType* get() const {
    return has_value() ? static_cast<const typename U::ContainerType*>(storage_.get().get())
                       : nullptr;
  }
  /*! \brief Whether both are empty or hold the same object. */
  template <typename U = T, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, U>>>
  bool same_as(const ObjectRef& other) const {
    return has_value() ? storage_.get().same_as(other) : !other.defined();
  }
  template <typename U = T, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, U>>>
  bool same_as(const Optional& other) const {
    if (!has_value() || !other.has_value()) return has_value() == other.has_value();
    return storage_.get().same_as(*other);
  }

  /*!
   * \brief The value as U without conversion: for an Object type, a pointer (nullptr when it
   * is not one); otherwise std::optional<U>, empty unless the value is stored as a U.
   */
  template <typename U>
  auto as() const {
    TVMFFIAny raw;
    TypeTraits<Optional<T>>::CopyToAnyView(*this, &raw);
    AnyView view = details::AnyUnsafe::ViewFromRaw(raw);
    if constexpr (std::is_base_of_v<Object, U>) {
      return view.template as<U>();
    } else {
      return details::IsStrictlyStored<U>(&raw) ? view.template try_cast<U>() : std::nullopt;
    }
  }
  /*! \brief as<U>() that throws TypeError instead of returning nothing. */
  template <typename U>
  U as_or_throw() const {
    std::optional<U> result = as<U>();
    if (!result.has_value()) {
      TVM_FFI_THROW(TypeError) << "Cannot treat an Optional<" << TypeTraits<T>::TypeStr()
                               << "> holding "
                               << (has_value() ? std::string("a value") : std::string("None"))
                               << " as `" << TypeTraits<U>::TypeStr() << "`";
    }
    return *std::move(result);
  }

  bool operator==(std::nullopt_t) const { return !has_value(); }
  bool operator!=(std::nullopt_t) const { return has_value(); }
  bool operator==(std::nullptr_t) const { return !has_value(); }
  bool operator!=(std::nullptr_t) const { return has_value(); }
  /*! \brief Both empty, or both hold equal values. */
  bool operator==(const Optional& other) const {
    if (!has_value() || !other.has_value()) return has_value() == other.has_value();
    return SameOrEqual(*other);
  }
  bool operator!=(const Optional& other) const { return !(*this == other); }
  bool operator==(const std::optional<T>& other) const { return *this == Optional(other); }
  bool operator!=(const std::optional<T>& other) const { return !(*this == other); }
  /*! \brief Holds a value equal to `other`. */
  template <typename U, typename = std::enable_if_t<!is_optional_type_v<U>>>
  bool operator==(const U& other) const {
    return has_value() && SameOrEqual(other);
  }
  template <typename U, typename = std::enable_if_t<!is_optional_type_v<U>>>
  bool operator!=(const U& other) const {
    return !(*this == other);
  }

 private:
  using Storage = details::OptionalStorage<T>;
  void CheckHasValue() const {
    if (TVM_FFI_UNLIKELY(!has_value())) TVM_FFI_THROW(RuntimeError) << "Optional has no value";
  }
  /*! Object references are equal when they are the same object or compare equal. */
  template <typename U>
  bool SameOrEqual(const U& other) const {
    if constexpr (std::is_base_of_v<ObjectRef, T> && std::is_base_of_v<ObjectRef, U>) {
      if (storage_.get().same_as(other)) return true;
    }
    if constexpr (details::IsEqualityComparable<T, U>::value) {
      return storage_.get() == other;
    } else {
      return false;
    }
  }
  Storage storage_;
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
      TypeTraits<T>::MoveToAny(*std::move(v), out);
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
  static std::string GetMismatchTypeInfo(const TVMFFIAny* src) {
    return details::MismatchTypeInfo<T>(src);
  }
  static std::string TypeStr() { return "Optional<" + TypeTraits<T>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return R"({"type":"Optional","args":[)" + details::TypeSchema<T>::v() + "]}";
  }
};

namespace details {
/*! None, or a T stored as T stores itself. */
template <typename T>
struct StrictStorage<Optional<T>> {
  static bool Check(const TVMFFIAny* src) {
    return src->type_index == kTVMFFINone || IsStrictlyStored<T>(src);
  }
};
}  // namespace details

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_OPTIONAL_H_
