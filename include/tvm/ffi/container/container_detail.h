/*
 * Helpers shared by the container headers:
 *   - type_subsumes_v<Target, Source>: a Source value can be used as a Target as it is stored
 *     (same type, a derived reference, or anything into Any); containers of such types share
 *     storage instead of being rebuilt;
 *   - details::IsStrictlyStored<T>(src): `src` already holds a T in T's own stored form, so a
 *     container of T can be shared as is; otherwise a cast rebuilds it with converted elements
 *     (an Array<double> received as [1, 2] becomes [1.0, 2.0]);
 *   - details::ContainerTypeStr: "Variant<int, str>" for error messages, and
 *     details::MismatchTypeInfo: what a value that does not convert holds ("Array[index 1: str]").
 */
#ifndef TVM_FFI_CONTAINER_CONTAINER_DETAIL_H_
#define TVM_FFI_CONTAINER_CONTAINER_DETAIL_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/object.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Whether a SourceType value is usable as a TargetType without conversion. */
template <typename TargetType, typename SourceType>
inline constexpr bool type_subsumes_v =
    std::is_base_of_v<TargetType, SourceType> || std::is_same_v<TargetType, SourceType>;
template <typename SourceType>
inline constexpr bool type_subsumes_v<Any, SourceType> = true;

namespace details {

template <typename T, typename = void>
struct HasCopyToAnyView : std::false_type {};
template <typename T>
struct HasCopyToAnyView<T, std::void_t<decltype(TypeTraits<T>::CopyToAnyView(
                               std::declval<const T&>(), static_cast<TVMFFIAny*>(nullptr)))>>
    : std::true_type {};

/*!
 * \brief Check(src): whether `src` holds a T exactly as T stores itself. Containers specialize
 * it (every element strictly stored); the default converts and compares the stored form.
 */
template <typename T, typename = void>
struct StrictStorage {
  static bool Check(const TVMFFIAny* src) {
    if constexpr (HasCopyToAnyView<T>::value) {
      std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(src);
      if (!value.has_value()) return false;
      TVMFFIAny back;
      TypeTraits<T>::CopyToAnyView(*value, &back);
      if (back.type_index != src->type_index) return false;
      return src->type_index < kTVMFFIStaticObjectBegin || back.v_obj == src->v_obj;
    } else {
      return false;
    }
  }
};

template <typename T>
bool IsStrictlyStored(const TVMFFIAny* src) {
  return StrictStorage<T>::Check(src);
}

template <typename T>
struct StrictStorage<T, std::enable_if_t<IsAnyType<T>::value>> {
  static bool Check(const TVMFFIAny*) { return true; }
};
template <typename Int>
struct StrictStorage<Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>> {
  static bool Check(const TVMFFIAny* src) { return src->type_index == kTVMFFIInt; }
};
template <>
struct StrictStorage<bool> {
  static bool Check(const TVMFFIAny* src) { return src->type_index == kTVMFFIBool; }
};
template <typename Float>
struct StrictStorage<Float, std::enable_if_t<std::is_floating_point_v<Float>>> {
  static bool Check(const TVMFFIAny* src) { return src->type_index == kTVMFFIFloat; }
};
template <>
struct StrictStorage<String> {
  static bool Check(const TVMFFIAny* src) {
    return src->type_index == kTVMFFISmallStr || src->type_index == kTVMFFIStr;
  }
};
template <>
struct StrictStorage<Bytes> {
  static bool Check(const TVMFFIAny* src) {
    return src->type_index == kTVMFFISmallBytes || src->type_index == kTVMFFIBytes;
  }
};
/*! Plain object references: None when nullable, else an instance of the object type. */
template <typename TRef>
struct StrictStorage<TRef, std::enable_if_t<std::is_base_of_v<ObjectRef, TRef> &&
                                            !HasCustomObjectRefTraits<TRef>::value>> {
  static bool Check(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return TRef::_type_is_nullable;
    if (src->type_index < kTVMFFIStaticObjectBegin) return false;
    return ObjectUnsafe::FromHeader(src->v_obj)->IsInstance<typename TRef::ContainerType>();
  }
};

/*! \brief The value held by `src` as T, converting as T's cast allows; T = Any copies. */
template <typename T>
std::optional<T> TryConvert(const TVMFFIAny* src) {
  if constexpr (std::is_same_v<T, Any>) {
    return Any(AnyUnsafe::ViewFromRaw(*src));
  } else {
    return TypeTraits<T>::TryCastFromAnyView(src);
  }
}

template <typename T, typename = void>
struct HasMismatchTypeInfo : std::false_type {};
template <typename T>
struct HasMismatchTypeInfo<T, std::void_t<decltype(TypeTraits<T>::GetMismatchTypeInfo(
                                  static_cast<const TVMFFIAny*>(nullptr)))>> : std::true_type {};

/*!
 * \brief What `src` holds, as a message about a failed conversion to T names it: a container
 * names the element that does not convert ("Array[index 1: str]"), other types the held type.
 */
template <typename T>
std::string MismatchTypeInfo(const TVMFFIAny* src) {
  if constexpr (HasMismatchTypeInfo<T>::value) {
    return TypeTraits<T>::GetMismatchTypeInfo(src);
  } else {
    return TypeIndexToName(src->type_index);
  }
}

/*! \brief "Name<A, B>", the spelling of a container type in error messages. */
template <typename... Ts>
std::string ContainerTypeStr(const char* name) {
  std::string text = std::string(name) + "<";
  const char* sep = "";
  ((text += sep + TypeTraits<Ts>::TypeStr(), sep = ", "), ...);
  return text + ">";
}

/*! \brief The type schemas of Ts joined by `separator` (the "args" of a container's schema;
 * TVM-FFI writes "," for its own containers and ", " for std::tuple, std::variant and
 * std::function parameters). */
template <typename... Ts>
std::string TypeSchemaList(const char* separator = ",") {
  std::string text;
  const char* sep = "";
  ((text += sep + TypeSchema<Ts>::v(), sep = separator), ...);
  return text;
}

}  // namespace details
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_CONTAINER_DETAIL_H_
