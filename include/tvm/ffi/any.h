/*
 * AnyView (borrowing) and Any (owning): C++ wrappers of TVMFFIAny, and TypeTraits<T>,
 * which says how each C++ type is stored in, and recovered from, a TVMFFIAny.
 */
#ifndef TVM_FFI_ANY_H_
#define TVM_FFI_ANY_H_

#include <tvm/ffi/device.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/string.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

class Any;
class AnyView;

/*!
 * \brief How T crosses the ABI. A specialization defines convert_enabled = true and:
 *   CopyToAnyView(const T&, TVMFFIAny*)   borrowing store
 *   MoveToAny(T, TVMFFIAny*)              owning store
 *   TryCastFromAnyView(const TVMFFIAny*)  -> std::optional<T>, with the allowed conversions
 *   TypeStr()                             the name used in error messages
 *   TypeSchema()                          JSON type schema, e.g. {"type":"int"} or
 *                                         {"type":"ffi.Array","args":[{"type":"float"}]}
 */
template <typename T, typename = void>
struct TypeTraits {
  static constexpr bool convert_enabled = false;
};

template <typename T>
using TypeTraitsNoCR = TypeTraits<std::remove_cv_t<std::remove_reference_t<T>>>;

namespace details {
template <typename T>
struct IsAnyType : std::false_type {};
/*! \brief Specialized to true for ObjectRef types (Array, Map) that define their own traits. */
template <typename T>
struct HasCustomObjectRefTraits : std::false_type {};
template <>
struct IsAnyType<Any> : std::true_type {};
template <>
struct IsAnyType<AnyView> : std::true_type {};

/*! \brief Whether T may be stored into an Any through TypeTraits (Any/AnyView excluded). */
template <typename T>
struct ConvertEnabled : std::bool_constant<TypeTraitsNoCR<T>::convert_enabled> {};
// conjunction short-circuits, so TypeTraits<Any> is never instantiated while Any is incomplete.
template <typename T>
inline constexpr bool kStorable =
    std::conjunction_v<std::negation<IsAnyType<std::remove_cv_t<std::remove_reference_t<T>>>>,
                       ConvertEnabled<T>>;

/*! \brief Removes the "ffi." namespace of built-in type keys for messages. */
inline std::string ShortTypeKey(const char* key, size_t size) {
  bool builtin = size >= 4 && key[0] == 'f' && key[1] == 'f' && key[2] == 'i' && key[3] == '.';
  size_t skip = builtin ? 4 : 0;
  return std::string(key + skip, size - skip);
}

/*! \brief Name of a built-in POD or string type index as messages print it, else nullptr. */
inline const char* PodTypeIndexName(int32_t index) {
  switch (index) {
    case kTVMFFINone:
      return "None";
    case kTVMFFIInt:
      return "int";
    case kTVMFFIBool:
      return "bool";
    case kTVMFFIFloat:
      return "float";
    case kTVMFFIOpaquePtr:
      return "void*";
    case kTVMFFIDataType:
      return "dtype";
    case kTVMFFIDevice:
      return "Device";
    case kTVMFFIDLTensorPtr:
      return "DLTensor*";
    case kTVMFFIRawStr:
    case kTVMFFISmallStr:
    case kTVMFFIStr:
      return "str";
    case kTVMFFIByteArrayPtr:
    case kTVMFFISmallBytes:
    case kTVMFFIBytes:
      return "bytes";
    case kTVMFFIObjectRValueRef:
      return "ObjectRValueRef";
    default:
      return nullptr;
  }
}

/*!
 * \brief Name of the type held by a TVMFFIAny, as error messages print it. Out of line and
 *  cold: every conversion's error path calls it, and one copy per module is enough.
 */
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline std::string TypeIndexToName(int32_t index) {
  if (const char* name = PodTypeIndexName(index)) return name;
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
  if (info == nullptr) {
    char text[40];
    TVM_FFI_SNPRINTF(text, sizeof(text), "<unknown type %d>", static_cast<int>(index));
    return text;
  }
  return ShortTypeKey(info->type_key.data, info->type_key.size);
}

[[noreturn]] inline void ThrowCastError(int32_t from_index, const std::string& to) {
  TVM_FFI_THROW(TypeError) << "Cannot convert from type `" << TypeIndexToName(from_index)
                           << "` to `" << to << "`";
  __builtin_unreachable();  // the builder above throws when destroyed
}

/*!
 * \brief The type schema {"type":"<key>"} of a type with no arguments. Out of line: every
 *  exported signature's schema calls it once per parameter.
 */
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline std::string TypeSchemaOfKey(const char* key) {
  std::string text = R"({"type":")";
  text += key;
  text += R"("})";
  return text;
}
inline std::string TypeSchemaOfKey(const std::string& key) { return TypeSchemaOfKey(key.c_str()); }

