/*
 * Finding and adopting a foreign TVM-FFI runtime. A runtime is known by the address of its
 * TVMFFIErrorMoveFromRaised; this extension calls its own runtime by private names, so its
 * own address is the one `&TVMFFIErrorMoveFromRaised` gives here.
 */
#include "python/foreign_runtime.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tvm_ffi_jit {

ForeignRuntime* foreign_runtime = nullptr;

namespace {

constexpr const char* kIdentitySymbol = "TVMFFIErrorMoveFromRaised";

ForeignRuntime adopted;
void* adopted_identity = nullptr;
// Where the code bound to this runtime is mapped: this extension, the runtime, and every module
// whose TVMFFI* references bound to this runtime (see RunsOnForeignRuntime).
std::vector<void*> own_library_bases;

void* LibraryBase(const void* address) {
  Dl_info info;
  return address != nullptr && dladdr(address, &info) != 0 ? info.dli_fbase : nullptr;
}

void AddOwnLibrary(void* base) {
  if (base != nullptr && std::find(own_library_bases.begin(), own_library_bases.end(), base) ==
                             own_library_bases.end()) {
    own_library_bases.push_back(base);
  }
}

void* OwnIdentity() {
  using MoveFromRaised = void (*)(TVMFFIObjectHandle*);
  return reinterpret_cast<void*>(static_cast<MoveFromRaised>(&TVMFFIErrorMoveFromRaised));
}

/*! \brief dlsym on the main program searches the global scope (RTLD_GLOBAL libraries) only. */
void* GlobalScope() {
  static void* main_program = dlopen(nullptr, RTLD_LAZY);
  return main_program;
}

std::string LibraryOf(void* address) {
  Dl_info info;
  if (address != nullptr && dladdr(address, &info) != 0 && info.dli_fname != nullptr) {
    return info.dli_fname;
  }
  return "an unknown library";
}

template <typename Fn>
bool Resolve(void* scope, const char* name, Fn* out) {
  *out = reinterpret_cast<Fn>(dlsym(scope, name));
  return *out != nullptr;
}

/*! \brief Takes the runtime visible from `scope` as the foreign one; false if it lacks an API. */
bool Adopt(void* scope, void* identity) {
  ForeignRuntime found;
  if (!Resolve(scope, "TVMFFIErrorMoveFromRaised", &found.error_move_from_raised) ||
      !Resolve(scope, "TVMFFIErrorSetRaised", &found.error_set_raised) ||
      !Resolve(scope, "TVMFFIEnvSetStream", &found.env_set_stream) ||
      !Resolve(scope, "TVMFFIEnvSetDLPackManagedTensorAllocator", &found.env_set_allocator) ||
      !Resolve(scope, "TVMFFIFunctionGetGlobal", &found.function_get_global) ||
      !Resolve(scope, "TVMFFIGetTypeInfo", &found.get_type_info)) {
    return false;
  }
  adopted = found;
  adopted_identity = identity;
  foreign_runtime = &adopted;
  return true;
}

/*!
 * _check_module_runtime(path): after loading `path`, makes sure the runtime its TVMFFI*
 * references bound to is this one or one the call path bridges; ImportError otherwise.
 */
PyObject* CheckModuleRuntime(PyObject*, PyObject* arg) {
  const char* path = PyUnicode_AsUTF8(arg);
  if (path == nullptr) return nullptr;
  void* handle = dlopen(path, RTLD_NOLOAD | RTLD_LAZY);
  if (handle == nullptr) Py_RETURN_NONE;  // not a dlopen-ed library
  // A library binds in the global scope first, then among its own dependencies.
  void* global = dlsym(GlobalScope(), kIdentitySymbol);
  void* bound = global != nullptr ? global : dlsym(handle, kIdentitySymbol);
  void* scope = global != nullptr ? GlobalScope() : handle;
  if (bound == nullptr || bound == OwnIdentity()) {
    link_map* map = nullptr;
    // Its dynamic section lies inside its mapping: that finds the library's base.
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0) AddOwnLibrary(LibraryBase(map->l_ld));
  }
  bool known = bound == nullptr || bound == OwnIdentity() || bound == adopted_identity;
  bool bridged = known || (foreign_runtime == nullptr && Adopt(scope, bound));
  dlclose(handle);  // NOLOAD took a reference; the runtime keeps the library loaded
  if (bridged) Py_RETURN_NONE;
  std::string reason =
      foreign_runtime == nullptr
          ? "which lacks the error and environment functions the call path needs"
          : "while tvm_ffi_jit already bridges the one in " + LibraryOf(adopted_identity);
  PyErr_Format(PyExc_ImportError,
               "%s is bound to the TVM-FFI runtime in %s, %s; its errors, streams and "
               "allocators would be lost, so it cannot be used from tvm_ffi_jit in this process",
               path, LibraryOf(bound).c_str(), reason.c_str());
  return nullptr;
}

