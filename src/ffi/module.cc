/*
 * Modules: shared libraries opened with dlopen, whose functions are the symbols
 * __tvm_ffi_<name>; and the system library, whose symbols are registered at static init.
 */
#include <dlfcn.h>
#include <sys/stat.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/module.h>
#include <tvm/ffi/reflection/registry.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ffi/arg_checks.h"
#include "ffi/context_symbols.h"
#include "ffi/elf_reader.h"
#include "ffi/library_open.h"

namespace tvm {
namespace ffi {
namespace {

constexpr const char* kSymbolPrefix = "__tvm_ffi_";

/*! \brief The runtime's module: resolves symbols through `lookup`, caches functions. */
class RuntimeModuleObj : public ModuleObj {
 public:
  RuntimeModuleObj(std::string kind, std::string path,
                   std::function<void*(const std::string&)> lookup,
                   std::function<std::vector<std::string>()> list)
      : kind_(std::move(kind)),
        path_(std::move(path)),
        lookup_(std::move(lookup)),
        list_(std::move(list)) {}

  const char* kind() const final { return kind_.c_str(); }
  int GetPropertyMask() const final { return Module::kRunnable; }
  Optional<Function> GetFunction(const String& name) final;
  using ModuleObj::GetFunction;
  Optional<String> GetFunctionDoc(const String& name) final {
    return CallStringSymbol(symbol::tvm_ffi_doc_prefix + std::string(name));
  }
  using ModuleObj::GetFunctionDoc;
  Optional<String> GetFunctionMetadata(const String& name) final {
    return CallStringSymbol(symbol::tvm_ffi_metadata_prefix + std::string(name));
  }
  using ModuleObj::GetFunctionMetadata;
  void ImportModule(const Module& other) final {
    std::lock_guard<std::mutex> lock(mutex_);
    ModuleObj::ImportModule(other);
  }
  void ClearImports() final {
    std::lock_guard<std::mutex> lock(mutex_);
    ModuleObj::ClearImports();
  }
  std::vector<std::string> ListFunctions() const { return list_(); }
  const std::string& path() const { return path_; }

 private:
  /*! \brief The String returned by the exported getter `symbol`, or empty if there is none. */
  Optional<String> CallStringSymbol(const std::string& symbol) {
    void* getter = lookup_(symbol);
    if (getter == nullptr) return Optional<String>();
    Any result;
    int code = reinterpret_cast<TVMFFISafeCallType>(getter)(
        nullptr, nullptr, 0, details::AnyUnsafe::MutableRaw(&result));
    if (code != 0) details::ThrowRaised(code);
    return result.cast<String>();
  }

  std::string kind_, path_;
  std::function<void*(const std::string&)> lookup_;
  std::function<std::vector<std::string>()> list_;
  std::mutex mutex_;

