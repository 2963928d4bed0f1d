/*
 * Object services beside reference counting: opaque objects wrapping foreign resources,
 * the process-wide custom allocator with its built-in default, and handles initialized
 * once for languages without static initialization.
 */
#include <tvm/ffi/error.h>
#include <tvm/ffi/object.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace tvm {
namespace ffi {
namespace {

/*! \brief Header + TVMFFIOpaqueObjectCell, then the deleter of the wrapped handle. */
class OpaqueObject : public Object {
 public:
  OpaqueObject(void* handle, void (*deleter)(void* handle)) : cell_{handle}, deleter_(deleter) {}
  ~OpaqueObject() {
    if (deleter_ != nullptr) deleter_(cell_.handle);
  }
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.OpaquePyObject", kTVMFFIOpaquePyObject)

 private:
  TVMFFIOpaqueObjectCell cell_;
  void (*deleter_)(void* handle);
};
static_assert(sizeof(TVMFFIObject) == 24, "the opaque cell follows the 24-byte header");

/*
 * The built-in allocator. A block is [padding][base pointer][TVMFFIObjectAllocHeader][body]:
 * delete_space gets only the body, so the base of the allocation is stored right before
 * the header.
 */
constexpr size_t kPrefixSize = sizeof(void*) + sizeof(TVMFFIObjectAllocHeader);

void BuiltinDeleteSpace(void* body) {
  std::free(*reinterpret_cast<void**>(static_cast<char*>(body) - kPrefixSize));
}

void* BuiltinAllocate(size_t size, size_t alignment, int32_t /*type_index*/, void* /*context*/) {
  if (alignment < alignof(std::max_align_t)) alignment = alignof(std::max_align_t);
  if ((alignment & (alignment - 1)) != 0) {
    TVMFFIErrorSetRaisedFromCStr("ValueError", "object alignment must be a power of two");
    return nullptr;
  }
  size_t offset = (kPrefixSize + alignment - 1) / alignment * alignment;
  void* base = nullptr;
  if (size > SIZE_MAX - offset || posix_memalign(&base, alignment, offset + size) != 0) {
    TVMFFIErrorSetRaisedFromCStr("MemoryError", "cannot allocate an object");
    return nullptr;
  }
  char* body = static_cast<char*>(base) + offset;
  std::memset(body, 0, size);
  *reinterpret_cast<void**>(body - kPrefixSize) = base;
  reinterpret_cast<TVMFFIObjectAllocHeader*>(body - sizeof(TVMFFIObjectAllocHeader))->delete_space =
      &BuiltinDeleteSpace;
  return body;
}

TVMFFICustomAllocator builtin_allocator{&BuiltinAllocate, nullptr};
std::atomic<TVMFFICustomAllocator*> current_allocator{&builtin_allocator};

/*! \brief Handles whose init function is running on this thread (to refuse re-entry). */
thread_local std::vector<void**> handles_being_initialized;

/*! \brief Marks `handle_addr` as being initialized on this thread for its lifetime. */
class InitializingScope {
 public:
  explicit InitializingScope(void** handle_addr) {
    handles_being_initialized.push_back(handle_addr);
  }
  ~InitializingScope() { handles_being_initialized.pop_back(); }
};

}  // namespace
}  // namespace ffi
}  // namespace tvm

using tvm::ffi::details::ObjectUnsafe;

extern "C" {

int TVMFFIObjectCreateOpaque(void* handle, int32_t type_index, void (*deleter)(void* handle),
                             TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (out == nullptr) TVM_FFI_THROW(TypeError) << "out must not be NULL";
  if (type_index != kTVMFFIOpaquePyObject) {
    TVM_FFI_THROW(ValueError) << "opaque objects must have type index kTVMFFIOpaquePyObject ("
                              << int(kTVMFFIOpaquePyObject) << "), got " << type_index;
  }
  *out = ObjectUnsafe::MoveToOwned(tvm::ffi::make_object<tvm::ffi::OpaqueObject>(handle, deleter));
  TVM_FFI_SAFE_CALL_END();
}

TVMFFICustomAllocator* TVMFFIGetCustomAllocator(void) {
  return tvm::ffi::current_allocator.load(std::memory_order_acquire);
}

int TVMFFISetCustomAllocator(TVMFFICustomAllocator* allocator) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (allocator != nullptr && allocator->allocate == nullptr) {
    TVM_FFI_THROW(ValueError) << "a custom allocator needs an allocate function";
  }
  tvm::ffi::current_allocator.store(allocator ? allocator : &tvm::ffi::builtin_allocator,
                                    std::memory_order_release);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIHandleInitOnce(void** handle_addr, int (*init_func)(void** result)) {
  if (handle_addr != nullptr && __atomic_load_n(handle_addr, __ATOMIC_ACQUIRE) != nullptr) {
    return 0;
  }
  TVM_FFI_SAFE_CALL_BEGIN();
  if (handle_addr == nullptr || init_func == nullptr) {
    TVM_FFI_THROW(TypeError) << "TVMFFIHandleInitOnce: handle_addr and init_func must not be NULL";
  }
  auto& in_progress = tvm::ffi::handles_being_initialized;
  for (void** pending : in_progress) {
    if (pending == handle_addr) {
      TVM_FFI_THROW(RuntimeError) << "TVMFFIHandleInitOnce: init_func initializes its own handle";
    }
  }
  // One lock for all handles, recursive so that an init_func may initialize other handles.
  static std::recursive_mutex mutex;
  std::lock_guard<std::recursive_mutex> lock(mutex);
  if (*handle_addr != nullptr) return 0;
  void* result = nullptr;
  int code;
  {
    tvm::ffi::InitializingScope scope(handle_addr);
    code = init_func(&result);
  }
  if (code != 0) return code;  // init_func raised the error
  if (result == nullptr) {
    TVM_FFI_THROW(RuntimeError) << "TVMFFIHandleInitOnce: init_func returned a NULL handle";
  }
  __atomic_store_n(handle_addr, result, __ATOMIC_RELEASE);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIHandleDeinitOnce(void** handle_addr, int (*deinit_func)(void* handle)) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (handle_addr == nullptr || deinit_func == nullptr) {
    TVM_FFI_THROW(TypeError)
        << "TVMFFIHandleDeinitOnce: handle_addr and deinit_func must not be NULL";
  }
  void* handle = __atomic_exchange_n(handle_addr, nullptr, __ATOMIC_ACQ_REL);
  if (handle != nullptr) return deinit_func(handle);
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
