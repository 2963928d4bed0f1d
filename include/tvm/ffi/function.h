/*
 * Function: a reference-counted callable with the TVMFFISafeCallType convention.
 * Function::FromPacked / FromTyped wrap C++ callables, TypedFunction gives a typed view,
 * and TVM_FFI_DLL_EXPORT_TYPED_FUNC exports a C++ function as the symbol __tvm_ffi_<name>
 * (with its type schema as __tvm_ffi__metadata_<name>).
 */
#ifndef TVM_FFI_FUNCTION_H_
#define TVM_FFI_FUNCTION_H_

/*
 * Whether TVM_FFI_DLL_EXPORT_TYPED_FUNC also exports the function's type schema and
 * TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC its docstring, so that signatures and docs survive in the
 * built library. On by default here (it costs a few hundred bytes per function); define it
 * to 0 for the smallest libraries.
 */
#ifndef TVM_FFI_DLL_EXPORT_INCLUDE_METADATA
#define TVM_FFI_DLL_EXPORT_INCLUDE_METADATA 1
#endif

#include <tvm/ffi/any.h>
#include <tvm/ffi/base_details.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/function_detail.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {

template <typename T>
class Expected;

/*! \brief Object layout of a function: header then TVMFFIFunctionCell. */
class FunctionObj : public Object, public TVMFFIFunctionCell {
 public:
  /*! \brief Calls through the safe-call entry; a failure is thrown as an Error. */
  void CallPacked(const AnyView* args, int32_t num_args, Any* result) const {
    int code = this->safe_call(details::ObjectUnsafe::GetHeader(this),
                               reinterpret_cast<const TVMFFIAny*>(args), num_args,
                               details::AnyUnsafe::MutableRaw(result));
    if (TVM_FFI_UNLIKELY(code != 0)) details::ThrowRaised(code);
  }
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Function", kTVMFFIFunction)
};

/*! \brief The arguments of a packed call: borrowed views. */
class PackedArgs {
 public:
  PackedArgs(const AnyView* data, int32_t size) : data_(data), size_(size) {}
  int size() const { return size_; }
  const AnyView& operator[](int i) const { return data_[i]; }
  const AnyView* data() const { return data_; }
  /*! \brief Arguments [begin, end); end -1 means to the last one. */
  PackedArgs Slice(int begin, int end = -1) const {
    if (end == -1) end = size_;
    return PackedArgs(data_ + begin, end - begin);
  }
  /*! \brief Stores views of `args` into data[0..n). */
  template <typename... Args>
  static void Fill(AnyView* data, Args&&... args) {
    details::for_each([data](size_t i, auto&& value) { data[i] = AnyView(value); },
                      std::forward<Args>(args)...);
  }

 private:
  const AnyView* data_;
  int32_t size_;
};

namespace details {
/*! \brief A FunctionObj that owns a C++ callable `void(const AnyView*, int32_t, Any*)`. */
template <typename TCallable>
class FunctionObjImpl : public FunctionObj {
 public:
  template <typename... Args>
  explicit FunctionObjImpl(Args&&... args) : callable_(std::forward<Args>(args)...) {
    this->safe_call = SafeCall;
    this->cpp_call = nullptr;
  }
  TCallable* GetCallable() { return &callable_; }

 private:
  static int SafeCall(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    TVM_FFI_SAFE_CALL_BEGIN();
    auto* self = static_cast<FunctionObjImpl*>(
        static_cast<FunctionObj*>(ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(handle))));
    self->callable_(reinterpret_cast<const AnyView*>(args), num_args,
                    reinterpret_cast<Any*>(result));
    TVM_FFI_SAFE_CALL_END();
  }
  mutable TCallable callable_;
};

