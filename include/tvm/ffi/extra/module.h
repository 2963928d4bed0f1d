/*
 * Module: a namespace of functions loaded from a shared library (dlopen) or taken from the
 * system library. ModuleObj has the ABI's layout: a vtable pointer, the object header, the
 * imported modules, then a lookup cache; virtual functions in the ABI's order.
 */
#ifndef TVM_FFI_EXTRA_MODULE_H_
#define TVM_FFI_EXTRA_MODULE_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/extra/base.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/optional.h>
#include <tvm/ffi/string.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

class Module;

class ModuleObj : public Object {
 public:
  /*! \brief What kind of module this is, e.g. "library" or "system". */
  virtual const char* kind() const = 0;
  /*! \brief Module::ModulePropertyMask bits. */
  virtual int GetPropertyMask() const { return 0; }
  /*! \brief The function `name` of this module alone, or empty. */
  virtual Optional<Function> GetFunction(const String& name) = 0;
  virtual bool ImplementsFunction(const String& name) { return GetFunction(name).has_value(); }
  virtual Optional<String> GetFunctionDoc(const String& /*name*/) { return Optional<String>(); }
  virtual Optional<String> GetFunctionMetadata(const String& /*name*/) {
    return Optional<String>();
  }
  virtual void WriteToFile(const String& /*file_name*/, const String& /*format*/) const {
    TVM_FFI_THROW(RuntimeError) << "Module[" << kind() << "] cannot be written to a file";
  }
  virtual Array<String> GetWriteFormats() const { return Array<String>(); }
  virtual Bytes SaveToBytes() const {
    TVM_FFI_THROW(RuntimeError) << "Module[" << kind() << "] cannot be saved to bytes";
    __builtin_unreachable();  // the builder above throws when destroyed
  }
  virtual String InspectSource(const String& /*format*/) const { return String(); }
  /*!
   * \brief Makes `other`'s functions visible to lookups that query imports. Declared inline
   * so that the class has no key function: no including file emits the vtable.
   */
  inline virtual void ImportModule(const Module& other);
  virtual void ClearImports() { imports_ = Array<Any>(); }

  /*
   * The lookups that may query imports are templates (of an unused parameter): only a file that
   * calls one compiles it and the traversal's containers, not every file including this header.
   */
  /*!
   * \brief The function `name` of this module, else (when `query_imports`) of its imports,
   * depth first; each module is searched once, so import cycles end.
   */
  template <typename = void>
  Optional<Function> GetFunction(const String& name, bool query_imports);
  template <typename = void>
  bool ImplementsFunction(const String& name, bool query_imports) {
    return FindInImports(query_imports,
                         [&name](ModuleObj* m) -> Optional<bool> {
                           return m->ImplementsFunction(name) ? Optional<bool>(true)
                                                              : Optional<bool>();
                         })
        .has_value();
  }
  /*! \brief The docstring exported with `name` (TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC), if any. */
  template <typename = void>
  Optional<String> GetFunctionDoc(const String& name, bool query_imports) {
    return FindInImports(query_imports, [&name](ModuleObj* m) { return m->GetFunctionDoc(name); });
  }
  /*! \brief The metadata JSON exported with `name` ({"type_schema": ...}), if any. */
  template <typename = void>
  Optional<String> GetFunctionMetadata(const String& name, bool query_imports) {
    return FindInImports(query_imports,
                         [&name](ModuleObj* m) { return m->GetFunctionMetadata(name); });
  }
  const Array<Any>& imports() const { return imports_; }

  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Module", kTVMFFIModule)

 protected:
  Array<Any> imports_;

 private:
  /*!
   * \brief Calls `visit(module, context)` on this module, then (if asked) on its imports depth
   *  first, each module once, until a call returns true; returns whether one did. Shared by
   *  every kind of lookup (a template of an unused parameter, as the lookups are).
   */
  template <typename = void>
  bool VisitSelfAndImports(bool query_imports, bool (*visit)(ModuleObj*, void*), void* context);
  /*! \brief The first value `find` gives for this module, then (if asked) its imports. */
  template <typename FFind>
  auto FindInImports(bool query_imports, FFind find) -> decltype(find(this));

  Map<String, Function> import_lookup_cache_;  // part of the layout; unused here
};

