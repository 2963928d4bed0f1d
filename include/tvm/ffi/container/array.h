/*
 * Array<T>: a reference-counted sequence of values (Python list/tuple). Copies share the
 * storage; mutation copies it first when it is shared (copy-on-write).
 */
#ifndef TVM_FFI_CONTAINER_ARRAY_H_
#define TVM_FFI_CONTAINER_ARRAY_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/container/seq_base.h>
#include <tvm/ffi/object.h>
#include <tvm/ffi/optional.h>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief An immutable sequence object (copy-on-write through Array<T>). */
class ArrayObj : public SeqBaseObj {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Array", kTVMFFIArray)
};

namespace details {
/*! \brief Whether Iter is an iterator (not an integer, as in Array(n, value)). */
template <typename Iter, typename = void>
struct IsIterator : std::false_type {};
template <typename Iter>
struct IsIterator<Iter, std::void_t<typename std::iterator_traits<Iter>::iterator_category>>
    : std::true_type {};
}  // namespace details

template <typename T = Any>
class Array : public ObjectRef {
 public:
  using value_type = T;
  /*! \brief Iterates values converted to T. */
  using iterator = details::SeqIterator<T>;
  using reverse_iterator = details::SeqReverseIterator<T>;

  Array() : ObjectRef(make_object<ArrayObj>()) {}
  Array(std::initializer_list<T> values) : Array() { Assign(values.begin(), values.end()); }
  Array(const std::vector<T>& values) : Array() {  // NOLINT(*)
    Assign(values.begin(), values.end());
  }
  template <typename Iter, typename = std::enable_if_t<details::IsIterator<Iter>::value>>
  Array(Iter first, Iter last) : Array() {
    Assign(first, last);
  }
  /*! \brief `n` copies of `value`. */
  explicit Array(size_t n, const T& value) : Array() {
    ArrayObj* o = GetArrayObj();
    o->Reserve(static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) o->push_back(Any(value));
  }
  /*! \brief An Array of a narrower element type, sharing its storage. */
  template <typename U, typename = std::enable_if_t<type_subsumes_v<T, U> && !std::is_same_v<T, U>>>
  Array(const Array<U>& other) : ObjectRef(other) {}  // NOLINT(*)
  template <typename U, typename = std::enable_if_t<type_subsumes_v<T, U> && !std::is_same_v<T, U>>>
  Array(Array<U>&& other) : ObjectRef(std::move(other)) {}  // NOLINT(*)
  explicit Array(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return obj()->size(); }
  size_t capacity() const { return obj()->capacity(); }
  bool empty() const { return size() == 0; }
  /*! \brief Element i converted to T; throws IndexError when out of range. */
  const T operator[](int64_t i) const { return Convert(obj()->at(i)); }
  T front() const { return Convert(obj()->front()); }
  T back() const { return Convert(obj()->back()); }

  iterator begin() const { return iterator(obj()->begin()); }
  iterator end() const { return iterator(obj()->end()); }
  reverse_iterator rbegin() const { return reverse_iterator(end()); }
  reverse_iterator rend() const { return reverse_iterator(begin()); }

  void push_back(const T& item) { CopyOnWrite(1)->push_back(Any(item)); }
  /*! \brief Appends T(args...). */
  template <typename... Args>
  void emplace_back(Args&&... args) {
    CopyOnWrite(1)->push_back(Any(T(std::forward<Args>(args)...)));
  }
  void insert(iterator position, const T& value) {
    int64_t idx = position - begin();
    CopyOnWrite(1)->insert(idx, Any(value));
  }
  template <typename Iter>
  void insert(iterator position, Iter first, Iter last) {
    int64_t idx = position - begin();
    int64_t count = static_cast<int64_t>(std::distance(first, last));
    if (count == 0) return;
    CopyOnWrite(count)->insert(idx, first, last);
  }
  /*! \brief Removes the last element; throws IndexError when empty. */
  void pop_back() { CopyOnWrite()->pop_back(); }
  void erase(iterator position) { CopyOnWrite()->erase(position - begin()); }
  void erase(iterator first, iterator last) {
    if (first == last) return;
    int64_t from = first - begin();
    int64_t to = last - begin();
    CopyOnWrite()->erase(from, to);
  }
  /*! \brief Grows with default (None) values or drops trailing ones. */
  void resize(int64_t n) {
    if (n < 0) TVM_FFI_THROW(ValueError) << "cannot resize an Array to negative size " << n;
    int64_t extra = n - static_cast<int64_t>(size());
    CopyOnWrite(extra > 0 ? extra : 0)->resize(n);
  }
  void reserve(int64_t n) {
    if (n > static_cast<int64_t>(capacity())) CopyOnWrite(n - static_cast<int64_t>(size()));
  }
  void clear() {
    if (!empty()) CopyOnWrite()->clear();
  }
  /*! \brief Replaces element i; throws IndexError when out of range. */
  void Set(int64_t i, T value) {
    obj()->CheckIndex(i);
    CopyOnWrite()->SetItem(i, Any(std::move(value)));
  }
  /*! \brief Replaces the contents with [first, last). */
  template <typename Iter>
  void Assign(Iter first, Iter last) {
    ArrayObj* o = CopyOnWrite();
    o->clear();
    o->Reserve(static_cast<int64_t>(std::distance(first, last)));
    for (; first != last; ++first) o->push_back(Any(T(*first)));
  }

