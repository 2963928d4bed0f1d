/*
 * Object allocation: make_object<T>(args...) and make_inplace_array_object<T, Elem>(n, ...)
 * (an object followed by room for n elements), both with a count of one; make_arc gives a
 * never-null pointer. Objects are freed by the deleter recorded in their header.
 */
#ifndef TVM_FFI_MEMORY_H_
#define TVM_FFI_MEMORY_H_

#include <tvm/ffi/object.h>

namespace tvm {
namespace ffi {

/*! \brief The deleter signature of an object header (flags: strong and/or weak part). */
using FObjectDeleter = void (*)(void* obj, int flags);

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_MEMORY_H_
