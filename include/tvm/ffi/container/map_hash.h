/*
 * AnyHash and AnyEqual: how a Map or Dict hashes and compares its keys. Both are part of
 * the ABI: a map built in one library is probed by another library's inline code, so the
 * hash of every key kind must be the same everywhere.
 *   - strings and bytes hash and compare by content; the inline (small) and heap forms of
 *     one text are equal and hash alike;
 *   - every other value hashes its 8 payload bytes with its type index and is equal only to
 *     a value with identical 16 bytes: 1 and 1.0 and True are three keys, 0.0 and -0.0 two,
 *     a NaN equals itself; objects compare by identity, unless their type registers the
 *     "__any_hash__" / "__any_equal__" type attributes (BigInt does), which then decide.
 */
#ifndef TVM_FFI_CONTAINER_MAP_HASH_H_
#define TVM_FFI_CONTAINER_MAP_HASH_H_

#include <tvm/ffi/any.h>

#include <cstdint>
#include <cstring>

// Weak: a module still loads (and hashes objects by identity) under a runtime without it.
extern "C" const TVMFFITypeAttrColumn* TVMFFIGetTypeAttrColumn(const TVMFFIByteArray* attr_name)
    __attribute__((weak));

namespace tvm {
namespace ffi {
namespace details {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "map hashing assumes little endian");

/*! \brief Mixes `value` into `seed` (platform independent). */
inline uint64_t HashCombine(uint64_t seed, uint64_t value) {
  return seed ^ (value + 0x9e3779b9 + (seed << 6) + (seed >> 2));
}

/*! \brief Prime modulus of the byte hash. */
constexpr uint64_t kBytesHashModulus = 2147483647ULL;

/*!
 * \brief Hash of a byte string: its little-endian 8-byte words (the last one zero-padded)
 * folded as result = (result * 1099511628211 + word) mod (2^31 - 1), products wrapping.
 */
inline uint64_t HashBytes(const char* data, size_t size) {
  constexpr uint64_t kMultiplier = 1099511628211ULL;
  uint64_t result = 0;
  size_t pos = 0;
  for (; pos + 8 <= size; pos += 8) {
    uint64_t word;
    std::memcpy(&word, data + pos, 8);
    result = (result * kMultiplier + word) % kBytesHashModulus;
  }
  if (pos < size) {
    uint64_t word = 0;
    std::memcpy(&word, data + pos, size - pos);
    result = (result * kMultiplier + word) % kBytesHashModulus;
  }
  return result;
}

/*! \brief 1 for the string forms, 2 for the bytes forms, 0 otherwise. */
inline int TextKind(int32_t type_index) {
  if (type_index == kTVMFFIStr || type_index == kTVMFFISmallStr) return 1;
  if (type_index == kTVMFFIBytes || type_index == kTVMFFISmallBytes) return 2;
  return 0;
}

/*! \brief The bytes of a string or bytes value in small or heap form. */
inline TVMFFIByteArray TextOf(const TVMFFIAny& value) {
  if (value.type_index == kTVMFFISmallStr || value.type_index == kTVMFFISmallBytes) {
    return TVMFFIByteArray{value.v_bytes, value.small_str_len};
  }
  // StringObj and BytesObj: the object header, then {data, size}.
  return *reinterpret_cast<const TVMFFIByteArray*>(reinterpret_cast<const char*>(value.v_obj) +
                                                   sizeof(TVMFFIObject));
}
/*! \brief The column of type attribute `name`, or nullptr (none registered, or no registry). */
inline const TVMFFITypeAttrColumn* FindTypeAttrColumn(const char* name) {
  if (TVMFFIGetTypeAttrColumn == nullptr) return nullptr;
  TVMFFIByteArray bytes{name, std::strlen(name)};
  return TVMFFIGetTypeAttrColumn(&bytes);
}

/*! \brief The hook `column` holds for objects of `type_index`, or nullptr. */
inline const TVMFFIAny* KeyHookOf(const TVMFFITypeAttrColumn* column, int32_t type_index) {
  if (column == nullptr || type_index < kTVMFFIStaticObjectBegin) return nullptr;
  int32_t offset = type_index - column->begin_index;
  if (offset < 0 || offset >= column->size) return nullptr;
  const TVMFFIAny* hook = &column->data[offset];
  return hook->type_index == kTVMFFINone ? nullptr : hook;
}

/*!
 * \brief Calls a key hook on `args` (one key to hash, two to compare): a native function
 * (an opaque pointer taking `const Any&`s, returning the result or an Error) or a Function.
 */
inline TVMFFIAny CallKeyHook(const TVMFFIAny& hook, const TVMFFIAny* args, int32_t num_args) {
  TVMFFIAny result;
  SetPod(&result, kTVMFFINone);
  if (hook.type_index == kTVMFFIOpaquePtr) {
    const Any* keys = reinterpret_cast<const Any*>(args);
    if (num_args == 1) {
      result = reinterpret_cast<TVMFFIAny (*)(const Any&) noexcept>(hook.v_ptr)(keys[0]);
    } else {
      result = reinterpret_cast<TVMFFIAny (*)(const Any&, const Any&) noexcept>(hook.v_ptr)(
          keys[0], keys[1]);
    }
    if (result.type_index == kTVMFFIError) {
      throw Error(ObjectUnsafe::PtrFromOwned<Object>(result.v_obj));
    }
  } else {
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionCall(hook.v_obj, args, num_args, &result));
  }
  return result;
}
}  // namespace details