/*! \brief A function made from a C entry point: safe_call(self, ...), deleter(self) on free. */
class ExternCFunctionObj : public FunctionObj {
 public:
  ExternCFunctionObj(void* self, TVMFFISafeCallType call, void (*deleter)(void*))
      : self_(self), call_(call), deleter_(deleter) {
    this->safe_call = Trampoline;
    this->cpp_call = nullptr;
  }
  ~ExternCFunctionObj() {
    if (deleter_ != nullptr) deleter_(self_);
  }

 private:
  static int Trampoline(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    auto* self = static_cast<ExternCFunctionObj*>(
        static_cast<FunctionObj*>(ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(handle))));
    return self->call_(self->self_, args, num_args, result);
  }
  void* self_;
  TVMFFISafeCallType call_;
  void (*deleter_)(void*);
};

template <typename TCallable>
constexpr bool kIsPackedArgsCallable = std::is_invocable_v<TCallable&, PackedArgs, Any*>;
template <typename TCallable>
constexpr bool kIsRawPackedCallable =
    std::is_invocable_v<TCallable&, const AnyView*, int32_t, Any*>;
}  // namespace details

/*! \brief A reference to a FunctionObj; calling it throws Error on failure. */
class Function : public ObjectRef {
 public:
  Function() = default;
  Function(std::nullptr_t) {}  // NOLINT(*)
  explicit Function(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}
  /*! \brief Wraps a packed callable (see FromPacked). */
  template <typename TCallable,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<TCallable>, Function> &&
                                        !std::is_base_of_v<ObjectRef, std::decay_t<TCallable>> &&
                                        (details::kIsPackedArgsCallable<std::decay_t<TCallable>> ||
                                         details::kIsRawPackedCallable<std::decay_t<TCallable>>)>>
  explicit Function(TCallable&& packed) : Function(FromPacked(std::forward<TCallable>(packed))) {}

  const FunctionObj* operator->() const { return get(); }
  const FunctionObj* get() const { return static_cast<const FunctionObj*>(data_.get()); }
  using ContainerType = FunctionObj;
  // None is not a Function; take Optional<Function> to accept None.
  static constexpr bool _type_is_nullable = false;

  /*! \brief Wraps `void(PackedArgs args, Any* result)` or `void(const AnyView*, int32_t, Any*)`. */
  template <typename TCallable>
  static Function FromPacked(TCallable&& packed) {
    using Callable = std::decay_t<TCallable>;
    static_assert(
        details::kIsPackedArgsCallable<Callable> || details::kIsRawPackedCallable<Callable>,
        "Function::FromPacked needs void(PackedArgs, Any*) or "
        "void(const AnyView*, int32_t, Any*)");
    if constexpr (details::kIsPackedArgsCallable<Callable>) {
      auto adapter = [packed = std::forward<TCallable>(packed)](
                         const AnyView* args, int32_t num_args, Any* result) mutable {
        packed(PackedArgs(args, num_args), result);
      };
      return FromPackedInternal(std::move(adapter));
    } else {
      return FromPackedInternal(std::forward<TCallable>(packed));
    }
  }
  /*!
   * \brief Builds the callable inside the function object; returns the function and a
   * pointer to its callable (valid while the function lives).
   */
  template <typename TCallable, typename... Args>
  static std::tuple<Function, TCallable*> FromPackedInplace(Args&&... args) {
    static_assert(std::is_same_v<TCallable, std::decay_t<TCallable>>);
    auto obj = make_object<details::FunctionObjImpl<TCallable>>(std::forward<Args>(args)...);
    TCallable* callable = obj->GetCallable();
    return std::make_tuple(Function(ObjectPtr<Object>(std::move(obj))), callable);
  }
  /*! \brief A function calling `safe_call(self, ...)`; `deleter(self)` runs when it is freed. */
  static Function FromExternC(void* self, TVMFFISafeCallType safe_call,
                              void (*deleter)(void* self)) {
    return Function(make_object<details::ExternCFunctionObj>(self, safe_call, deleter));
  }
  /*! \brief Wraps a typed callable; arguments are converted and checked on every call. */
  template <typename TCallable>
  static Function FromTyped(TCallable&& f) {
    return FromTyped(std::forward<TCallable>(f), std::string());
  }
  /*! \brief FromTyped; `name` appears in argument error messages. */
  template <typename TCallable>
  static Function FromTyped(TCallable&& f, std::string name) {
    auto adapter = [f = std::forward<TCallable>(f), name = std::move(name)](
                       const AnyView* args, int32_t num_args, Any* result) mutable {
      details::CallTyped(f, name.c_str(), reinterpret_cast<const TVMFFIAny*>(args), num_args,
                         reinterpret_cast<TVMFFIAny*>(result));
    };
    return FromPackedInternal(std::move(adapter));
  }

