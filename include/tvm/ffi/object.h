/*
 * Object: the reference-counted heap object every TVM-FFI type derives from, its smart
 * pointer ObjectPtr, the reference base ObjectRef, and runtime type checks.
 */
#ifndef TVM_FFI_OBJECT_H_
#define TVM_FFI_OBJECT_H_

#include <tvm/ffi/base_details.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Tag of the constructors that leave a reference empty without checks. */
struct UnsafeInit {};

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
 * \brief Destroys an object whose last strong reference was just dropped, and drops the weak
 * reference the strong ones held; the storage goes with the last weak reference. `sole`:
 * no other weak reference exists, so one deleter call does both.
 */
inline void ReleaseStrongZero(TVMFFIObject* header, bool sole) {
  if (sole) {
    header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskBoth);
    return;
  }
  header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskStrong);
  uint64_t weak_before =
      __atomic_fetch_sub(&header->combined_ref_count, kCombinedRefCountWeakOne, __ATOMIC_RELEASE);
  if (weak_before == kCombinedRefCountWeakOne) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskWeak);
  }
}

/*!
 * \brief This thread's nesting of object destructions, and the objects left for the outermost
 * one. Plain data (no destructor): it stays usable while the thread's other locals are torn down.
 */
struct PendingDestructions {
  int32_t depth;
  uint32_t size;
  uint32_t capacity;
  TVMFFIObject** items;
};
inline PendingDestructions& ThreadPendingDestructions() {
  static thread_local PendingDestructions pending{0, 0, 0, nullptr};
  return pending;
}
/*! \brief Destructors nested deeper than this defer their children instead of recursing. */
constexpr int32_t kMaxNestedDestructions = 256;

/*! \brief Queues `header` for the outermost destruction; false when out of memory. */
inline bool DeferDestruction(PendingDestructions& pending, TVMFFIObject* header) {
  if (pending.size == pending.capacity) {
    uint32_t capacity = pending.capacity == 0 ? 64 : pending.capacity * 2;
    void* grown = std::realloc(pending.items, sizeof(TVMFFIObject*) * capacity);
    if (grown == nullptr) return false;
    pending.items = static_cast<TVMFFIObject**>(grown);
    pending.capacity = capacity;
  }
  pending.items[pending.size++] = header;
  return true;
}

/*!
 * \brief ReleaseStrongZero without unbounded recursion: a destructor that frees a child which
 * frees a child ... (a 1e6-deep Array chain) would overflow the stack. Past a fixed depth the
 * objects are queued and the outermost destruction frees them in a loop. Shallow trees are
 * destroyed in place, in the usual order.
 */
TVM_FFI_NO_INLINE inline void DestroyUnreferenced(TVMFFIObject* header, bool sole) {
  PendingDestructions& pending = ThreadPendingDestructions();
  if (pending.depth >= kMaxNestedDestructions && DeferDestruction(pending, header)) return;
  ++pending.depth;
  ReleaseStrongZero(header, sole);
  if (pending.depth == 1) {
    while (pending.size != 0) {
      TVMFFIObject* next = pending.items[--pending.size];
      // Only the strong references' weak one left: no other weak reference exists.
      bool next_sole =
          __atomic_load_n(&next->combined_ref_count, __ATOMIC_ACQUIRE) == kCombinedRefCountWeakOne;
      ReleaseStrongZero(next, next_sole);
    }
    std::free(pending.items);
    pending.items = nullptr;
    pending.capacity = 0;
  }
  --pending.depth;
}

