/*
 * reflection::GlobalDef: registers C++ functions in the global function registry,
 * usually inside TVM_FFI_STATIC_INIT_BLOCK() so registration happens at library load.
 */
#ifndef TVM_FFI_REFLECTION_REGISTRY_H_
#define TVM_FFI_REFLECTION_REGISTRY_H_

#include <tvm/ffi/function.h>

#include <cstring>
#include <string>
#include <utility>

namespace tvm {
namespace ffi {
namespace reflection {

/*! \brief GlobalDef().def("ns.name", fn, "doc").def_packed(...): each call registers one. */
class GlobalDef {
 public:
  /*! \brief Registers a typed function; a later registration of the same name replaces it. */
  template <typename Func>
  GlobalDef& def(const char* name, Func&& func, const char* doc = nullptr) {
    Register(name, Function::FromTyped(std::forward<Func>(func), name), doc);
    return *this;
  }
  /*! \brief Registers `void(PackedArgs, Any*)`. */
  template <typename Func>
  GlobalDef& def_packed(const char* name, Func&& func, const char* doc = nullptr) {
    Register(name, Function::FromPacked(std::forward<Func>(func)), doc);
    return *this;
  }

 private:
  static void Register(const char* name, const Function& func, const char* doc) {
    TVMFFIMethodInfo info{};
    info.name = {name, std::strlen(name)};
    if (doc != nullptr) info.doc = {doc, std::strlen(doc)};
    info.method.type_index = kTVMFFIFunction;
    info.method.v_obj = details::ObjectUnsafe::GetHandle(func);
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionSetGlobalFromMethodInfo(&info, /*allow_override=*/1));
  }
};

}  // namespace reflection
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_REFLECTION_REGISTRY_H_