class Module : public ObjectRef {
 public:
  /*! \brief Bits of ModuleObj::GetPropertyMask. */
  enum ModulePropertyMask : int {
    kBinarySerializable = 0b001,
    kRunnable = 0b010,
    kCompilationExportable = 0b100,
  };
  Module() = default;
  explicit Module(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}
  template <typename T, typename = std::enable_if_t<std::is_base_of_v<ModuleObj, T>>>
  explicit Module(const ObjectPtr<T>& n) : ObjectRef(ObjectPtr<Object>(n)) {}
  Module(std::nullptr_t) {}  // NOLINT(*)
  // A module is mutable (its imports change), so access is not const.
  ModuleObj* operator->() const { return get(); }
  ModuleObj* get() const {
    return const_cast<ModuleObj*>(static_cast<const ModuleObj*>(data_.get()));
  }
  using ContainerType = ModuleObj;
  static constexpr bool _type_is_nullable = false;

  /*
   * The calls through global functions below are templates (of an unused parameter) for the
   * same reason as ModuleObj's lookups: only a file that calls one compiles its conversions.
   */
  /*! \brief dlopen()s a shared library built against this ABI. */
  template <typename = void>
  static Module LoadFromFile(const String& path) {
    return Function::GetGlobalRequired("ffi.ModuleLoadFromFile")(path).cast<Module>();
  }
  /*! \brief The function exported as `name`, or an empty Optional. */
  template <typename = void>
  Optional<Function> GetFunction(const String& name, bool query_imports = false) const {
    return Function::GetGlobalRequired("ffi.ModuleGetFunction")(*this, name, query_imports)
        .cast<Optional<Function>>();
  }
  /*! \brief Makes `other`'s functions visible to lookups from this module's code. */
  template <typename = void>
  void ImportModule(const Module& other) const {
    Function::GetGlobalRequired("ffi.ModuleImportModule")(*this, other);
  }
};

inline void ModuleObj::ImportModule(const Module& other) { imports_.push_back(Any(other)); }

template <typename>
bool ModuleObj::VisitSelfAndImports(bool query_imports, bool (*visit)(ModuleObj*, void*),
                                    void* context) {
  if (visit(this, context)) return true;
  if (!query_imports) return false;
  // Modules seen (visited or pending) and the stack of those to visit; import graphs are small,
  // so a linear search in `seen` is cheaper than a hash set (and less code to compile).
  std::vector<const ModuleObj*> seen{this};
  std::vector<const ModuleObj*> pending;
  auto push_imports = [&pending, &seen](const ModuleObj* module) {
    Array<Any> imports = module->imports();  // a reference of our own: imports may change
    for (int64_t i = static_cast<int64_t>(imports.size()) - 1; i >= 0; --i) {
      const auto* imported = imports[i].as<ModuleObj>();
      if (imported != nullptr && std::find(seen.begin(), seen.end(), imported) == seen.end()) {
        seen.push_back(imported);
        pending.push_back(imported);
      }
    }
  };
  push_imports(this);
  while (!pending.empty()) {
    auto* module = const_cast<ModuleObj*>(pending.back());
    pending.pop_back();
    if (visit(module, context)) return true;
    push_imports(module);
  }
  return false;
}

template <typename FFind>
auto ModuleObj::FindInImports(bool query_imports, FFind find) -> decltype(find(this)) {
  using Result = decltype(find(this));
  struct Search {
    FFind* find;
    Result found;
  } search{&find, Result()};
  VisitSelfAndImports(
      query_imports,
      [](ModuleObj* module, void* context) {
        auto* search = static_cast<Search*>(context);
        search->found = (*search->find)(module);
        return search->found.has_value();
      },
      &search);
  return std::move(search.found);
}

template <typename>
Optional<Function> ModuleObj::GetFunction(const String& name, bool query_imports) {
  return FindInImports(query_imports, [&name](ModuleObj* m) { return m->GetFunction(name); });
}

/*! \brief Names of the symbols a module library defines. */
namespace symbol {
constexpr const char* tvm_ffi_symbol_prefix = "__tvm_ffi_";
constexpr const char* tvm_ffi_main = "__tvm_ffi_main";
constexpr const char* tvm_ffi_library_ctx = "__tvm_ffi__library_ctx";
constexpr const char* tvm_ffi_library_bin = "__tvm_ffi__library_bin";
constexpr const char* tvm_ffi_metadata_prefix = "__tvm_ffi__metadata_";
constexpr const char* tvm_ffi_doc_prefix = "__tvm_ffi__doc_";
}  // namespace symbol

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_MODULE_H_
