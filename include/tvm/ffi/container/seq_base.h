/*
 * SeqBaseObj: the storage shared by Array (copy-on-write) and List (shared, mutable): the
 * ABI's TVMFFISeqCell of owned values after the object header. `data_deleter` frees the
 * buffer, so a buffer grown by code compiled elsewhere is released by that code's deleter.
 * Also the random-access iterator of both, and their conversions from Any.
 */
#ifndef TVM_FFI_CONTAINER_SEQ_BASE_H_
#define TVM_FFI_CONTAINER_SEQ_BASE_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/object.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
/*! \brief Frees a sequence buffer allocated by SeqBaseObj::Reserve. */
inline void FreeSeqBuffer(void* data) { ::operator delete(data); }
}  // namespace details

/*! \brief Storage of Array and List: a growable buffer of owned values. */
class SeqBaseObj : public Object, protected TVMFFISeqCell {
 public:
  SeqBaseObj() {
    data = nullptr;
    TVMFFISeqCell::size = 0;
    TVMFFISeqCell::capacity = 0;
    // Never NULL: List code compiled against other headers frees the old buffer unchecked.
    data_deleter = details::FreeSeqBuffer;
  }
  ~SeqBaseObj() {
    ShrinkTo(0);
    if (data_deleter != nullptr) data_deleter(data);
  }

  size_t size() const { return static_cast<size_t>(TVMFFISeqCell::size); }
  size_t capacity() const { return static_cast<size_t>(TVMFFISeqCell::capacity); }
  bool empty() const { return TVMFFISeqCell::size == 0; }
  const Any* begin() const { return static_cast<const Any*>(data); }
  const Any* end() const { return begin() + TVMFFISeqCell::size; }
  /*! \brief Element i; throws IndexError when out of range. */
  const Any& at(int64_t i) const {
    CheckIndex(i);
    return begin()[i];
  }
  const Any& operator[](int64_t i) const { return at(i); }
  const Any& front() const { return at(0); }
  const Any& back() const { return at(TVMFFISeqCell::size - 1); }

  /*! \brief Replaces element i; throws IndexError when out of range. */
  void SetItem(int64_t i, Any item) {
    CheckIndex(i);
    MutableBegin()[i] = std::move(item);
  }
  void push_back(Any item) {
    if (TVMFFISeqCell::size == TVMFFISeqCell::capacity) {
      Reserve(TVMFFISeqCell::capacity == 0 ? 4 : TVMFFISeqCell::capacity * 2);
    }
    Raw()[TVMFFISeqCell::size++] = details::AnyUnsafe::MoveToRaw(std::move(item));
  }
  /*! \brief Removes the last element; throws IndexError when empty. */
  void pop_back() {
    if (TVMFFISeqCell::size == 0) TVM_FFI_THROW(IndexError) << "pop_back on an empty sequence";
    ShrinkTo(TVMFFISeqCell::size - 1);
  }
  void clear() { ShrinkTo(0); }
  /*! \brief Removes element idx; throws IndexError when out of range. */
  void erase(int64_t idx) {
    CheckIndex(idx);
    erase(idx, idx + 1);
  }
  /*! \brief Removes [first, last); throws IndexError when the range is not inside. */
  void erase(int64_t first, int64_t last) {
    if (first == last) return;
    int64_t n = TVMFFISeqCell::size;
    if (first < 0 || last > n || first > last) {
      TVM_FFI_THROW(IndexError) << "erase range [" << first << ", " << last
                                << ") out of range for size " << n;
    }
    for (int64_t i = first; i < last; ++i) details::AnyUnsafe::FromOwnedRaw(Raw()[i]);
    std::memmove(Raw() + first, Raw() + last, sizeof(TVMFFIAny) * (n - last));
    TVMFFISeqCell::size = n - (last - first);
  }
  /*! \brief Inserts before position idx (0..size); throws IndexError otherwise. */
  void insert(int64_t idx, Any item) {
    int64_t pos = OpenGap(idx, 1);
    Raw()[pos] = details::AnyUnsafe::MoveToRaw(std::move(item));
  }
  template <typename Iter>
  void insert(int64_t idx, Iter first, Iter last) {
    int64_t count = static_cast<int64_t>(std::distance(first, last));
    if (count == 0) return;
    int64_t pos = OpenGap(idx, count);
    for (; first != last; ++first) Raw()[pos++] = details::AnyUnsafe::MoveToRaw(Any(*first));
  }
  /*! \brief Grows with None values or drops trailing ones. */
  void resize(int64_t n) {
    if (n < 0) TVM_FFI_THROW(ValueError) << "cannot resize a sequence to negative size " << n;
    Reserve(n);
    while (TVMFFISeqCell::size < n) {
      details::SetPod(Raw() + TVMFFISeqCell::size, kTVMFFINone);
      ++TVMFFISeqCell::size;
    }
    ShrinkTo(n);
  }
  /*! \brief Makes room for `n` values, moving the current ones to a new buffer. */
  void Reserve(int64_t n) {
    if (n <= TVMFFISeqCell::capacity) return;
    auto* buffer = static_cast<TVMFFIAny*>(::operator new(sizeof(TVMFFIAny) * n));
    if (TVMFFISeqCell::size != 0) {
      std::memcpy(buffer, data, sizeof(TVMFFIAny) * TVMFFISeqCell::size);
    }
    if (data_deleter != nullptr) data_deleter(data);  // NULL data is fine for every deleter
    data = buffer;
    TVMFFISeqCell::capacity = n;
    data_deleter = details::FreeSeqBuffer;
  }
  void Reverse() {
    TVMFFIAny* items = Raw();
    for (int64_t i = 0, j = TVMFFISeqCell::size - 1; i < j; ++i, --j) std::swap(items[i], items[j]);
  }