struct AnyUnsafe;
inline void SetPod(TVMFFIAny* out, int32_t type_index) {
  out->type_index = type_index;
  out->zero_padding = 0;
  out->v_int64 = 0;
}
}  // namespace details

/* ---- integers (not bool): stored as Int; Bool converts ---- */
template <typename Int>
struct TypeTraits<Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Int& v, TVMFFIAny* out) {
    out->type_index = kTVMFFIInt;
    out->zero_padding = 0;
    out->v_int64 = static_cast<int64_t>(v);
  }
  static void MoveToAny(Int v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  static std::optional<Int> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIInt || src->type_index == kTVMFFIBool) {
      return static_cast<Int>(src->v_int64);
    }
    return std::nullopt;
  }
  static std::string TypeStr() { return "int"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("int"); }
};

/* ---- bool: stored as Bool; Int converts ---- */
template <>
struct TypeTraits<bool> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const bool& v, TVMFFIAny* out) {
    out->type_index = kTVMFFIBool;
    out->zero_padding = 0;
    out->v_int64 = v ? 1 : 0;
  }
  static void MoveToAny(bool v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  static std::optional<bool> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIBool || src->type_index == kTVMFFIInt) {
      return src->v_int64 != 0;
    }
    return std::nullopt;
  }
  static std::string TypeStr() { return "bool"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("bool"); }
};

/* ---- floating point: stored as Float; Int and Bool convert ---- */
template <typename Float>
struct TypeTraits<Float, std::enable_if_t<std::is_floating_point_v<Float>>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Float& v, TVMFFIAny* out) {
    out->type_index = kTVMFFIFloat;
    out->zero_padding = 0;
    out->v_float64 = static_cast<double>(v);
  }
  static void MoveToAny(Float v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  static std::optional<Float> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIFloat) return static_cast<Float>(src->v_float64);
    if (src->type_index == kTVMFFIInt || src->type_index == kTVMFFIBool) {
      return static_cast<Float>(src->v_int64);
    }
    return std::nullopt;
  }
  static std::string TypeStr() { return "float"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("float"); }
};

/* ---- opaque pointers: stored as OpaquePtr; None is nullptr ---- */
template <>
struct TypeTraits<void*> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(void* const& v, TVMFFIAny* out) {
    details::SetPod(out, v == nullptr ? kTVMFFINone : kTVMFFIOpaquePtr);
    out->v_ptr = v;
  }
  static void MoveToAny(void* v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  static std::optional<void*> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIOpaquePtr) return src->v_ptr;
    if (src->type_index == kTVMFFINone) return static_cast<void*>(nullptr);
    return std::nullopt;
  }
  static std::string TypeStr() { return "void*"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("void*"); }
};

/* ---- devices ---- */
template <>
struct TypeTraits<DLDevice> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const DLDevice& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIDevice);
    out->v_device = v;
  }
  static void MoveToAny(DLDevice v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  /*! A Device, or a name such as "cuda:1". */
  static std::optional<DLDevice> TryCastFromAnyView(const TVMFFIAny* src);
  static std::string TypeStr() { return "Device"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("Device"); }
};

