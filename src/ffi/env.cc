/*
 * The environment API: per-thread streams per device, the framework tensor allocator
 * (per thread, with a process-wide default), and the frontend's signal check.
 */
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/extra/c_env_api.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace tvm {
namespace ffi {
namespace {

uint64_t DeviceKey(int32_t device_type, int32_t device_id) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(device_type)) << 32) |
         static_cast<uint32_t>(device_id);
}

thread_local std::unordered_map<uint64_t, TVMFFIStreamHandle> thread_streams;
// A thread without its own allocator (nullptr) uses the process-wide one.
thread_local DLPackManagedTensorAllocator thread_allocator = nullptr;
DLPackManagedTensorAllocator global_allocator = nullptr;
int (*check_signals_callback)(void) = nullptr;

/*! \brief Tensor memory owned by the runtime (CPU allocations without a framework). */
class CPUTensorObj : public TensorObj {
 public:
  CPUTensorObj(const DLTensor& prototype, void* memory)
      : shape_(prototype.shape, prototype.shape + prototype.ndim), strides_(prototype.ndim) {
    static_cast<DLTensor&>(*this) = prototype;
    int64_t stride = 1;
    for (int32_t i = prototype.ndim - 1; i >= 0; --i) {
      strides_[i] = stride;
      stride *= shape_[i];
    }
    this->shape = shape_.data();
    this->strides = strides_.data();
    this->data = memory;
    this->byte_offset = 0;
  }
  ~CPUTensorObj() { std::free(data); }

 private:
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
};

Tensor AllocCPU(const DLTensor& prototype) {
  int64_t numel = 1;
  for (int32_t i = 0; i < prototype.ndim; ++i) {
    if (prototype.shape[i] < 0) TVM_FFI_THROW(ValueError) << "negative extent in tensor shape";
    numel *= prototype.shape[i];
  }
  size_t bytes = static_cast<size_t>(numel) * DataTypeBytes(prototype.dtype);
  constexpr size_t kAlignment = 64;
  // aligned_alloc wants a non-zero multiple of the alignment.
  size_t rounded = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* memory = std::aligned_alloc(kAlignment, rounded);
  if (memory == nullptr) TVM_FFI_THROW(MemoryError) << "cannot allocate " << bytes << " bytes";
  return Tensor(make_object<CPUTensorObj>(prototype, memory));
}

struct AllocatorError {
  std::string kind;
  std::string message;
};

void SetAllocatorError(void* error_ctx, const char* kind, const char* message) {
  auto* error = static_cast<AllocatorError*>(error_ctx);
  error->kind = kind;
  error->message = message;
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFIEnvSetStream(int32_t device_type, int32_t device_id, TVMFFIStreamHandle stream,
                       TVMFFIStreamHandle* opt_out_original_stream) {
  TVM_FFI_SAFE_CALL_BEGIN();
  TVMFFIStreamHandle& slot = thread_streams[DeviceKey(device_type, device_id)];
  if (opt_out_original_stream != nullptr) *opt_out_original_stream = slot;
  slot = stream;
  TVM_FFI_SAFE_CALL_END();
}

TVMFFIStreamHandle TVMFFIEnvGetStream(int32_t device_type, int32_t device_id) {
  auto it = thread_streams.find(DeviceKey(device_type, device_id));
  return it == thread_streams.end() ? nullptr : it->second;
}

int TVMFFIEnvSetDLPackManagedTensorAllocator(DLPackManagedTensorAllocator allocator,
                                             int write_to_global_context,
                                             DLPackManagedTensorAllocator* opt_out_original) {
  // The thread's own setting (nullptr: none), so that restoring it restores the fallback.
  if (opt_out_original != nullptr) *opt_out_original = thread_allocator;
  thread_allocator = allocator;
  if (write_to_global_context) __atomic_store_n(&global_allocator, allocator, __ATOMIC_RELEASE);
  return 0;
}

DLPackManagedTensorAllocator TVMFFIEnvGetDLPackManagedTensorAllocator(void) {
  if (thread_allocator != nullptr) return thread_allocator;
  return __atomic_load_n(&global_allocator, __ATOMIC_ACQUIRE);
}

int TVMFFIEnvTensorAlloc(DLTensor* prototype, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  DLPackManagedTensorAllocator allocator = TVMFFIEnvGetDLPackManagedTensorAllocator();
  if (allocator != nullptr) {
    AllocatorError error;
    DLManagedTensorVersioned* managed = nullptr;
    if (allocator(prototype, &managed, &error, SetAllocatorError) != 0) {
      TVMFFIErrorSetRaisedFromCStr(error.kind.empty() ? "RuntimeError" : error.kind.c_str(),
                                   error.message.c_str());
      return -1;
    }
    return TVMFFITensorFromDLPackVersioned(managed, 0, 0, out);
  }
  if (prototype->device.device_type != kDLCPU) {
    TVM_FFI_THROW(RuntimeError) << "no tensor allocator is set for device type "
                                << static_cast<int>(prototype->device.device_type)
                                << "; call with framework tensors (e.g. torch) or set one with "
                                   "TVMFFIEnvSetDLPackManagedTensorAllocator";
  }
  *out = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(AllocCPU(*prototype)));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIEnvCheckSignals(void) {
  return check_signals_callback != nullptr ? check_signals_callback() : 0;
}

int TVMFFIEnvRegisterCAPI(const char* name, void* symbol) {
  TVM_FFI_SAFE_CALL_BEGIN();
  std::string key = name != nullptr ? name : "";
  if (key == "PyErr_CheckSignals") {
    check_signals_callback = reinterpret_cast<int (*)(void)>(symbol);
  } else if (key != "PyGILState_Ensure" && key != "PyGILState_Release") {
    // The GIL functions are accepted for ABI parity; this runtime takes the GIL in the binding.
    TVM_FFI_THROW(ValueError) << "Unknown env C API `" << key << "`";
  }
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
