/*
 * Byte order: TVM_FFI_LITTLE_ENDIAN (this machine), TVM_FFI_IO_USE_LITTLE_ENDIAN (the order
 * serialized data uses), TVM_FFI_IO_NO_ENDIAN_SWAP (whether they agree), and ByteSwap.
 */
#ifndef TVM_FFI_ENDIAN_H_
#define TVM_FFI_ENDIAN_H_

#include <cstddef>
#include <cstdint>

#ifndef TVM_FFI_IO_USE_LITTLE_ENDIAN
#define TVM_FFI_IO_USE_LITTLE_ENDIAN 1
#endif

#ifndef TVM_FFI_LITTLE_ENDIAN
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#define TVM_FFI_LITTLE_ENDIAN (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#elif defined(_WIN32)
#define TVM_FFI_LITTLE_ENDIAN 1
#else
#error "cannot tell this machine's byte order: define TVM_FFI_LITTLE_ENDIAN to 0 or 1"
#endif
#endif

#define TVM_FFI_IO_NO_ENDIAN_SWAP (TVM_FFI_LITTLE_ENDIAN == TVM_FFI_IO_USE_LITTLE_ENDIAN)

namespace tvm {
namespace ffi {

/*! \brief Reverses the bytes of each of `num_elems` elements of `elem_bytes` bytes, in place. */
inline void ByteSwap(void* data, size_t elem_bytes, size_t num_elems) {
  if (elem_bytes < 2) return;
  auto* bytes = static_cast<uint8_t*>(data);
  for (size_t i = 0; i < num_elems; ++i, bytes += elem_bytes) {
    for (size_t lo = 0, hi = elem_bytes - 1; lo < hi; ++lo, --hi) {
      uint8_t tmp = bytes[lo];
      bytes[lo] = bytes[hi];
      bytes[hi] = tmp;
    }
  }
}

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_ENDIAN_H_