/* ---- raw DLTensor pointers; a Tensor object converts (borrowed) ---- */
template <>
struct TypeTraits<DLTensor*> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(DLTensor* const& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIDLTensorPtr);
    out->v_ptr = v;
  }
  static std::optional<DLTensor*> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIDLTensorPtr) return static_cast<DLTensor*>(src->v_ptr);
    if (src->type_index == kTVMFFITensor) {
      return reinterpret_cast<DLTensor*>(reinterpret_cast<char*>(src->v_obj) +
                                         sizeof(TVMFFIObject));
    }
    return std::nullopt;
  }
  static std::string TypeStr() { return "DLTensor*"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("DLTensor*"); }
};

namespace details {
/*! \brief The bytes of any string form held by `src`, or nullopt. */
inline std::optional<TVMFFIByteArray> StringBytesOf(const TVMFFIAny* src) {
  switch (src->type_index) {
    case kTVMFFIRawStr: {
      size_t size = 0;
      while (src->v_c_str[size]) ++size;
      return TVMFFIByteArray{src->v_c_str, size};
    }
    case kTVMFFISmallStr:
      return TVMFFIByteArray{src->v_bytes, src->small_str_len};
    case kTVMFFIStr:
      return *reinterpret_cast<const TVMFFIByteArray*>(reinterpret_cast<const char*>(src->v_obj) +
                                                       sizeof(TVMFFIObject));
    default:
      return std::nullopt;
  }
}
/*! \brief The bytes of any bytes form held by `src`, or nullopt. */
inline std::optional<TVMFFIByteArray> BytesBytesOf(const TVMFFIAny* src) {
  switch (src->type_index) {
    case kTVMFFIByteArrayPtr:
      return *static_cast<const TVMFFIByteArray*>(src->v_ptr);
    case kTVMFFISmallBytes:
      return TVMFFIByteArray{src->v_bytes, src->small_str_len};
    case kTVMFFIBytes:
      return *reinterpret_cast<const TVMFFIByteArray*>(reinterpret_cast<const char*>(src->v_obj) +
                                                       sizeof(TVMFFIObject));
    default:
      return std::nullopt;
  }
}
}  // namespace details

inline std::optional<DLDevice> TypeTraits<DLDevice>::TryCastFromAnyView(const TVMFFIAny* src) {
  if (src->type_index == kTVMFFIDevice) return src->v_device;
  std::optional<TVMFFIByteArray> name = details::StringBytesOf(src);
  if (!name.has_value()) return std::nullopt;
  return details::TryStringViewToDLDevice(std::string_view(name->data, name->size));
}

/* ---- String (and std::string, const char*) ---- */
template <>
struct TypeTraits<String> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const String& v, TVMFFIAny* out) {
    *out = details::BytesUnsafe::Raw(v);
  }
  static void MoveToAny(String v, TVMFFIAny* out) {
    *out = details::BytesUnsafe::MoveToRaw(std::move(v));
  }
  static std::optional<String> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFISmallStr) return details::BytesUnsafe::FromOwnedRaw<String>(*src);
    if (src->type_index == kTVMFFIStr) {
      TVMFFIObjectIncRef(src->v_obj);
      return details::BytesUnsafe::FromOwnedRaw<String>(*src);
    }
    if (src->type_index == kTVMFFIRawStr) return String(src->v_c_str);
    return std::nullopt;
  }
  static std::string TypeStr() { return "str"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("ffi.String"); }
};

