/*
 * Type attributes the runtime registers at load, so code built against apache-tvm-ffi's
 * headers finds what its own runtime would give it: the same attribute columns exist, and
 * BigInt has the custom hash and equality that Any hashing (Map/Dict keys) calls.
 */
#include <tvm/ffi/c_api.h>

#include <cstdint>
#include <cstring>
#include <iostream>

namespace {

/*! \brief Columns upstream's runtime has at load; some header code throws if one is missing. */
constexpr const char* kColumnsAtLoad[] = {
    "__any_equal__",
    "__any_hash__",
    "__data_from_json__",
    "__data_to_json__",
    "__ffi_compare__",
    "__ffi_convert__",
    "__ffi_enum__",
    "__ffi_eq__",
    "__ffi_hash__",
    "__ffi_init__",
    "__ffi_new__",
    "__ffi_repr__",
    "__ffi_shallow_copy__",
    "__ffi_type_final__",
    "__s_equal__",
    "__s_hash__",
    "__s_maybe_inplace_mutate__",
    "__s_mutate__",
    "__s_visit__",
};

/*! \brief Word `i` of a two's-complement integer of `count` words, sign-extended beyond. */
int64_t WordAt(const TVMFFIByteArray& words, size_t i) {
  size_t count = words.size / sizeof(int64_t);
  int64_t word = 0;
  if (i < count) {
    std::memcpy(&word, words.data + i * sizeof(int64_t), sizeof(word));
    return word;
  }
  if (count == 0) return 0;
  std::memcpy(&word, words.data + (count - 1) * sizeof(int64_t), sizeof(word));
  return word < 0 ? -1 : 0;
}

TVMFFIAny Value(int32_t type_index, int64_t v) {
  TVMFFIAny out{};
  out.type_index = type_index;
  out.v_int64 = v;
  return out;
}

/*
 * The hash of a BigInt as upstream computes it (its stable byte hash over the words:
 * h = (h * 1099511628211 + word) mod 2^31-1, in wrapping 64-bit arithmetic). Called with
 * the calling convention upstream's any.h uses for a native __any_hash__ (an Any by
 * reference, returning an int Any).
 */
TVMFFIAny BigIntAnyHash(const TVMFFIAny* value) noexcept {
  TVMFFIByteArray words = TVMFFIBigIntGetContentByteArray(value);
  uint64_t hash = 0;
  for (size_t i = 0; i < words.size / sizeof(int64_t); ++i) {
    hash = (hash * 1099511628211ULL + static_cast<uint64_t>(WordAt(words, i))) % 2147483647ULL;
  }
  return Value(kTVMFFIInt, static_cast<int64_t>(hash));
}

/*! \brief Numeric equality of two BigInts, as a bool Any (native __any_equal__). */
TVMFFIAny BigIntAnyEqual(const TVMFFIAny* lhs, const TVMFFIAny* rhs) noexcept {
  TVMFFIByteArray a = TVMFFIBigIntGetContentByteArray(lhs);
  TVMFFIByteArray b = TVMFFIBigIntGetContentByteArray(rhs);
  size_t words = (a.size > b.size ? a.size : b.size) / sizeof(int64_t);
  bool equal = true;
  for (size_t i = 0; i < words && equal; ++i) equal = WordAt(a, i) == WordAt(b, i);
  return Value(kTVMFFIBool, equal);
}

void Register(int32_t type_index, const char* name, const TVMFFIAny& value) {
  TVMFFIByteArray attr{name, std::strlen(name)};
  if (TVMFFITypeRegisterAttr(type_index, &attr, &value) == 0) return;
  TVMFFIObjectHandle error = nullptr;  // only out of memory gets here: report, keep loading
  TVMFFIErrorMoveFromRaised(&error);
  std::cerr << "[tvm_ffi_jit] cannot register type attribute " << name << std::endl;
  if (error != nullptr) TVMFFIObjectDecRef(error);
}

void RegisterNative(int32_t type_index, const char* name, void* function) {
  TVMFFIAny value = Value(kTVMFFIOpaquePtr, 0);
  value.v_ptr = function;
  Register(type_index, name, value);
}

[[maybe_unused]] const bool registered = [] {
  for (const char* name : kColumnsAtLoad) Register(kTVMFFINone, name, Value(kTVMFFINone, 0));
  RegisterNative(kTVMFFIBigInt, "__any_hash__", reinterpret_cast<void*>(&BigIntAnyHash));
  RegisterNative(kTVMFFIBigInt, "__any_equal__", reinterpret_cast<void*>(&BigIntAnyEqual));
  return true;
}();

}  // namespace