/*! \brief Hash of a map key (see the file comment). */
struct AnyHash {
  uint64_t operator()(const Any& key) const { return Hash(*details::AnyUnsafe::Raw(key)); }
  static uint64_t Hash(const TVMFFIAny& key) {
    switch (key.type_index) {
      case kTVMFFISmallStr:  // trailing bytes are zero: the word is the whole text
        return details::HashCombine(kTVMFFIStr, key.v_uint64 % details::kBytesHashModulus);
      case kTVMFFISmallBytes:
        return details::HashCombine(kTVMFFIBytes, key.v_uint64 % details::kBytesHashModulus);
      case kTVMFFIStr:
      case kTVMFFIBytes: {
        TVMFFIByteArray text = details::TextOf(key);
        return details::HashCombine(static_cast<uint64_t>(key.type_index),
                                    details::HashBytes(text.data, text.size));
      }
      default: {
        static const TVMFFITypeAttrColumn* custom = details::FindTypeAttrColumn("__any_hash__");
        uint64_t payload = key.v_uint64;
        if (const TVMFFIAny* hook = details::KeyHookOf(custom, key.type_index)) {
          TVMFFIAny result = details::CallKeyHook(*hook, &key, 1);
          TVM_FFI_ICHECK_EQ(result.type_index, kTVMFFIInt) << "__any_hash__ must return an int";
          payload = result.v_uint64;
        }
        return details::HashCombine(static_cast<uint64_t>(key.type_index), payload);
      }
    }
  }
};

/*! \brief Equality of map keys (see the file comment). */
struct AnyEqual {
  bool operator()(const Any& lhs, const Any& rhs) const {
    return Equal(*details::AnyUnsafe::Raw(lhs), *details::AnyUnsafe::Raw(rhs));
  }
  static bool Equal(const TVMFFIAny& lhs, const TVMFFIAny& rhs) {
    if (lhs.type_index == rhs.type_index && lhs.zero_padding == rhs.zero_padding &&
        lhs.v_uint64 == rhs.v_uint64) {
      return true;
    }
    int kind = details::TextKind(lhs.type_index);
    if (kind == 0 && lhs.type_index == rhs.type_index) {
      static const TVMFFITypeAttrColumn* custom = details::FindTypeAttrColumn("__any_equal__");
      const TVMFFIAny* hook = details::KeyHookOf(custom, lhs.type_index);
      if (hook == nullptr) return false;
      TVMFFIAny pair[2] = {lhs, rhs};
      TVMFFIAny result = details::CallKeyHook(*hook, pair, 2);
      TVM_FFI_ICHECK_EQ(result.type_index, kTVMFFIBool) << "__any_equal__ must return a bool";
      return result.v_int64 != 0;
    }
    if (kind == 0 || kind != details::TextKind(rhs.type_index)) return false;
    TVMFFIByteArray a = details::TextOf(lhs), b = details::TextOf(rhs);
    return a.size == b.size && (a.size == 0 || std::memcmp(a.data, b.data, a.size) == 0);
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_MAP_HASH_H_