/*! \brief Drops one strong reference; the last one destroys the object (DestroyUnreferenced). */
inline void DecRefHeader(TVMFFIObject* header) {
  uint64_t before =
      __atomic_fetch_sub(&header->combined_ref_count, kCombinedRefCountStrongOne, __ATOMIC_RELEASE);
  if ((before & 0xFFFFFFFFu) != kCombinedRefCountStrongOne) return;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  DestroyUnreferenced(header, before == kCombinedRefCountBothOne);
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
  /*! \brief Whether this is the only strong reference. */
  bool unique() const { return use_count() == 1; }
  /*! \brief The registered key of type index `index`. */
  static std::string TypeIndex2Key(int32_t index) {
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
    return info ? std::string(info->type_key.data, info->type_key.size) : std::string("?");
  }
  /*! \brief A hash of the type key, as the registry records it. */
  uint64_t GetTypeKeyHash() const {
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(header_.type_index);
    return info ? info->type_key_hash : 0;
  }

  static constexpr const char* _type_key = "ffi.Object";
  static constexpr int32_t _type_index = kTVMFFIObject;
  static constexpr int32_t _type_depth = 0;
  static constexpr bool _type_final = false;
  /*! \brief Whether references give non-const access (set to true in a mutable subclass). */
  static constexpr bool _type_mutable = false;
  /*! \brief Type indices reserved for subclasses right after this type's own. */
  static constexpr uint32_t _type_child_slots = 0;
  static constexpr bool _type_child_slots_can_overflow = true;
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindUnsupported;
  static int32_t RuntimeTypeIndex() { return kTVMFFIObject; }
  static int32_t _GetOrAllocRuntimeTypeIndex() { return kTVMFFIObject; }  // NOLINT(*)

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
  bool operator!=(const ObjectPtr& other) const { return data_ != other.data_; }
  uint32_t use_count() const { return data_ ? data_->use_count() : 0; }
  bool unique() const { return data_ != nullptr && data_->unique(); }
  void swap(ObjectPtr& other) noexcept { std::swap(data_, other.data_); }

 private:
  Object* data_{nullptr};
  template <typename>
  friend class ObjectPtr;
  template <typename>
  friend class WeakObjectPtr;
  friend struct details::ObjectUnsafe;
};

/*! \brief An ObjectPtr that is never null: built by make_arc or from a non-null ObjectPtr. */
template <typename T>
class Arc : public ObjectPtr<T> {
 public:
  Arc() = delete;
  Arc(std::nullptr_t) = delete;  // NOLINT(*)
  explicit Arc(ObjectPtr<T> ptr) : ObjectPtr<T>(std::move(ptr)) {}
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  Arc(const Arc<U>& other) : ObjectPtr<T>(other) {}  // NOLINT(*)
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  Arc(Arc<U>&& other) : ObjectPtr<T>(std::move(other)) {}  // NOLINT(*)
};

/*!
 * \brief A weak pointer: does not keep the object alive; lock() gives a strong pointer while
 * the object lives, else null.
 */
template <typename T>
class WeakObjectPtr {
 public:
  WeakObjectPtr() = default;
  WeakObjectPtr(std::nullptr_t) {}  // NOLINT(*)
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  WeakObjectPtr(const ObjectPtr<U>& other) : data_(other.data_) {  // NOLINT(*)
    IncWeak();
  }
  WeakObjectPtr(const WeakObjectPtr& other) : data_(other.data_) { IncWeak(); }
  WeakObjectPtr(WeakObjectPtr&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }
  ~WeakObjectPtr() { reset(); }
  WeakObjectPtr& operator=(WeakObjectPtr other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  void swap(WeakObjectPtr& other) noexcept { std::swap(data_, other.data_); }
  /*! \brief A strong pointer if the object still lives, else null. */
  ObjectPtr<T> lock() const;
  void reset();
  int use_count() const { return data_ ? static_cast<int>(data_->use_count()) : 0; }
  bool expired() const { return use_count() == 0; }

 private:
  void IncWeak();
  Object* data_{nullptr};
};

/*! \brief Base of all typed references (String is not one; Function, Array, Tensor are). */
class ObjectRef {
 public:
  ObjectRef() = default;
  explicit ObjectRef(ObjectPtr<Object> data) : data_(std::move(data)) {}
  ObjectRef(std::nullptr_t) {}  // NOLINT(*)

  explicit ObjectRef(UnsafeInit) {}

  const Object* get() const { return data_.get(); }
  const Object* operator->() const { return get(); }
  bool defined() const { return data_ != nullptr; }
  bool operator==(std::nullptr_t) const { return data_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return data_ != nullptr; }
  /*! \brief Identity: whether both refer to the same object. */
  bool same_as(const ObjectRef& other) const { return data_ == other.data_; }
  bool operator==(const ObjectRef& other) const { return data_ == other.data_; }
  bool operator!=(const ObjectRef& other) const { return data_ != other.data_; }
  bool operator<(const ObjectRef& other) const { return data_.get() < other.data_.get(); }
  uint32_t use_count() const { return data_.use_count(); }
  bool unique() const { return data_.unique(); }
  /*! \brief The object's type index; kTVMFFINone when null. */
  int32_t type_index() const { return data_ ? data_->type_index() : kTVMFFINone; }
  /*! \brief The object's type key; "None" when null. */
  std::string GetTypeKey() const { return data_ ? data_->GetTypeKey() : std::string("None"); }
  /*! \brief The object as `T` (an Object subclass) if it is one, else nullptr. */
  template <typename T, typename = std::enable_if_t<std::is_base_of_v<Object, T>>>
  const T* as() const {
    return data_ != nullptr && data_->IsInstance<T>() ? static_cast<const T*>(data_.get())
                                                      : nullptr;
  }
  /*!
   * \brief This reference as `TRef` (an ObjectRef subclass) if the object converts to one,
   * else nullopt (defined in any.h, with the conversions).
   */
  template <typename TRef, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, TRef>>,
            typename = void>
  std::optional<TRef> as() const;
  /*! \brief as<TRef>(), or a TypeError naming both types. */
  template <typename TRef, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, TRef>>>
  TRef as_or_throw() const;