  /*! \brief The global function `name`, or nullopt. */
  static std::optional<Function> GetGlobal(std::string_view name) {
    TVMFFIByteArray bytes = {name.data(), name.size()};
    TVMFFIObjectHandle handle = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionGetGlobal(&bytes, &handle));
    if (handle == nullptr) return std::nullopt;
    return Function(
        details::ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(handle)));
  }
  static std::optional<Function> GetGlobal(const std::string& name) {
    return GetGlobal(std::string_view(name));
  }
  static std::optional<Function> GetGlobal(const String& name) { return GetGlobal(name.view()); }
  static std::optional<Function> GetGlobal(const char* name) {
    return GetGlobal(std::string_view(name));
  }
  /*! \brief The global function `name`; throws ValueError if none is registered. */
  static Function GetGlobalRequired(std::string_view name) {
    std::optional<Function> f = GetGlobal(name);
    if (!f.has_value()) {
      TVM_FFI_THROW(ValueError) << "Function " << name << " not found";
    }
    return *std::move(f);
  }
  static Function GetGlobalRequired(const std::string& name) {
    return GetGlobalRequired(std::string_view(name));
  }
  static Function GetGlobalRequired(const String& name) { return GetGlobalRequired(name.view()); }
  static Function GetGlobalRequired(const char* name) {
    return GetGlobalRequired(std::string_view(name));
  }
  /*! \brief Registers `f` as the global function `name`. */
  static void SetGlobal(std::string_view name, const Function& f, bool allow_override = false) {
    TVMFFIByteArray bytes = {name.data(), name.size()};
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFIFunctionSetGlobal(&bytes, details::ObjectUnsafe::GetHandle(f), allow_override));
  }
  /*! \brief Names of all registered global functions. */
  static std::vector<String> ListGlobalNames();
  /*! \brief Removes the global function `name` (nothing happens if there is none). */
  static void RemoveGlobal(const String& name);

  /*! \brief Calls `safe_call(handle, args...)` directly, without a function object. */
  template <typename... Args>
  static Any InvokeExternC(void* handle, TVMFFISafeCallType safe_call, Args&&... args) {
    AnyView packed[sizeof...(Args) > 0 ? sizeof...(Args) : 1];
    PackedArgs::Fill(packed, std::forward<Args>(args)...);
    Any result;
    TVM_FFI_CHECK_SAFE_CALL(safe_call(handle, reinterpret_cast<const TVMFFIAny*>(packed),
                                      static_cast<int32_t>(sizeof...(Args)),
                                      details::AnyUnsafe::MutableRaw(&result)));
    return result;
  }

  /*! \brief Calls with C++ values converted to AnyView; returns the owned result. */
  template <typename... Args>
  Any operator()(Args&&... args) const {
    AnyView packed[sizeof...(Args) > 0 ? sizeof...(Args) : 1];
    PackedArgs::Fill(packed, std::forward<Args>(args)...);
    Any result;
    CallPacked(packed, static_cast<int32_t>(sizeof...(Args)), &result);
    return result;
  }
  void CallPacked(const AnyView* args, int32_t num_args, Any* result) const {
    get()->CallPacked(args, num_args, result);
  }
  void CallPacked(PackedArgs args, Any* result) const {
    CallPacked(args.data(), args.size(), result);
  }
  /*!
   * \brief Calls without throwing: the result converted to T, or the Error (raised, returned
   * as an Error value, or a result of the wrong type). Defined in <tvm/ffi/expected.h>.
   */
  template <typename T = Any, typename... Args>
  Expected<T> CallExpected(Args&&... args) const;

  bool operator==(std::nullptr_t) const { return data_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return data_ != nullptr; }

 private:
  template <typename TCallable>
  static Function FromPackedInternal(TCallable&& packed) {
    using Obj = details::FunctionObjImpl<std::decay_t<TCallable>>;
    return Function(make_object<Obj>(std::forward<TCallable>(packed)));
  }
};