template <>
struct TypeTraits<std::string> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const std::string& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIRawStr);
    out->v_c_str = v.c_str();
  }
  static void MoveToAny(std::string v, TVMFFIAny* out) {
    TypeTraits<String>::MoveToAny(String(v), out);
  }
  static std::optional<std::string> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<TVMFFIByteArray> bytes = details::StringBytesOf(src);
    if (!bytes.has_value()) return std::nullopt;
    return std::string(bytes->data, bytes->size);
  }
  static std::string TypeStr() { return "str"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("std::string"); }
};

template <>
struct TypeTraits<const char*> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const char* const& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIRawStr);
    out->v_c_str = v;
  }
  static void MoveToAny(const char* v, TVMFFIAny* out) {
    TypeTraits<String>::MoveToAny(String(v), out);
  }
  /*! Borrowed: valid while the source value lives. */
  static std::optional<const char*> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<TVMFFIByteArray> bytes = details::StringBytesOf(src);
    if (!bytes.has_value()) return std::nullopt;
    return bytes->data;
  }
  static std::string TypeStr() { return "const char*"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("const char*"); }
};

/* ---- Bytes ---- */
template <>
struct TypeTraits<Bytes> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Bytes& v, TVMFFIAny* out) { *out = details::BytesUnsafe::Raw(v); }
  static void MoveToAny(Bytes v, TVMFFIAny* out) {
    *out = details::BytesUnsafe::MoveToRaw(std::move(v));
  }
  static std::optional<Bytes> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFISmallBytes)
      return details::BytesUnsafe::FromOwnedRaw<Bytes>(*src);
    if (src->type_index == kTVMFFIBytes) {
      TVMFFIObjectIncRef(src->v_obj);
      return details::BytesUnsafe::FromOwnedRaw<Bytes>(*src);
    }
    if (src->type_index == kTVMFFIByteArrayPtr) {
      auto* arr = static_cast<const TVMFFIByteArray*>(src->v_ptr);
      return Bytes(arr->data, arr->size);
    }
    return std::nullopt;
  }
  static std::string TypeStr() { return "bytes"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("ffi.Bytes"); }
};

/* ---- data types; a string such as "float32" converts ---- */
template <>
struct TypeTraits<DLDataType> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const DLDataType& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIDataType);
    out->v_dtype = v;
  }
  static void MoveToAny(DLDataType v, TVMFFIAny* out) { CopyToAnyView(v, out); }
  static std::optional<DLDataType> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIDataType) return src->v_dtype;
    std::optional<String> text = TypeTraits<String>::TryCastFromAnyView(src);
    if (!text.has_value()) return std::nullopt;
    TVMFFIByteArray bytes = {text->data(), text->size()};
    DLDataType dtype;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIDataTypeFromString(&bytes, &dtype));
    return dtype;
  }
  static std::string TypeStr() { return "dtype"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("DataType"); }
};

/* ---- every ObjectRef subclass: stored as its object; None is a null reference ---- */
template <typename TRef>
struct TypeTraits<TRef, std::enable_if_t<std::is_base_of_v<ObjectRef, TRef> &&
                                         !details::HasCustomObjectRefTraits<TRef>::value>> {
  using ContainerType = typename TRef::ContainerType;
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const TRef& v, TVMFFIAny* out) {
    TVMFFIObject* handle = details::ObjectUnsafe::GetHandle(v);
    if (handle == nullptr) {
      details::SetPod(out, kTVMFFINone);
      return;
    }
    out->type_index = handle->type_index;
    out->zero_padding = 0;
    out->v_obj = handle;
  }
  static void MoveToAny(TRef v, TVMFFIAny* out) {
    CopyToAnyView(v, out);
    details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(v));
  }
  static std::optional<TRef> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) {
      if constexpr (TRef::_type_is_nullable) return TRef(nullptr);
      return std::nullopt;
    }
    if (src->type_index < kTVMFFIStaticObjectBegin) return std::nullopt;
    if (!details::ObjectUnsafe::FromHeader(src->v_obj)->IsInstance<ContainerType>()) {
      return std::nullopt;
    }
    return details::ObjectUnsafe::RefFromPtr<TRef>(
        details::ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
  }
  static std::string TypeStr() {
    const char* key = ContainerType::_type_key;
    size_t size = 0;
    while (key[size]) ++size;
    return details::ShortTypeKey(key, size);
  }
  static std::string TypeSchema() { return details::TypeSchemaOfKey(ContainerType::_type_key); }
};

