/*
 * String and Bytes: immutable byte sequences. Up to 7 bytes live inline (kTVMFFISmallStr /
 * kTVMFFISmallBytes), longer ones in a reference-counted object holding its bytes inline.
 */
#ifndef TVM_FFI_STRING_H_
#define TVM_FFI_STRING_H_

#include <tvm/ffi/error.h>
#include <tvm/ffi/object.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#define TVM_FFI_SNPRINTF snprintf

namespace tvm {
namespace ffi {

/*! \brief Object layout of a long string: header then TVMFFIByteArray. */
class StringObj : public Object, public TVMFFIByteArray {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.String", kTVMFFIStr)
};

/*! \brief Object layout of long bytes: header then TVMFFIByteArray. */
class BytesObj : public Object, public TVMFFIByteArray {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Bytes", kTVMFFIBytes)
};

namespace details {
struct BytesUnsafe;

/*! \brief Allocates a StringObj/BytesObj whose NUL-terminated bytes follow the object. */
template <typename TObj>
ObjectPtr<TObj> MakeInplaceBytes(const char* data, size_t size) {
  ObjectPtr<TObj> ptr = make_inplace_array_object<TObj, char>(size + 1);
  char* dst = reinterpret_cast<char*>(ptr.get()) + sizeof(TObj);
  if (size != 0) std::memcpy(dst, data, size);
  dst[size] = '\0';
  ptr->data = dst;
  ptr->size = size;
  return ptr;
}

/*! \brief Shared storage of String and Bytes: a TVMFFIAny, small-inline or an object. */
template <int32_t kSmallIndex, typename TObj>
class BytesStorage {
 public:
  const char* data() const {
    return data_.type_index == kSmallIndex ? data_.v_bytes : AsCell()->data;
  }
  size_t size() const {
    return data_.type_index == kSmallIndex ? data_.small_str_len : AsCell()->size;
  }
  size_t length() const { return size(); }
  bool empty() const { return size() == 0; }
  std::string_view view() const { return std::string_view(data(), size()); }
  operator std::string() const { return std::string(data(), size()); }  // NOLINT(*)
  int compare(std::string_view other) const { return view().compare(other); }

 protected:
  BytesStorage() { Init("", 0); }
  BytesStorage(const char* data, size_t size) { Init(data, size); }
  BytesStorage(const BytesStorage& other) : data_(other.data_) {
    if (data_.type_index == TObj::_type_index) TVMFFIObjectIncRef(data_.v_obj);
  }
  BytesStorage(BytesStorage&& other) noexcept : data_(other.data_) { other.Init("", 0); }
  BytesStorage& operator=(const BytesStorage& other) {
    BytesStorage copy(other);
    std::swap(data_, copy.data_);
    return *this;
  }
  BytesStorage& operator=(BytesStorage&& other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  ~BytesStorage() {
    if (data_.type_index == TObj::_type_index) TVMFFIObjectDecRef(data_.v_obj);
  }

  void Init(const char* data, size_t size) {
    if (size < sizeof(data_.v_bytes)) {
      data_.type_index = kSmallIndex;
      data_.small_str_len = static_cast<uint32_t>(size);
      data_.v_uint64 = 0;
      if (size != 0) std::memcpy(data_.v_bytes, data, size);
    } else {
      data_.type_index = TObj::_type_index;
      data_.zero_padding = 0;
      data_.v_obj = ObjectUnsafe::MoveToOwned(MakeInplaceBytes<TObj>(data, size));
    }
  }
  const TVMFFIByteArray* AsCell() const {
    return static_cast<const TObj*>(ObjectUnsafe::FromHeader(data_.v_obj));
  }

  TVMFFIAny data_;
  friend struct BytesUnsafe;
};
}  // namespace details

/*! \brief An immutable UTF-8 string; converts to and from std::string and const char*. */
class String : public details::BytesStorage<kTVMFFISmallStr, StringObj> {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  String() = default;
  String(std::nullptr_t) = delete;                                  // NOLINT(*)
  String(const char* str) : BytesStorage(str, std::strlen(str)) {}  // NOLINT(*)
  String(const char* data, size_t size) : BytesStorage(data, size) {}
  String(const std::string& str) : BytesStorage(str.data(), str.size()) {}  // NOLINT(*)
  String(std::string_view str) : BytesStorage(str.data(), str.size()) {}    // NOLINT(*)
  explicit String(TVMFFIByteArray bytes) : BytesStorage(bytes.data, bytes.size) {}
  String& operator=(const std::string& other) { return *this = String(other); }
  String& operator=(const char* other) { return *this = String(other); }
  String& operator=(const String& other) = default;
  String& operator=(String&& other) = default;
  String(const String& other) = default;
  String(String&& other) = default;
  void swap(String& other) noexcept { std::swap(data_, other.data_); }