template <typename FType>
class TypedFunction;

/*! \brief A Function with a static signature: calls convert arguments and the result. */
template <typename R, typename... Args>
class TypedFunction<R(Args...)> {
 public:
  using TSelf = TypedFunction<R(Args...)>;
  TypedFunction() = default;
  TypedFunction(std::nullptr_t) {}                                // NOLINT(*)
  TypedFunction(Function packed) : packed_(std::move(packed)) {}  // NOLINT(*)
  template <typename TLambda,
            typename = std::enable_if_t<std::is_invocable_r_v<R, TLambda, Args...> &&
                                        !std::is_base_of_v<ObjectRef, std::decay_t<TLambda>> &&
                                        !std::is_same_v<std::decay_t<TLambda>, TypedFunction>>>
  TypedFunction(TLambda lambda, std::string name = "")  // NOLINT(*)
      : packed_(Wrap(std::move(lambda), std::move(name))) {}
  template <typename TLambda,
            typename = std::enable_if_t<std::is_invocable_r_v<R, TLambda, Args...> &&
                                        !std::is_base_of_v<ObjectRef, std::decay_t<TLambda>> &&
                                        !std::is_same_v<std::decay_t<TLambda>, TypedFunction>>>
  TSelf& operator=(TLambda lambda) {
    packed_ = Wrap(std::move(lambda), std::string());
    return *this;
  }
  TSelf& operator=(Function packed) {
    packed_ = std::move(packed);
    return *this;
  }

  R operator()(Args... args) const {
    if constexpr (std::is_void_v<R>) {
      packed_(std::forward<Args>(args)...);
    } else if constexpr (std::is_same_v<R, Any>) {
      return packed_(std::forward<Args>(args)...);
    } else {
      return packed_(std::forward<Args>(args)...).template cast<R>();
    }
  }
  operator Function() const { return packed_; }  // NOLINT(*)
  const Function& packed() const& { return packed_; }
  Function&& packed() && { return std::move(packed_); }
  bool operator==(std::nullptr_t) const { return packed_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return packed_ != nullptr; }
  /*! \brief The JSON type schema of this signature (an ffi.Function with named_args). */
  static std::string TypeSchema() { return details::FuncFunctorImpl<R, Args...>::TypeSchema(); }

 private:
  template <typename TLambda>
  static Function Wrap(TLambda lambda, std::string name) {
    return Function::FromTyped(
        [lambda = std::move(lambda)](Args... args) -> R {
          return lambda(std::forward<Args>(args)...);
        },
        std::move(name));
  }
  Function packed_;
};

template <typename FType>
struct TypeTraits<TypedFunction<FType>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const TypedFunction<FType>& v, TVMFFIAny* out) {
    TypeTraits<Function>::CopyToAnyView(v.packed(), out);
  }
  static void MoveToAny(TypedFunction<FType> v, TVMFFIAny* out) {
    TypeTraits<Function>::MoveToAny(std::move(v).packed(), out);
  }
  static std::optional<TypedFunction<FType>> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<Function> f = TypeTraits<Function>::TryCastFromAnyView(src);
    if (!f.has_value()) return std::nullopt;
    return TypedFunction<FType>(*std::move(f));
  }
  static std::string TypeStr() { return details::FunctionInfo<FType>::Sig(); }
  static std::string TypeSchema() { return TypedFunction<FType>::TypeSchema(); }
};

