/*
 * Map<K, V>: an immutable-by-sharing hash map (Python dict) that keeps insertion order.
 * Copies share the storage; Set and erase copy it first when it is shared. Keys hash and
 * compare as map_hash.h says; the storage (map_base.h) is binary-compatible with every
 * implementation of the TVM-FFI ABI.
 */
#ifndef TVM_FFI_CONTAINER_MAP_H_
#define TVM_FFI_CONTAINER_MAP_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/container/map_base.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace tvm {
namespace ffi {

template <typename K, typename V>
class Dict;

/*! \brief Object type of Map (type index kTVMFFIMap). */
class MapObj : public MapBaseObj {
 public:
  /*! \brief An unshared copy of `src`. */
  static ObjectPtr<Object> ShallowCopy(const MapObj* src) { return CopyFrom(src, kTVMFFIMap); }
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Map", kTVMFFIMap)
};
static_assert(sizeof(MapObj) == sizeof(MapBaseObj), "Map adds nothing to the shared layout");

namespace details {
/*! \brief Converts a stored entry to K or V (Any as is). */
template <typename T>
T MapEntryAs(const Any& value) {
  if constexpr (std::is_same_v<T, Any>) {
    return value;
  } else {
    return value.cast<T>();
  }
}
/*! \brief Whether every key of `map` is strictly stored as K and every value as V. */
template <typename K, typename V>
bool MapEntriesStrict(const MapBaseObj* map) {
  if constexpr (!std::is_same_v<K, Any> || !std::is_same_v<V, Any>) {
    for (const auto& kv : *map) {
      if (!IsStrictlyStored<K>(AnyUnsafe::Raw(kv.first)) ||
          !IsStrictlyStored<V>(AnyUnsafe::Raw(kv.second))) {
        return false;
      }
    }
  }
  return true;
}
}  // namespace details

template <typename K = Any, typename V = Any>
class Map : public ObjectRef {
 public:
  using key_type = K;
  using mapped_type = V;

  Map() : ObjectRef(MapBaseObj::Empty(kTVMFFIMap)) {}
  Map(std::initializer_list<std::pair<K, V>> items)
      : ObjectRef(MapBaseObj::CreateFromRange(items.begin(), items.end(), kTVMFFIMap)) {}
  template <typename Iter>
  Map(Iter first, Iter last) : ObjectRef(MapBaseObj::CreateFromRange(first, last, kTVMFFIMap)) {}
  template <typename Hash, typename Equal>
  Map(const std::unordered_map<K, V, Hash, Equal>& items)  // NOLINT(*)
      : ObjectRef(MapBaseObj::CreateFromRange(items.begin(), items.end(), kTVMFFIMap)) {}
  /*! \brief A Map of narrower key/value types, sharing its storage. */
  template <typename KU, typename VU,
            typename = std::enable_if_t<type_subsumes_v<K, KU> && type_subsumes_v<V, VU> &&
                                        !(std::is_same_v<K, KU> && std::is_same_v<V, VU>)>>
  Map(const Map<KU, VU>& other) : ObjectRef(other) {}  // NOLINT(*)
  explicit Map(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return obj()->size(); }
  bool empty() const { return size() == 0; }
  size_t count(const K& key) const { return obj()->count(Any(key)); }
  /*! \brief The value of `key`; throws KeyError when absent. */
  V at(const K& key) const { return details::MapEntryAs<V>(obj()->at(Any(key))); }
  V operator[](const K& key) const { return at(key); }
  /*! \brief The value of `key`, or nullopt. */
  std::optional<V> Get(const K& key) const {
    MapBaseObj::iterator it = obj()->find(Any(key));
    if (it == obj()->end()) return std::nullopt;
    return details::MapEntryAs<V>(it->second);
  }
  /*! \brief Inserts or replaces (copying the storage first when shared). */
  void Set(const K& key, const V& value) {
    CopyOnWrite();
    ObjectPtr<Object> grown =
        MapBaseObj::InsertMaybeReHash(MapBaseObj::KVType(Any(key), Any(value)), data_);
    if (grown != nullptr) data_ = std::move(grown);
  }
  void erase(const K& key) { CopyOnWrite()->erase(Any(key)); }
  void clear() { data_ = MapBaseObj::Empty(kTVMFFIMap); }
  /*! \brief The object, copied first if shared: safe to mutate. */
  MapObj* CopyOnWrite() {
    if (data_.use_count() != 1) data_ = MapBaseObj::CopyFrom(obj(), kTVMFFIMap);
    return static_cast<MapObj*>(data_.get());
  }

  /*! \brief Iterates (key, value) pairs converted to K and V, in insertion order. */
  class iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using difference_type = int64_t;
    using value_type = const std::pair<K, V>;
    using pointer = value_type*;
    using reference = value_type;

    iterator() = default;
    reference operator*() const {
      return {details::MapEntryAs<K>(it_->first), details::MapEntryAs<V>(it_->second)};
    }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    iterator& operator--() {
      --it_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++it_;
      return old;
    }
    iterator operator--(int) {
      iterator old = *this;
      --it_;
      return old;
    }
    bool operator==(const iterator& other) const { return it_ == other.it_; }
    bool operator!=(const iterator& other) const { return it_ != other.it_; }

