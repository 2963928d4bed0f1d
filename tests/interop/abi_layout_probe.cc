// Prints one "name value" row per fact of the TVM-FFI C ABI and its object classes: sizeof,
// alignof and offsetof of every C struct, the size of every object class the C++ headers
// expose, and every enum and flag value. Compiled against two header sets, the outputs are
// compared row by row. A class a header set does not define prints "missing".
#include <cstddef>
#include <cstdio>
#include <type_traits>

namespace tvm {
namespace ffi {
// Declared here so the probe compiles where a header set lacks a class; each row then
// reports "missing" instead of failing the build.
class Object;
class StringObj;
class BytesObj;
class ErrorObj;
class FunctionObj;
class ShapeObj;
class TensorObj;
class ArrayObj;
class ListObj;
class MapObj;
class MapBaseObj;
class SmallMapBaseObj;
class DenseMapBaseObj;
class DictObj;
class ModuleObj;
class BigIntObj;
namespace detail {  // where apache-tvm-ffi defines its string and big-integer objects
class StringObj;
class BytesObj;
class BigIntObj;
}  // namespace detail
}  // namespace ffi
}  // namespace tvm

#include <tvm/ffi/c_api.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/object.h>
#include <tvm/ffi/string.h>
#if __has_include(<tvm/ffi/container/list.h>)
#include <tvm/ffi/container/list.h>
#endif
#if __has_include(<tvm/ffi/container/dict.h>)
#include <tvm/ffi/container/dict.h>
#endif
#if __has_include(<tvm/ffi/container/map_base.h>)
#include <tvm/ffi/container/map_base.h>
#endif
#if __has_include(<tvm/ffi/big_int.h>)
#include <tvm/ffi/big_int.h>
#endif
#if __has_include(<tvm/ffi/extra/module.h>)
#include <tvm/ffi/extra/module.h>
#elif __has_include(<tvm/ffi/module.h>)
#include <tvm/ffi/module.h>
#endif

namespace {

template <typename T, typename = void>
struct IsComplete : std::false_type {};
template <typename T>
struct IsComplete<T, std::void_t<decltype(sizeof(T))>> : std::true_type {};

void Row(const char* name, long long value) { std::printf("%s %lld\n", name, value); }
void Missing(const char* name) { std::printf("%s missing\n", name); }

// The first complete class among the candidates (a class may live in a nested namespace).
template <typename T, typename... Rest>
struct FirstComplete {
  using type = T;
};
template <typename T, typename Next, typename... Rest>
struct FirstComplete<T, Next, Rest...> {
  using type =
      std::conditional_t<IsComplete<T>::value, T, typename FirstComplete<Next, Rest...>::type>;
};

template <typename... Candidates>
void ClassRows(const char* name) {
  using T = typename FirstComplete<Candidates...>::type;
  char key[160];
  std::snprintf(key, sizeof(key), "class.%s.sizeof", name);
  if constexpr (IsComplete<T>::value) {
    Row(key, static_cast<long long>(sizeof(T)));
    std::snprintf(key, sizeof(key), "class.%s.alignof", name);
    Row(key, static_cast<long long>(alignof(T)));
  } else {
    Missing(key);
  }
}

// Offset of the public base `Base` inside `Derived` (where the payload cell sits).
template <typename Base, typename... Candidates>
void BaseRow(const char* name) {
  using Derived = typename FirstComplete<Candidates...>::type;
  if constexpr (IsComplete<Derived>::value) {
    if constexpr (std::is_convertible_v<Derived*, Base*>) {
      alignas(Derived) static char storage[sizeof(Derived)];
      auto* derived = reinterpret_cast<Derived*>(storage);
      auto* base = static_cast<Base*>(derived);
      Row(name, reinterpret_cast<char*>(base) - storage);
      return;
    }
  }
  Missing(name);
}

}  // namespace

