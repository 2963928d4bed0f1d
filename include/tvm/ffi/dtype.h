/*
 * Helpers for DLDataType and DLDevice: comparison, text form ("float32", "cuda:0"), type
 * predicates (DTypeIsFloat, ...) and short names (DTypeAbbrev: "f32", "bf16").
 */
#ifndef TVM_FFI_DTYPE_H_
#define TVM_FFI_DTYPE_H_

#include <tvm/ffi/any.h>

#include <ostream>
#include <string>

inline bool operator==(const DLDataType& a, const DLDataType& b) {
  return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
}
inline bool operator!=(const DLDataType& a, const DLDataType& b) { return !(a == b); }

namespace tvm {
namespace ffi {

/*! \brief Type codes from kDLExtCustomBegin on are custom types of the runtime. */
enum DLExtDataTypeCode { kDLExtCustomBegin = 129 };

namespace details {
/*! \brief Name of a type code ("int", "float8_e4m3fn", ...); throws ValueError if unknown. */
inline const char* DLDataTypeCodeAsCStr(DLDataTypeCode type_code) {  // NOLINT(*)
  switch (static_cast<int>(type_code)) {
    case kDLInt:
      return "int";
    case kDLUInt:
      return "uint";
    case kDLFloat:
      return "float";
    case kDLOpaqueHandle:
      return "handle";
    case kDLBfloat:
      return "bfloat";
    case kDLBool:
      return "bool";
    case kDLFloat8_e3m4:
      return "float8_e3m4";
    case kDLFloat8_e4m3:
      return "float8_e4m3";
    case kDLFloat8_e4m3b11fnuz:
      return "float8_e4m3b11fnuz";
    case kDLFloat8_e4m3fn:
      return "float8_e4m3fn";
    case kDLFloat8_e4m3fnuz:
      return "float8_e4m3fnuz";
    case kDLFloat8_e5m2:
      return "float8_e5m2";
    case kDLFloat8_e5m2fnuz:
      return "float8_e5m2fnuz";
    case kDLFloat8_e8m0fnu:
      return "float8_e8m0fnu";
    case kDLFloat6_e2m3fn:
      return "float6_e2m3fn";
    case kDLFloat6_e3m2fn:
      return "float6_e3m2fn";
    case kDLFloat4_e2m1fn:
      return "float4_e2m1fn";
    default:
      if (static_cast<int>(type_code) >= kDLExtCustomBegin) return "custom";
      TVM_FFI_THROW(ValueError) << "DLDataType contains unknown type_code="
                                << static_cast<int>(type_code);
      TVM_FFI_UNREACHABLE();
  }
}
}  // namespace details

/*! \brief Parses "float32", "int8", "bfloat16", "float16x4", ... */
inline DLDataType StringToDLDataType(const String& text) {
  TVMFFIByteArray bytes = {text.data(), text.size()};
  DLDataType dtype;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIDataTypeFromString(&bytes, &dtype));
  return dtype;
}

/*! \brief The text form of a data type, e.g. "float32". */
inline String DLDataTypeToString(DLDataType dtype) {
  TVMFFIAny out;
  out.type_index = kTVMFFINone;
  out.zero_padding = 0;
  out.v_int64 = 0;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIDataTypeToString(&dtype, &out));
  return details::AnyUnsafe::FromOwnedRaw(out).cast<String>();
}

/*! \brief Whether the type is a floating-point one (float, bfloat, float8/6/4 variants). */
inline bool DTypeIsFloat(DLDataType dtype) {
  switch (static_cast<int>(dtype.code)) {
    case kDLFloat:
    case kDLBfloat:
    case kDLFloat8_e3m4:
    case kDLFloat8_e4m3:
    case kDLFloat8_e4m3b11fnuz:
    case kDLFloat8_e4m3fn:
    case kDLFloat8_e4m3fnuz:
    case kDLFloat8_e5m2:
    case kDLFloat8_e5m2fnuz:
    case kDLFloat8_e8m0fnu:
    case kDLFloat6_e2m3fn:
    case kDLFloat6_e3m2fn:
    case kDLFloat4_e2m1fn:
      return true;
    default:
      return false;
  }
}
/*! \brief Whether the type is a signed or unsigned integer. */
inline bool DTypeIsInt(DLDataType dtype) { return dtype.code == kDLInt || dtype.code == kDLUInt; }
inline bool DTypeIsBool(DLDataType dtype) { return dtype.code == kDLBool; }

/*! \brief A short name: "f32", "i8", "bf16", "f8_e4m3fn", "f32x4", "bool", "handle". */
inline std::string DTypeAbbrev(DLDataType dtype) {
  if (dtype.code == kDLBool && dtype.bits == 8 && dtype.lanes == 1) return "bool";
  if (dtype.code == kDLOpaqueHandle && dtype.bits == 0 && dtype.lanes == 0) return "void";
  if (dtype.code == kDLOpaqueHandle) return "handle";
  if (static_cast<int>(dtype.code) >= kDLExtCustomBegin) {
    return std::string(DLDataTypeToString(dtype));
  }
  std::string text;
  switch (static_cast<int>(dtype.code)) {
    case kDLInt:
      text = "i";
      break;
    case kDLUInt:
      text = "u";
      break;
    case kDLFloat:
      text = "f";
      break;
    case kDLBfloat:
      text = "bf";
      break;
    case kDLBool:
      text = "bool";
      break;
    default: {
      // float8_e4m3fn -> f8_e4m3fn: the bit width is part of the name.
      std::string name = details::DLDataTypeCodeAsCStr(static_cast<DLDataTypeCode>(dtype.code));
      text = "f" + name.substr(5);
    }
  }
  bool width_in_name = dtype.code >= kDLFloat8_e3m4;
  if (!width_in_name && !(dtype.code == kDLBool && dtype.bits == 8)) {
    text += std::to_string(static_cast<int>(dtype.bits));
  }
  auto lanes = static_cast<int16_t>(dtype.lanes);
  if (lanes > 1) {
    text += "x" + std::to_string(lanes);
  } else if (lanes < -1) {
    text += "xvscalex" + std::to_string(-lanes);
  }
  return text;
}

/*! \brief Number of bytes one element (all lanes) takes, rounded up. */
inline size_t DataTypeBytes(DLDataType dtype) {
  return (static_cast<size_t>(dtype.bits) * dtype.lanes + 7) / 8;
}

}  // namespace ffi
}  // namespace tvm

inline std::ostream& operator<<(std::ostream& os, const DLDataType& dtype) {
  return os << ::tvm::ffi::DLDataTypeToString(dtype);
}
inline std::ostream& operator<<(std::ostream& os, const DLDevice& device) {
  const char* name = ::tvm::ffi::details::DLDeviceTypeName(device.device_type);
  if (name) return os << name << ":" << device.device_id;
  return os << "device(" << static_cast<int>(device.device_type) << "):" << device.device_id;
}

#endif  // TVM_FFI_DTYPE_H_
