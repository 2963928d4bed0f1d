/*
 * Object: the reference-counted heap object every TVM-FFI type derives from, its smart
 * pointer ObjectPtr, the reference base ObjectRef, and runtime type checks.
 */
#ifndef TVM_FFI_OBJECT_H_
#define TVM_FFI_OBJECT_H_

#include <tvm/ffi/base_details.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
struct ObjectUnsafe;
/*! \brief Throws the error raised on this thread (defined in error.h). */
[[noreturn]] inline void ThrowRaised(int code);
template <typename T>
void ObjectDeleter(void* self, int flags);

/*! \brief One strong reference, and one weak reference that the strong ones hold together. */
constexpr uint64_t kCombinedRefCountStrongOne = 1;
constexpr uint64_t kCombinedRefCountWeakOne = uint64_t{1} << 32;
constexpr uint64_t kCombinedRefCountBothOne = kCombinedRefCountStrongOne | kCombinedRefCountWeakOne;

/*!
 * \brief Drops one strong reference. The last one destroys the object and drops the weak
 * reference the strong ones held; the storage goes with the last weak reference. When no
 * other weak reference exists, one deleter call does both.
 */
inline void DecRefHeader(TVMFFIObject* header) {
  uint64_t before =
      __atomic_fetch_sub(&header->combined_ref_count, kCombinedRefCountStrongOne, __ATOMIC_RELEASE);
  if (before == kCombinedRefCountBothOne) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskBoth);
    return;
  }
  if ((before & 0xFFFFFFFFu) != kCombinedRefCountStrongOne) return;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskStrong);
  uint64_t weak_before =
      __atomic_fetch_sub(&header->combined_ref_count, kCombinedRefCountWeakOne, __ATOMIC_RELEASE);
  if (weak_before == kCombinedRefCountWeakOne) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskWeak);
  }
}
}  // namespace details