#define SIZE(T)                            \
  Row("sizeof." #T, (long long)sizeof(T)); \
  Row("alignof." #T, (long long)alignof(T))
#define FIELD(T, f) Row("offsetof." #T "." #f, (long long)offsetof(T, f))
#define VALUE(v) Row("value." #v, (long long)(v))
#define CLASS(C) ClassRows<tvm::ffi::C>(#C)
#define BASE(C, B) BaseRow<B, tvm::ffi::C>("base." #C "." #B)
// Classes found in tvm::ffi or in tvm::ffi::detail (upstream's string and BigInt objects).
#define DETAIL_CLASS(C) ClassRows<tvm::ffi::C, tvm::ffi::detail::C>(#C)
#define DETAIL_BASE(C, B) BaseRow<B, tvm::ffi::C, tvm::ffi::detail::C>("base." #C "." #B)
// Offset of the Object base, whose first member is the TVMFFIObject header.
#define HEADER(C) BaseRow<tvm::ffi::Object, tvm::ffi::C>("header." #C)
#define DETAIL_HEADER(C) BaseRow<tvm::ffi::Object, tvm::ffi::C, tvm::ffi::detail::C>("header." #C)

int main() {
  SIZE(TVMFFIVersion);
  FIELD(TVMFFIVersion, major);
  FIELD(TVMFFIVersion, minor);
  FIELD(TVMFFIVersion, patch);

  SIZE(TVMFFIObject);
  FIELD(TVMFFIObject, combined_ref_count);
  FIELD(TVMFFIObject, type_index);
  FIELD(TVMFFIObject, __padding);
  FIELD(TVMFFIObject, deleter);

  SIZE(TVMFFIAny);
  FIELD(TVMFFIAny, type_index);
  FIELD(TVMFFIAny, zero_padding);
  FIELD(TVMFFIAny, small_str_len);
  FIELD(TVMFFIAny, v_int64);
  FIELD(TVMFFIAny, v_float64);
  FIELD(TVMFFIAny, v_ptr);
  FIELD(TVMFFIAny, v_c_str);
  FIELD(TVMFFIAny, v_obj);
  FIELD(TVMFFIAny, v_dtype);
  FIELD(TVMFFIAny, v_device);
  FIELD(TVMFFIAny, v_bytes);
  FIELD(TVMFFIAny, v_uint64);

  SIZE(TVMFFIByteArray);
  FIELD(TVMFFIByteArray, data);
  FIELD(TVMFFIByteArray, size);

  SIZE(TVMFFIShapeCell);
  FIELD(TVMFFIShapeCell, data);
  FIELD(TVMFFIShapeCell, size);

  SIZE(TVMFFISeqCell);
  FIELD(TVMFFISeqCell, data);
  FIELD(TVMFFISeqCell, size);
  FIELD(TVMFFISeqCell, capacity);
  FIELD(TVMFFISeqCell, data_deleter);

  SIZE(TVMFFIErrorCell);
  FIELD(TVMFFIErrorCell, kind);
  FIELD(TVMFFIErrorCell, message);
  FIELD(TVMFFIErrorCell, backtrace);
  FIELD(TVMFFIErrorCell, update_backtrace);
  FIELD(TVMFFIErrorCell, cause_chain);
  FIELD(TVMFFIErrorCell, extra_context);

  SIZE(TVMFFIFunctionCell);
  FIELD(TVMFFIFunctionCell, safe_call);
  FIELD(TVMFFIFunctionCell, cpp_call);

  SIZE(TVMFFIOpaqueObjectCell);
  FIELD(TVMFFIOpaqueObjectCell, handle);

  SIZE(TVMFFIObjectAllocHeader);
  FIELD(TVMFFIObjectAllocHeader, delete_space);

  SIZE(TVMFFICustomAllocator);
  FIELD(TVMFFICustomAllocator, allocate);
  FIELD(TVMFFICustomAllocator, context);

  SIZE(TVMFFIFieldInfo);
  FIELD(TVMFFIFieldInfo, name);
  FIELD(TVMFFIFieldInfo, doc);
  FIELD(TVMFFIFieldInfo, metadata);
  FIELD(TVMFFIFieldInfo, flags);
  FIELD(TVMFFIFieldInfo, size);
  FIELD(TVMFFIFieldInfo, alignment);
  FIELD(TVMFFIFieldInfo, offset);
  FIELD(TVMFFIFieldInfo, getter);
  FIELD(TVMFFIFieldInfo, setter);
  FIELD(TVMFFIFieldInfo, default_value_or_factory);
  FIELD(TVMFFIFieldInfo, field_static_type_index);

  SIZE(TVMFFIMethodInfo);
  FIELD(TVMFFIMethodInfo, name);
  FIELD(TVMFFIMethodInfo, doc);
  FIELD(TVMFFIMethodInfo, metadata);
  FIELD(TVMFFIMethodInfo, flags);
  FIELD(TVMFFIMethodInfo, method);

  SIZE(TVMFFITypeMetadata);
  FIELD(TVMFFITypeMetadata, doc);
  FIELD(TVMFFITypeMetadata, creator);
  FIELD(TVMFFITypeMetadata, total_size);
  FIELD(TVMFFITypeMetadata, structural_eq_hash_kind);

  SIZE(TVMFFITypeAttrColumn);
  FIELD(TVMFFITypeAttrColumn, data);
  FIELD(TVMFFITypeAttrColumn, size);
  FIELD(TVMFFITypeAttrColumn, begin_index);

  SIZE(TVMFFITypeInfo);
  FIELD(TVMFFITypeInfo, type_index);
  FIELD(TVMFFITypeInfo, type_depth);
  FIELD(TVMFFITypeInfo, type_key);
  FIELD(TVMFFITypeInfo, type_ancestors);
  FIELD(TVMFFITypeInfo, type_key_hash);
  FIELD(TVMFFITypeInfo, num_fields);
  FIELD(TVMFFITypeInfo, num_methods);
  FIELD(TVMFFITypeInfo, fields);
  FIELD(TVMFFITypeInfo, methods);
  FIELD(TVMFFITypeInfo, metadata);

  // DLPack
  SIZE(DLPackVersion);
  FIELD(DLPackVersion, major);
  FIELD(DLPackVersion, minor);
  SIZE(DLDevice);
  FIELD(DLDevice, device_type);
  FIELD(DLDevice, device_id);
  SIZE(DLDataType);
  FIELD(DLDataType, code);
  FIELD(DLDataType, bits);
  FIELD(DLDataType, lanes);
  SIZE(DLTensor);
  FIELD(DLTensor, data);
  FIELD(DLTensor, device);
  FIELD(DLTensor, ndim);
  FIELD(DLTensor, dtype);
  FIELD(DLTensor, shape);
  FIELD(DLTensor, strides);
  FIELD(DLTensor, byte_offset);
  SIZE(DLManagedTensor);
  FIELD(DLManagedTensor, dl_tensor);
  FIELD(DLManagedTensor, manager_ctx);
  FIELD(DLManagedTensor, deleter);
  SIZE(DLManagedTensorVersioned);
  FIELD(DLManagedTensorVersioned, version);
  FIELD(DLManagedTensorVersioned, manager_ctx);
  FIELD(DLManagedTensorVersioned, deleter);
  FIELD(DLManagedTensorVersioned, flags);
  FIELD(DLManagedTensorVersioned, dl_tensor);
  SIZE(DLPackExchangeAPIHeader);
  FIELD(DLPackExchangeAPIHeader, version);
  FIELD(DLPackExchangeAPIHeader, prev_api);
  SIZE(DLPackExchangeAPI);
  FIELD(DLPackExchangeAPI, header);
  FIELD(DLPackExchangeAPI, managed_tensor_allocator);
  FIELD(DLPackExchangeAPI, managed_tensor_from_py_object_no_sync);
  FIELD(DLPackExchangeAPI, managed_tensor_to_py_object_no_sync);
  FIELD(DLPackExchangeAPI, dltensor_from_py_object_no_sync);
  FIELD(DLPackExchangeAPI, current_work_stream);
  SIZE(DLPackManagedTensorAllocator);
  SIZE(TVMFFIStreamHandle);
  SIZE(TVMFFISafeCallType);
  SIZE(TVMFFITypeIndex);
  SIZE(DLDeviceType);

  // Object classes of the C++ headers.
  CLASS(Object);
  DETAIL_CLASS(StringObj);
  DETAIL_CLASS(BytesObj);
  CLASS(ErrorObj);
  CLASS(FunctionObj);
  CLASS(ShapeObj);
  CLASS(TensorObj);
  CLASS(ArrayObj);
  CLASS(ListObj);
  CLASS(MapBaseObj);
  CLASS(SmallMapBaseObj);
  CLASS(DenseMapBaseObj);
  CLASS(MapObj);
  CLASS(DictObj);
  CLASS(ModuleObj);
  DETAIL_CLASS(BigIntObj);
  // Where the TVMFFIObject header sits (not at 0 in classes with a vtable, e.g. ModuleObj).
  DETAIL_HEADER(StringObj);
  DETAIL_HEADER(BytesObj);
  HEADER(ErrorObj);
  HEADER(FunctionObj);
  HEADER(ShapeObj);
  HEADER(TensorObj);
  HEADER(ArrayObj);
  HEADER(ListObj);
  HEADER(MapObj);
  HEADER(DictObj);
  HEADER(ModuleObj);
  DETAIL_HEADER(BigIntObj);
  DETAIL_BASE(StringObj, TVMFFIByteArray);
  DETAIL_BASE(BytesObj, TVMFFIByteArray);
  BASE(ErrorObj, TVMFFIErrorCell);
  BASE(FunctionObj, TVMFFIFunctionCell);
  BASE(ShapeObj, TVMFFIShapeCell);
  BASE(TensorObj, DLTensor);
  // Payload cells sit right after the 24-byte header, as the C accessors read them.
  alignas(16) static char object[128] = {};
  Row("accessor.bytes", (char*)TVMFFIBytesGetByteArrayPtr(object) - object);
  Row("accessor.error", (char*)TVMFFIErrorGetCellPtr(object) - object);
  Row("accessor.function", (char*)TVMFFIFunctionGetCellPtr(object) - object);
  Row("accessor.opaque", (char*)TVMFFIOpaqueObjectGetCellPtr(object) - object);
  Row("accessor.shape", (char*)TVMFFIShapeGetCellPtr(object) - object);
  Row("accessor.tensor", (char*)TVMFFITensorGetDLTensorPtr(object) - object);

  // Versions and flags.
  VALUE(TVM_FFI_VERSION_MAJOR);
  VALUE(TVM_FFI_VERSION_MINOR);
  VALUE(TVM_FFI_VERSION_PATCH);
  VALUE(DLPACK_MAJOR_VERSION);
  VALUE(DLPACK_MINOR_VERSION);
  VALUE(DLPACK_FLAG_BITMASK_READ_ONLY);
  VALUE(DLPACK_FLAG_BITMASK_IS_COPIED);
  VALUE(DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED);

  // Enumerators (tests/test_abi_layout.py checks this list covers every one upstream has).
#include "abi_layout_enums.inc"
  return 0;
}