  /*! \brief NUL-terminated contents. */
  const char* c_str() const { return data(); }
  /*! \brief The byte at `pos`; throws IndexError past the end. */
  char at(size_t pos) const;
  using BytesStorage::compare;
  int compare(const String& other) const { return view().compare(other.view()); }
  int compare(const std::string& other) const { return view().compare(other); }
  int compare(const char* other) const { return view().compare(other); }
  int compare(const TVMFFIByteArray& other) const {
    return view().compare(std::string_view(other.data, other.size));
  }
  size_t find(const String& str, size_t pos = 0) const { return view().find(str.view(), pos); }
  size_t find(const char* str, size_t pos = 0) const { return view().find(str, pos); }
  size_t find(const char* str, size_t pos, size_t count) const {
    return view().find(str, pos, count);
  }
  /*! \brief Up to `count` bytes from `pos`; throws IndexError when pos is past the end. */
  String substr(size_t pos = 0, size_t count = npos) const;
  bool starts_with(std::string_view prefix) const {
    return view().substr(0, prefix.size()) == prefix;
  }
  bool starts_with(const String& prefix) const { return starts_with(prefix.view()); }
  bool starts_with(const char* prefix) const { return starts_with(std::string_view(prefix)); }
  bool starts_with(const char* prefix, size_t count) const {
    return starts_with(std::string_view(prefix, count));
  }
  bool ends_with(std::string_view suffix) const {
    return size() >= suffix.size() && view().substr(size() - suffix.size()) == suffix;
  }
  bool ends_with(const String& suffix) const { return ends_with(suffix.view()); }
  bool ends_with(const char* suffix) const { return ends_with(std::string_view(suffix)); }
  bool ends_with(const char* suffix, size_t count) const {
    return ends_with(std::string_view(suffix, count));
  }
  /*! \brief The pieces between `delim` characters (views into this string). */
  std::vector<std::string_view> Split(char delim) const {
    std::vector<std::string_view> parts;
    std::string_view rest = view();
    for (size_t cut; (cut = rest.find(delim)) != std::string_view::npos;) {
      parts.push_back(rest.substr(0, cut));
      rest = rest.substr(cut + 1);
    }
    parts.push_back(rest);
    return parts;
  }

