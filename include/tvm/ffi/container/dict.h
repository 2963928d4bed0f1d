/*
 * Dict<K, V>: a mutable hash map with Map's storage (map_base.h), type index kTVMFFIDict.
 * Copies share one dictionary: Set, erase and clear change it for every holder, and growth
 * swaps the new storage into the same object.
 */
#ifndef TVM_FFI_CONTAINER_DICT_H_
#define TVM_FFI_CONTAINER_DICT_H_

#include <tvm/ffi/container/map.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Object type of Dict (type index kTVMFFIDict). */
class DictObj : public MapBaseObj {
 public:
  /*! \brief An unshared copy of `src`. */
  static ObjectPtr<Object> ShallowCopy(const DictObj* src) { return CopyFrom(src, kTVMFFIDict); }
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Dict", kTVMFFIDict)
};
static_assert(sizeof(DictObj) == sizeof(MapBaseObj), "Dict adds nothing to the shared layout");

template <typename K = Any, typename V = Any>
class Dict : public ObjectRef {
 public:
  using key_type = K;
  using mapped_type = V;

  Dict() : ObjectRef(MapBaseObj::Empty(kTVMFFIDict)) {}
  Dict(std::initializer_list<std::pair<K, V>> items)
      : ObjectRef(MapBaseObj::CreateFromRange(items.begin(), items.end(), kTVMFFIDict)) {}
  template <typename Iter>
  Dict(Iter first, Iter last) : ObjectRef(MapBaseObj::CreateFromRange(first, last, kTVMFFIDict)) {}
  template <typename Hash, typename Equal>
  Dict(const std::unordered_map<K, V, Hash, Equal>& items)  // NOLINT(*)
      : ObjectRef(MapBaseObj::CreateFromRange(items.begin(), items.end(), kTVMFFIDict)) {}
  /*! \brief A Dict of narrower key/value types, sharing it. */
  template <typename KU, typename VU,
            typename = std::enable_if_t<type_subsumes_v<K, KU> && type_subsumes_v<V, VU> &&
                                        !(std::is_same_v<K, KU> && std::is_same_v<V, VU>)>>
  Dict(const Dict<KU, VU>& other) : ObjectRef(other) {}  // NOLINT(*)
  explicit Dict(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return obj()->size(); }
  bool empty() const { return size() == 0; }
  size_t count(const K& key) const { return obj()->count(Any(key)); }
  /*! \brief The value of `key`; throws KeyError when absent. */
  V at(const K& key) const { return details::MapEntryAs<V>(obj()->at(Any(key))); }
  V operator[](const K& key) const { return at(key); }
  std::optional<V> Get(const K& key) const {
    MapBaseObj::iterator it = obj()->find(Any(key));
    if (it == obj()->end()) return std::nullopt;
    return details::MapEntryAs<V>(it->second);
  }
  /*! \brief Inserts or replaces, in place for every holder of this Dict. */
  void Set(const K& key, const V& value) {
    ObjectPtr<Object> grown =
        MapBaseObj::InsertMaybeReHash(MapBaseObj::KVType(Any(key), Any(value)), data_);
    if (grown != nullptr) mutable_obj()->InplaceSwitchTo(std::move(grown));
  }
  void erase(const K& key) { mutable_obj()->erase(Any(key)); }
  void clear() { mutable_obj()->clear(); }

  using iterator = typename Map<K, V>::iterator;
  iterator begin() const { return MakeIterator(obj()->begin()); }
  iterator end() const { return MakeIterator(obj()->end()); }
  iterator find(const K& key) const { return MakeIterator(obj()->find(Any(key))); }

  const DictObj* get() const { return obj(); }
  using ContainerType = DictObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const DictObj* obj() const { return static_cast<const DictObj*>(data_.get()); }
  DictObj* mutable_obj() const { return static_cast<DictObj*>(data_.get()); }
  static iterator MakeIterator(MapBaseObj::iterator it) { return iterator(it); }
};

namespace details {
template <typename K, typename V>
struct HasCustomObjectRefTraits<Dict<K, V>> : std::true_type {};
template <typename K, typename V>
struct StrictStorage<Dict<K, V>> : MapStrictStorage<K, V, kTVMFFIDict> {};
}  // namespace details

template <typename K, typename V>
struct TypeTraits<Dict<K, V>> : details::ContainerToAny<Dict<K, V>, kTVMFFIDict> {
  /*! A Dict or a Map whose every key converts to K and value to V. */
  static std::optional<Dict<K, V>> TryCastFromAnyView(const TVMFFIAny* src) {
    return details::MapLikeFromAnyView<Dict<K, V>, K, V>(src, kTVMFFIDict, kTVMFFIMap);
  }
  static std::string GetMismatchTypeInfo(const TVMFFIAny* src) {
    return details::MapMismatchTypeInfo<K, V>("Dict", src);
  }
  static std::string TypeStr() {
    return "Dict<" + TypeTraits<K>::TypeStr() + ", " + TypeTraits<V>::TypeStr() + ">";
  }
  static std::string TypeSchema() {
    return R"({"type":"ffi.Dict","args":[)" + details::TypeSchema<K>::v() + "," +
           details::TypeSchema<V>::v() + "]}";
  }
};

template <typename K, typename V, typename KU, typename VU>
inline constexpr bool type_subsumes_v<Dict<K, V>, Dict<KU, VU>> =
    type_subsumes_v<K, KU> && type_subsumes_v<V, VU>;

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_DICT_H_
