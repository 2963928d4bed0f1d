/*
 * Array<T>: a reference-counted sequence of values (Python list/tuple). Copies share the
 * storage; mutation copies it first when it is shared (copy-on-write).
 */
#ifndef TVM_FFI_CONTAINER_ARRAY_H_
#define TVM_FFI_CONTAINER_ARRAY_H_

#include <tvm/ffi/any.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

namespace details {
/*! \brief Frees a sequence buffer allocated by SeqStorage::Grow. */
inline void FreeSeqBuffer(void* data) { ::operator delete(data); }

/*!
 * \brief The storage shared by Array and List: the ABI's TVMFFISeqCell of owned TVMFFIAny
 * values. `data_deleter` frees the buffer (NULL when none was allocated), so a buffer
 * grown by code compiled elsewhere is released by that code's own deleter.
 */
class SeqStorage : public Object, public TVMFFISeqCell {
 public:
  SeqStorage() {
    data = nullptr;
    size = 0;
    capacity = 0;
    // Never NULL: List code compiled against other headers frees the old buffer unchecked.
    data_deleter = FreeSeqBuffer;
  }
  ~SeqStorage() {
    TVMFFIAny* items = Items();
    for (int64_t i = 0; i < size; ++i) {
      if (items[i].type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectDecRef(items[i].v_obj);
    }
    if (data_deleter != nullptr) data_deleter(data);
  }
  TVMFFIAny* Items() const { return static_cast<TVMFFIAny*>(data); }
  const AnyView& At(int64_t i) const { return reinterpret_cast<const AnyView*>(data)[i]; }
  /*! \brief Appends an owned value. */
  void PushBack(Any value) {
    if (size == capacity) Grow(capacity == 0 ? 4 : capacity * 2);
    Items()[size++] = details::AnyUnsafe::MoveToRaw(std::move(value));
  }
  /*! \brief Makes room for `new_capacity` values, moving the current ones. */
  void Grow(int64_t new_capacity) {
    if (new_capacity <= capacity) return;
    auto* buffer = static_cast<TVMFFIAny*>(::operator new(sizeof(TVMFFIAny) * new_capacity));
    for (int64_t i = 0; i < size; ++i) buffer[i] = Items()[i];
    if (data_deleter != nullptr) data_deleter(data);  // NULL data is fine for every deleter here
    data = buffer;
    capacity = new_capacity;
    data_deleter = FreeSeqBuffer;
  }
};

/*! \brief Iterates a sequence reference (Array or List) by index, yielding its operator[]. */
template <typename SeqRef, typename T>
class SeqIterator {
 public:
  SeqIterator(const SeqRef* seq, int64_t index) : seq_(seq), index_(index) {}
  T operator*() const { return (*seq_)[index_]; }
  SeqIterator& operator++() {
    ++index_;
    return *this;
  }
  bool operator!=(const SeqIterator& other) const { return index_ != other.index_; }
  bool operator==(const SeqIterator& other) const { return index_ == other.index_; }

 private:
  const SeqRef* seq_;
  int64_t index_;
};
}  // namespace details

/*! \brief An immutable sequence object (copy-on-write through Array<T>). */
class ArrayObj : public details::SeqStorage {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Array", kTVMFFIArray)
};

template <typename T = Any>
class Array : public ObjectRef {
 public:
  Array() : ObjectRef(make_object<ArrayObj>()) {}
  Array(std::initializer_list<T> values) : Array() {
    for (const T& v : values) push_back(v);
  }
  Array(const std::vector<T>& values) : Array() {  // NOLINT(*)
    for (const T& v : values) push_back(v);
  }
  explicit Array(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return static_cast<size_t>(obj()->size); }
  bool empty() const { return size() == 0; }
  /*! \brief Element i converted to T; throws IndexError when out of range. */
  T operator[](int64_t i) const {
    int64_t n = obj()->size;
    if (i < 0 || i >= n) {
      TVM_FFI_THROW(IndexError) << "Array index " << i << " out of range for size " << n;
    }
    if constexpr (std::is_same_v<T, Any>) {
      return Any(obj()->At(i));
    } else {
      return obj()->At(i).template cast<T>();
    }
  }
  T front() const { return (*this)[0]; }
  T back() const { return (*this)[static_cast<int64_t>(size()) - 1]; }
  void push_back(T value) { MutableObj()->PushBack(Any(std::move(value))); }
  void Set(int64_t i, T value) {
    (void)(*this)[i];  // bounds check
    ArrayObj* o = MutableObj();
    Any old = details::AnyUnsafe::FromOwnedRaw(o->Items()[i]);
    o->Items()[i] = details::AnyUnsafe::MoveToRaw(Any(std::move(value)));
  }

  /*! \brief Iterates values converted to T. */
  using iterator = details::SeqIterator<Array, T>;
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, static_cast<int64_t>(size())); }

  const ArrayObj* get() const { return obj(); }
  using ContainerType = ArrayObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ArrayObj* obj() const { return static_cast<const ArrayObj*>(data_.get()); }
  /*! \brief The storage, copied first if another reference shares it. */
  ArrayObj* MutableObj() {
    if (data_.use_count() != 1) {
      ObjectPtr<ArrayObj> copy = make_object<ArrayObj>();
      copy->Grow(obj()->size);
      for (int64_t i = 0; i < obj()->size; ++i) copy->PushBack(Any(obj()->At(i)));
      data_ = std::move(copy);
    }
    return static_cast<ArrayObj*>(data_.get());
  }
};

namespace details {
template <typename T>
struct HasCustomObjectRefTraits<Array<T>> : std::true_type {};
}  // namespace details

namespace details {
/*! \brief How a container reference (Array, List, Map, Dict) of objects `kTypeIndex` goes into
 * an Any: as its object handle, borrowed or moved. */
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

/*!
 * \brief Conversions of a sequence reference SeqRef<T> (Array or List) whose objects have
 * `kTypeIndex`: a cast checks that every element converts to T (SeqRef<Any> takes any).
 */
template <typename SeqRef, typename T, int32_t kTypeIndex>
struct SeqTypeTraits : ContainerToAny<SeqRef, kTypeIndex> {
  static std::optional<SeqRef> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index != kTypeIndex) return std::nullopt;
    SeqRef seq(ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
    if constexpr (!std::is_same_v<T, Any>) {
      const SeqStorage* obj = seq.get();
      for (int64_t i = 0; i < obj->size; ++i) {
        if (!obj->At(i).template try_cast<T>().has_value()) return std::nullopt;
      }
    }
    return seq;
  }
};
}  // namespace details

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
