/*
 * List<T>: a mutable, shared sequence of values. Unlike Array, every reference sees the
 * same storage and mutation happens in place (like a Python list).
 */
#ifndef TVM_FFI_CONTAINER_LIST_H_
#define TVM_FFI_CONTAINER_LIST_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/seq_base.h>

#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief A mutable sequence object; same TVMFFISeqCell layout as ArrayObj. */
class ListObj : public SeqBaseObj {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.List", kTVMFFIList)
};

template <typename T = Any>
class List : public ObjectRef {
 public:
  using value_type = T;
  /*! \brief Iterates values converted to T. */
  using iterator = details::SeqIterator<T>;
  using reverse_iterator = details::SeqReverseIterator<T>;

  List() : ObjectRef(make_object<ListObj>()) {}
  List(std::initializer_list<T> values) : List() { Assign(values.begin(), values.end()); }
  List(const std::vector<T>& values) : List() {  // NOLINT(*)
    Assign(values.begin(), values.end());
  }
  template <typename Iter, typename = std::enable_if_t<details::IsIterator<Iter>::value>>
  List(Iter first, Iter last) : List() {
    Assign(first, last);
  }
  /*! \brief `n` copies of `value`. */
  explicit List(size_t n, const T& value) : List() {
    ListObj* o = GetListObj();
    o->Reserve(static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) o->push_back(Any(value));
  }
  /*! \brief A List of a narrower element type, sharing it. */
  template <typename U, typename = std::enable_if_t<type_subsumes_v<T, U> && !std::is_same_v<T, U>>>
  List(const List<U>& other) : ObjectRef(other) {}  // NOLINT(*)
  template <typename U, typename = std::enable_if_t<type_subsumes_v<T, U> && !std::is_same_v<T, U>>>
  List(List<U>&& other) : ObjectRef(std::move(other)) {}  // NOLINT(*)
  explicit List(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return GetListObj()->size(); }
  size_t capacity() const { return GetListObj()->capacity(); }
  bool empty() const { return size() == 0; }
  /*! \brief Element i converted to T; throws IndexError when out of range. */
  T operator[](int64_t i) const { return Convert(GetListObj()->at(i)); }
  T front() const { return Convert(GetListObj()->front()); }
  T back() const { return Convert(GetListObj()->back()); }

  iterator begin() const { return iterator(GetListObj()->begin()); }
  iterator end() const { return iterator(GetListObj()->end()); }
  reverse_iterator rbegin() const { return reverse_iterator(end()); }
  reverse_iterator rend() const { return reverse_iterator(begin()); }

  void push_back(const T& item) { GetListObj()->push_back(Any(item)); }
  /*! \brief Appends T(args...). */
  template <typename... Args>
  void emplace_back(Args&&... args) {
    GetListObj()->push_back(Any(T(std::forward<Args>(args)...)));
  }
  void insert(iterator position, const T& value) {
    GetListObj()->insert(position - begin(), Any(value));
  }
  template <typename Iter>
  void insert(iterator position, Iter first, Iter last) {
    GetListObj()->insert(position - begin(), first, last);
  }
  /*! \brief Removes the last element; throws IndexError when empty. */
  void pop_back() { GetListObj()->pop_back(); }
  void erase(iterator position) { GetListObj()->erase(position - begin()); }
  void erase(iterator first, iterator last) {
    int64_t from = first - begin();
    int64_t to = last - begin();
    GetListObj()->erase(from, to);
  }
  /*! \brief Grows with default (None) values or drops trailing ones. */
  void resize(int64_t n) { GetListObj()->resize(n); }
  void reserve(int64_t n) { GetListObj()->Reserve(n); }
  void clear() { GetListObj()->clear(); }
  /*! \brief Replaces element i, seen by every holder; throws IndexError when out of range. */
  void Set(int64_t i, T value) { GetListObj()->SetItem(i, Any(std::move(value))); }
  /*! \brief Replaces the contents with [first, last). */
  template <typename Iter>
  void Assign(Iter first, Iter last) {
    ListObj* o = GetListObj();
    o->clear();
    o->Reserve(static_cast<int64_t>(std::distance(first, last)));
    for (; first != last; ++first) o->push_back(Any(T(*first)));
  }

  const ListObj* get() const { return GetListObj(); }
  const ListObj* operator->() const { return GetListObj(); }
  using ContainerType = ListObj;
  static constexpr bool _type_is_nullable = false;

 private:
  // Every holder shares one ListObj: mutation through a const reference is intended.
  ListObj* GetListObj() const { return static_cast<ListObj*>(data_.get()); }
  static T Convert(const Any& value) {
    if constexpr (std::is_same_v<T, Any>) {
      return value;
    } else {
      return value.cast<T>();
    }
  }
};

template <typename T, typename U>
inline constexpr bool type_subsumes_v<List<T>, List<U>> = type_subsumes_v<T, U>;

namespace details {
template <typename T>
struct HasCustomObjectRefTraits<List<T>> : std::true_type {};
template <typename T>
struct StrictStorage<List<T>> : SeqStrictStorage<List<T>, T, kTVMFFIList> {};
}  // namespace details

/*! A List (shared when its elements are stored as T) or an Array (copied). */
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
