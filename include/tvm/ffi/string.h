/*
 * String and Bytes: immutable byte sequences. Up to 7 bytes live inline (kTVMFFISmallStr /
 * kTVMFFISmallBytes), longer ones in a reference-counted object holding its bytes inline.
 */
#ifndef TVM_FFI_STRING_H_
#define TVM_FFI_STRING_H_

#include <tvm/ffi/object.h>

#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

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
  String() = default;
  String(const char* str) : BytesStorage(str, std::strlen(str)) {}  // NOLINT(*)
  String(const char* data, size_t size) : BytesStorage(data, size) {}
  String(const std::string& str) : BytesStorage(str.data(), str.size()) {}  // NOLINT(*)
  String(std::string_view str) : BytesStorage(str.data(), str.size()) {}    // NOLINT(*)
  /*! \brief NUL-terminated contents. */
  const char* c_str() const { return data(); }

  friend bool operator==(const String& a, const String& b) { return a.view() == b.view(); }
  friend bool operator!=(const String& a, const String& b) { return a.view() != b.view(); }
  friend bool operator<(const String& a, const String& b) { return a.view() < b.view(); }
  friend bool operator==(const String& a, const char* b) { return a.view() == b; }
  friend bool operator!=(const String& a, const char* b) { return a.view() != b; }
  friend bool operator==(const String& a, const std::string& b) { return a.view() == b; }
  friend String operator+(const String& a, const String& b) {
    return String(std::string(a) + std::string(b));
  }
  friend std::ostream& operator<<(std::ostream& os, const String& s) {
    return os.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
};

/*! \brief An immutable byte sequence (Python bytes). */
class Bytes : public details::BytesStorage<kTVMFFISmallBytes, BytesObj> {
 public:
  Bytes() = default;
  Bytes(const char* data, size_t size) : BytesStorage(data, size) {}
  Bytes(const std::string& bytes) : BytesStorage(bytes.data(), bytes.size()) {}  // NOLINT(*)
  friend bool operator==(const Bytes& a, const Bytes& b) { return a.view() == b.view(); }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return a.view() != b.view(); }
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
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_STRING_H_
