/*
 * Conversions between references, objects and pointers: GetRef (a reference to an object
 * a reference already holds), GetObjectPtr, and Downcast (a checked cast to a subtype).
 * They are defined with the types they convert (object.h, any.h); this header gathers them.
 */
#ifndef TVM_FFI_CAST_H_
#define TVM_FFI_CAST_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/object.h>
#include <tvm/ffi/optional.h>

#endif  // TVM_FFI_CAST_H_
