/*
 * Opening module libraries. RTLD_NOW: a missing symbol fails the load with a message instead
 * of exiting the process (status 127) at the first call. RTLD_LOCAL and no RTLD_DEEPBIND: a
 * module's symbols stay out of other libraries' way, and allocators preloaded with LD_PRELOAD
 * (jemalloc, tcmalloc) keep serving its malloc and free.
 */
#include "ffi/library_open.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <tvm/ffi/error.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "ffi/elf_reader.h"

namespace tvm {
namespace ffi {
namespace {

constexpr const char* kUpstreamSoname = "libtvm_ffi.so";
// No code, SONAME libtvm_ffi.so, NEEDED this runtime; built by setup.py next to this library.
constexpr const char* kSonameShim = "libtvm_ffi_shim.so";

std::string RuntimeDirectory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OpenLibrary), &info) == 0 || info.dli_fname == nullptr) {
    return "";
  }
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/*!
 * \brief Makes a NEEDED libtvm_ffi.so resolve to this runtime when no library of that name is
 * loaded: glibc satisfies a NEEDED entry with any loaded library whose SONAME matches, so the
 * shim stands in, and the module binds to what the shim needs, this runtime. When upstream's
 * runtime is loaded, the module keeps resolving to it (the Python layer bridges errors).
 */
void ResolveUpstreamSonameToThisRuntime(const std::string& path) {
  std::vector<std::string> needed = ListElfNeeded(path);
  if (std::find(needed.begin(), needed.end(), kUpstreamSoname) == needed.end()) return;
  if (void* loaded = dlopen(kUpstreamSoname, RTLD_NOLOAD | RTLD_LAZY)) {
    dlclose(loaded);  // NOLOAD took a reference
    return;
  }
  std::string shim = RuntimeDirectory() + "/" + kSonameShim;
  if (dlopen(shim.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
    const char* reason = dlerror();
    TVM_FFI_THROW(ImportError) << "cannot load " << path << ": it needs " << kUpstreamSoname
                               << " (built against apache-tvm-ffi), and the shim that maps it to "
                               << "this runtime failed to load: " << (reason ? reason : "?");
  }
  // The shim stays loaded for the process: later modules may match it too.
}

std::string Demangle(const std::string& name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return name;
  std::string result(demangled);
  std::free(demangled);
  return result;
}

/*! \brief The loader's reason, with a note saying what an undefined symbol means. */
std::string ExplainLoadFailure(const std::string& reason) {
  const std::string marker = "undefined symbol: ";
  size_t at = reason.find(marker);
  if (at == std::string::npos) return reason;
  size_t begin = at + marker.size();
  size_t end = reason.find_first_of(", \n", begin);  // glibc may append ", version X"
  std::string symbol = reason.substr(begin, end == std::string::npos ? end : end - begin);
  std::string text = reason;
  std::string readable = Demangle(symbol);
  if (readable != symbol) text += " (" + readable + ")";
  text += "; the library uses `" + readable +
          "` but neither it nor the libraries it depends on define it: a function declared and "
          "never defined, a missing library to link, or a TVM-FFI runtime function this "
          "runtime lacks";
  return text;
}

}  // namespace

void* OpenLibrary(const std::string& path) {
  // dlopen would silently open the prefix before the NUL: a different file.
  if (path.find('\0') != std::string::npos) {
    TVM_FFI_THROW(ValueError) << "library path contains a NUL byte: "
                              << path.substr(0, path.find('\0')) << "\\0...";
  }
  ResolveUpstreamSonameToThisRuntime(path);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    TVM_FFI_THROW(ImportError) << "cannot load " << path << ": "
                               << ExplainLoadFailure(reason ? reason : "unknown reason");
  }
  return handle;
}

}  // namespace ffi
}  // namespace tvm
