/*
 * Reference counting of objects created anywhere, and the runtime's version. The type
 * registry lives in type_registry.cc, the other object services in object_extras.cc.
 */
#include <tvm/ffi/object.h>

extern "C" {

void TVMFFIGetVersion(TVMFFIVersion* out) {
  if (out == nullptr) return;
  out->major = TVM_FFI_VERSION_MAJOR;
  out->minor = TVM_FFI_VERSION_MINOR;
  out->patch = TVM_FFI_VERSION_PATCH;
}

int TVMFFIObjectIncRef(TVMFFIObjectHandle handle) {
  auto* obj = static_cast<TVMFFIObject*>(handle);
  if (obj != nullptr) __atomic_fetch_add(&obj->combined_ref_count, 1, __ATOMIC_RELAXED);
  return 0;
}

int TVMFFIObjectDecRef(TVMFFIObjectHandle handle) {
  if (handle != nullptr) tvm::ffi::details::DecRefHeader(static_cast<TVMFFIObject*>(handle));
  return 0;
}

}  // extern "C"