inline std::vector<String> Function::ListGlobalNames() {
  // An Array<String>, read through its getters so this header needs no container header.
  Any names = GetGlobalRequired("ffi.FunctionListGlobalNames")();
  Function size = GetGlobalRequired("ffi.ArraySize");
  Function item = GetGlobalRequired("ffi.ArrayGetItem");
  int64_t count = size(names).cast<int64_t>();
  std::vector<String> result;
  result.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) result.push_back(item(names, i).cast<String>());
  return result;
}

inline void Function::RemoveGlobal(const String& name) {
  GetGlobalRequired("ffi.FunctionRemoveGlobal")(name);
}

/*! \brief The type index registered for `type_key`; throws if there is none. */
inline int32_t TypeKeyToIndex(std::string_view type_key) {
  TVMFFIByteArray bytes = {type_key.data(), type_key.size()};
  int32_t index = 0;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeKeyToIndex(&bytes, &index));
  return index;
}

namespace details {
/*! \brief Returns `text` as a String allocated by the runtime (it outlives this library). */
inline int ReturnRuntimeString(std::string_view text, TVMFFIAny* result) {
  TVMFFIByteArray bytes = {text.data(), text.size()};
  return TVMFFIStringFromByteArray(&bytes, result);
}
/*!
 * \brief {"type_schema":"<schema, as a JSON string>"} and, given names, ,"arg_names":[...]: the
 *  text __tvm_ffi__metadata_ returns. Not a template: a module compiles it once, however many
 *  functions it exports (the per-function part is only the schema).
 */
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline std::string ExportMetadataJSON(
    const std::string& type_schema, const char* const* names, size_t num_names) {
  std::string text = R"({"type_schema":)";
  AppendEscapedJSON(text, type_schema);
  if (names != nullptr) {
    text += R"(,"arg_names":[)";
    for (size_t i = 0; i < num_names; ++i) {
      if (i) text += ',';
      AppendEscapedJSON(text, names[i]);
    }
    text += ']';
  }
  return text + "}";
}
/*! \brief {"type_schema":"<the schema, as a JSON string>"}: what __tvm_ffi__metadata_ holds. */
// Takes the function itself, not its type: decltype of a lambda is not allowed in C++17.
template <typename F>
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE std::string ExportedFunctionMetadata(const F&) {
  return ExportMetadataJSON(FunctionInfo<std::decay_t<F>>::TypeSchema(), nullptr, 0);
}
/*!
 * \brief {"type_schema":"<...>","arg_names":["a","b"]}: the metadata of an export whose
 *  parameter names are given (C++ does not record them); one name per parameter.
 */
template <typename F, size_t N>
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE std::string ExportedFunctionMetadataNamed(
    const F&, const char* const (&names)[N]) {
  static_assert(N == FunctionInfo<std::decay_t<F>>::num_args,
                "TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED needs one name per parameter");
  return ExportMetadataJSON(FunctionInfo<std::decay_t<F>>::TypeSchema(), names, N);
}
/*! \brief ExportedFunctionMetadataNamed, or without the names when their count is not the arity. */
template <typename F, size_t N>
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE std::string ExportedFunctionMetadataNamedIfArity(
    const F& func, const char* const (&names)[N]) {
  if constexpr (N == FunctionInfo<std::decay_t<F>>::num_args) {
    return ExportedFunctionMetadataNamed(func, names);
  } else {
    return ExportedFunctionMetadata(func);
  }
}
}  // namespace details

}  // namespace ffi
}  // namespace tvm

