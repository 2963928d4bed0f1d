/*
 * Strings, bytes and the text form of data types ("float32", "bfloat16", "int8x4").
 */
#include <tvm/ffi/any.h>

#include <cstdlib>
#include <string>

#include "ffi/arg_checks.h"

namespace tvm {
namespace ffi {
namespace {

struct DTypeName {
  const char* name;
  uint8_t code;
  uint8_t bits;
};

// Names whose bit width is part of the name; checked before the generic "<prefix><bits>" form.
const DTypeName kFixedNames[] = {
    {"bool", kDLBool, 8},
    {"bfloat16", kDLBfloat, 16},
    {"float8_e3m4", kDLFloat8_e3m4, 8},
    {"float8_e4m3", kDLFloat8_e4m3, 8},
    {"float8_e4m3b11fnuz", kDLFloat8_e4m3b11fnuz, 8},
    {"float8_e4m3fn", kDLFloat8_e4m3fn, 8},
    {"float8_e4m3fnuz", kDLFloat8_e4m3fnuz, 8},
    {"float8_e5m2", kDLFloat8_e5m2, 8},
    {"float8_e5m2fnuz", kDLFloat8_e5m2fnuz, 8},
    {"float8_e8m0fnu", kDLFloat8_e8m0fnu, 8},
    {"float6_e2m3fn", kDLFloat6_e2m3fn, 6},
    {"float6_e3m2fn", kDLFloat6_e3m2fn, 6},
    {"float4_e2m1fn", kDLFloat4_e2m1fn, 4},
    {"handle", kDLOpaqueHandle, 64},
};

const DTypeName kPrefixes[] = {
    {"uint", kDLUInt, 0},
    {"int", kDLInt, 0},
    {"float", kDLFloat, 0},
    {"complex", kDLComplex, 0},
};

bool ParseScalarDType(const std::string& text, uint16_t lanes, DLDataType* out) {
  for (const DTypeName& entry : kFixedNames) {
    if (text == entry.name) {
      *out = DLDataType{entry.code, entry.bits, lanes};
      return true;
    }
  }
  for (const DTypeName& entry : kPrefixes) {
    std::string prefix = entry.name;
    if (text.rfind(prefix, 0) != 0) continue;
    std::string digits = text.substr(prefix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    int bits = std::atoi(digits.c_str());
    if (bits <= 0 || bits > 255) return false;
    *out = DLDataType{entry.code, static_cast<uint8_t>(bits), lanes};
    return true;
  }
  return false;
}

bool ParseDType(const std::string& text, DLDataType* out) {
  // A scalar name first: "complex64" has an 'x' that is not a lanes suffix.
  if (ParseScalarDType(text, 1, out)) return true;
  size_t x = text.rfind('x');
  if (x == std::string::npos || x + 1 == text.size() ||
      text.find_first_not_of("0123456789", x + 1) != std::string::npos) {
    return false;
  }
  long parsed = std::strtol(text.c_str() + x + 1, nullptr, 10);
  if (parsed < 1 || parsed > 65535) return false;  // lanes must fit DLDataType's uint16
  return ParseScalarDType(text.substr(0, x), static_cast<uint16_t>(parsed), out);
}

std::string DTypeToText(const DLDataType& dtype) {
  std::string text;
  for (const DTypeName& entry : kFixedNames) {
    if (entry.code == dtype.code && entry.bits == dtype.bits) text = entry.name;
  }
  if (text.empty()) {
    for (const DTypeName& entry : kPrefixes) {
      if (entry.code == dtype.code) text = entry.name + std::to_string(dtype.bits);
    }
  }
  if (text.empty()) {
    text =
        "custom(code=" + std::to_string(dtype.code) + ", bits=" + std::to_string(dtype.bits) + ")";
  }
  if (dtype.lanes != 1) text += "x" + std::to_string(dtype.lanes);
  return text;
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFIStringFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(input, "TVMFFIStringFromByteArray", "input");
  details::CheckArgNotNull(out, "TVMFFIStringFromByteArray", "out");
  *out = details::AnyUnsafe::MoveToRaw(Any(String(input->data, input->size)));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIBytesFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(input, "TVMFFIBytesFromByteArray", "input");
  details::CheckArgNotNull(out, "TVMFFIBytesFromByteArray", "out");
  *out = details::AnyUnsafe::MoveToRaw(Any(Bytes(input->data, input->size)));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIDataTypeFromString(const TVMFFIByteArray* str, DLDataType* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(str, "TVMFFIDataTypeFromString", "str");
  details::CheckArgNotNull(out, "TVMFFIDataTypeFromString", "out");
  std::string text(str->data, str->size);
  if (!ParseDType(text, out)) {
    TVM_FFI_THROW(ValueError) << "unknown data type `" << text
                              << "` (expected e.g. float32, int8, bfloat16, float8_e4m3fn)";
  }
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIDataTypeToString(const DLDataType* dtype, TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(dtype, "TVMFFIDataTypeToString", "dtype");
  details::CheckArgNotNull(out, "TVMFFIDataTypeToString", "out");
  *out = details::AnyUnsafe::MoveToRaw(Any(String(DTypeToText(*dtype))));
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
