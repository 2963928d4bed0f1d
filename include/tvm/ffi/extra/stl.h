/*
 * Standard-library types as function parameters and results. Include this header to take
 * or return std::vector, std::array, std::tuple, std::optional, std::variant, std::map,
 * std::unordered_map or std::function in a typed function:
 *   - std::vector<T> and std::array<T, N> travel as an Array (a std::vector also accepts a
 *     List), std::tuple<Ts...> as an Array of exactly sizeof...(Ts) elements;
 *   - std::map / std::unordered_map travel as a Map (a Dict is accepted too);
 *   - std::optional<T> is T or None; std::variant<Ts...> is the first of Ts the value
 *     converts to; std::function is a Function.
 * A parameter receives a copy: elements are converted one by one, and a value that does
 * not convert rejects the argument with a TypeError naming the expected type.
 * The containers of tvm/ffi/container/ share their storage instead of copying it; prefer them
 * where that matters. Passing these types to a Function call from C++ needs an owner for the
 * temporary object, so only parameters and results are supported.
 */
#ifndef TVM_FFI_EXTRA_STL_H_
#define TVM_FFI_EXTRA_STL_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/container/list.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/container/seq_base.h>
#include <tvm/ffi/function.h>

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace tvm {
namespace ffi {
namespace details {

/*! \brief Moves an object handle into `out` (an owned Any of the object's type). */
template <typename TObj>
void MoveObjectToAny(ObjectPtr<TObj> obj, TVMFFIAny* out) {
  TVMFFIObject* handle = ObjectUnsafe::MoveToOwned(std::move(obj));
  SetPod(out, handle->type_index);
  out->v_obj = handle;
}

/*! \brief A new Array holding the values of [first, last). */
template <typename Iter>
ObjectPtr<ArrayObj> ArrayFromRange(Iter first, Iter last) {
  ObjectPtr<ArrayObj> array = make_object<ArrayObj>();
  array->Reserve(static_cast<int64_t>(std::distance(first, last)));
  for (; first != last; ++first) array->push_back(Any(*first));
  return array;
}

/*! \brief A new Array holding the elements of a std::tuple (or std::pair). */
template <typename Tuple, size_t... I>
ObjectPtr<ArrayObj> ArrayFromTuple(Tuple&& values, std::index_sequence<I...>) {
  ObjectPtr<ArrayObj> array = make_object<ArrayObj>();
  array->Reserve(static_cast<int64_t>(sizeof...(I)));
  (array->push_back(Any(std::get<I>(std::forward<Tuple>(values)))), ...);
  return array;
}

/*! \brief A new Map holding the pairs of `items`. */
template <typename MapType>
ObjectPtr<Object> MapFromStl(const MapType& items) {
  Map<Any, Any> result;
  for (const auto& kv : items) result.Set(Any(kv.first), Any(kv.second));
  return ObjectUnsafe::GetPtr(result);
}

/*! \brief The elements of an Array or List converted to T, or nullopt when one does not. */
template <typename T, typename Out>
bool ConvertSeqInto(const SeqBaseObj* seq, Out* out) {
  for (const Any& item : *seq) {
    std::optional<T> value = TryConvert<T>(AnyUnsafe::Raw(item));
    if (!value.has_value()) return false;
    out->push_back(*std::move(value));
  }
  return true;
}

/*! \brief The entries of a Map or Dict held by `src` converted into a MapType. */
template <typename MapType>
std::optional<MapType> StlMapFromAny(const TVMFFIAny* src) {
  using K = typename MapType::key_type;
  using V = typename MapType::mapped_type;
  if (src->type_index != kTVMFFIMap && src->type_index != kTVMFFIDict) return std::nullopt;
  const auto* map = static_cast<const MapBaseObj*>(ObjectUnsafe::FromHeader(src->v_obj));
  MapType result;
  for (const auto& kv : *map) {
    std::optional<K> key = TryConvert<K>(AnyUnsafe::Raw(kv.first));
    if (!key.has_value()) return std::nullopt;
    std::optional<V> value = TryConvert<V>(AnyUnsafe::Raw(kv.second));
    if (!value.has_value()) return std::nullopt;
    result.emplace(*std::move(key), *std::move(value));
  }
  return result;
}

/*! \brief Converts element I.. of `items` into the std::tuple slots; false on a mismatch. */
template <size_t I, typename Tuple>
bool ConvertTupleInto(const Any* items, Tuple* out) {
  if constexpr (I == std::tuple_size_v<Tuple>) {
    return true;
  } else {
    using Elem = std::tuple_element_t<I, Tuple>;
    std::optional<Elem> value = TryConvert<Elem>(AnyUnsafe::Raw(items[I]));
    if (!value.has_value()) return false;
    std::get<I>(*out) = *std::move(value);
    return ConvertTupleInto<I + 1>(items, out);
  }
}

/*! \brief "std::name<A, B>" for messages. */
template <typename... Ts>
std::string StlTypeStr(const char* name) {
  return ContainerTypeStr<Ts...>((std::string("std::") + name).c_str());
}
/*! \brief The TypeStr of T, "void" for void (a std::function result). */
template <typename T>
std::string TypeStrOrVoid() {
  if constexpr (std::is_void_v<T>) {
    return "void";
  } else {
    return TypeTraits<std::remove_cv_t<std::remove_reference_t<T>>>::TypeStr();
  }
}
/*! \brief {"type":"std::name","args":[...]}. */
inline std::string StlTypeSchema(const char* name, const std::string& args) {
  return R"({"type":"std::)" + std::string(name) + R"(","args":[)" + args + "]}";
}
}  // namespace details

template <typename T, typename Alloc>
struct TypeTraits<std::vector<T, Alloc>> {
  using Self = std::vector<T, Alloc>;
  static constexpr bool convert_enabled = true;
  static void MoveToAny(Self v, TVMFFIAny* out) {
    details::MoveObjectToAny(details::ArrayFromRange(std::make_move_iterator(v.begin()),
                                                     std::make_move_iterator(v.end())),
                             out);
  }
  /*! An Array or a List whose every element converts to T. */
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) {
    const SeqBaseObj* seq = details::AsSeq(src);
    if (seq == nullptr) return std::nullopt;
    Self result;
    result.reserve(seq->size());
    if (!details::ConvertSeqInto<T>(seq, &result)) return std::nullopt;
    return result;
  }
  static std::string TypeStr() { return details::StlTypeStr<T>("vector"); }
  static std::string TypeSchema() {
    return details::StlTypeSchema("vector", details::TypeSchema<T>::v());
  }
};

template <typename T, size_t N>
struct TypeTraits<std::array<T, N>> {
  using Self = std::array<T, N>;
  static constexpr bool convert_enabled = true;
  static void MoveToAny(Self v, TVMFFIAny* out) {
    details::MoveObjectToAny(details::ArrayFromRange(std::make_move_iterator(v.begin()),
                                                     std::make_move_iterator(v.end())),
                             out);
  }
  /*! An Array of exactly N elements that convert to T. */
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index != kTVMFFIArray) return std::nullopt;
    const SeqBaseObj* seq = details::AsSeq(src);
    if (seq->size() != N) return std::nullopt;
    Self result;
    for (size_t i = 0; i < N; ++i) {
      std::optional<T> value = details::TryConvert<T>(details::AnyUnsafe::Raw(seq->begin()[i]));
      if (!value.has_value()) return std::nullopt;
      result[i] = *std::move(value);
    }
    return result;
  }
  static std::string TypeStr() {
    return "std::array<" + TypeTraits<T>::TypeStr() + ", " + std::to_string(N) + ">";
  }
  static std::string TypeSchema() {
    return details::StlTypeSchema("array", details::TypeSchema<T>::v() + "," + std::to_string(N));
  }
};