  friend std::ostream& operator<<(std::ostream& os, const String& s) {
    return os.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
};

// Comparisons of String with String, std::string and const char*, either side.
#define TVM_FFI_STRING_COMPARE_(op)                                                            \
  inline bool operator op(const String& a, const String& b) { return a.compare(b) op 0; }      \
  inline bool operator op(const String& a, const std::string& b) { return a.compare(b) op 0; } \
  inline bool operator op(const std::string& a, const String& b) { return 0 op b.compare(a); } \
  inline bool operator op(const String& a, const char* b) { return a.compare(b) op 0; }        \
  inline bool operator op(const char* a, const String& b) { return 0 op b.compare(a); }
TVM_FFI_STRING_COMPARE_(==)
TVM_FFI_STRING_COMPARE_(!=)
TVM_FFI_STRING_COMPARE_(<)
TVM_FFI_STRING_COMPARE_(>)
TVM_FFI_STRING_COMPARE_(<=)
TVM_FFI_STRING_COMPARE_(>=)
#undef TVM_FFI_STRING_COMPARE_

// Concatenation of String with String, std::string and const char*, either side.
inline String ConcatStrings(std::string_view a, std::string_view b) {
  std::string joined;
  joined.reserve(a.size() + b.size());
  joined.append(a).append(b);
  return String(joined);
}
inline String operator+(const String& a, const String& b) {
  return ConcatStrings(a.view(), b.view());
}
inline String operator+(const String& a, const std::string& b) {
  return ConcatStrings(a.view(), b);
}
inline String operator+(const std::string& a, const String& b) {
  return ConcatStrings(a, b.view());
}
inline String operator+(const String& a, const char* b) { return ConcatStrings(a.view(), b); }
inline String operator+(const char* a, const String& b) { return ConcatStrings(a, b.view()); }

/*! \brief An immutable byte sequence (Python bytes). */
class Bytes : public details::BytesStorage<kTVMFFISmallBytes, BytesObj> {
 public:
  Bytes() = default;
  Bytes(const char* data, size_t size) : BytesStorage(data, size) {}
  Bytes(TVMFFIByteArray bytes) : BytesStorage(bytes.data, bytes.size) {}         // NOLINT(*)
  Bytes(const std::string& bytes) : BytesStorage(bytes.data(), bytes.size()) {}  // NOLINT(*)
  void swap(Bytes& other) noexcept { std::swap(data_, other.data_); }
  friend bool operator==(const Bytes& a, const Bytes& b) { return a.view() == b.view(); }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return a.view() != b.view(); }
  /*! \brief memcmp of two byte ranges, the shorter one first when one is a prefix. */
  static int memncmp(const char* lhs, const char* rhs, size_t lhs_count, size_t rhs_count) {
    return std::string_view(lhs, lhs_count).compare(std::string_view(rhs, rhs_count));
  }
  static bool memequal(const void* lhs, const void* rhs, size_t lhs_count, size_t rhs_count) {
    return lhs_count == rhs_count && (lhs_count == 0 || std::memcmp(lhs, rhs, lhs_count) == 0);
  }
};

namespace details {
/*! \brief Moves String/Bytes storage in and out of raw TVMFFIAny values. */
struct BytesUnsafe {
  template <typename T>
  static const TVMFFIAny& Raw(const T& value) {
    return value.data_;
  }
  /*! \brief Takes ownership of `raw`, which must hold the matching small or object form. */
  template <typename T>
  static T FromOwnedRaw(const TVMFFIAny& raw) {
    T value;
    value.data_ = raw;
    return value;
  }
  template <typename T>
  static TVMFFIAny MoveToRaw(T&& value) {
    TVMFFIAny raw = value.data_;
    value.Init("", 0);
    return raw;
  }
};
}  // namespace details

namespace details {
/*! \brief Appends `value` to `out` as a quoted JSON string literal (see EscapeStringJSON). */
TVM_FFI_COLD_CODE inline void AppendEscapedJSON(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    switch (c) {
// One case of the switch: `pattern` is written as `text`.
#define TVM_FFI_ESCAPE_CHAR(pattern, text) \
  case pattern:                            \
    out += (text);                         \
    break
      TVM_FFI_ESCAPE_CHAR('"', "\\\"");
      TVM_FFI_ESCAPE_CHAR('\\', "\\\\");
      TVM_FFI_ESCAPE_CHAR('/', "\\/");
      TVM_FFI_ESCAPE_CHAR('\b', "\\b");
      TVM_FFI_ESCAPE_CHAR('\f', "\\f");
      TVM_FFI_ESCAPE_CHAR('\n', "\\n");
      TVM_FFI_ESCAPE_CHAR('\r', "\\r");
      TVM_FFI_ESCAPE_CHAR('\t', "\\t");
#undef TVM_FFI_ESCAPE_CHAR
      default: {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
          char buffer[8];
          TVM_FFI_SNPRINTF(buffer, sizeof(buffer), "\\u%04x", byte);
          out += buffer;
        } else {
          out += c;
        }
      }
    }
  }
  out += '"';
}
}  // namespace details

/*! \brief `value` as a quoted JSON string literal (quotes, backslashes, controls escaped). */
inline String EscapeStringJSON(const String& value) {
  std::string out;
  details::AppendEscapedJSON(out, value.view());
  return String(out);
}
[[deprecated("use EscapeStringJSON")]] inline String EscapeString(const String& value) {
  return EscapeStringJSON(value);
}

/*! \brief `value` as a quoted Python string literal (C escapes, \xNN for other controls). */
inline String EscapedStringPy(const String& value) {
  std::string out = "\"";
  for (char c : value.view()) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char buffer[8];
          TVM_FFI_SNPRINTF(buffer, sizeof(buffer), "\\x%02x", byte);
          out += buffer;
        } else {
          out += c;  // UTF-8 bytes pass through unchanged
        }
    }
  }
  out += '"';
  return String(out);
}

inline char String::at(size_t pos) const {
  if (pos >= size()) {
    TVM_FFI_THROW(IndexError) << "String::at: index " << pos << " out of range for size " << size();
  }
  return data()[pos];
}

inline String String::substr(size_t pos, size_t count) const {
  if (pos > size()) {
    TVM_FFI_THROW(IndexError) << "String::substr: position " << pos << " out of range for size "
                              << size();
  }
  return String(view().substr(pos, count));
}

}  // namespace ffi
}  // namespace tvm

namespace std {
template <>
struct hash<::tvm::ffi::String> {
  size_t operator()(const ::tvm::ffi::String& s) const { return hash<string_view>()(s.view()); }
};
template <>
struct hash<::tvm::ffi::Bytes> {
  size_t operator()(const ::tvm::ffi::Bytes& b) const { return hash<string_view>()(b.view()); }
};
}  // namespace std
#endif  // TVM_FFI_STRING_H_
