/*
 * BigInt: integers wider than 64 bits. Values that fit in an int64 travel as plain ints;
 * wider ones as a BigIntObj holding two's-complement 64-bit words, least significant first.
 */
#ifndef TVM_FFI_BIG_INT_H_
#define TVM_FFI_BIG_INT_H_

#include <tvm/ffi/object.h>

#include <cstddef>
#include <cstdint>

namespace tvm {
namespace ffi {

/*! \brief Object layout: the header, the word count, then the words in the same allocation. */
class BigIntObj : public Object {
 public:
  explicit BigIntObj(size_t num_words) : num_words_(num_words) {}
  size_t num_words() const { return num_words_; }
  const int64_t* words() const {
    return reinterpret_cast<const int64_t*>(reinterpret_cast<const char*>(this) +
                                            sizeof(BigIntObj));
  }
  int64_t* mutable_words() { return const_cast<int64_t*>(words()); }

  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.BigInt", kTVMFFIBigInt)

 private:
  size_t num_words_;
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_BIG_INT_H_