/* ---- nullptr: None ---- */
template <>
struct TypeTraits<std::nullptr_t> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(std::nullptr_t, TVMFFIAny* out) { details::SetPod(out, kTVMFFINone); }
  static void MoveToAny(std::nullptr_t, TVMFFIAny* out) { details::SetPod(out, kTVMFFINone); }
  static std::optional<std::nullptr_t> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return nullptr;
    return std::nullopt;
  }
  static std::string TypeStr() { return "None"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("None"); }
};

/* ---- TVMFFIByteArray*: borrowed bytes, passed as kTVMFFIByteArrayPtr ---- */
template <>
struct TypeTraits<TVMFFIByteArray*> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(TVMFFIByteArray* v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIByteArrayPtr);
    out->v_ptr = v;
  }
  static std::optional<TVMFFIByteArray*> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIByteArrayPtr) return static_cast<TVMFFIByteArray*>(src->v_ptr);
    return std::nullopt;
  }
  static std::string TypeStr() { return "TVMFFIByteArray*"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("TVMFFIByteArray*"); }
};

namespace details {
/*! \brief Schema of a parameter or return type; `void` is None. */
template <typename T>
struct TypeSchemaImpl {
  static std::string v() { return TypeTraits<T>::TypeSchema(); }
};
template <>
struct TypeSchemaImpl<void> {
  static std::string v() { return TypeSchemaOfKey("None"); }
};
/*! \brief details::TypeSchema<T>::v(): the JSON type schema of T (cv/ref removed). */
template <typename T>
using TypeSchema = TypeSchemaImpl<std::remove_cv_t<std::remove_reference_t<T>>>;
}  // namespace details

/*! \brief Common read-side API of AnyView and Any (CRTP-free: both hold a TVMFFIAny). */
#define TVM_FFI_ANY_READ_METHODS_()                                                           \
  int32_t type_index() const { return data_.type_index; }                                     \
  /* Converts to T (with the conversions TypeTraits<T> allows) or throws TypeError. */        \
  template <typename T>                                                                       \
  T cast() const {                                                                            \
    std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(&data_);                       \
    if (TVM_FFI_UNLIKELY(!value.has_value())) {                                               \
      details::ThrowCastError(data_.type_index, TypeTraits<T>::TypeStr());                    \
    }                                                                                         \
    return *std::move(value);                                                                 \
  }                                                                                           \
  /* Converts to T, or std::nullopt when the value is not convertible. */                     \
  template <typename T>                                                                       \
  std::optional<T> try_cast() const {                                                         \
    return TypeTraits<T>::TryCastFromAnyView(&data_);                                         \
  }                                                                                           \
  /* For an Object subclass: the object pointer or nullptr; otherwise try_cast<T>(). */       \
  template <typename T>                                                                       \
  auto as() const {                                                                           \
    if constexpr (std::is_base_of_v<Object, T>) {                                             \
      if (data_.type_index < kTVMFFIStaticObjectBegin) return static_cast<const T*>(nullptr); \
      const Object* obj = details::ObjectUnsafe::FromHeader(data_.v_obj);                     \
      return obj->IsInstance<T>() ? static_cast<const T*>(obj) : nullptr;                     \
    } else {                                                                                  \
      return try_cast<T>();                                                                   \
    }                                                                                         \
  }                                                                                           \
  template <typename T, typename = std::enable_if_t<details::kStorable<T>>>                   \
  operator T() const { /* NOLINT(*) */                                                        \
    return cast<T>();                                                                         \
  }                                                                                           \
  /* as<T>(), or a TypeError naming both types. */                                            \
  template <typename T>                                                                       \
  T as_or_throw() const {                                                                     \
    std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(&data_);                       \
    if (TVM_FFI_UNLIKELY(!value.has_value())) {                                               \
      TVM_FFI_THROW(TypeError) << "Cannot treat type `"                                       \
                               << details::TypeIndexToName(data_.type_index) << "` as type `" \
                               << TypeTraits<T>::TypeStr() << "`";                            \
    }                                                                                         \
    return *std::move(value);                                                                 \
  }                                                                                           \
  bool operator==(std::nullptr_t) const { return data_.type_index == kTVMFFINone; }           \
  bool operator!=(std::nullptr_t) const { return data_.type_index != kTVMFFINone; }           \
  /* The type name, as error messages print it. */                                            \
  std::string GetTypeKey() const { return details::TypeIndexToName(data_.type_index); }       \
  /* The raw value (for an object: borrowed, no new reference). */                            \
  TVMFFIAny CopyToTVMFFIAny() const { return data_; }

