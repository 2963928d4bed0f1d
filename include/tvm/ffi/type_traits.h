/*
 * TypeTraits<T> (how T is stored in and recovered from a TVMFFIAny; defined in any.h) and
 * the names built on it: TypeIndex, StaticTypeKey (the type keys of built-in types),
 * TypeIndexToTypeKey, and TypeTraitsBase for user specializations.
 */
#ifndef TVM_FFI_TYPE_TRAITS_H_
#define TVM_FFI_TYPE_TRAITS_H_

#include <tvm/ffi/any.h>

#include <string>

namespace tvm {
namespace ffi {

using TypeIndex = TVMFFITypeIndex;
using TypeInfo = TVMFFITypeInfo;

/*! \brief Type keys of the built-in types, as type schemas and registries name them. */
struct StaticTypeKey {
  static constexpr const char* kTVMFFIAny = "Any";
  static constexpr const char* kTVMFFINone = "None";
  static constexpr const char* kTVMFFIBool = "bool";
  static constexpr const char* kTVMFFIInt = "int";
  static constexpr const char* kTVMFFIFloat = "float";
  static constexpr const char* kTVMFFIOpaquePtr = "void*";
  static constexpr const char* kTVMFFIDataType = "DataType";
  static constexpr const char* kTVMFFIDevice = "Device";
  static constexpr const char* kTVMFFIDLTensorPtr = "DLTensor*";
  static constexpr const char* kTVMFFIRawStr = "const char*";
  static constexpr const char* kTVMFFIByteArrayPtr = "TVMFFIByteArray*";
  static constexpr const char* kTVMFFIObjectRValueRef = "ObjectRValueRef";
  static constexpr const char* kTVMFFISmallStr = "ffi.SmallStr";
  static constexpr const char* kTVMFFISmallBytes = "ffi.SmallBytes";
  static constexpr const char* kTVMFFIUnchanged = "ffi.Unchanged";
  static constexpr const char* kTVMFFIError = "ffi.Error";
  static constexpr const char* kTVMFFIBytes = "ffi.Bytes";
  static constexpr const char* kTVMFFIStr = "ffi.String";
  static constexpr const char* kTVMFFIBigInt = "ffi.BigInt";
  static constexpr const char* kTVMFFIShape = "ffi.Shape";
  static constexpr const char* kTVMFFITensor = "ffi.Tensor";
  static constexpr const char* kTVMFFIObject = "ffi.Object";
  static constexpr const char* kTVMFFIFunction = "ffi.Function";
  static constexpr const char* kTVMFFIArray = "ffi.Array";
  static constexpr const char* kTVMFFIList = "ffi.List";
  static constexpr const char* kTVMFFIMap = "ffi.Map";
  static constexpr const char* kTVMFFIModule = "ffi.Module";
  static constexpr const char* kTVMFFIDict = "ffi.Dict";
  static constexpr const char* kTVMFFIVisitInterrupt = "ffi.VisitInterrupt";
  static constexpr const char* kTVMFFIOpaquePyObject = "ffi.OpaquePyObject";
};

/*! \brief The registered type key of `type_index` (e.g. "ffi.Tensor"). */
inline std::string TypeIndexToTypeKey(int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr) return "<unknown type " + std::to_string(type_index) + ">";
  return std::string(info->type_key.data, info->type_key.size);
}

/*! \brief Whether T uses the generic traits (a specialization sets this false). */
template <typename T>
inline constexpr bool use_default_type_traits_v = true;

/*!
 * \brief A base for user TypeTraits specializations: conversion enabled, the field stored as
 * Any, and mismatch messages naming the source type.
 */
struct TypeTraitsBase {
  static constexpr bool convert_enabled = true;
  static constexpr bool storage_enabled = true;
  static constexpr int32_t field_static_type_index = kTVMFFIAny;
  static std::string GetMismatchTypeInfo(const TVMFFIAny* source) {
    return details::TypeIndexToName(source->type_index);
  }
};

}  // namespace ffi
}  // namespace tvm

/*
 * Declares an object class that views a type some other library registered under
 * `RegisteredKey` (at depth `TypeDepth`): its index is looked up at first use, never
 * allocated; the lookup throws if no such type is registered.
 */
#define TVM_FFI_DECLARE_OBJECT_INFO_LOOKUP(RegisteredKey, TypeDepth) \
  static constexpr const char* _type_key = RegisteredKey;            \
  static constexpr int32_t _type_index = kTVMFFIDynObjectBegin;      \
  static constexpr int32_t _type_depth = TypeDepth;                  \
  static constexpr bool _type_mutable = true;                        \
  static constexpr bool _type_final = false;                         \
  static constexpr uint32_t _type_child_slots = 0;                   \
  static constexpr bool _type_child_slots_can_overflow = true;       \
  static int32_t RuntimeTypeIndex() {                                \
    static const int32_t index = [] {                                \
      TVMFFIByteArray key{RegisteredKey, sizeof(RegisteredKey) - 1}; \
      int32_t found = -1;                                            \
      TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeKeyToIndex(&key, &found));   \
      return found;                                                  \
    }();                                                             \
    return index;                                                    \
  }                                                                  \
  static int32_t _GetOrAllocRuntimeTypeIndex() { return RuntimeTypeIndex(); } /* NOLINT */

#endif  // TVM_FFI_TYPE_TRAITS_H_
