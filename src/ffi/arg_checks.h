/*
 * Checks of the pointer arguments of the C API: a NULL required pointer (or a byte array with
 * NULL data and a size) is a ValueError naming the function and the argument, not a crash.
 */
#ifndef TVM_FFI_JIT_ARG_CHECKS_H_
#define TVM_FFI_JIT_ARG_CHECKS_H_

#include <tvm/ffi/error.h>

namespace tvm {
namespace ffi {
namespace details {

/*! \brief ValueError "<function>: argument `<name>` must not be NULL" when `ptr` is NULL. */
inline void CheckArgNotNull(const void* ptr, const char* function, const char* name) {
  if (TVM_FFI_UNLIKELY(ptr == nullptr)) {
    TVM_FFI_THROW(ValueError) << function << ": argument `" << name << "` must not be NULL";
  }
}

/*! \brief `bytes`, checked: not NULL, and its data not NULL unless it is empty. */
inline const TVMFFIByteArray& CheckBytesArg(const TVMFFIByteArray* bytes, const char* function,
                                            const char* name) {
  CheckArgNotNull(bytes, function, name);
  if (TVM_FFI_UNLIKELY(bytes->data == nullptr && bytes->size != 0)) {
    TVM_FFI_THROW(ValueError) << function << ": argument `" << name << "` has NULL data and size "
                              << bytes->size;
  }
  return *bytes;
}

/*! \brief `handle`, checked: not NULL and an object of `type_index` (TypeError otherwise). */
inline TVMFFIObject* CheckObjectArg(TVMFFIObjectHandle handle, int32_t type_index,
                                    const char* function, const char* name) {
  CheckArgNotNull(handle, function, name);
  auto* header = static_cast<TVMFFIObject*>(handle);
  if (TVM_FFI_UNLIKELY(header->type_index != type_index)) {
    TVM_FFI_THROW(TypeError) << function << ": argument `" << name
                             << "` is an object of type index " << header->type_index
                             << ", expected " << type_index;
  }
  return header;
}

}  // namespace details
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_JIT_ARG_CHECKS_H_
