/*
 * Variant<V...>: one value of any of the types V..., held in an Any. It crosses the ABI as
 * the value itself: a function taking Variant<int64_t, String> accepts an int or a str and
 * returns whichever it holds.
 */
#ifndef TVM_FFI_CONTAINER_VARIANT_H_
#define TVM_FFI_CONTAINER_VARIANT_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/optional.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

template <typename... V>
class Variant {
 public:
  static_assert(sizeof...(V) > 0, "Variant needs at least one type");
  static_assert(((std::is_same_v<V, Any> || details::kStorable<V>) && ...),
                "All types used in Variant<...> must be storable in Any");

  /*! \brief Whether a T value can be held as one of V... without conversion. */
  template <typename T>
  static constexpr bool variant_contains_v = (type_subsumes_v<V, T> || ...);
  template <typename T>
  using enable_if_variant_contains_t = std::enable_if_t<variant_contains_v<T>>;

  Variant(const Variant&) = default;
  Variant(Variant&&) noexcept = default;
  Variant& operator=(const Variant&) = default;
  Variant& operator=(Variant&&) noexcept = default;
  template <typename T, typename = enable_if_variant_contains_t<T>>
  Variant(T value) : data_(std::move(value)) {}  // NOLINT(*)
  template <typename T, typename = enable_if_variant_contains_t<T>>
  Variant& operator=(T value) {
    data_ = Any(std::move(value));
    return *this;
  }

  /*! \brief The value as T when it is held as a T (no conversion), else nullopt. */
  template <typename T, typename = enable_if_variant_contains_t<T>>
  std::optional<T> as() const {
    if (!details::IsStrictlyStored<T>(details::AnyUnsafe::Raw(data_))) return std::nullopt;
    return data_.try_cast<T>();
  }
  /*! \brief For an Object type T: the held object as a T, or nullptr. */
  template <typename T, typename = std::enable_if_t<std::is_base_of_v<Object, T>>>
  const T* as() const {
    return data_.as<T>();
  }
  /*! \brief The value converted to T; throws TypeError when it does not convert. */
  template <typename T, typename = enable_if_variant_contains_t<T>>
  T get() const& {
    return data_.cast<T>();
  }
  template <typename T, typename = enable_if_variant_contains_t<T>>
  T get() && {
    Any moved = std::move(data_);
    return moved.cast<T>();
  }
  /*! \brief The type name of the held value. */
  std::string GetTypeKey() const { return data_.GetTypeKey(); }
  /*! \brief Whether both hold the same value (the same object, for objects). */
  bool same_as(const Variant& other) const {
    const TVMFFIAny* a = details::AnyUnsafe::Raw(data_);
    const TVMFFIAny* b = details::AnyUnsafe::Raw(other.data_);
    return a->type_index == b->type_index && a->v_int64 == b->v_int64;
  }

 private:
  explicit Variant(Any data) : data_(std::move(data)) {}
  Any data_;
  friend struct TypeTraits<Variant<V...>>;
};

template <typename... V, typename T>
inline constexpr bool type_subsumes_v<Variant<V...>, T> = (type_subsumes_v<V, T> || ...);

namespace details {
/*! Held as one of V... exactly. */
template <typename... V>
struct StrictStorage<Variant<V...>> {
  static bool Check(const TVMFFIAny* src) { return (IsStrictlyStored<V>(src) || ...); }
};

/*! \brief The first of Ts that `src` converts to, as an Any; nullopt when none does. */
template <typename T, typename... Rest>
std::optional<Any> FirstConversion(const TVMFFIAny* src) {
  if (std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(src)) {
    return Any(*std::move(value));
  }
  if constexpr (sizeof...(Rest) > 0) {
    return FirstConversion<Rest...>(src);
  } else {
    return std::nullopt;
  }
}
}  // namespace details

/*!
 * A value already held as one of V... is kept as it is; otherwise it becomes the first of
 * V... (in declaration order) it converts to.
 */
template <typename... V>
struct TypeTraits<Variant<V...>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Variant<V...>& v, TVMFFIAny* out) {
    *out = *details::AnyUnsafe::Raw(v.data_);
  }
  static void MoveToAny(Variant<V...> v, TVMFFIAny* out) {
    *out = details::AnyUnsafe::MoveToRaw(std::move(v.data_));
  }
  static std::optional<Variant<V...>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (details::StrictStorage<Variant<V...>>::Check(src)) {
      return Variant<V...>(Any(details::AnyUnsafe::ViewFromRaw(*src)));
    }
    std::optional<Any> converted = details::FirstConversion<V...>(src);
    if (!converted.has_value()) return std::nullopt;
    return Variant<V...>(*std::move(converted));
  }
  static std::string TypeStr() { return details::ContainerTypeStr<V...>("Variant"); }
  static std::string TypeSchema() {
    return R"({"type":"Variant","args":[)" + details::TypeSchemaList<V...>() + "]}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_VARIANT_H_
