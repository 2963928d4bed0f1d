/*
 * The shared macros under the header name TVM-FFI sources include: see base_details.h.
 */
#ifndef TVM_FFI_BASE_DETAIL_H_
#define TVM_FFI_BASE_DETAIL_H_

#include <tvm/ffi/base_details.h>

#endif  // TVM_FFI_BASE_DETAIL_H_