   private:
    explicit iterator(MapBaseObj::iterator it) : it_(it) {}
    MapBaseObj::iterator it_;
    friend class Map;
    template <typename, typename>
    friend class Dict;
  };
  iterator begin() const { return iterator(obj()->begin()); }
  iterator end() const { return iterator(obj()->end()); }
  iterator find(const K& key) const { return iterator(obj()->find(Any(key))); }

  const MapObj* get() const { return obj(); }
  using ContainerType = MapObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const MapObj* obj() const { return static_cast<const MapObj*>(data_.get()); }
};

/*! \brief `lhs` with the entries of `rhs` set over it. */
template <typename K, typename V>
inline Map<K, V> Merge(Map<K, V> lhs, const Map<K, V>& rhs) {
  for (const auto& kv : rhs) lhs.Set(kv.first, kv.second);
  return lhs;
}

namespace details {
template <typename K, typename V>
struct HasCustomObjectRefTraits<Map<K, V>> : std::true_type {};

/*!
 * \brief A Map or Dict value as TRef: shared when it is already a TRef whose entries are
 * stored as K and V, else copied into a new TRef with converted entries.
 */
template <typename TRef, typename K, typename V>
std::optional<TRef> MapLikeFromAnyView(const TVMFFIAny* src, int32_t own_index,
                                       int32_t other_index) {
  if (src->type_index != own_index && src->type_index != other_index) return std::nullopt;
  const auto* map = static_cast<const MapBaseObj*>(ObjectUnsafe::FromHeader(src->v_obj));
  if (src->type_index == own_index && MapEntriesStrict<K, V>(map)) {
    return TRef(ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
  }
  TRef result;
  for (const auto& kv : *map) {
    std::optional<K> key = TryConvert<K>(AnyUnsafe::Raw(kv.first));
    if (!key.has_value()) return std::nullopt;
    std::optional<V> value = TryConvert<V>(AnyUnsafe::Raw(kv.second));
    if (!value.has_value()) return std::nullopt;
    result.Set(*key, *value);
  }
  return result;
}

/*! \brief "Map[some key is int, V]" / "Map[K, some value is str]": what does not convert. */
template <typename K, typename V>
std::string MapMismatchTypeInfo(const char* kind, const TVMFFIAny* src) {
  if (src->type_index == kTVMFFIMap || src->type_index == kTVMFFIDict) {
    const auto* map = static_cast<const MapBaseObj*>(ObjectUnsafe::FromHeader(src->v_obj));
    for (const auto& kv : *map) {
      const TVMFFIAny* key = AnyUnsafe::Raw(kv.first);
      if (!TryConvert<K>(key).has_value()) {
        return std::string(kind) + "[some key is " + MismatchTypeInfo<K>(key) + ", V]";
      }
      const TVMFFIAny* value = AnyUnsafe::Raw(kv.second);
      if (!TryConvert<V>(value).has_value()) {
        return std::string(kind) + "[K, some value is " + MismatchTypeInfo<V>(value) + "]";
      }
    }
  }
  return TypeIndexToName(src->type_index);
}

/*! \brief Strict storage of a Map or Dict: its own kind, every entry stored as K and V. */
template <typename K, typename V, int32_t kTypeIndex>
struct MapStrictStorage {
  static bool Check(const TVMFFIAny* src) {
    if (src->type_index != kTypeIndex) return false;
    return MapEntriesStrict<K, V>(
        static_cast<const MapBaseObj*>(ObjectUnsafe::FromHeader(src->v_obj)));
  }
};
template <typename K, typename V>
struct StrictStorage<Map<K, V>> : MapStrictStorage<K, V, kTVMFFIMap> {};
}  // namespace details

template <typename K, typename V>
struct TypeTraits<Map<K, V>> : details::ContainerToAny<Map<K, V>, kTVMFFIMap> {
  /*! A Map or a Dict whose every key converts to K and value to V. */
  static std::optional<Map<K, V>> TryCastFromAnyView(const TVMFFIAny* src) {
    return details::MapLikeFromAnyView<Map<K, V>, K, V>(src, kTVMFFIMap, kTVMFFIDict);
  }
  static std::string GetMismatchTypeInfo(const TVMFFIAny* src) {
    return details::MapMismatchTypeInfo<K, V>("Map", src);
  }
  static std::string TypeStr() {
    return "Map<" + TypeTraits<K>::TypeStr() + ", " + TypeTraits<V>::TypeStr() + ">";
  }
  static std::string TypeSchema() {
    return R"({"type":"ffi.Map","args":[)" + details::TypeSchema<K>::v() + "," +
           details::TypeSchema<V>::v() + "]}";
  }
};

template <typename K, typename V, typename KU, typename VU>
inline constexpr bool type_subsumes_v<Map<K, V>, Map<KU, VU>> =
    type_subsumes_v<K, KU> && type_subsumes_v<V, VU>;

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_MAP_H_
