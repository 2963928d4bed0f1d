/*
 * Tuple<Types...>: a fixed-size, typed, immutable sequence. It is an Array underneath and
 * crosses the ABI as one (Python sees a sequence; a Python tuple or list of the right length
 * and element types converts to it).
 */
#ifndef TVM_FFI_CONTAINER_TUPLE_H_
#define TVM_FFI_CONTAINER_TUPLE_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/container/seq_base.h>

#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

template <typename... Types>
class Tuple : public ObjectRef {
 public:
  /*! \brief Every element default-constructed. */
  Tuple() : ObjectRef(MakeNode(Types()...)) {}
  Tuple(const Tuple&) = default;
  Tuple(Tuple&&) noexcept = default;
  Tuple& operator=(const Tuple&) = default;
  Tuple& operator=(Tuple&&) noexcept = default;
  /*! \brief A Tuple of narrower element types, sharing its storage. */
  template <typename... UTypes,
            typename = std::enable_if_t<sizeof...(UTypes) == sizeof...(Types) &&
                                        (type_subsumes_v<Types, UTypes> && ...) &&
                                        !(std::is_same_v<Types, UTypes> && ...)>>
  Tuple(const Tuple<UTypes...>& other) : ObjectRef(other) {}  // NOLINT(*)
  /*! \brief The elements, each converted to its Types entry. */
  template <typename... UTypes,
            typename = std::enable_if_t<sizeof...(Types) == sizeof...(UTypes) &&
                                        !(sizeof...(Types) == 1 &&
                                          (std::is_same_v<std::decay_t<UTypes>, Tuple> && ...))>>
  explicit Tuple(UTypes&&... args) : ObjectRef(MakeNode(std::forward<UTypes>(args)...)) {}
  explicit Tuple(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  /*! \brief Element I. */
  template <size_t I>
  std::tuple_element_t<I, std::tuple<Types...>> get() const {
    static_assert(I < sizeof...(Types), "Tuple index out of bounds");
    using ElemType = std::tuple_element_t<I, std::tuple<Types...>>;
    const Any& item = obj()->begin()[I];
    if constexpr (std::is_same_v<ElemType, Any>) {
      return item;
    } else {
      return item.cast<ElemType>();
    }
  }
  /*! \brief Replaces element I (copying the storage first when shared). */
  template <size_t I, typename U>
  void Set(U&& item) {
    static_assert(I < sizeof...(Types), "Tuple index out of bounds");
    using ElemType = std::tuple_element_t<I, std::tuple<Types...>>;
    if (data_.use_count() != 1) {
      ObjectPtr<ArrayObj> copy = make_object<ArrayObj>();
      copy->Reserve(static_cast<int64_t>(sizeof...(Types)));
      for (const Any& value : *obj()) copy->push_back(value);
      data_ = std::move(copy);
    }
    static_cast<ArrayObj*>(data_.get())->SetItem(I, Any(ElemType(std::forward<U>(item))));
  }

  using ContainerType = ArrayObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ArrayObj* obj() const { return static_cast<const ArrayObj*>(data_.get()); }
  template <typename... UTypes>
  static ObjectPtr<ArrayObj> MakeNode(UTypes&&... args) {
    ObjectPtr<ArrayObj> node = make_object<ArrayObj>();
    node->Reserve(static_cast<int64_t>(sizeof...(Types)));
    (node->push_back(Any(Types(std::forward<UTypes>(args)))), ...);
    return node;
  }
};

template <typename... UTypes>
Tuple(UTypes&&...) -> Tuple<std::remove_cv_t<std::remove_reference_t<UTypes>>...>;

/*! \brief Element I of `t` (as std::get). */
template <size_t I, typename... Types>
inline std::tuple_element_t<I, std::tuple<Types...>> get(const Tuple<Types...>& t) {
  return t.template get<I>();
}

namespace details {
template <typename... Types>
struct HasCustomObjectRefTraits<Tuple<Types...>> : std::true_type {};

/*! \brief Whether the I-th element and the rest are stored as their Types entries. */
template <size_t I, typename... Types>
bool TupleElementsStrict(const Any* items) {
  if constexpr (I == sizeof...(Types)) {
    return true;
  } else {
    using ElemType = std::tuple_element_t<I, std::tuple<Types...>>;
    return IsStrictlyStored<ElemType>(AnyUnsafe::Raw(items[I])) &&
           TupleElementsStrict<I + 1, Types...>(items);
  }
}

/*! \brief Appends the I-th element and the rest converted; false when one does not convert. */
template <size_t I, typename... Types>
bool ConvertTupleElements(const Any* items, ArrayObj* out) {
  if constexpr (I == sizeof...(Types)) {
    return true;
  } else {
    using ElemType = std::tuple_element_t<I, std::tuple<Types...>>;
    std::optional<ElemType> value = TryConvert<ElemType>(AnyUnsafe::Raw(items[I]));
    if (!value.has_value()) return false;
    out->push_back(Any(*std::move(value)));
    return ConvertTupleElements<I + 1, Types...>(items, out);
  }
}

/*! \brief The Array held by `src` when it has exactly `n` elements, else nullptr. */
inline const SeqBaseObj* AsArrayOfSize(const TVMFFIAny* src, size_t n) {
  if (src->type_index != kTVMFFIArray) return nullptr;
  const SeqBaseObj* seq = AsSeq(src);
  return seq->size() == n ? seq : nullptr;
}

template <typename... Types>
struct StrictStorage<Tuple<Types...>> {
  static bool Check(const TVMFFIAny* src) {
    const SeqBaseObj* seq = AsArrayOfSize(src, sizeof...(Types));
    return seq != nullptr && TupleElementsStrict<0, Types...>(seq->begin());
  }
};
}  // namespace details

/*! An Array of sizeof...(Types) elements that convert: shared when already stored as Types. */
template <typename... Types>
struct TypeTraits<Tuple<Types...>> : details::ContainerToAny<Tuple<Types...>, kTVMFFIArray> {
  static std::optional<Tuple<Types...>> TryCastFromAnyView(const TVMFFIAny* src) {
    const SeqBaseObj* seq = details::AsArrayOfSize(src, sizeof...(Types));
    if (seq == nullptr) return std::nullopt;
    if (details::TupleElementsStrict<0, Types...>(seq->begin())) {
      return Tuple<Types...>(details::ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
    }
    ObjectPtr<ArrayObj> converted = make_object<ArrayObj>();
    converted->Reserve(static_cast<int64_t>(sizeof...(Types)));
    if (!details::ConvertTupleElements<0, Types...>(seq->begin(), converted.get())) {
      return std::nullopt;
    }
    return Tuple<Types...>(ObjectPtr<Object>(std::move(converted)));
  }
  /*! "Array[size=3]" for a wrong length, else "Array[index 1: str]". */
  static std::string GetMismatchTypeInfo(const TVMFFIAny* src) {
    if (src->type_index != kTVMFFIArray) return details::TypeIndexToName(src->type_index);
    const SeqBaseObj* seq = details::AsSeq(src);
    if (seq->size() != sizeof...(Types)) {
      return "Array[size=" + std::to_string(seq->size()) + "]";
    }
    return ElementMismatch<0>(seq->begin());
  }
  static std::string TypeStr() { return details::ContainerTypeStr<Types...>("Tuple"); }
  static std::string TypeSchema() {
    return R"({"type":"Tuple","args":[)" + details::TypeSchemaList<Types...>() + "]}";
  }

 private:
  template <size_t I>
  static std::string ElementMismatch(const Any* items) {
    if constexpr (I == sizeof...(Types)) {
      return "Array";
    } else {
      using ElemType = std::tuple_element_t<I, std::tuple<Types...>>;
      const TVMFFIAny* item = details::AnyUnsafe::Raw(items[I]);
      if (!details::TryConvert<ElemType>(item).has_value()) {
        return "Array[index " + std::to_string(I) + ": " +
               details::MismatchTypeInfo<ElemType>(item) + "]";
      }
      return ElementMismatch<I + 1>(items);
    }
  }
};

}  // namespace ffi
}  // namespace tvm

namespace std {
template <typename... Types>
struct tuple_size<::tvm::ffi::Tuple<Types...>>
    : public std::integral_constant<size_t, sizeof...(Types)> {};
template <size_t I, typename... Types>
struct tuple_element<I, ::tvm::ffi::Tuple<Types...>> {
  using type = std::tuple_element_t<I, std::tuple<Types...>>;
};
}  // namespace std

#endif  // TVM_FFI_CONTAINER_TUPLE_H_