template <typename... Ts>
struct TypeTraits<std::tuple<Ts...>> {
  using Self = std::tuple<Ts...>;
  static constexpr bool convert_enabled = true;
  static void MoveToAny(Self v, TVMFFIAny* out) {
    details::MoveObjectToAny(
        details::ArrayFromTuple(std::move(v), std::index_sequence_for<Ts...>{}), out);
  }
  /*! An Array of exactly sizeof...(Ts) elements, each converting to its type. */
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index != kTVMFFIArray) return std::nullopt;
    const SeqBaseObj* seq = details::AsSeq(src);
    if (seq->size() != sizeof...(Ts)) return std::nullopt;
    Self result;
    if (!details::ConvertTupleInto<0>(seq->begin(), &result)) return std::nullopt;
    return result;
  }
  static std::string TypeStr() { return details::StlTypeStr<Ts...>("tuple"); }
  static std::string TypeSchema() {
    return details::StlTypeSchema("tuple", details::TypeSchemaList<Ts...>(", "));
  }
};

// std::optional<Any> is left out: any.h already uses it (an Any is None or a value anyway).
template <typename T>
struct TypeTraits<std::optional<T>, std::enable_if_t<!details::IsAnyType<T>::value>> {
  using Self = std::optional<T>;
  static constexpr bool convert_enabled = true;
  template <typename U = T, typename = std::enable_if_t<details::HasCopyToAnyView<U>::value>>
  static void CopyToAnyView(const Self& v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::CopyToAnyView(*v, out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  static void MoveToAny(Self v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::MoveToAny(*std::move(v), out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  /*! None, or a value that converts to T. */
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return Self(std::nullopt);
    std::optional<T> value = details::TryConvert<T>(src);
    if (!value.has_value()) return std::nullopt;
    return Self(std::move(value));
  }
  static std::string TypeStr() { return "std::optional<" + TypeTraits<T>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return details::StlTypeSchema("optional", details::TypeSchema<T>::v());
  }
};

template <typename... Ts>
struct TypeTraits<std::variant<Ts...>> {
  using Self = std::variant<Ts...>;
  static constexpr bool convert_enabled = true;
  template <typename S = Self,
            typename = std::enable_if_t<(details::HasCopyToAnyView<Ts>::value && ...), S>>
  static void CopyToAnyView(const Self& v, TVMFFIAny* out) {
    std::visit(
        [out](const auto& value) {
          TypeTraits<std::decay_t<decltype(value)>>::CopyToAnyView(value, out);
        },
        v);
  }
  static void MoveToAny(Self v, TVMFFIAny* out) {
    std::visit(
        [out](auto&& value) {
          using Value = std::decay_t<decltype(value)>;
          TypeTraits<Value>::MoveToAny(std::forward<decltype(value)>(value), out);
        },
        std::move(v));
  }
  /*! The first of Ts (in declaration order) the value converts to. */
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) { return FirstOf<0>(src); }
  static std::string TypeStr() { return details::StlTypeStr<Ts...>("variant"); }
  static std::string TypeSchema() {
    return details::StlTypeSchema("variant", details::TypeSchemaList<Ts...>(", "));
  }

 private:
  template <size_t I>
  static std::optional<Self> FirstOf(const TVMFFIAny* src) {
    if constexpr (I == sizeof...(Ts)) {
      return std::nullopt;
    } else {
      using Elem = std::variant_alternative_t<I, Self>;
      if (std::optional<Elem> value = details::TryConvert<Elem>(src)) {
        return Self(std::in_place_index<I>, *std::move(value));
      }
      return FirstOf<I + 1>(src);
    }
  }
};

namespace details {
/*! std::map and std::unordered_map: a Map (or Dict) whose keys convert to K, values to V. */
template <typename MapType>
struct StlMapTypeTraits {
  using K = typename MapType::key_type;
  using V = typename MapType::mapped_type;
  static constexpr bool convert_enabled = true;
  static void MoveToAny(MapType v, TVMFFIAny* out) { MoveObjectToAny(MapFromStl(v), out); }
  static std::optional<MapType> TryCastFromAnyView(const TVMFFIAny* src) {
    return StlMapFromAny<MapType>(src);
  }
};
}  // namespace details

template <typename K, typename V, typename Compare, typename Alloc>
struct TypeTraits<std::map<K, V, Compare, Alloc>>
    : details::StlMapTypeTraits<std::map<K, V, Compare, Alloc>> {
  static std::string TypeStr() { return details::StlTypeStr<K, V>("map"); }
  static std::string TypeSchema() {
    return details::StlTypeSchema("map", details::TypeSchemaList<K, V>());
  }
};

template <typename K, typename V, typename Hash, typename Equal, typename Alloc>
struct TypeTraits<std::unordered_map<K, V, Hash, Equal, Alloc>>
    : details::StlMapTypeTraits<std::unordered_map<K, V, Hash, Equal, Alloc>> {
  static std::string TypeStr() { return details::StlTypeStr<K, V>("unordered_map"); }
  static std::string TypeSchema() {
    return details::StlTypeSchema("unordered_map", details::TypeSchemaList<K, V>());
  }
};

/*! std::function: a Function (called with converted arguments), or wrapped into one. */
template <typename R, typename... Args>
struct TypeTraits<std::function<R(Args...)>> {
  using Self = std::function<R(Args...)>;
  static constexpr bool convert_enabled = true;
  static void MoveToAny(Self v, TVMFFIAny* out) {
    TypeTraits<Function>::MoveToAny(Function(TypedFunction<R(Args...)>(std::move(v))), out);
  }
  static std::optional<Self> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<Function> f = TypeTraits<Function>::TryCastFromAnyView(src);
    if (!f.has_value()) return std::nullopt;
    TypedFunction<R(Args...)> typed(*std::move(f));
    return Self([typed](Args... args) -> R { return typed(std::forward<Args>(args)...); });
  }
  static std::string TypeStr() {
    std::string text = "std::function<" + details::TypeStrOrVoid<R>() + "(";
    const char* sep = "";
    ((text += sep + details::TypeStrOrVoid<Args>(), sep = ", "), ...);
    return text + ")>";
  }
  static std::string TypeSchema() {
    std::string text = R"({"type":"std::function","named_args":{"return":[)" +
                       details::TypeSchema<R>::v() + R"(],"params":[)";
    return text + details::TypeSchemaList<Args...>(", ") + "]}}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_STL_H_