/*! \brief Base of all heap objects: a 24-byte TVMFFIObject header, no vtable. */
class Object {
 public:
  Object() {
    header_.combined_ref_count = 0;
    header_.type_index = kTVMFFIObject;
    header_.__padding = 0;
    header_.deleter = nullptr;
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  int32_t type_index() const { return header_.type_index; }
  /*! \brief The registered key of this object's type, e.g. "ffi.Function". */
  std::string GetTypeKey() const {
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(header_.type_index);
    return info ? std::string(info->type_key.data, info->type_key.size) : std::string("?");
  }
  /*! \brief Whether this object is a TargetType (or derives from it). */
  template <typename TargetType>
  bool IsInstance() const;
  /*! \brief Number of strong references. */
  uint32_t use_count() const {
    return static_cast<uint32_t>(__atomic_load_n(&header_.combined_ref_count, __ATOMIC_RELAXED));
  }

  static constexpr const char* _type_key = "ffi.Object";
  static constexpr int32_t _type_index = kTVMFFIObject;
  static constexpr int32_t _type_depth = 0;
  static constexpr bool _type_final = false;
  static int32_t RuntimeTypeIndex() { return kTVMFFIObject; }

 protected:
  TVMFFIObject header_;

  void IncRef() { __atomic_fetch_add(&header_.combined_ref_count, 1, __ATOMIC_RELAXED); }
  void DecRef() { details::DecRefHeader(&header_); }

  friend struct details::ObjectUnsafe;
  template <typename>
  friend class ObjectPtr;
};

namespace details {
/*! \brief Whether an object of `type_index` is a `target_index` of depth `target_depth`. */
inline bool IsInstanceOf(int32_t type_index, int32_t target_index, int32_t target_depth) {
  if (type_index == target_index || target_index == kTVMFFIObject) return true;
  if (type_index < target_index) return false;  // parents always have smaller indices
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  return info != nullptr && info->type_depth > target_depth &&
         info->type_ancestors[target_depth]->type_index == target_index;
}
}  // namespace details

template <typename TargetType>
inline bool Object::IsInstance() const {
  if constexpr (std::is_same_v<TargetType, Object>) {
    return true;
  } else if constexpr (TargetType::_type_final &&
                       TargetType::_type_index != kTVMFFIDynObjectBegin) {
    return header_.type_index == TargetType::_type_index;
  } else {
    return details::IsInstanceOf(header_.type_index, TargetType::RuntimeTypeIndex(),
                                 TargetType::_type_depth);
  }
}

/*! \brief Intrusive strong pointer to an Object subclass. */
template <typename T>
class ObjectPtr {
 public:
  ObjectPtr() = default;
  ObjectPtr(std::nullptr_t) {}  // NOLINT(*)
  ObjectPtr(const ObjectPtr& other) : data_(other.data_) {
    if (data_) data_->IncRef();
  }
  ObjectPtr(ObjectPtr&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  ObjectPtr(const ObjectPtr<U>& other) : data_(other.data_) {  // NOLINT(*)
    if (data_) data_->IncRef();
  }
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  ObjectPtr(ObjectPtr<U>&& other) : data_(other.data_) {  // NOLINT(*)
    other.data_ = nullptr;
  }
  ~ObjectPtr() { reset(); }
  ObjectPtr& operator=(ObjectPtr other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  void reset() {
    if (data_) {
      Object* tmp = data_;
      data_ = nullptr;
      tmp->DecRef();
    }
  }
  T* get() const { return static_cast<T*>(data_); }
  T* operator->() const { return get(); }
  T& operator*() const { return *get(); }
  explicit operator bool() const { return data_ != nullptr; }
  bool operator==(std::nullptr_t) const { return data_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return data_ != nullptr; }
  bool operator==(const ObjectPtr& other) const { return data_ == other.data_; }
  uint32_t use_count() const { return data_ ? data_->use_count() : 0; }

 private:
  Object* data_{nullptr};
  template <typename>
  friend class ObjectPtr;
  friend struct details::ObjectUnsafe;
};

/*! \brief Base of all typed references (String is not one; Function, Array, Tensor are). */
class ObjectRef {
 public:
  ObjectRef() = default;
  explicit ObjectRef(ObjectPtr<Object> data) : data_(std::move(data)) {}
  ObjectRef(std::nullptr_t) {}  // NOLINT(*)

  const Object* get() const { return data_.get(); }
  const Object* operator->() const { return get(); }
  bool defined() const { return data_ != nullptr; }
  bool operator==(std::nullptr_t) const { return data_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return data_ != nullptr; }
  bool same_as(const ObjectRef& other) const { return data_ == other.data_; }
  uint32_t use_count() const { return data_.use_count(); }
  /*! \brief The object as `T` if it is one, else nullptr. */
  template <typename T>
  const T* as() const {
    return data_ != nullptr && data_->IsInstance<T>() ? static_cast<const T*>(data_.get())
                                                      : nullptr;
  }

  using ContainerType = Object;
  static constexpr bool _type_is_nullable = true;

 protected:
  ObjectPtr<Object> data_;
  friend struct details::ObjectUnsafe;
};

namespace details {
/*! \brief Raw access to handles and headers; for the ABI glue, not for users. */
struct ObjectUnsafe {
  static TVMFFIObject* GetHeader(const Object* obj) {
    return const_cast<TVMFFIObject*>(&obj->header_);
  }
  static Object* FromHeader(TVMFFIObject* header) {
    return reinterpret_cast<Object*>(reinterpret_cast<char*>(header) - offsetof(Object, header_));
  }
  static void IncRef(Object* obj) { obj->IncRef(); }
  static void DecRef(Object* obj) { obj->DecRef(); }
  /*! \brief Wraps an owned handle without touching its count. */
  template <typename T>
  static ObjectPtr<T> PtrFromOwned(TVMFFIObject* header) {
    ObjectPtr<T> ptr;
    ptr.data_ = header ? FromHeader(header) : nullptr;
    return ptr;
  }
  /*! \brief Wraps a borrowed handle, taking a new reference. */
  template <typename T>
  static ObjectPtr<T> PtrFromBorrowed(TVMFFIObject* header) {
    if (header) FromHeader(header)->IncRef();
    return PtrFromOwned<T>(header);
  }
  /*! \brief Releases ownership: the caller now owns the returned handle. */
  template <typename T>
  static TVMFFIObject* MoveToOwned(ObjectPtr<T>&& ptr) {
    Object* obj = ptr.data_;
    ptr.data_ = nullptr;
    return obj ? &obj->header_ : nullptr;
  }
  static TVMFFIObject* MoveToOwned(ObjectRef&& ref) { return MoveToOwned(std::move(ref.data_)); }
  static TVMFFIObject* GetHandle(const ObjectRef& ref) {
    return ref.data_ ? &ref.data_.data_->header_ : nullptr;
  }
  static const ObjectPtr<Object>& GetPtr(const ObjectRef& ref) { return ref.data_; }
  template <typename TRef>
  static TRef RefFromPtr(ObjectPtr<Object> ptr) {
    TRef ref;
    ref.data_ = std::move(ptr);
    return ref;
  }
  static void InitHeader(Object* obj, int32_t type_index, void (*deleter)(void*, int)) {
    obj->header_.combined_ref_count = kCombinedRefCountBothOne;
    obj->header_.type_index = type_index;
    obj->header_.deleter = deleter;
  }
};

/*! \brief Deleter of objects allocated by make_object / make_inplace_array_object. */
template <typename T>
void ObjectDeleter(void* self, int flags) {
  T* obj = static_cast<T*>(ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(self)));
  if (flags & kTVMFFIObjectDeleterFlagBitMaskStrong) obj->~T();
  if (flags & kTVMFFIObjectDeleterFlagBitMaskWeak) ::operator delete(static_cast<void*>(obj));
}
}  // namespace details

/*! \brief Allocates a T (an Object subclass) with a count of one. */
template <typename T, typename... Args>
ObjectPtr<T> make_object(Args&&... args) {
  void* mem = ::operator new(sizeof(T));
  T* obj = new (mem) T(std::forward<Args>(args)...);
  details::ObjectUnsafe::InitHeader(obj, T::RuntimeTypeIndex(), details::ObjectDeleter<T>);
  return details::ObjectUnsafe::PtrFromOwned<T>(details::ObjectUnsafe::GetHeader(obj));
}

/*! \brief Allocates a T followed by room for `num_elems` ElemType values (uninitialized). */
template <typename T, typename ElemType, typename... Args>
ObjectPtr<T> make_inplace_array_object(size_t num_elems, Args&&... args) {
  void* mem = ::operator new(sizeof(T) + num_elems * sizeof(ElemType));
  T* obj = new (mem) T(std::forward<Args>(args)...);
  details::ObjectUnsafe::InitHeader(obj, T::RuntimeTypeIndex(), details::ObjectDeleter<T>);
  return details::ObjectUnsafe::PtrFromOwned<T>(details::ObjectUnsafe::GetHeader(obj));
}

/*! \brief Casts a reference down to `TRef`, or returns nullptr-ref if it is not one. */
template <typename TRef>
TRef GetRef(const typename TRef::ContainerType* obj) {
  return details::ObjectUnsafe::RefFromPtr<TRef>(
      details::ObjectUnsafe::PtrFromBorrowed<Object>(details::ObjectUnsafe::GetHeader(obj)));
}

}  // namespace ffi
}  // namespace tvm

