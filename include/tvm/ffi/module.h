/*
 * Module: kept at this path for existing includes; the definitions live where every TVM-FFI
 * header set puts them, <tvm/ffi/extra/module.h>.
 */
#ifndef TVM_FFI_MODULE_H_
#define TVM_FFI_MODULE_H_

#include <tvm/ffi/extra/module.h>

#endif  // TVM_FFI_MODULE_H_