 protected:
  Any* MutableBegin() const { return static_cast<Any*>(data); }
  TVMFFIAny* Raw() const { return static_cast<TVMFFIAny*>(data); }
  void CheckIndex(int64_t i) const {
    if (i < 0 || i >= TVMFFISeqCell::size) {
      TVM_FFI_THROW(IndexError) << "index " << i << " out of range for size "
                                << TVMFFISeqCell::size;
    }
  }
  /*! \brief Drops the values past the first `n`. */
  void ShrinkTo(int64_t n) {
    while (TVMFFISeqCell::size > n) {
      details::AnyUnsafe::FromOwnedRaw(Raw()[--TVMFFISeqCell::size]);
    }
  }
  /*! \brief Moves [idx, size) right by `count` slots (left as garbage); returns idx. */
  int64_t OpenGap(int64_t idx, int64_t count) {
    int64_t n = TVMFFISeqCell::size;
    if (idx < 0 || idx > n) {
      TVM_FFI_THROW(IndexError) << "insert position " << idx << " out of range [0, " << n << "]";
    }
    if (n + count > TVMFFISeqCell::capacity) {
      Reserve(std::max(n + count, TVMFFISeqCell::capacity * 2));
    }
    std::memmove(Raw() + idx + count, Raw() + idx, sizeof(TVMFFIAny) * (n - idx));
    TVMFFISeqCell::size = n + count;
    return idx;
  }

  template <typename>
  friend class Array;
  template <typename>
  friend class List;
  template <typename...>
  friend class Tuple;
};

namespace details {
/*!
 * \brief Random-access iterator over stored values, yielding them converted to T (Any
 * copies). Works with std algorithms and std::vector's range constructor.
 */
template <typename T>
class SeqIterator {
 public:
  using iterator_category = std::random_access_iterator_tag;
  using difference_type = std::ptrdiff_t;
  using value_type = T;
  using pointer = const T*;
  using reference = const T;

  SeqIterator() = default;
  explicit SeqIterator(const Any* ptr) : ptr_(ptr) {}
  reference operator*() const {
    if constexpr (std::is_same_v<T, Any>) {
      return *ptr_;
    } else {
      return ptr_->template cast<T>();
    }
  }
  reference operator[](difference_type n) const { return *(*this + n); }
  SeqIterator& operator++() {
    ++ptr_;
    return *this;
  }
  SeqIterator& operator--() {
    --ptr_;
    return *this;
  }
  SeqIterator operator++(int) { return SeqIterator(ptr_++); }
  SeqIterator operator--(int) { return SeqIterator(ptr_--); }
  SeqIterator& operator+=(difference_type n) {
    ptr_ += n;
    return *this;
  }
  SeqIterator& operator-=(difference_type n) {
    ptr_ -= n;
    return *this;
  }
  SeqIterator operator+(difference_type n) const { return SeqIterator(ptr_ + n); }
  SeqIterator operator-(difference_type n) const { return SeqIterator(ptr_ - n); }
  difference_type operator-(const SeqIterator& other) const { return ptr_ - other.ptr_; }
  bool operator==(const SeqIterator& other) const { return ptr_ == other.ptr_; }
  bool operator!=(const SeqIterator& other) const { return ptr_ != other.ptr_; }
  bool operator<(const SeqIterator& other) const { return ptr_ < other.ptr_; }
  bool operator>(const SeqIterator& other) const { return ptr_ > other.ptr_; }
  bool operator<=(const SeqIterator& other) const { return ptr_ <= other.ptr_; }
  bool operator>=(const SeqIterator& other) const { return ptr_ >= other.ptr_; }

