/*
 * List<T>: a mutable, shared sequence of values. Unlike Array, every reference sees the
 * same storage and mutation happens in place (like a Python list).
 */
#ifndef TVM_FFI_CONTAINER_LIST_H_
#define TVM_FFI_CONTAINER_LIST_H_

#include <tvm/ffi/container/array.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief A mutable sequence object; same TVMFFISeqCell layout as ArrayObj. */
class ListObj : public details::SeqStorage {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.List", kTVMFFIList)
};

template <typename T = Any>
class List : public ObjectRef {
 public:
  List() : ObjectRef(make_object<ListObj>()) {}
  List(std::initializer_list<T> values) : List() {
    for (const T& v : values) push_back(v);
  }
  List(const std::vector<T>& values) : List() {  // NOLINT(*)
    for (const T& v : values) push_back(v);
  }
  explicit List(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return static_cast<size_t>(obj()->size); }
  bool empty() const { return size() == 0; }
  /*! \brief Element i converted to T; throws IndexError when out of range. */
  T operator[](int64_t i) const {
    CheckIndex(i);
    if constexpr (std::is_same_v<T, Any>) {
      return Any(obj()->At(i));
    } else {
      return obj()->At(i).template cast<T>();
    }
  }
  void push_back(T value) { mutable_obj()->PushBack(Any(std::move(value))); }
  void Set(int64_t i, T value) {
    CheckIndex(i);
    TVMFFIAny* slot = mutable_obj()->Items() + i;
    Any old = details::AnyUnsafe::FromOwnedRaw(*slot);
    *slot = details::AnyUnsafe::MoveToRaw(Any(std::move(value)));
  }
  /*! \brief Removes the last element; throws IndexError on an empty list. */
  void pop_back() {
    CheckIndex(static_cast<int64_t>(size()) - 1);
    ListObj* o = mutable_obj();
    Any dropped = details::AnyUnsafe::FromOwnedRaw(o->Items()[--o->size]);
  }
  void clear() {
    while (!empty()) pop_back();
  }

  using iterator = details::SeqIterator<List, T>;
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, static_cast<int64_t>(size())); }

  const ListObj* get() const { return obj(); }
  using ContainerType = ListObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ListObj* obj() const { return static_cast<const ListObj*>(data_.get()); }
  ListObj* mutable_obj() const { return const_cast<ListObj*>(obj()); }
  void CheckIndex(int64_t i) const {
    int64_t n = obj()->size;
    if (i < 0 || i >= n) {
      TVM_FFI_THROW(IndexError) << "List index " << i << " out of range for size " << n;
    }
  }
};

namespace details {
template <typename T>
struct HasCustomObjectRefTraits<List<T>> : std::true_type {};
}  // namespace details

template <typename T>
struct TypeTraits<List<T>> : details::SeqTypeTraits<List<T>, T, kTVMFFIList> {
  static std::string TypeStr() { return "List<" + TypeTraits<T>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return R"({"type":"ffi.List","args":[)" + details::TypeSchema<T>::v() + "]}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_LIST_H_
