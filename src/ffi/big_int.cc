/*
 * Integers of any width through the C ABI: words in, the narrowest value out (an int when
 * it fits in 64 bits, else a BigInt); and the words of either kind back.
 */
#include <tvm/ffi/big_int.h>
#include <tvm/ffi/error.h>

#include <cstring>
#include <vector>

using namespace tvm::ffi;  // NOLINT(*)

namespace {

/*! \brief Drops leading words that only repeat the sign of the word below them. */
size_t SignificantWords(const int64_t* words, size_t count) {
  while (count > 1) {
    int64_t top = words[count - 1];
    int64_t sign_of_next = words[count - 2] < 0 ? -1 : 0;
    if (top != sign_of_next) break;
    --count;
  }
  return count;
}

}  // namespace

extern "C" {

int TVMFFIBigIntFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (input == nullptr || out == nullptr) TVM_FFI_THROW(ValueError) << "NULL BigInt argument";
  if (input->size % sizeof(int64_t) != 0) {
    TVM_FFI_THROW(ValueError) << "BigInt content must be whole 64-bit words, got " << input->size
                              << " bytes";
  }
  size_t count = input->size / sizeof(int64_t);
  std::vector<int64_t> words(count);
  if (count != 0) std::memcpy(words.data(), input->data, input->size);
  count = count == 0 ? 0 : SignificantWords(words.data(), count);
  *out = TVMFFIAny{};
  if (count <= 1) {
    out->type_index = kTVMFFIInt;
    out->v_int64 = count == 0 ? 0 : words[0];
  } else {
    ObjectPtr<BigIntObj> big = make_inplace_array_object<BigIntObj, int64_t>(count, count);
    std::memcpy(big->mutable_words(), words.data(), count * sizeof(int64_t));
    out->type_index = kTVMFFIBigInt;
    out->v_obj = details::ObjectUnsafe::MoveToOwned(std::move(big));
  }
  TVM_FFI_SAFE_CALL_END();
}

TVMFFIByteArray TVMFFIBigIntGetContentByteArray(const TVMFFIAny* value) {
  if (value == nullptr) return TVMFFIByteArray{nullptr, 0};
  if (value->type_index == kTVMFFIBigInt && value->v_obj != nullptr) {
    const auto* big = static_cast<const BigIntObj*>(
        details::ObjectUnsafe::FromHeader(const_cast<TVMFFIObject*>(value->v_obj)));
    return TVMFFIByteArray{reinterpret_cast<const char*>(big->words()),
                           big->num_words() * sizeof(int64_t)};
  }
  if (value->type_index == kTVMFFIInt || value->type_index == kTVMFFIBool) {
    return TVMFFIByteArray{reinterpret_cast<const char*>(&value->v_int64), sizeof(int64_t)};
  }
  return TVMFFIByteArray{nullptr, 0};
}

}  // extern "C"