  using ContainerType = Object;
  static constexpr bool _type_is_nullable = true;
  static constexpr bool _type_container_is_exact = true;

 protected:
  Object* get_mutable() const { return data_.get(); }
  ObjectPtr<Object> data_;
  friend struct details::ObjectUnsafe;
  friend struct ObjectPtrHash;
};

/*! \brief Whether T is an Object subclass. */
template <typename T>
inline constexpr bool is_object_subclass_v = std::is_base_of_v<Object, T>;

/*! \brief Whether every ObjectType object may be held by a RefType reference. */
template <typename RefType, typename ObjectType>
inline constexpr bool object_ref_contains_v =
    std::is_base_of_v<typename RefType::ContainerType, ObjectType>;

/*! \brief Hash and equality of references by identity (for unordered containers). */
struct ObjectPtrHash {
  size_t operator()(const ObjectRef& a) const { return std::hash<const Object*>()(a.get()); }
  template <typename T>
  size_t operator()(const ObjectPtr<T>& a) const {
    return std::hash<const Object*>()(a.get());
  }
};
struct ObjectPtrEqual {
  bool operator()(const ObjectRef& a, const ObjectRef& b) const { return a.same_as(b); }
  template <typename T>
  bool operator()(const ObjectPtr<T>& a, const ObjectPtr<T>& b) const {
    return a == b;
  }
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
    if constexpr (std::is_constructible_v<TRef, UnsafeInit>) {
      TRef ref(UnsafeInit{});
      ref.data_ = std::move(ptr);
      return ref;
    } else {
      TRef ref;
      ref.data_ = std::move(ptr);
      return ref;
    }
  }
  template <typename T>
  static ObjectPtr<T> PtrFromRef(const ObjectRef& ref) {
    return PtrFromBorrowed<T>(GetHandle(ref));
  }
  static Object* RawObjectPtrFromObjectRef(const ObjectRef& ref) { return ref.data_.get(); }
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

template <typename T>
void WeakObjectPtr<T>::IncWeak() {
  if (data_ == nullptr) return;
  __atomic_fetch_add(&details::ObjectUnsafe::GetHeader(data_)->combined_ref_count,
                     details::kCombinedRefCountWeakOne, __ATOMIC_RELAXED);
}

template <typename T>
ObjectPtr<T> WeakObjectPtr<T>::lock() const {
  if (data_ == nullptr) return ObjectPtr<T>();
  TVMFFIObject* header = details::ObjectUnsafe::GetHeader(data_);
  uint64_t count = __atomic_load_n(&header->combined_ref_count, __ATOMIC_RELAXED);
  while ((count & 0xFFFFFFFFu) != 0) {  // promote only while a strong reference remains
    if (__atomic_compare_exchange_n(&header->combined_ref_count, &count, count + 1, true,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      return details::ObjectUnsafe::PtrFromOwned<T>(header);
    }
  }
  return ObjectPtr<T>();
}

template <typename T>
void WeakObjectPtr<T>::reset() {
  if (data_ == nullptr) return;
  TVMFFIObject* header = details::ObjectUnsafe::GetHeader(data_);
  data_ = nullptr;
  uint64_t before = __atomic_fetch_sub(&header->combined_ref_count,
                                       details::kCombinedRefCountWeakOne, __ATOMIC_RELEASE);
  if (before == details::kCombinedRefCountWeakOne) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    header->deleter(header, kTVMFFIObjectDeleterFlagBitMaskWeak);
  }
}

/*! \brief make_object, as a never-null Arc. */
template <typename T, typename... Args>
Arc<T> make_arc(Args&&... args) {
  return Arc<T>(make_object<T>(std::forward<Args>(args)...));
}

/*!
 * \brief The reference of type `RefType` to `obj` (an object it may hold); a null `obj`
 * gives a null reference.
 */
template <typename RefType, typename ObjectType>
RefType GetRef(const ObjectType* obj) {
  static_assert(std::is_base_of_v<typename RefType::ContainerType, ObjectType>,
                "GetRef: RefType cannot hold this object type");
  TVMFFIObject* header =
      obj ? details::ObjectUnsafe::GetHeader(static_cast<const Object*>(obj)) : nullptr;
  return details::ObjectUnsafe::RefFromPtr<RefType>(
      details::ObjectUnsafe::PtrFromBorrowed<Object>(header));
}

/*! \brief A new strong pointer to `obj`, which must live in an ObjectPtr already. */
template <typename BaseType, typename ObjectType>
ObjectPtr<BaseType> GetObjectPtr(ObjectType* obj) {
  static_assert(std::is_base_of_v<BaseType, ObjectType>, "GetObjectPtr: not a base type");
  return details::ObjectUnsafe::PtrFromBorrowed<BaseType>(
      obj ? details::ObjectUnsafe::GetHeader(static_cast<const Object*>(obj)) : nullptr);
}

}  // namespace ffi
}  // namespace tvm