/*! \brief A borrowed value: copying it touches no reference count. */
class AnyView {
 public:
  AnyView() { Clear(); }
  AnyView(std::nullptr_t) { Clear(); }  // NOLINT(*)
  AnyView(const Any& other);            // NOLINT(*)
  AnyView(const char* str) {            // NOLINT(*)
    data_.type_index = kTVMFFIRawStr;
    data_.zero_padding = 0;
    data_.v_c_str = str;
  }
  template <typename T, typename = std::enable_if_t<details::kStorable<T>>>
  AnyView(const T& value) {  // NOLINT(*)
    TypeTraitsNoCR<T>::CopyToAnyView(value, &data_);
  }
  template <typename T, typename = std::enable_if_t<details::kStorable<T>>>
  AnyView& operator=(const T& value) {
    TypeTraitsNoCR<T>::CopyToAnyView(value, &data_);
    return *this;
  }
  TVM_FFI_ANY_READ_METHODS_()
  void reset() { Clear(); }
  void swap(AnyView& other) noexcept { std::swap(data_, other.data_); }
  /*! \brief Same value bits (for objects: the same object). */
  bool same_as(const AnyView& other) const {
    return data_.type_index == other.data_.type_index && data_.v_int64 == other.data_.v_int64;
  }
  static AnyView CopyFromTVMFFIAny(TVMFFIAny data) {
    AnyView view;
    view.data_ = data;
    return view;
  }

 private:
  void Clear() {
    data_.type_index = kTVMFFINone;
    data_.zero_padding = 0;
    data_.v_int64 = 0;
  }
  TVMFFIAny data_;
  friend struct details::AnyUnsafe;
  friend class Any;
};

