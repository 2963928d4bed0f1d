/*
 * Base64 (RFC 4648, with '=' padding): Base64Encode(bytes) -> String,
 * Base64Decode(text) -> Bytes (ValueError on malformed input).
 */
#ifndef TVM_FFI_EXTRA_BASE64_H_
#define TVM_FFI_EXTRA_BASE64_H_

#include <tvm/ffi/error.h>
#include <tvm/ffi/string.h>

#include <cstdint>
#include <string>

namespace tvm {
namespace ffi {

inline String Base64Encode(TVMFFIByteArray bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size + 2) / 3 * 4);
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data);
  for (size_t i = 0; i < bytes.size; i += 3) {
    size_t n = bytes.size - i < 3 ? bytes.size - i : 3;
    uint32_t group = static_cast<uint32_t>(data[i]) << 16;
    if (n > 1) group |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (n > 2) group |= data[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += n > 1 ? kAlphabet[(group >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[group & 63] : '=';
  }
  return String(out);
}
inline String Base64Encode(const Bytes& data) {
  return Base64Encode(TVMFFIByteArray{data.data(), data.size()});
}

inline Bytes Base64Decode(TVMFFIByteArray text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  TVM_FFI_CHECK(text.size % 4 == 0, ValueError)
      << "invalid base64: length " << text.size << " is not a multiple of 4";
  std::string out;
  out.reserve(text.size / 4 * 3);
  for (size_t i = 0; i < text.size; i += 4) {
    bool last = i + 4 == text.size;
    int padding = 0;
    uint32_t group = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = text.data[i + j];
      int value = value_of(c);
      if (c == '=' && last && j >= 2 && (j == 3 || text.data[i + 3] == '=')) {
        ++padding;
        value = 0;
      }
      TVM_FFI_CHECK(value >= 0, ValueError)
          << "invalid base64: unexpected character at offset " << (i + j);
      group = (group << 6) | static_cast<uint32_t>(value);
    }
    out += static_cast<char>((group >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((group >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(group & 0xFF);
  }
  return Bytes(out);
}
inline Bytes Base64Decode(const String& text) {
  return Base64Decode(TVMFFIByteArray{text.data(), text.size()});
}

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_BASE64_H_