/*
 * Declares the type info of a user Object subclass; its index is allocated at first use.
 * Use inside the class: TVM_FFI_DECLARE_OBJECT_INFO("my.Key", MyObj, ParentObj);
 * The class may set _type_child_slots / _type_child_slots_can_overflow before it.
 * _PREDEFINED_TYPE_KEY takes the key from a `_type_key` the class declares itself.
 */
#define TVM_FFI_DECLARE_OBJECT_INFO_PREDEFINED_TYPE_KEY_IMPL_(TypeName, ParentType, IsFinal) \
  static constexpr int32_t _type_index = kTVMFFIDynObjectBegin;                              \
  static constexpr int32_t _type_depth = ParentType::_type_depth + 1;                        \
  static constexpr bool _type_final = IsFinal;                                               \
  static int32_t RuntimeTypeIndex() {                                                        \
    static_assert(!ParentType::_type_final, "the parent type is declared final");            \
    static const int32_t index = [] {                                                        \
      const char* key = TypeName::_type_key;                                                 \
      size_t size = 0;                                                                       \
      while (key[size]) ++size;                                                              \
      TVMFFIByteArray bytes = {key, size};                                                   \
      int32_t allocated = TVMFFITypeGetOrAllocIndex(                                         \
          &bytes, -1, _type_depth, static_cast<int32_t>(TypeName::_type_child_slots),        \
          TypeName::_type_child_slots_can_overflow ? 1 : 0, ParentType::RuntimeTypeIndex()); \
      if (allocated < 0) ::tvm::ffi::details::ThrowRaised(-1);                               \
      return allocated;                                                                      \
    }();                                                                                     \
    return index;                                                                            \
  }                                                                                          \
  static int32_t _GetOrAllocRuntimeTypeIndex() { return RuntimeTypeIndex(); } /* NOLINT */
#define TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, IsFinal) \
  static constexpr const char* _type_key = TypeKey;                               \
  TVM_FFI_DECLARE_OBJECT_INFO_PREDEFINED_TYPE_KEY_IMPL_(TypeName, ParentType, IsFinal)
#define TVM_FFI_DECLARE_OBJECT_INFO(TypeKey, TypeName, ParentType) \
  TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, false)
#define TVM_FFI_DECLARE_OBJECT_INFO_FINAL(TypeKey, TypeName, ParentType) \
  static constexpr uint32_t _type_child_slots [[maybe_unused]] = 0;      \
  TVM_FFI_DECLARE_OBJECT_INFO_IMPL_(TypeKey, TypeName, ParentType, true)
#define TVM_FFI_DECLARE_OBJECT_INFO_PREDEFINED_TYPE_KEY(TypeName, ParentType) \
  TVM_FFI_DECLARE_OBJECT_INFO_PREDEFINED_TYPE_KEY_IMPL_(TypeName, ParentType, false)

/*
 * Declares a type whose index the class fixes itself (`static constexpr int32_t _type_index`
 * declared before this macro): registered under TypeKey at first use.
 */