/*! \brief An owned value: holds a strong reference when it stores an object. */
class Any {
 public:
  Any() { Clear(); }
  Any(std::nullptr_t) { Clear(); }  // NOLINT(*)
  Any(const Any& other) : data_(other.data_) {
    if (data_.type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectIncRef(data_.v_obj);
  }
  Any(Any&& other) noexcept : data_(other.data_) { other.Clear(); }
  Any(const AnyView& view) {  // NOLINT(*)
    if (view.data_.type_index >= kTVMFFIStaticObjectBegin) {
      data_ = view.data_;
      TVMFFIObjectIncRef(data_.v_obj);
    } else if (view.data_.type_index == kTVMFFIRawStr ||
               view.data_.type_index == kTVMFFIByteArrayPtr ||
               view.data_.type_index == kTVMFFIObjectRValueRef) {
      Clear();
      TVM_FFI_CHECK_SAFE_CALL(TVMFFIAnyViewToOwnedAny(&view.data_, &data_));
    } else {
      data_ = view.data_;
    }
  }
  Any(const char* str);  // NOLINT(*)
  template <typename T, typename = std::enable_if_t<details::kStorable<T>>>
  Any(T value) {  // NOLINT(*)
    TypeTraitsNoCR<T>::MoveToAny(std::move(value), &data_);
  }
  ~Any() { reset(); }
  Any& operator=(Any other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  void reset() {
    if (data_.type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectDecRef(data_.v_obj);
    Clear();
  }
  void swap(Any& other) noexcept { std::swap(data_, other.data_); }
  /*! \brief Same value bits (for objects: the same object). */
  bool same_as(const Any& other) const {
    return data_.type_index == other.data_.type_index && data_.v_int64 == other.data_.v_int64;
  }
  bool same_as(const ObjectRef& other) const {
    return data_.type_index >= kTVMFFIStaticObjectBegin &&
           data_.v_obj == details::ObjectUnsafe::GetHandle(other);
  }
  TVM_FFI_ANY_READ_METHODS_()

 private:
  void Clear() {
    data_.type_index = kTVMFFINone;
    data_.zero_padding = 0;
    data_.v_int64 = 0;
  }
  TVMFFIAny data_;
  friend struct details::AnyUnsafe;
  friend class AnyView;
};

inline AnyView::AnyView(const Any& other) : data_(other.data_) {}

static_assert(sizeof(Any) == sizeof(TVMFFIAny), "Any must keep the TVMFFIAny layout");
static_assert(sizeof(AnyView) == sizeof(TVMFFIAny), "AnyView must keep the TVMFFIAny layout");

namespace details {
/*! \brief Raw access for the ABI glue. */
struct AnyUnsafe {
  static const TVMFFIAny* Raw(const AnyView& v) { return &v.data_; }
  static const TVMFFIAny* Raw(const Any& v) { return &v.data_; }
  static TVMFFIAny* MutableRaw(Any* v) { return &v->data_; }
  /*! \brief Releases the value: the caller owns the returned TVMFFIAny. */
  static TVMFFIAny MoveToRaw(Any&& v) {
    TVMFFIAny raw = v.data_;
    v.Clear();
    return raw;
  }
  /*! \brief Takes ownership of an owned TVMFFIAny. */
  static Any FromOwnedRaw(const TVMFFIAny& raw) {
    Any v;
    v.data_ = raw;
    return v;
  }
  static AnyView ViewFromRaw(const TVMFFIAny& raw) {
    AnyView v;
    v.data_ = raw;
    return v;
  }
};

}  // namespace details

/* ---- Any and AnyView themselves (function parameters of type Any accept anything) ---- */
template <>
struct TypeTraits<Any> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Any& v, TVMFFIAny* out) { *out = *details::AnyUnsafe::Raw(v); }
  static void MoveToAny(Any v, TVMFFIAny* out) {
    *out = details::AnyUnsafe::MoveToRaw(std::move(v));
  }
  static std::optional<Any> TryCastFromAnyView(const TVMFFIAny* src) {
    return Any(details::AnyUnsafe::ViewFromRaw(*src));
  }
  static std::string TypeStr() { return "Any"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("Any"); }
};
template <>
struct TypeTraits<AnyView> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const AnyView& v, TVMFFIAny* out) {
    *out = *details::AnyUnsafe::Raw(v);
  }
  static std::optional<AnyView> TryCastFromAnyView(const TVMFFIAny* src) {
    return details::AnyUnsafe::ViewFromRaw(*src);
  }
  static std::string TypeStr() { return "Any"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("Any"); }
};

inline Any::Any(const char* str) : Any(String(str)) {}

template <typename TRef, typename, typename>
std::optional<TRef> ObjectRef::as() const {
  TVMFFIAny raw;
  TypeTraits<ObjectRef>::CopyToAnyView(*this, &raw);
  return TypeTraits<TRef>::TryCastFromAnyView(&raw);
}