 private:
  const Any* ptr_ = nullptr;
};

/*! \brief Reverse of SeqIterator (rbegin/rend). */
template <typename T>
using SeqReverseIterator = std::reverse_iterator<SeqIterator<T>>;

/*! \brief How a container reference (Array, List, Map, Dict, Tuple) goes into an Any: as its
 * object handle of type `kTypeIndex`, borrowed or moved. */
template <typename TRef, int32_t kTypeIndex>
struct ContainerToAny {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const TRef& v, TVMFFIAny* out) {
    SetPod(out, kTypeIndex);
    out->v_obj = ObjectUnsafe::GetHandle(v);
  }
  static void MoveToAny(TRef v, TVMFFIAny* out) {
    SetPod(out, kTypeIndex);
    out->v_obj = ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(v));
  }
};

/*! \brief The sequence object held by `src` when it is an Array or a List, else nullptr. */
inline const SeqBaseObj* AsSeq(const TVMFFIAny* src) {
  if (src->type_index != kTVMFFIArray && src->type_index != kTVMFFIList) return nullptr;
  return static_cast<const SeqBaseObj*>(ObjectUnsafe::FromHeader(src->v_obj));
}

/*! \brief Whether every element of `seq` is strictly stored as T. */
template <typename T>
bool AllStrictlyStored(const SeqBaseObj* seq) {
  if constexpr (!std::is_same_v<T, Any>) {
    for (const Any& item : *seq) {
      if (!IsStrictlyStored<T>(AnyUnsafe::Raw(item))) return false;
    }
  }
  return true;
}

/*!
 * \brief Conversions of SeqRef<T> (Array or List, objects of `kTypeIndex`): the same kind
 * with strictly stored elements is shared; an Array/List of convertible elements is copied
 * into a new SeqRef with converted elements (as Python passes lists as Arrays).
 */
/*! \brief "Array[index 1: str]": the first element of an Array/List that does not convert. */
template <typename T>
std::string SeqMismatchTypeInfo(const char* kind, const TVMFFIAny* src) {
  if (const SeqBaseObj* seq = AsSeq(src)) {
    for (size_t i = 0; i < seq->size(); ++i) {
      const TVMFFIAny* item = AnyUnsafe::Raw(seq->begin()[i]);
      if (!TryConvert<T>(item).has_value()) {
        return std::string(kind) + "[index " + std::to_string(i) + ": " +
               MismatchTypeInfo<T>(item) + "]";
      }
    }
  }
  return TypeIndexToName(src->type_index);
}

template <typename SeqRef, typename T, int32_t kTypeIndex>
struct SeqTypeTraits : ContainerToAny<SeqRef, kTypeIndex> {
  static std::string GetMismatchTypeInfo(const TVMFFIAny* src) {
    return SeqMismatchTypeInfo<T>(kTypeIndex == kTVMFFIArray ? "Array" : "List", src);
  }
  static std::optional<SeqRef> TryCastFromAnyView(const TVMFFIAny* src) {
    const SeqBaseObj* seq = AsSeq(src);
    if (seq == nullptr) return std::nullopt;
    if (src->type_index == kTypeIndex && AllStrictlyStored<T>(seq)) {
      return SeqRef(ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
    }
    SeqRef result;
    result.reserve(static_cast<int64_t>(seq->size()));
    for (const Any& item : *seq) {
      std::optional<T> value = TryConvert<T>(AnyUnsafe::Raw(item));
      if (!value.has_value()) return std::nullopt;
      result.push_back(*std::move(value));
    }
    return result;
  }
};

template <typename SeqRef, typename T, int32_t kTypeIndex>
struct SeqStrictStorage {
  static bool Check(const TVMFFIAny* src) {
    return src->type_index == kTypeIndex && AllStrictlyStored<T>(AsSeq(src));
  }
};
}  // namespace details

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_SEQ_BASE_H_