 public:
  ~RuntimeModuleObj();
  /*! \brief The dlopen handle of a library module (nullptr for the system library). */
  void* dl_handle_ = nullptr;
  /*! \brief The library's __tvm_ffi__library_ctx slot, pointing at this module while it lives. */
  void** library_ctx_ = nullptr;
};

/*!
 * \brief The live module of each loaded library: loading a library again gives the same
 * module, so its imports and its __tvm_ffi__library_ctx stay consistent.
 */
struct LoadedLibraries {
  std::mutex mutex;
  std::unordered_map<void*, RuntimeModuleObj*> by_handle;
  static LoadedLibraries* Global() {
    static LoadedLibraries* libraries = new LoadedLibraries();  // leaked: used until exit
    return libraries;
  }
};

/*! \brief Takes a strong reference unless the object is already being destroyed. */
bool TryIncRef(TVMFFIObject* header) {
  uint64_t count = __atomic_load_n(&header->combined_ref_count, __ATOMIC_RELAXED);
  while ((count & 0xFFFFFFFFu) != 0) {
    if (__atomic_compare_exchange_n(&header->combined_ref_count, &count, count + 1, true,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      return true;
    }
  }
  return false;
}

RuntimeModuleObj::~RuntimeModuleObj() {
  if (dl_handle_ == nullptr) return;
  LoadedLibraries* libraries = LoadedLibraries::Global();
  std::lock_guard<std::mutex> lock(libraries->mutex);
  auto it = libraries->by_handle.find(dl_handle_);
  if (it != libraries->by_handle.end() && it->second == this) libraries->by_handle.erase(it);
  TVMFFIObject* self = details::ObjectUnsafe::GetHeader(this);
  if (library_ctx_ != nullptr && *library_ctx_ == self) *library_ctx_ = nullptr;
}

/*! \brief A function that is an exported symbol; holds its module so the code stays mapped. */
class SymbolFunctionObj : public FunctionObj {
 public:
  SymbolFunctionObj(TVMFFISafeCallType symbol, Module module) : module_(std::move(module)) {
    this->safe_call = symbol;
    this->cpp_call = nullptr;
  }

 private:
  Module module_;
};

/*! \brief The runtime's own module object, or nullptr for a module of another kind. */
RuntimeModuleObj* AsRuntimeModule(const Module& module) {
  return dynamic_cast<RuntimeModuleObj*>(module.get());
}

Optional<Function> RuntimeModuleObj::GetFunction(const String& name) {
  // No symbol has a NUL in its name; dlsym would look up the prefix before it.
  if (std::string_view(name.data(), name.size()).find('\0') != std::string_view::npos) {
    return Optional<Function>();
  }
  void* symbol = lookup_(kSymbolPrefix + std::string(name));
  if (symbol == nullptr) return Optional<Function>();
  // Not cached here: a cached function holding its module would form a cycle.
  return Function(make_object<SymbolFunctionObj>(reinterpret_cast<TVMFFISafeCallType>(symbol),
                                                 GetRef<Module>(this)));
}

/*! \brief The module's own object behind a reference (a module of any runtime). */
ModuleObj* AsModuleObj(const Module& module) { return const_cast<ModuleObj*>(module.get()); }

/*! \brief Names of the __tvm_ffi_* functions a shared library defines, from its .dynsym. */
std::vector<std::string> ListElfExports(const std::string& path) {
  std::vector<std::string> names;
  for (std::string& name : ListElfDefinedSymbols(path, kSymbolPrefix)) {
    // "__tvm_ffi__" marks the runtime's own symbols (e.g. __tvm_ffi__library_ctx).
    if (!name.empty() && name[0] != '_') names.push_back(std::move(name));
  }
  return names;
}

Module LoadLibrary(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    TVM_FFI_THROW(FileNotFoundError) << "no such shared library: " << path;
  }
  // An error an earlier C API caller left unfetched is not this library's: drop it first.
  TVMFFIObjectHandle stale_error = nullptr;
  TVMFFIErrorMoveFromRaised(&stale_error);
  if (stale_error != nullptr) TVMFFIObjectDecRef(stale_error);
  void* handle = OpenLibrary(path);
  // A static init block that failed left its error here (it must not throw out of dlopen).
  TVMFFIObjectHandle init_error = nullptr;
  TVMFFIErrorMoveFromRaised(&init_error);
  if (init_error != nullptr) {
    Error error(
        details::ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(init_error)));
    TVM_FFI_THROW(ImportError) << "initializing " << path << " failed: " << error.message();
  }
  // The library stays loaded for the process: objects it created may outlive the module.
  LoadedLibraries* libraries = LoadedLibraries::Global();
  std::lock_guard<std::mutex> lock(libraries->mutex);
  auto it = libraries->by_handle.find(handle);
  if (it != libraries->by_handle.end()) {
    TVMFFIObject* existing = details::ObjectUnsafe::GetHeader(it->second);
    if (TryIncRef(existing)) return Module(details::ObjectUnsafe::PtrFromOwned<Object>(existing));
  }
  auto module = make_object<RuntimeModuleObj>(
      "library", path,
      [handle](const std::string& symbol) { return dlsym(handle, symbol.c_str()); },
      [path] { return ListElfExports(path); });
  module->dl_handle_ = handle;
  InitContextSymbols([handle](const char* name) { return dlsym(handle, name); });
  if (void** ctx = static_cast<void**>(dlsym(handle, "__tvm_ffi__library_ctx"))) {
    *ctx = details::ObjectUnsafe::GetHeader(module.get());
    module->library_ctx_ = ctx;
  }
  libraries->by_handle[handle] = module.get();
  return Module(module);
}

class SystemLibRegistry {
 public:
  static SystemLibRegistry* Global() {
    static SystemLibRegistry* registry = new SystemLibRegistry();  // leaked: used until exit
    return registry;
  }
  void Register(const std::string& name, void* symbol) {
    std::lock_guard<std::mutex> lock(mutex_);
    symbols_[name] = symbol;
  }
  void* Lookup(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = symbols_.find(name);
    return it == symbols_.end() ? nullptr : it->second;
  }
  std::vector<std::string> List(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    std::string full = kSymbolPrefix + prefix;
    for (const auto& kv : symbols_) {
      if (kv.first.rfind(full, 0) == 0) names.push_back(kv.first.substr(full.size()));
    }
    return names;
  }
  Module Get(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = modules_.find(prefix);
    if (it != modules_.end()) return it->second;
    auto module = make_object<RuntimeModuleObj>(
        "system", "",
        [this, prefix](const std::string& symbol) {
          return Lookup(kSymbolPrefix + prefix + symbol.substr(std::strlen(kSymbolPrefix)));
        },
        [this, prefix] { return List(prefix); });
    return modules_.emplace(prefix, Module(module)).first->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, void*> symbols_;
  std::unordered_map<std::string, Module> modules_;
};

Array<String> ToArray(const std::vector<std::string>& names) {
  Array<String> result;
  for (const std::string& name : names) result.push_back(String(name));
  return result;
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFIEnvModRegisterSystemLibSymbol(const char* name, void* symbol) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(name, "TVMFFIEnvModRegisterSystemLibSymbol", "name");
  SystemLibRegistry::Global()->Register(name, symbol);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIEnvModLookupFromImports(TVMFFIObjectHandle library_ctx, const char* func_name,
                                  TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(func_name, "TVMFFIEnvModLookupFromImports", "func_name");
  details::CheckArgNotNull(out, "TVMFFIEnvModLookupFromImports", "out");
  if (library_ctx != nullptr) {
    details::CheckObjectArg(library_ctx, kTVMFFIModule, "TVMFFIEnvModLookupFromImports",
                            "library_ctx");
  }
  Optional<Function> func;
  if (library_ctx != nullptr) {
    Module module = GetRef<Module>(static_cast<const ModuleObj*>(
        details::ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(library_ctx))));
    func = AsModuleObj(module)->GetFunction(String(func_name), true);
  }
  if (!func.has_value()) {
    std::optional<Function> global = Function::GetGlobal(func_name);
    if (global.has_value()) func = *global;
  }
  if (!func.has_value()) {
    TVM_FFI_THROW(ValueError) << "cannot find function `" << func_name
                              << "` in the module's imports or the global registry";
  }
  Function result = *func;
  *out = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(result));
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef()
      .def("ffi.ModuleLoadFromFile", [](const std::string& path) { return LoadLibrary(path); })
      .def("ffi.ModuleGetFunction",
           [](const Module& module, const std::string& name, bool query_imports) {
             return AsModuleObj(module)->GetFunction(String(name), query_imports);
           })
      .def("ffi.ModuleListFunctions",
           [](const Module& module) {
             RuntimeModuleObj* own = AsRuntimeModule(module);
             return own != nullptr ? ToArray(own->ListFunctions()) : Array<String>();
           })
      .def("ffi.ModuleGetFunctionDoc",
           [](const Module& module, const std::string& name, bool query_imports) {
             return AsModuleObj(module)->GetFunctionDoc(String(name), query_imports);
           })
      .def("ffi.ModuleGetFunctionMetadata",
           [](const Module& module, const std::string& name, bool query_imports) {
             return AsModuleObj(module)->GetFunctionMetadata(String(name), query_imports);
           })
      .def("ffi.ModuleImportModule",
           [](const Module& module, const Module& other) {
             AsModuleObj(module)->ImportModule(other);
           })
      .def("ffi.ModuleKind",
           [](const Module& module) { return std::string(AsModuleObj(module)->kind()); })
      .def("ffi.ModuleGetKind",
           [](const Module& module) { return std::string(AsModuleObj(module)->kind()); })
      .def("ffi.ModuleImplementsFunction",
           [](const Module& module, const String& name, bool query_imports) {
             return AsModuleObj(module)->GetFunction(name, query_imports).has_value();
           })
      .def("ffi.ModuleGetImports",
           [](const Module& module) { return AsModuleObj(module)->imports(); })
      .def("ffi.ModuleClearImports",
           [](const Module& module) { AsModuleObj(module)->ClearImports(); })
      .def("ffi.ModuleGetPropertyMask",
           [](const Module& module) { return AsModuleObj(module)->GetPropertyMask(); })
      .def("ffi.ModuleGetWriteFormats",
           [](const Module& module) { return AsModuleObj(module)->GetWriteFormats(); })
      .def("ffi.ModuleInspectSource",
           [](const Module& module, const String& format) {
             return AsModuleObj(module)->InspectSource(format);
           })
      .def("ffi.ModuleWriteToFile",
           [](const Module& module, const String& file_name, const String& format) {
             AsModuleObj(module)->WriteToFile(file_name, format);
           })
      .def("ffi.ModulePath",
           [](const Module& module) {
             RuntimeModuleObj* own = AsRuntimeModule(module);
             return own != nullptr ? own->path() : std::string();
           })
      .def("ffi.SystemLib",
           [](const std::string& prefix) { return SystemLibRegistry::Global()->Get(prefix); });
}
