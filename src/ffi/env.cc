/*
 * The environment API: per-thread streams per device, the framework tensor allocator
 * (per thread, with a process-wide default), the frontend's signal check, and the context
 * symbols written into every library the loader opens.
 */
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/extra/c_env_api.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ffi/arg_checks.h"
#include "ffi/context_symbols.h"

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

/*! \brief The frontend functions TVMFFIEnvRegisterCAPI received (Python's, under CPython). */
struct FrontendCAPI {
  int (*check_signals)() = nullptr;
  void* (*gil_ensure)() = nullptr;
  void (*gil_release)(void*) = nullptr;
};
FrontendCAPI frontend;

/*! \brief Symbols (name, value) that every library loaded afterwards receives. */
struct ContextSymbolRegistry {
  std::mutex mutex;
  std::vector<std::pair<std::string, void*>> symbols;
  static ContextSymbolRegistry* Global() {
    static auto* registry = new ContextSymbolRegistry();  // leaked: libraries load until exit
    return registry;
  }
};

/*! \brief The runtime's own CPU memory (when no framework allocator is set), freed with it. */
struct AlignedCPUAlloc {
  void AllocData(DLTensor* tensor, void* memory) { tensor->data = memory; }
  void FreeData(DLTensor* tensor) { std::free(tensor->data); }
};

Tensor AllocCPU(const DLTensor& prototype) {
  size_t bytes = details::CheckedDataSize(prototype.shape, prototype.ndim, prototype.dtype);
  constexpr size_t kAlignment = 64;
  // aligned_alloc wants a non-zero multiple of the alignment.
  size_t rounded = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* memory = std::aligned_alloc(kAlignment, rounded);
  if (memory == nullptr) TVM_FFI_THROW(MemoryError) << "cannot allocate " << bytes << " bytes";
  try {
    return Tensor::FromNDAlloc(AlignedCPUAlloc(), ShapeView(prototype.shape, prototype.ndim),
                               prototype.dtype, prototype.device, memory);
  } catch (...) {
    std::free(memory);
    throw;
  }
}

/*! \brief The allocator's error goes straight to this thread's raised error. */
void RaiseAllocatorError(void*, const char* kind, const char* message) {
  TVMFFIErrorSetRaisedFromCStr(kind != nullptr ? kind : "RuntimeError",
                               message != nullptr ? message : "");
}

}  // namespace

void InitContextSymbols(const std::function<void*(const char*)>& lookup) {
  ContextSymbolRegistry* registry = ContextSymbolRegistry::Global();
  std::lock_guard<std::mutex> lock(registry->mutex);
  for (const auto& [name, symbol] : registry->symbols) {
    if (void** slot = static_cast<void**>(lookup(name.c_str()))) *slot = symbol;
  }
}

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
  details::CheckArgNotNull(prototype, "TVMFFIEnvTensorAlloc", "prototype");
  details::CheckArgNotNull(out, "TVMFFIEnvTensorAlloc", "out");
  // Every allocator sizes its memory from the shape: refuse one whose size overflows.
  details::CheckedDataSize(prototype->shape, prototype->ndim, prototype->dtype);
  DLPackManagedTensorAllocator allocator = TVMFFIEnvGetDLPackManagedTensorAllocator();
  if (allocator == nullptr) {
    // Beyond the ABI's contract (which reports an error here): CPU memory of our own.
    if (prototype->device.device_type != kDLCPU) {
      TVM_FFI_THROW(RuntimeError) << "TVMFFIEnvTensorAlloc: no allocator is set for device type "
                                  << static_cast<int>(prototype->device.device_type)
                                  << "; call with framework tensors (e.g. torch) or set one with "
                                     "TVMFFIEnvSetDLPackManagedTensorAllocator";
    }
    *out = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(AllocCPU(*prototype)));
    return 0;
  }
  DLManagedTensorVersioned* managed = nullptr;
  int code = allocator(prototype, &managed, nullptr, RaiseAllocatorError);
  if (code != 0) return code;  // the allocator raised the error through RaiseAllocatorError
  if (managed == nullptr) {
    TVM_FFI_THROW(RuntimeError) << "TVMFFIEnvTensorAlloc: the allocator returned no tensor";
  }
  code = TVMFFITensorFromDLPackVersioned(managed, 0, 0, out);
  if (code != 0 && managed->deleter != nullptr) managed->deleter(managed);  // still ours
  return code;
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIEnvCheckSignals(void) {
  if (frontend.check_signals == nullptr) return 0;
  // A frontend that gave its GIL functions wants them held around the check.
  void* gil = frontend.gil_ensure != nullptr ? frontend.gil_ensure() : nullptr;
  int code = frontend.check_signals();
  if (frontend.gil_ensure != nullptr && frontend.gil_release != nullptr) frontend.gil_release(gil);
  return code != 0 ? -1 : 0;
}

int TVMFFIEnvRegisterCAPI(const char* name, void* symbol) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(name, "TVMFFIEnvRegisterCAPI", "name");
  std::string key = name;
  if (key == "PyErr_CheckSignals") {
    frontend.check_signals = reinterpret_cast<int (*)()>(symbol);
  } else if (key == "PyGILState_Ensure") {
    frontend.gil_ensure = reinterpret_cast<void* (*)()>(symbol);
  } else if (key == "PyGILState_Release") {
    frontend.gil_release = reinterpret_cast<void (*)(void*)>(symbol);
  } else {
    TVM_FFI_THROW(ValueError) << "Unknown env API " << key;
  }
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIEnvModRegisterContextSymbol(const char* name, void* symbol) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(name, "TVMFFIEnvModRegisterContextSymbol", "name");
  ContextSymbolRegistry* registry = ContextSymbolRegistry::Global();
  std::lock_guard<std::mutex> lock(registry->mutex);
  registry->symbols.emplace_back(name, symbol);
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
