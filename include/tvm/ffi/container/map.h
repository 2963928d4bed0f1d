/*
 * Map<K, V>: a reference-counted mapping (Python dict) that keeps insertion order.
 * Keys compare by value for numbers and strings and by identity for other objects.
 * Lookup scans the entries: FFI maps are small (options, attributes).
 */
#ifndef TVM_FFI_CONTAINER_MAP_H_
#define TVM_FFI_CONTAINER_MAP_H_

#include <tvm/ffi/any.h>

#include <cstring>
#include <string>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
/*! \brief Key equality: strings and bytes by content, everything else by stored bits. */
inline bool MapKeyEqual(const TVMFFIAny& a, const TVMFFIAny& b) {
  std::optional<TVMFFIByteArray> sa = StringBytesOf(&a), sb = StringBytesOf(&b);
  if (sa.has_value() || sb.has_value()) {
    return sa.has_value() && sb.has_value() && sa->size == sb->size &&
           std::memcmp(sa->data, sb->data, sa->size) == 0;
  }
  std::optional<TVMFFIByteArray> ba = BytesBytesOf(&a), bb = BytesBytesOf(&b);
  if (ba.has_value() || bb.has_value()) {
    return ba.has_value() && bb.has_value() && ba->size == bb->size &&
           std::memcmp(ba->data, bb->data, ba->size) == 0;
  }
  return a.type_index == b.type_index && a.v_int64 == b.v_int64;
}
}  // namespace details

/*! \brief Object layout of a map: owned (key, value) pairs in insertion order. */
class MapObj : public Object {
 public:
  MapObj() = default;
  ~MapObj() {
    for (int64_t i = 0; i < 2 * size; ++i) {
      if (data[i].type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectDecRef(data[i].v_obj);
    }
    delete[] data;
  }
  /*! \brief Index of the entry with this key, or -1. */
  int64_t Find(const TVMFFIAny& key) const {
    for (int64_t i = 0; i < size; ++i) {
      if (details::MapKeyEqual(data[2 * i], key)) return i;
    }
    return -1;
  }
  /*! \brief Inserts or replaces. */
  void Set(Any key, Any value) {
    int64_t index = Find(*details::AnyUnsafe::Raw(key));
    if (index >= 0) {
      Any old = details::AnyUnsafe::FromOwnedRaw(data[2 * index + 1]);
      data[2 * index + 1] = details::AnyUnsafe::MoveToRaw(std::move(value));
      return;
    }
    if (size == capacity) Reserve(capacity == 0 ? 4 : capacity * 2);
    data[2 * size] = details::AnyUnsafe::MoveToRaw(std::move(key));
    data[2 * size + 1] = details::AnyUnsafe::MoveToRaw(std::move(value));
    ++size;
  }
  void Reserve(int64_t new_capacity) {
    if (new_capacity <= capacity) return;
    TVMFFIAny* buffer = new TVMFFIAny[2 * new_capacity];
    for (int64_t i = 0; i < 2 * size; ++i) buffer[i] = data[i];
    delete[] data;
    data = buffer;
    capacity = new_capacity;
  }
  const AnyView& KeyAt(int64_t i) const { return reinterpret_cast<const AnyView*>(data)[2 * i]; }
  const AnyView& ValueAt(int64_t i) const {
    return reinterpret_cast<const AnyView*>(data)[2 * i + 1];
  }

  TVMFFIAny* data{nullptr};  // key0, value0, key1, value1, ...
  int64_t size{0};
  int64_t capacity{0};
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Map", kTVMFFIMap)
};

template <typename K = Any, typename V = Any>
class Map : public ObjectRef {
 public:
  Map() : ObjectRef(make_object<MapObj>()) {}
  Map(std::initializer_list<std::pair<K, V>> items) : Map() {
    for (const auto& kv : items) Set(kv.first, kv.second);
  }
  explicit Map(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return static_cast<size_t>(obj()->size); }
  bool empty() const { return size() == 0; }
  size_t count(const K& key) const {
    return obj()->Find(*details::AnyUnsafe::Raw(AnyView(key))) >= 0;
  }
  /*! \brief The value of `key`; throws KeyError when absent. */
  V at(const K& key) const {
    std::optional<V> value = Get(key);
    if (!value.has_value()) TVM_FFI_THROW(KeyError) << "key not found in Map";
    return *std::move(value);
  }
  V operator[](const K& key) const { return at(key); }
  /*! \brief The value of `key`, or nullopt. */
  std::optional<V> Get(const K& key) const {
    int64_t index = obj()->Find(*details::AnyUnsafe::Raw(AnyView(key)));
    if (index < 0) return std::nullopt;
    return Convert<V>(obj()->ValueAt(index));
  }
  void Set(const K& key, const V& value) { MutableObj()->Set(Any(key), Any(value)); }

  /*! \brief Iterates (key, value) pairs in insertion order. */
  class iterator {
   public:
    iterator(const MapObj* obj, int64_t index) : obj_(obj), index_(index) {}
    std::pair<K, V> operator*() const {
      return {Convert<K>(obj_->KeyAt(index_)), Convert<V>(obj_->ValueAt(index_))};
    }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return index_ != other.index_; }
    bool operator==(const iterator& other) const { return index_ == other.index_; }

   private:
    const MapObj* obj_;
    int64_t index_;
  };
  iterator begin() const { return iterator(obj(), 0); }
  iterator end() const { return iterator(obj(), obj()->size); }

  const MapObj* get() const { return obj(); }
  using ContainerType = MapObj;
  static constexpr bool _type_is_nullable = false;

 private:
  template <typename T>
  static T Convert(const AnyView& view) {
    if constexpr (std::is_same_v<T, Any>) {
      return Any(view);
    } else {
      return view.cast<T>();
    }
  }
  const MapObj* obj() const { return static_cast<const MapObj*>(data_.get()); }
  MapObj* MutableObj() {
    if (data_.use_count() != 1) {
      ObjectPtr<MapObj> copy = make_object<MapObj>();
      copy->Reserve(obj()->size);
      for (int64_t i = 0; i < obj()->size; ++i) {
        copy->Set(Any(obj()->KeyAt(i)), Any(obj()->ValueAt(i)));
      }
      data_ = std::move(copy);
    }
    return static_cast<MapObj*>(data_.get());
  }
};

namespace details {
template <typename K, typename V>
struct HasCustomObjectRefTraits<Map<K, V>> : std::true_type {};
}  // namespace details

template <typename K, typename V>
struct TypeTraits<Map<K, V>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Map<K, V>& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIMap);
    out->v_obj = details::ObjectUnsafe::GetHandle(v);
  }
  static void MoveToAny(Map<K, V> v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIMap);
    out->v_obj = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(v));
  }
  /*! Checks every key converts to K and every value to V. */
  static std::optional<Map<K, V>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index != kTVMFFIMap) return std::nullopt;
    Map<K, V> map(details::ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
    const MapObj* obj = map.get();
    for (int64_t i = 0; i < obj->size; ++i) {
      if constexpr (!std::is_same_v<K, Any>) {
        if (!obj->KeyAt(i).template try_cast<K>().has_value()) return std::nullopt;
      }
      if constexpr (!std::is_same_v<V, Any>) {
        if (!obj->ValueAt(i).template try_cast<V>().has_value()) return std::nullopt;
      }
    }
    return map;
  }
  static std::string TypeStr() {
    return "Map<" + TypeTraits<K>::TypeStr() + ", " + TypeTraits<V>::TypeStr() + ">";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_MAP_H_