/*
 * Exports `Func` (a function or a captureless lambda) as the C symbol __tvm_ffi_<ExportName>
 * following TVMFFISafeCallType; load_module(...).ExportName calls it.
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Func)                          \
  extern "C" {                                                                         \
  TVM_FFI_DLL_EXPORT int __tvm_ffi_##ExportName(void* self, const TVMFFIAny* args,     \
                                                int32_t num_args, TVMFFIAny* result) { \
    (void)self;                                                                        \
    TVM_FFI_SAFE_CALL_BEGIN();                                                         \
    ::tvm::ffi::details::CallTyped(Func, #ExportName, args, num_args, result);         \
    TVM_FFI_SAFE_CALL_END();                                                           \
  }                                                                                    \
  }

#if TVM_FFI_DLL_EXPORT_INCLUDE_METADATA
/*
 * ... and __tvm_ffi__metadata_<ExportName>, a TVMFFISafeCallType returning the String
 * `Metadata` evaluates to (allocated by the runtime).
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_WITH_METADATA_(ExportName, Func, Metadata)                 \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Func)                                          \
  extern "C" {                                                                                   \
  TVM_FFI_DLL_EXPORT int __tvm_ffi__metadata_##ExportName(void* self, const TVMFFIAny* args,     \
                                                          int32_t num_args, TVMFFIAny* result) { \
    (void)self, (void)args, (void)num_args;                                                      \
    TVM_FFI_SAFE_CALL_BEGIN();                                                                   \
    return ::tvm::ffi::details::ReturnRuntimeString(Metadata, result);                           \
    TVM_FFI_SAFE_CALL_END();                                                                     \
  }                                                                                              \
  }

// The metadata is {"type_schema":"<JSON type schema of Func>"}.
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC(ExportName, Func) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_WITH_METADATA_(         \
      ExportName, Func, ::tvm::ffi::details::ExportedFunctionMetadata(Func))

/*
 * TVM_FFI_DLL_EXPORT_TYPED_FUNC that also records the parameter names (string literals, one
 * per parameter, checked at compile time), so Python can call it with keywords:
 *   TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(add, add_impl, "a", "b");  // mod.add(1, b=2)
 * The names travel in the metadata; with TVM_FFI_DLL_EXPORT_INCLUDE_METADATA 0 they are dropped.
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(ExportName, Func, ...) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_WITH_METADATA_(                    \
      ExportName, Func, ::tvm::ffi::details::ExportedFunctionMetadataNamed(Func, {__VA_ARGS__}))

/*
 * TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED for generated code whose names come from reading the
 * source (load_inline): names whose count is not the function's arity are dropped instead of
 * failing the build.
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(ExportName, Func, ...) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_WITH_METADATA_(                             \
      ExportName, Func,                                                     \
      ::tvm::ffi::details::ExportedFunctionMetadataNamedIfArity(Func, {__VA_ARGS__}))

/*
 * Exports `DocString` (a string literal) as the docstring of the exported function
 * `ExportName`: the symbol __tvm_ffi__doc_<ExportName>, a TVMFFISafeCallType returning it
 * as a String. Exports nothing when TVM_FFI_DLL_EXPORT_INCLUDE_METADATA is 0.
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString)                            \
  extern "C" {                                                                              \
  TVM_FFI_DLL_EXPORT int __tvm_ffi__doc_##ExportName(void* self, const TVMFFIAny* args,     \
                                                     int32_t num_args, TVMFFIAny* result) { \
    (void)self, (void)args, (void)num_args;                                                 \
    return ::tvm::ffi::details::ReturnRuntimeString(DocString, result);                     \
  }                                                                                         \
  }
#else
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC(ExportName, Func) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Func)
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(ExportName, Func, ...) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Func)
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(ExportName, Func, ...) \
  TVM_FFI_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Func)
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString)
#endif

// Expected<T> and Function::CallExpected (they need Function complete).
#include <tvm/ffi/expected.h>  // NOLINT(build/include_order)

#endif  // TVM_FFI_FUNCTION_H_