/*
 * Declares the type info of a user Object subclass; its index is allocated at first use.
 * Use inside the class: TVM_FFI_DECLARE_OBJECT_INFO("my.Key", MyObj, ParentObj);
 */
#define TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, IsFinal)    \
  static constexpr const char* _type_key = TypeKey;                                  \
  static constexpr int32_t _type_index = kTVMFFIDynObjectBegin;                      \
  static constexpr int32_t _type_depth = ParentType::_type_depth + 1;                \
  static constexpr bool _type_final = IsFinal;                                       \
  static int32_t RuntimeTypeIndex() {                                                \
    static const int32_t index = [] {                                                \
      const char* key = TypeKey;                                                     \
      size_t size = 0;                                                               \
      while (key[size]) ++size;                                                      \
      TVMFFIByteArray bytes = {key, size};                                           \
      int32_t allocated = TVMFFITypeGetOrAllocIndex(&bytes, -1, _type_depth, 0, 1,   \
                                                    ParentType::RuntimeTypeIndex()); \
      if (allocated < 0) ::tvm::ffi::details::ThrowRaised(-1);                       \
      return allocated;                                                              \
    }();                                                                             \
    return index;                                                                    \
  }
#define TVM_FFI_DECLARE_OBJECT_INFO(TypeKey, TypeName, ParentType) \
  TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, false)
#define TVM_FFI_DECLARE_OBJECT_INFO_FINAL(TypeKey, TypeName, ParentType) \
  TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, true)

/* Declares a static built-in type (index fixed by the ABI). */
#define TVM_FFI_DECLARE_STATIC_OBJECT_INFO_(TypeKey, StaticIndex) \
  static constexpr const char* _type_key = TypeKey;               \
  static constexpr int32_t _type_index = StaticIndex;             \
  static constexpr int32_t _type_depth = 1;                       \
  static constexpr bool _type_final = true;                       \
  static int32_t RuntimeTypeIndex() { return StaticIndex; }

/*
 * The members every typed reference needs: constructors from its object pointer and
 * the ContainerType alias. Use inside `class TypeName : public ParentType`.
 */
#define TVM_FFI_DEFINE_OBJECT_REF_METHODS(TypeName, ParentType, ObjectName)                    \
  TypeName() = default;                                                                        \
  explicit TypeName(::tvm::ffi::ObjectPtr<::tvm::ffi::Object> n) : ParentType(std::move(n)) {} \
  TypeName(std::nullptr_t) {} /* NOLINT(*) */                                                  \
  const ObjectName* operator->() const { return static_cast<const ObjectName*>(get()); }       \
  const ObjectName* get() const { return static_cast<const ObjectName*>(data_.get()); }        \
  using ContainerType = ObjectName;

#endif  // TVM_FFI_OBJECT_H_