  /*! \brief A new Array of fmap(element). */
  template <typename F, typename U = std::invoke_result_t<F, T>>
  Array<U> Map(F fmap) const {
    Array<U> result;
    result.reserve(static_cast<int64_t>(size()));
    for (const T& item : *this) result.push_back(fmap(item));
    return result;
  }
  /*! \brief Replaces every element by fmutate(element), copying first when shared. */
  template <typename F, typename = std::enable_if_t<std::is_same_v<T, std::invoke_result_t<F, T>>>>
  void MutateByApply(F fmutate) {
    if (empty()) return;
    ArrayObj* o = CopyOnWrite();
    for (int64_t i = 0; i < static_cast<int64_t>(o->size()); ++i) {
      o->SetItem(i, Any(fmutate(Convert(o->at(i)))));
    }
  }
  /*! \brief One Array of the arguments, each a T or an Array<T> (spliced). */
  template <typename... Args>
  static Array<T> Agregate(Args... args) {
    Array<T> result;
    (result.AppendPiece(std::move(args)), ...);
    return result;
  }

  /*! \brief The object, copied first if another reference shares it: safe to mutate. */
  ArrayObj* CopyOnWrite() { return CopyOnWrite(0); }

  const ArrayObj* get() const { return obj(); }
  const ArrayObj* operator->() const { return obj(); }
  using ContainerType = ArrayObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ArrayObj* obj() const { return static_cast<const ArrayObj*>(data_.get()); }
  ArrayObj* GetArrayObj() const { return static_cast<ArrayObj*>(data_.get()); }
  static T Convert(const Any& value) {
    if constexpr (std::is_same_v<T, Any>) {
      return value;
    } else {
      return value.cast<T>();
    }
  }
  /*! \brief The storage with room for `extra` more values, copied first if shared. */
  ArrayObj* CopyOnWrite(int64_t extra) {
    ArrayObj* o = GetArrayObj();
    int64_t need = static_cast<int64_t>(o->size()) + extra;
    int64_t capacity = static_cast<int64_t>(o->capacity());
    if (need > capacity) capacity = std::max(need, capacity * 2);
    if (data_.use_count() != 1) {
      ObjectPtr<ArrayObj> copy = make_object<ArrayObj>();
      copy->Reserve(capacity);
      for (const Any& item : *o) copy->push_back(item);
      data_ = std::move(copy);
      return GetArrayObj();
    }
    o->Reserve(capacity);
    return o;
  }
  void AppendPiece(T value) { push_back(std::move(value)); }
  void AppendPiece(const Array<T>& values) {
    for (const T& v : values) push_back(v);
  }
  template <typename>
  friend class Array;
};

/*! \brief `lhs` followed by the elements of `rhs`. */
template <typename T>
inline Array<T> Concat(Array<T> lhs, const Array<T>& rhs) {
  for (const T& item : rhs) lhs.push_back(item);
  return lhs;
}

template <typename T, typename U>
inline constexpr bool type_subsumes_v<Array<T>, Array<U>> = type_subsumes_v<T, U>;

namespace details {
template <typename T>
struct HasCustomObjectRefTraits<Array<T>> : std::true_type {};
template <typename T>
struct StrictStorage<Array<T>> : SeqStrictStorage<Array<T>, T, kTVMFFIArray> {};
}  // namespace details

/*! An Array (shared when its elements are stored as T) or a List (copied). */
template <typename T>
struct TypeTraits<Array<T>> : details::SeqTypeTraits<Array<T>, T, kTVMFFIArray> {
  static std::string TypeStr() { return "Array<" + TypeTraits<T>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return R"({"type":"ffi.Array","args":[)" + details::TypeSchema<T>::v() + "]}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_ARRAY_H_