template <typename TRef, typename>
TRef ObjectRef::as_or_throw() const {
  std::optional<TRef> value = as<TRef>();
  if (TVM_FFI_UNLIKELY(!value.has_value())) {
    TVM_FFI_THROW(TypeError) << "Cannot treat type `" << GetTypeKey() << "` as type `"
                             << TypeTraits<TRef>::TypeStr() << "`";
  }
  return *std::move(value);
}

/*! \brief `ref` as a `TRef`; throws TypeError when the object is not one. */
template <typename TRef, typename TSrc,
          typename = std::enable_if_t<std::is_base_of_v<ObjectRef, TRef> &&
                                      std::is_base_of_v<ObjectRef, TSrc>>>
TRef Downcast(TSrc ref) {
  if (!ref.defined()) {
    if constexpr (TRef::_type_is_nullable) return TRef(UnsafeInit{});
    TVM_FFI_THROW(TypeError) << "Downcast from None to non-nullable `"
                             << TypeTraits<TRef>::TypeStr() << "`";
  }
  return ref.template as_or_throw<TRef>();
}
/*! \brief Downcast of the value an Any holds. */
template <typename TRef>
TRef Downcast(const Any& value) {
  return value.cast<TRef>();
}

/* ---- raw pointers to objects: borrowed (valid while a reference to the object lives) ---- */
template <typename TObject>
struct TypeTraits<TObject*,
                  std::enable_if_t<std::is_base_of_v<Object, std::remove_cv_t<TObject>>>> {
  using Obj = std::remove_cv_t<TObject>;
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(TObject* v, TVMFFIAny* out) {
    TypeTraits<ObjectRef>::CopyToAnyView(GetRef<ObjectRef>(static_cast<const Object*>(v)), out);
  }
  static void MoveToAny(TObject* v, TVMFFIAny* out) {
    TypeTraits<ObjectRef>::MoveToAny(GetRef<ObjectRef>(static_cast<const Object*>(v)), out);
  }
  static std::optional<TObject*> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index < kTVMFFIStaticObjectBegin) return std::nullopt;
    Object* obj = details::ObjectUnsafe::FromHeader(src->v_obj);
    if (!obj->IsInstance<Obj>()) return std::nullopt;
    return static_cast<TObject*>(static_cast<Obj*>(obj));
  }
  static std::string TypeStr() { return Obj::_type_key; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey(Obj::_type_key); }
};

/* ---- ObjectPtr<T>: an owning pointer; None is null ---- */
template <typename TObject>
struct TypeTraits<ObjectPtr<TObject>, std::enable_if_t<std::is_base_of_v<Object, TObject>>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const ObjectPtr<TObject>& v, TVMFFIAny* out) {
    TypeTraits<TObject*>::CopyToAnyView(v.get(), out);
  }
  static void MoveToAny(ObjectPtr<TObject> v, TVMFFIAny* out) {
    TypeTraits<ObjectRef>::MoveToAny(ObjectRef(ObjectPtr<Object>(std::move(v))), out);
  }
  static std::optional<ObjectPtr<TObject>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return ObjectPtr<TObject>();
    std::optional<TObject*> ptr = TypeTraits<TObject*>::TryCastFromAnyView(src);
    if (!ptr.has_value()) return std::nullopt;
    return GetObjectPtr<TObject>(*ptr);
  }
  static std::string TypeStr() { return TObject::_type_key; }
  static std::string TypeSchema() {
    return R"({"type":"Optional","args":[)" + details::TypeSchemaOfKey(TObject::_type_key) + "]}";
  }
};

}  // namespace ffi
// Any and AnyView are also tvm::Any and tvm::AnyView.
using ffi::Any;
using ffi::AnyView;
}  // namespace tvm

// AnyHash and AnyEqual (hash-map key semantics) come with Any, as in upstream's any.h.
#include <tvm/ffi/container/map_hash.h>  // NOLINT(build/include_order)

#endif  // TVM_FFI_ANY_H_
