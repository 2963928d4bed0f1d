/*
 * Helpers for DLDataType and DLDevice: comparison, text form ("float32", "cuda:0").
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
inline bool operator==(const DLDevice& a, const DLDevice& b) {
  return a.device_type == b.device_type && a.device_id == b.device_id;
}
inline bool operator!=(const DLDevice& a, const DLDevice& b) { return !(a == b); }

namespace tvm {
namespace ffi {

/*! \brief Parses "float32", "int8", "bfloat16", "float16x4", ... */
inline DLDataType StringToDLDataType(const std::string& text) {
  TVMFFIByteArray bytes = {text.data(), text.size()};
  DLDataType dtype;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIDataTypeFromString(&bytes, &dtype));
  return dtype;
}

/*! \brief The text form of a data type, e.g. "float32". */
inline std::string DLDataTypeToString(DLDataType dtype) {
  TVMFFIAny out;
  out.type_index = kTVMFFINone;
  out.zero_padding = 0;
  out.v_int64 = 0;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIDataTypeToString(&dtype, &out));
  return details::AnyUnsafe::FromOwnedRaw(out).cast<std::string>();
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
  const char* name = device.device_type == kDLCPU    ? "cpu"
                     : device.device_type == kDLCUDA ? "cuda"
                                                     : nullptr;
  if (name) return os << name << ":" << device.device_id;
  return os << "device(" << static_cast<int>(device.device_type) << "):" << device.device_id;
}

#endif  // TVM_FFI_DTYPE_H_
