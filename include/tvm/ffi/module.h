/*
 * Module: a namespace of functions loaded from a shared library (dlopen) or taken from the
 * system library. The runtime implements the object; this header calls it through globals.
 */
#ifndef TVM_FFI_MODULE_H_
#define TVM_FFI_MODULE_H_

#include <tvm/ffi/function.h>
#include <tvm/ffi/optional.h>

#include <string>

namespace tvm {
namespace ffi {

class ModuleObj : public Object {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Module", kTVMFFIModule)
};

class Module : public ObjectRef {
 public:
  TVM_FFI_DEFINE_OBJECT_REF_METHODS(Module, ObjectRef, ModuleObj)
  static constexpr bool _type_is_nullable = false;

  /*! \brief dlopen()s a shared library built against this ABI. */
  static Module LoadFromFile(const String& path) {
    return Function::GetGlobalRequired("ffi.ModuleLoadFromFile")(path).cast<Module>();
  }
  /*! \brief The function exported as `name`, or an empty Optional. */
  Optional<Function> GetFunction(const String& name, bool query_imports = false) const {
    return Function::GetGlobalRequired("ffi.ModuleGetFunction")(*this, name, query_imports)
        .cast<Optional<Function>>();
  }
  /*! \brief Makes `other`'s functions visible to lookups from this module's code. */
  void ImportModule(const Module& other) const {
    Function::GetGlobalRequired("ffi.ModuleImportModule")(*this, other);
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_MODULE_H_
