/*
 * Reading reflection information at run time: the field and method records of a type
 * (GetFieldInfo, GetMethodInfo, GetMethod), callables that read and write one field of any
 * object of the type (FieldGetter, FieldSetter), iteration over a type's fields including
 * inherited ones (ForEachFieldInfo), and type attributes (TypeAttrColumn, AttrKey and the
 * standard keys in type_attr::).
 */
#ifndef TVM_FFI_REFLECTION_ACCESSOR_H_
#define TVM_FFI_REFLECTION_ACCESSOR_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/c_api.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/type_traits.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace tvm {
namespace ffi {
namespace reflection {

namespace details {
inline const TVMFFITypeInfo* TypeInfoOfKey(std::string_view type_key) {
  TVMFFIByteArray key = {type_key.data(), type_key.size()};
  int32_t type_index = -1;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeKeyToIndex(&key, &type_index));
  return TVMFFIGetTypeInfo(type_index);
}
inline bool NameIs(const TVMFFIByteArray& name, const char* expected) {
  return name.size == std::strlen(expected) && std::memcmp(name.data, expected, name.size) == 0;
}
}  // namespace details

/*! \brief Calls f(field) for each field of the type, the inherited ones first. */
template <typename Callback>
void ForEachFieldInfo(const TVMFFITypeInfo* type_info, Callback callback) {
  static_assert(std::is_void_v<decltype(callback(type_info->fields))>,
                "ForEachFieldInfo: the callback returns void (see ForEachFieldInfoWithEarlyStop)");
  for (int32_t depth = 1; depth < type_info->type_depth; ++depth) {
    const TVMFFITypeInfo* parent = type_info->type_ancestors[depth];
    for (int32_t i = 0; i < parent->num_fields; ++i) callback(parent->fields + i);
  }
  for (int32_t i = 0; i < type_info->num_fields; ++i) callback(type_info->fields + i);
}
/*! \brief ForEachFieldInfo that stops when the callback returns true; returns whether it did. */
template <typename Callback>
bool ForEachFieldInfoWithEarlyStop(const TVMFFITypeInfo* type_info, Callback callback) {
  for (int32_t depth = 1; depth < type_info->type_depth; ++depth) {
    const TVMFFITypeInfo* parent = type_info->type_ancestors[depth];
    for (int32_t i = 0; i < parent->num_fields; ++i) {
      if (callback(parent->fields + i)) return true;
    }
  }
  for (int32_t i = 0; i < type_info->num_fields; ++i) {
    if (callback(type_info->fields + i)) return true;
  }
  return false;
}

/*! \brief The record of field `field_name` of type `type_key` (inherited ones included). */
inline const TVMFFIFieldInfo* GetFieldInfo(std::string_view type_key, const char* field_name) {
  const TVMFFIFieldInfo* found = nullptr;
  ForEachFieldInfoWithEarlyStop(details::TypeInfoOfKey(type_key), [&](const TVMFFIFieldInfo* f) {
    if (!details::NameIs(f->name, field_name)) return false;
    found = f;
    return true;
  });
  if (found == nullptr) {
    TVM_FFI_THROW(RuntimeError) << "Cannot find field `" << field_name << "` in " << type_key;
  }
  return found;
}

/*! \brief The record of method `method_name` of type `type_key`. */
inline const TVMFFIMethodInfo* GetMethodInfo(std::string_view type_key, const char* method_name) {
  const TVMFFITypeInfo* info = details::TypeInfoOfKey(type_key);
  for (int32_t i = 0; i < info->num_methods; ++i) {
    if (details::NameIs(info->methods[i].name, method_name)) return info->methods + i;
  }
  TVM_FFI_THROW(RuntimeError) << "Cannot find method " << method_name << " in " << type_key;
  TVM_FFI_UNREACHABLE();
}
/*! \brief The Function of method `method_name` of type `type_key`. */
inline Function GetMethod(std::string_view type_key, const char* method_name) {
  return AnyView::CopyFromTVMFFIAny(GetMethodInfo(type_key, method_name)->method).cast<Function>();
}

/*! \brief Runs the field's setter on the field at `field_addr` (a C setter or a Function). */
inline int CallFieldSetter(const TVMFFIFieldInfo* field_info, void* field_addr,
                           const TVMFFIAny* value) {
  if (!(field_info->flags & kTVMFFIFieldFlagBitSetterIsFunctionObj)) {
    return reinterpret_cast<TVMFFIFieldSetter>(field_info->setter)(field_addr, value);
  }
  TVMFFIAny args[2] = {};
  args[0].type_index = kTVMFFIOpaquePtr;
  args[0].v_ptr = field_addr;
  args[1] = *value;
  TVMFFIAny result = {};
  int code =
      TVMFFIFunctionCall(static_cast<TVMFFIObjectHandle>(field_info->setter), args, 2, &result);
  if (code == 0 && result.type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectDecRef(result.v_obj);
  return code;
}
/*! \brief Sets the field to its recorded default (calling the factory when it has one). */
inline int CallFieldSetterToDefault(const TVMFFIFieldInfo* field_info, void* field_addr) {
  if (field_info->flags & kTVMFFIFieldFlagBitMaskDefaultFromFactory) {
    Any value = AnyView::CopyFromTVMFFIAny(field_info->default_value_or_factory).cast<Function>()();
    TVMFFIAny raw = value.CopyToTVMFFIAny();
    return CallFieldSetter(field_info, field_addr, &raw);
  }
  return CallFieldSetter(field_info, field_addr, &field_info->default_value_or_factory);
}
inline void SetFieldToDefault(const TVMFFIFieldInfo* field_info, void* field_addr) {
  TVM_FFI_CHECK_SAFE_CALL(CallFieldSetterToDefault(field_info, field_addr));
}

/*! \brief Reads one field of objects of a type: getter(obj) -> Any. */
class FieldGetter {
 public:
  explicit FieldGetter(const TVMFFIFieldInfo* field_info) : field_info_(field_info) {}
  FieldGetter(std::string_view type_key, const char* field_name)
      : FieldGetter(GetFieldInfo(type_key, field_name)) {}
  Any operator()(const Object* obj) const {
    Any result;
    TVM_FFI_CHECK_SAFE_CALL(
        field_info_->getter(Address(obj), ::tvm::ffi::details::AnyUnsafe::MutableRaw(&result)));
    return result;
  }
  Any operator()(const ObjectPtr<Object>& obj) const { return (*this)(obj.get()); }
  Any operator()(const ObjectRef& obj) const { return (*this)(obj.get()); }

 private:
  void* Address(const Object* obj) const {
    return const_cast<char*>(reinterpret_cast<const char*>(obj)) + field_info_->offset;
  }
  const TVMFFIFieldInfo* field_info_;
};

/*! \brief Writes one field of objects of a type: setter(obj, value); TypeError if it does not
 * convert. */
class FieldSetter {
 public:
  explicit FieldSetter(const TVMFFIFieldInfo* field_info) : field_info_(field_info) {}
  FieldSetter(std::string_view type_key, const char* field_name)
      : FieldSetter(GetFieldInfo(type_key, field_name)) {}
  void operator()(const Object* obj, AnyView value) const {
    void* addr = const_cast<char*>(reinterpret_cast<const char*>(obj)) + field_info_->offset;
    TVMFFIAny raw = value.CopyToTVMFFIAny();
    TVM_FFI_CHECK_SAFE_CALL(CallFieldSetter(field_info_, addr, &raw));
  }
  void operator()(const ObjectPtr<Object>& obj, AnyView value) const { (*this)(obj.get(), value); }
  void operator()(const ObjectRef& obj, AnyView value) const { (*this)(obj.get(), value); }

 private:
  const TVMFFIFieldInfo* field_info_;
};

/*! \brief Names a type attribute whose values are Ts; ValueFrom converts a column entry. */
template <typename T>
struct AttrKey {
  using ValueType = T;
  const char* name;
  /*! \brief The value as T, nullopt for None (no value); TypeError if it is something else. */
  std::optional<ValueType> ValueFrom(AnyView value) const {
    if (value == nullptr) return std::nullopt;
    return value.template as_or_throw<ValueType>();
  }
};

/*! \brief The values of one type attribute over all types; None where a type has none. */
class TypeAttrColumn {
 public:
  explicit TypeAttrColumn(std::string_view attr_name) {
    TVMFFIByteArray name = {attr_name.data(), attr_name.size()};
    column_ = TVMFFIGetTypeAttrColumn(&name);
    if (column_ == nullptr) {
      TVM_FFI_THROW(RuntimeError) << "Cannot find type attribute " << attr_name;
    }
  }
  template <typename T>
  explicit TypeAttrColumn(AttrKey<T> key) : TypeAttrColumn(key.name) {}
  AnyView operator[](int32_t type_index) const {
    int32_t offset = type_index - column_->begin_index;
    if (offset < 0 || offset >= column_->size) return AnyView();
    return AnyView::CopyFromTVMFFIAny(column_->data[offset]);
  }

 private:
  const TVMFFITypeAttrColumn* column_;
};

/*! \brief {name, length} of a string literal, at compile time. */
constexpr TVMFFIByteArray AsByteArray(const char* s) {
  return {s, std::char_traits<char>::length(s)};
}

}  // namespace reflection

/*! \brief Type attributes the runtime and frontends look for. */
namespace type_attr {
inline constexpr reflection::AttrKey<TypedFunction<ObjectRef()>> kNew{"__ffi_new__"};
inline constexpr reflection::AttrKey<Function> kInit{"__ffi_init__"};
inline constexpr reflection::AttrKey<TypedFunction<Any(AnyView)>> kConvert{"__ffi_convert__"};
inline constexpr reflection::AttrKey<Any> kConvertTypeSchema{"__ffi_convert_type_schema__"};
inline constexpr reflection::AttrKey<TypedFunction<ObjectRef(const Object*)>> kShallowCopy{
    "__ffi_shallow_copy__"};
inline constexpr reflection::AttrKey<bool> kTypeFinal{"__ffi_type_final__"};
inline constexpr reflection::AttrKey<Function> kRepr{"__ffi_repr__"};
}  // namespace type_attr
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_REFLECTION_ACCESSOR_H_
