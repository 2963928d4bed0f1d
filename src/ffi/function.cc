/*
 * Functions from C (TVMFFIFunctionCreate), calls, the global function registry,
 * and the view-to-owned conversion of Any values.
 */
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/optional.h>
#include <tvm/ffi/reflection/registry.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "ffi/arg_checks.h"
#include "ffi/runtime_extensions.h"

namespace tvm {
namespace ffi {
namespace {

/*! \brief A function made from C: calls safe_call(self, ...) and runs deleter(self) on free. */
class CFunctionObj : public FunctionObj {
 public:
  CFunctionObj(void* self, TVMFFISafeCallType call, void (*deleter)(void*))
      : self_(self), call_(call), deleter_(deleter) {
    this->safe_call = Trampoline;
    this->cpp_call = nullptr;
  }
  ~CFunctionObj() {
    if (deleter_ != nullptr) deleter_(self_);
  }

 private:
  static int Trampoline(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    auto* self = static_cast<CFunctionObj*>(static_cast<FunctionObj*>(
        details::ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(handle))));
    return self->call_(self->self_, args, num_args, result);
  }
  void* self_;
  TVMFFISafeCallType call_;
  void (*deleter_)(void*);
};

struct GlobalEntry {
  Function func;
  std::string doc;
  std::string metadata;  // JSON, e.g. {"type_schema":"..."}; empty when not given
};

class GlobalRegistry {
 public:
  static GlobalRegistry* Global() {
    static GlobalRegistry* registry = new GlobalRegistry();  // leaked: used until exit
    return registry;
  }
  bool Set(const std::string& name, Function func, bool allow_override) {
    Function replaced;  // destroyed after unlocking: its deleter may call back into the registry
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it != entries_.end() && !allow_override) return false;
    GlobalEntry& entry = entries_[name];
    replaced = std::move(entry.func);
    entry.func = std::move(func);
    entry.doc.clear();  // a replaced function's doc and metadata described the old one
    entry.metadata.clear();
    return true;
  }
  /*! \brief Removes `name`; false when it was not registered. */
  bool Remove(const std::string& name) {
    GlobalEntry removed;  // destroyed after unlocking, as in Set
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return false;
    removed = std::move(it->second);
    entries_.erase(it);
    return true;
  }
  bool SetMetadata(const std::string& name, std::string metadata) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return false;
    it->second.metadata = std::move(metadata);
    return true;
  }
  std::string GetMetadata(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    return it == entries_.end() ? std::string() : it->second.metadata;
  }
  std::optional<Function> Get(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return it->second.func;
  }
  bool SetDoc(const std::string& name, std::string doc) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return false;
    it->second.doc = std::move(doc);
    return true;
  }
  std::optional<std::string> GetDoc(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end() || it->second.doc.empty()) return std::nullopt;
    return it->second.doc;
  }
  Array<String> Names() {
    std::lock_guard<std::mutex> lock(mutex_);
    Array<String> names;
    for (const auto& kv : entries_) names.push_back(String(kv.first));
    return names;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, GlobalEntry> entries_;
};

