/*
 * Making objects through reflection: CreateEmptyObject (the type's creator, or its
 * __ffi_new__ attribute), HasCreator, and ObjectCreator, which makes an object of a type from
 * a map of field values (fields not given take their recorded defaults).
 */
#ifndef TVM_FFI_REFLECTION_CREATOR_H_
#define TVM_FFI_REFLECTION_CREATOR_H_

#include <tvm/ffi/container/map.h>
#include <tvm/ffi/reflection/accessor.h>

#include <string>
#include <string_view>

namespace tvm {
namespace ffi {

namespace details {
/*! \brief The type's __ffi_new__ attribute (a Function), or None. */
inline AnyView NewAttrOf(const TVMFFITypeInfo* type_info) {
  constexpr TVMFFIByteArray kName = reflection::AsByteArray(type_attr::kNew.name);
  const TVMFFITypeAttrColumn* column = TVMFFIGetTypeAttrColumn(&kName);
  if (column == nullptr) return AnyView();
  int32_t offset = type_info->type_index - column->begin_index;
  if (offset < 0 || offset >= column->size) return AnyView();
  return AnyView::CopyFromTVMFFIAny(column->data[offset]);
}
}  // namespace details

/*! \brief Whether objects of the type can be made without arguments. */
inline bool HasCreator(const TVMFFITypeInfo* type_info) {
  if (type_info->metadata != nullptr && type_info->metadata->creator != nullptr) return true;
  return details::NewAttrOf(type_info) != nullptr;
}

/*! \brief A new object of the type, its members default-initialized; RuntimeError if none. */
inline ObjectPtr<Object> CreateEmptyObject(const TVMFFITypeInfo* type_info) {
  if (type_info->metadata != nullptr && type_info->metadata->creator != nullptr) {
    TVMFFIObjectHandle handle = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(type_info->metadata->creator(&handle));
    return details::ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(handle));
  }
  AnyView make = details::NewAttrOf(type_info);
  if (make != nullptr) {
    ObjectRef made = make.cast<Function>()().cast<ObjectRef>();
    return details::ObjectUnsafe::PtrFromRef<Object>(made);
  }
  TVM_FFI_THROW(RuntimeError) << "Type `" << TypeIndexToTypeKey(type_info->type_index)
                              << "` cannot be created: it has no creator";
  TVM_FFI_UNREACHABLE();
}

namespace reflection {
/*! \brief creator(Map<String, Any> fields) -> a new object with those fields set. */
class ObjectCreator {
 public:
  explicit ObjectCreator(std::string_view type_key)
      : ObjectCreator(::tvm::ffi::reflection::details::TypeInfoOfKey(type_key)) {}
  explicit ObjectCreator(const TVMFFITypeInfo* type_info) : type_info_(type_info) {
    if (!HasCreator(type_info)) {
      TVM_FFI_THROW(RuntimeError) << "Type `" << TypeIndexToTypeKey(type_info->type_index)
                                  << "` has no creator; it cannot be made from field values";
    }
  }
  /*! \brief Fields missing from `fields` take their default; ValueError if one has none. */
  Any operator()(const Map<String, Any>& fields) const {
    ObjectPtr<Object> obj = CreateEmptyObject(type_info_);
    size_t used = 0;
    ForEachFieldInfo(type_info_, [&](const TVMFFIFieldInfo* f) {
      void* addr = reinterpret_cast<char*>(obj.get()) + f->offset;
      String name(f->name.data, f->name.size);
      auto it = fields.find(name);
      if (it != fields.end()) {
        TVMFFIAny raw = (*it).second.CopyToTVMFFIAny();
        TVM_FFI_CHECK_SAFE_CALL(CallFieldSetter(f, addr, &raw));
        ++used;
      } else if (f->flags & kTVMFFIFieldFlagBitMaskHasDefault) {
        SetFieldToDefault(f, addr);
      } else {
        TVM_FFI_THROW(ValueError) << "Field `" << name << "` of `"
                                  << TypeIndexToTypeKey(type_info_->type_index)
                                  << "` is required but not given";
      }
    });
    if (used != fields.size()) {
      TVM_FFI_THROW(KeyError) << "Type `" << TypeIndexToTypeKey(type_info_->type_index)
                              << "` has no field named by some of the given keys";
    }
    return ObjectRef(std::move(obj));
  }

 private:
  const TVMFFITypeInfo* type_info_;
};
}  // namespace reflection
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_REFLECTION_CREATOR_H_