PyMethodDef foreign_runtime_methods[] = {
    {"_check_module_runtime", CheckModuleRuntime, METH_O,
     "Checks that a loaded library runs on this runtime or one the call path bridges."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void RefreshForeignRuntime() {
  if (foreign_runtime != nullptr) return;
  void* global = dlsym(GlobalScope(), kIdentitySymbol);
  if (global != nullptr && global != OwnIdentity()) Adopt(GlobalScope(), global);
}

TVMFFIObjectHandle MoveForeignRaisedError() {
  RefreshForeignRuntime();  // error path only: a runtime may have appeared since the last load
  TVMFFIObjectHandle handle = nullptr;
  if (foreign_runtime != nullptr) foreign_runtime->error_move_from_raised(&handle);
  return handle;
}

bool RunsOnForeignRuntime(const void* callee) {
  if (foreign_runtime == nullptr) return false;
  void* base = LibraryBase(callee);
  return std::find(own_library_bases.begin(), own_library_bases.end(), base) ==
         own_library_bases.end();
}

void RaiseInForeignRuntime(TVMFFIObjectHandle error) {
  if (foreign_runtime != nullptr) foreign_runtime->error_set_raised(error);
}

const TVMFFITypeInfo* TypeInfoOfObject(const TVMFFIObject* object) {
  // Static indices mean the same in every runtime; a dynamic one belongs to the runtime the
  // object's code (its deleter) is bound to.
  if (object->type_index >= kTVMFFIDynObjectBegin && foreign_runtime != nullptr &&
      RunsOnForeignRuntime(reinterpret_cast<const void*>(object->deleter))) {
    return foreign_runtime->get_type_info(object->type_index);
  }
  return TVMFFIGetTypeInfo(object->type_index);
}

void DropMirroredError(TVMFFIObjectHandle error) {
  if (foreign_runtime == nullptr) return;
  TVMFFIObjectHandle own = nullptr, other = nullptr;
  TVMFFIErrorMoveFromRaised(&own);
  foreign_runtime->error_move_from_raised(&other);
  // Anything else still raised stays where it was.
  if (own != nullptr && own != error) TVMFFIErrorSetRaised(own);
  if (other != nullptr && other != error) foreign_runtime->error_set_raised(other);
  if (own != nullptr) TVMFFIObjectDecRef(own);
  if (other != nullptr) TVMFFIObjectDecRef(other);
}

int ForeignGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out) {
  *out = nullptr;
  RefreshForeignRuntime();
  if (foreign_runtime == nullptr) return 0;
  return foreign_runtime->function_get_global(name, out);
}

int InitForeignRuntime(PyObject* module) {
  AddOwnLibrary(LibraryBase(reinterpret_cast<void*>(&InitForeignRuntime)));
  AddOwnLibrary(LibraryBase(OwnIdentity()));
  RefreshForeignRuntime();
  return PyModule_AddFunctions(module, foreign_runtime_methods);
}

}  // namespace tvm_ffi_jit