std::string ToStd(const TVMFFIByteArray* bytes) { return std::string(bytes->data, bytes->size); }

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFIFunctionCreate(void* self, TVMFFISafeCallType safe_call, void (*deleter)(void* self),
                         TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(reinterpret_cast<const void*>(safe_call), "TVMFFIFunctionCreate",
                           "safe_call");
  details::CheckArgNotNull(out, "TVMFFIFunctionCreate", "out");
  *out = details::ObjectUnsafe::MoveToOwned(make_object<CFunctionObj>(self, safe_call, deleter));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIFunctionCall(TVMFFIObjectHandle func, TVMFFIAny* args, int32_t num_args,
                       TVMFFIAny* result) {
  // Checked here (cheap next to a call); the callee may assume well-formed arguments.
  if (TVM_FFI_UNLIKELY(func == nullptr || result == nullptr || num_args < 0 ||
                       (args == nullptr && num_args != 0) ||
                       static_cast<TVMFFIObject*>(func)->type_index != kTVMFFIFunction)) {
    TVM_FFI_SAFE_CALL_BEGIN();
    details::CheckObjectArg(func, kTVMFFIFunction, "TVMFFIFunctionCall", "func");
    details::CheckArgNotNull(result, "TVMFFIFunctionCall", "result");
    TVM_FFI_THROW(ValueError) << "TVMFFIFunctionCall: invalid arguments (args "
                              << (args ? "set" : "NULL") << ", num_args " << num_args << ")";
    TVM_FFI_SAFE_CALL_END();
  }
  return TVMFFIFunctionGetCellPtr(func)->safe_call(func, args, num_args, result);
}

int TVMFFIFunctionSetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle f, int allow_override) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(name, "TVMFFIFunctionSetGlobal", "name");
  details::CheckObjectArg(f, kTVMFFIFunction, "TVMFFIFunctionSetGlobal", "f");
  Function func(details::ObjectUnsafe::PtrFromBorrowed<Object>(static_cast<TVMFFIObject*>(f)));
  if (!GlobalRegistry::Global()->Set(ToStd(name), func, allow_override != 0)) {
    TVM_FFI_THROW(ValueError) << "Global function `" << ToStd(name)
                              << "` is already registered (pass override to replace it)";
  }
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIFunctionGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(name, "TVMFFIFunctionGetGlobal", "name");
  details::CheckArgNotNull(out, "TVMFFIFunctionGetGlobal", "out");
  std::optional<Function> func = GlobalRegistry::Global()->Get(ToStd(name));
  *out = func.has_value() ? details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(*func))
                          : nullptr;
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIFunctionSetGlobalFromMethodInfo(const TVMFFIMethodInfo* method_info, int allow_override) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (method_info == nullptr || method_info->method.type_index != kTVMFFIFunction) {
    TVM_FFI_THROW(TypeError) << "TVMFFIFunctionSetGlobalFromMethodInfo needs a Function method";
  }
  details::CheckBytesArg(&method_info->name, "TVMFFIFunctionSetGlobalFromMethodInfo", "name");
  details::CheckBytesArg(&method_info->doc, "TVMFFIFunctionSetGlobalFromMethodInfo", "doc");
  details::CheckBytesArg(&method_info->metadata, "TVMFFIFunctionSetGlobalFromMethodInfo",
                         "metadata");
  details::CheckObjectArg(method_info->method.v_obj, kTVMFFIFunction,
                          "TVMFFIFunctionSetGlobalFromMethodInfo", "method");
  std::string name = ToStd(&method_info->name);
  Function func(details::ObjectUnsafe::PtrFromBorrowed<Object>(method_info->method.v_obj));
  if (!GlobalRegistry::Global()->Set(name, func, allow_override != 0)) {
    TVM_FFI_THROW(ValueError) << "Global function `" << name
                              << "` is already registered (pass override to replace it)";
  }
  if (method_info->doc.size != 0) GlobalRegistry::Global()->SetDoc(name, ToStd(&method_info->doc));
  if (method_info->metadata.size != 0) {
    GlobalRegistry::Global()->SetMetadata(name, ToStd(&method_info->metadata));
  }
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIFunctionSetGlobalDoc(const TVMFFIByteArray* name, const TVMFFIByteArray* doc) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckBytesArg(name, "TVMFFIFunctionSetGlobalDoc", "name");
  details::CheckBytesArg(doc, "TVMFFIFunctionSetGlobalDoc", "doc");
  if (!GlobalRegistry::Global()->SetDoc(ToStd(name), ToStd(doc))) {
    TVM_FFI_THROW(ValueError) << "Global function `" << ToStd(name) << "` is not registered";
  }
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIFunctionListGlobalNames(TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(out, "TVMFFIFunctionListGlobalNames", "out");
  *out = details::AnyUnsafe::MoveToRaw(Any(GlobalRegistry::Global()->Names()));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFIAnyViewToOwnedAny(const TVMFFIAny* any_view, TVMFFIAny* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(any_view, "TVMFFIAnyViewToOwnedAny", "any_view");
  details::CheckArgNotNull(out, "TVMFFIAnyViewToOwnedAny", "out");
  switch (any_view->type_index) {
    case kTVMFFIRawStr:
      details::CheckArgNotNull(any_view->v_c_str, "TVMFFIAnyViewToOwnedAny", "any_view->v_c_str");
      *out = details::AnyUnsafe::MoveToRaw(Any(String(any_view->v_c_str)));
      break;
    case kTVMFFIByteArrayPtr: {
      auto* bytes = static_cast<const TVMFFIByteArray*>(any_view->v_ptr);
      details::CheckBytesArg(bytes, "TVMFFIAnyViewToOwnedAny", "any_view->v_ptr");
      *out = details::AnyUnsafe::MoveToRaw(Any(Bytes(bytes->data, bytes->size)));
      break;
    }
    case kTVMFFIObjectRValueRef: {
      // The view points at an owned handle whose ownership moves into `out`.
      auto** slot = static_cast<TVMFFIObject**>(any_view->v_ptr);
      details::CheckArgNotNull(slot, "TVMFFIAnyViewToOwnedAny", "any_view->v_ptr");
      TVMFFIObject* obj = *slot;
      *slot = nullptr;
      out->type_index = obj ? obj->type_index : kTVMFFINone;
      out->zero_padding = 0;
      out->v_obj = obj;
      break;
    }
    default:
      *out = *any_view;
      if (out->type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectIncRef(out->v_obj);
  }
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef()
      .def("ffi.FunctionListGlobalNames", [] { return GlobalRegistry::Global()->Names(); })
      .def("ffi.FunctionGetGlobalDoc",
           [](const std::string& name) -> Optional<String> {
             std::optional<std::string> doc = GlobalRegistry::Global()->GetDoc(name);
             if (!doc.has_value()) return Optional<String>();
             return String(*doc);
           })
      // The names one at a time: f(-1) is the count, f(i) the i-th name (TVM-FFI's protocol).
      .def("ffi.FunctionListGlobalNamesFunctor",
           [] {
             Array<String> names = GlobalRegistry::Global()->Names();
             return Function::FromTyped([names](int64_t i) -> Any {
               if (i < 0) return static_cast<int64_t>(names.size());
               return names[i];
             });
           })
      .def("ffi.FunctionRemoveGlobal",
           [](const std::string& name) { return GlobalRegistry::Global()->Remove(name); })
      // JSON ({"type_schema": ...} for typed C++ functions), "" when none was recorded.
      .def("ffi.GetGlobalFuncMetadata",
           [](const std::string& name) { return GlobalRegistry::Global()->GetMetadata(name); });
}
