/*
 * The DLPack exchange API a framework publishes as `type.__dlpack_c_exchange_api__`
 * (a PyCapsule named "dlpack_exchange_api"): C entry points that convert its tensors
 * without a Python-level __dlpack__ call. Layout per DLPack 1.3.
 */
#ifndef TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
#define TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_

#include <tvm/ffi/extra/c_env_api.h>

namespace tvm_ffi_jit {

struct DLPackExchangeAPIHeader {
  DLPackVersion version;
  DLPackExchangeAPIHeader* prev_api;
};

struct DLPackExchangeAPI {
  DLPackExchangeAPIHeader header;
  DLPackManagedTensorAllocator managed_tensor_allocator;
  int (*managed_tensor_from_py_object_no_sync)(void* py_object, DLManagedTensorVersioned** out);
  int (*managed_tensor_to_py_object_no_sync)(DLManagedTensorVersioned* tensor, void** out);
  int (*dltensor_from_py_object_no_sync)(void* py_object, DLTensor* out);
  int (*current_work_stream)(DLDeviceType device_type, int32_t device_id, void** out_stream);
};

}  // namespace tvm_ffi_jit
#endif  // TVM_FFI_JIT_PYTHON_DLPACK_EXCHANGE_H_