#define TVM_FFI_DECLARE_OBJECT_INFO_STATIC(TypeKey, TypeName, ParentType)                     \
  static constexpr const char* _type_key = TypeKey;                                           \
  static constexpr int32_t _type_depth = ParentType::_type_depth + 1;                         \
  static int32_t _GetOrAllocRuntimeTypeIndex() { /* NOLINT */                                 \
    static const int32_t index = [] {                                                         \
      TVMFFIByteArray bytes = {TypeName::_type_key, std::char_traits<char>::length(TypeKey)}; \
      return TVMFFITypeGetOrAllocIndex(&bytes, TypeName::_type_index, _type_depth,            \
                                       static_cast<int32_t>(TypeName::_type_child_slots),     \
                                       TypeName::_type_child_slots_can_overflow ? 1 : 0,      \
                                       ParentType::_GetOrAllocRuntimeTypeIndex());            \
    }();                                                                                      \
    return index;                                                                             \
  }                                                                                           \
  static int32_t RuntimeTypeIndex() { return TypeName::_type_index; }

/* Declares a static built-in type (index fixed by the ABI). */
#define TVM_FFI_DECLARE_STATIC_OBJECT_INFO_(TypeKey, StaticIndex) \
  static constexpr const char* _type_key = TypeKey;               \
  static constexpr int32_t _type_index = StaticIndex;             \
  static constexpr int32_t _type_depth = 1;                       \
  static constexpr bool _type_final = true;                       \
  static int32_t RuntimeTypeIndex() { return StaticIndex; }       \
  static int32_t _GetOrAllocRuntimeTypeIndex() { return StaticIndex; } /* NOLINT */

/*
 * The members every typed reference needs: constructors from its object pointer and
 * the ContainerType alias. Use inside `class TypeName : public ParentType`.
 */
#define TVM_FFI_DEFINE_OBJECT_REF_METHODS(TypeName, ParentType, ObjectName)                    \
  TypeName() = default;                                                                        \
  explicit TypeName(::tvm::ffi::ObjectPtr<::tvm::ffi::Object> n) : ParentType(std::move(n)) {} \
  TypeName(std::nullptr_t) {} /* NOLINT(*) */                                                  \
  explicit TypeName(::tvm::ffi::UnsafeInit tag) : ParentType(tag) {}                           \
  const ObjectName* operator->() const { return static_cast<const ObjectName*>(get()); }       \
  const ObjectName* get() const { return static_cast<const ObjectName*>(data_.get()); }        \
  using ContainerType = ObjectName;

/*
 * The members of a typed reference that may be null (default-constructed to null):
 * constructors from ObjectPtr<ObjectName>, get() and -> (non-const when the object class
 * sets _type_mutable), ContainerType. End with `;`.
 */
#define TVM_FFI_DEFINE_OBJECT_REF_METHODS_NULLABLE(TypeName, ParentType, ObjectName)   \
  TypeName() = default;                                                                \
  explicit TypeName(::tvm::ffi::ObjectPtr<ObjectName> n) : ParentType(std::move(n)) {} \
  TVM_FFI_DEFINE_OBJECT_REF_NOTNULLABLE_BODY_(TypeName, ParentType, ObjectName)        \
  [[maybe_unused]] static constexpr bool _type_is_nullable = true;                     \
  using ContainerType = ObjectName
/* The same for a reference that is never null: it declares its own constructors. */
#define TVM_FFI_DEFINE_OBJECT_REF_METHODS_NOTNULLABLE(TypeName, ParentType, ObjectName) \
  TVM_FFI_DEFINE_OBJECT_REF_NOTNULLABLE_BODY_(TypeName, ParentType, ObjectName)         \
  [[maybe_unused]] static constexpr bool _type_is_nullable = false;                     \
  using ContainerType = ObjectName
#define TVM_FFI_DEFINE_OBJECT_REF_NOTNULLABLE_BODY_(TypeName, ParentType, ObjectName)      \
  explicit TypeName(::tvm::ffi::UnsafeInit tag) : ParentType(tag) {}                       \
  TVM_FFI_DEFINE_DEFAULT_COPY_MOVE_AND_ASSIGN(TypeName)                                    \
  using TVMFFIPtrType_ =                                                                   \
      std::conditional_t<ObjectName::_type_mutable, ObjectName*, const ObjectName*>;       \
  TVMFFIPtrType_ operator->() const { return static_cast<TVMFFIPtrType_>(get_mutable()); } \
  TVMFFIPtrType_ get() const { return static_cast<TVMFFIPtrType_>(get_mutable()); }

#endif  // TVM_FFI_OBJECT_H_
