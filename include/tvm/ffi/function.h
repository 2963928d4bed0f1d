/*
 * Function: a reference-counted callable with the TVMFFISafeCallType convention.
 * Function::FromPacked / FromTyped wrap C++ callables, TypedFunction gives a typed view,
 * and TVM_FFI_DLL_EXPORT_TYPED_FUNC exports a C++ function as the symbol __tvm_ffi_<name>.
 */
#ifndef TVM_FFI_FUNCTION_H_
#define TVM_FFI_FUNCTION_H_

#include <tvm/ffi/any.h>

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Object layout of a function: header then TVMFFIFunctionCell. */
class FunctionObj : public Object, public TVMFFIFunctionCell {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Function", kTVMFFIFunction)
};

/*! \brief The arguments of a packed call: borrowed views. */
class PackedArgs {
 public:
  PackedArgs(const AnyView* data, int32_t size) : data_(data), size_(size) {}
  int32_t size() const { return size_; }
  const AnyView& operator[](int32_t i) const { return data_[i]; }
  const AnyView* data() const { return data_; }

 private:
  const AnyView* data_;
  int32_t size_;
};

namespace details {
/*! \brief A FunctionObj that owns a C++ callable `void(const AnyView*, int32_t, Any*)`. */
template <typename TCallable>
class FunctionObjImpl : public FunctionObj {
 public:
  explicit FunctionObjImpl(TCallable callable) : callable_(std::move(callable)) {
    this->safe_call = SafeCall;
    this->cpp_call = nullptr;
  }

 private:
  static int SafeCall(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    TVM_FFI_SAFE_CALL_BEGIN();
    auto* self = static_cast<FunctionObjImpl*>(
        static_cast<FunctionObj*>(ObjectUnsafe::FromHeader(static_cast<TVMFFIObject*>(handle))));
    self->callable_(reinterpret_cast<const AnyView*>(args), num_args,
                    reinterpret_cast<Any*>(result));
    TVM_FFI_SAFE_CALL_END();
  }
  TCallable callable_;
};

/*! \brief Signature of a callable: return type and argument types. */
template <typename F>
struct FuncTraits : FuncTraits<decltype(&F::operator())> {};
template <typename R, typename... Args>
struct FuncTraits<R(Args...)> {
  using RetType = R;
  using ArgsTuple = std::tuple<Args...>;
};
template <typename R, typename... Args>
struct FuncTraits<R (*)(Args...)> : FuncTraits<R(Args...)> {};
template <typename C, typename R, typename... Args>
struct FuncTraits<R (C::*)(Args...) const> : FuncTraits<R(Args...)> {};
template <typename C, typename R, typename... Args>
struct FuncTraits<R (C::*)(Args...)> : FuncTraits<R(Args...)> {};

template <typename T>
using ArgStorage = std::remove_cv_t<std::remove_reference_t<T>>;

/*! \brief "name(0: int, 1: Tensor) -> int", for error messages. */
template <typename R, typename... Args>
std::string SignatureText(const char* name) {
  std::string text = std::string(name && *name ? name : "<anonymous>") + "(";
  size_t index = 0;
  ((text +=
    (index ? ", " : "") + std::to_string(index) + ": " + TypeTraits<ArgStorage<Args>>::TypeStr(),
    ++index),
   ...);
  text += ") -> ";
  if constexpr (std::is_void_v<R>) {
    text += "void";
  } else {
    text += TypeTraits<ArgStorage<R>>::TypeStr();
  }
  return text;
}

/*! \brief {"type":"ffi.Function","named_args":{"return":[R],"params":[Args...]}}. */
template <typename R, typename... Args>
std::string FunctionTypeSchema() {
  std::string text = R"({"type":"ffi.Function","named_args":{"return":[)" + TypeSchema<R>::v() +
                     R"(],"params":[)";
  const char* sep = "";
  ((text += sep + TypeSchema<Args>::v(), sep = ","), ...);
  (void)sep;
  return text + "]}}";
}

template <typename R, typename... Args>
[[noreturn]] TVM_FFI_NO_INLINE void ThrowArgTypeError(const char* name, int index,
                                                      const TVMFFIAny* arg,
                                                      const std::string& expected) {
  TVM_FFI_THROW(TypeError) << "Mismatched type on argument #" << index << " when calling: `"
                           << SignatureText<R, Args...>(name) << "`. Expected `" << expected
                           << "` but got `" << TypeIndexToName(arg->type_index) << "`";
  __builtin_unreachable();  // the builder above throws when destroyed
}

template <typename R, typename... Args>
[[noreturn]] TVM_FFI_NO_INLINE void ThrowArgCountError(const char* name, int32_t got) {
  TVM_FFI_THROW(TypeError) << "Mismatched number of arguments when calling: `"
                           << SignatureText<R, Args...>(name) << "`. Expected " << sizeof...(Args)
                           << " but got " << got << " arguments";
  __builtin_unreachable();  // the builder above throws when destroyed
}

template <typename R, typename... Args>
struct TypedUnpacker {
  template <typename T>
  static ArgStorage<T> CastArg(const TVMFFIAny* args, int index, const char* name) {
    std::optional<ArgStorage<T>> value =
        TypeTraits<ArgStorage<T>>::TryCastFromAnyView(args + index);
    if (TVM_FFI_UNLIKELY(!value.has_value())) {
      ThrowArgTypeError<R, Args...>(name, index, args + index,
                                    TypeTraits<ArgStorage<T>>::TypeStr());
    }
    return *std::move(value);
  }

  template <typename F, size_t... I>
  static void Call(const F& f, const char* name, const TVMFFIAny* args, int32_t num_args,
                   Any* result, std::index_sequence<I...>) {
    if (TVM_FFI_UNLIKELY(num_args != static_cast<int32_t>(sizeof...(Args)))) {
      ThrowArgCountError<R, Args...>(name, num_args);
    }
    (void)args;
    if constexpr (std::is_void_v<R>) {
      f(CastArg<Args>(args, I, name)...);
    } else {
      *result = Any(f(CastArg<Args>(args, I, name)...));
    }
  }
};

template <typename F, typename R, typename... Args>
void CallTypedImpl(const F& f, const char* name, const TVMFFIAny* args, int32_t num_args,
                   Any* result, std::tuple<Args...>*) {
  TypedUnpacker<R, Args...>::Call(f, name, args, num_args, result,
                                  std::index_sequence_for<Args...>{});
}

/*! \brief Converts the packed arguments to f's parameter types, calls f, stores its result. */
template <typename F>
void CallTyped(const F& f, const char* name, const TVMFFIAny* args, int32_t num_args,
               TVMFFIAny* result) {
  using Traits = FuncTraits<std::remove_cv_t<std::remove_reference_t<F>>>;
  CallTypedImpl<F, typename Traits::RetType>(f, name, args, num_args,
                                             reinterpret_cast<Any*>(result),
                                             static_cast<typename Traits::ArgsTuple*>(nullptr));
}
}  // namespace details

/*! \brief A reference to a FunctionObj; calling it throws Error on failure. */
class Function : public ObjectRef {
 public:
  TVM_FFI_DEFINE_OBJECT_REF_METHODS(Function, ObjectRef, FunctionObj)
  // None is not a Function; take Optional<Function> to accept None.
  static constexpr bool _type_is_nullable = false;

  /*! \brief Wraps `void(PackedArgs args, Any* result)`. */
  template <typename TCallable>
  static Function FromPacked(TCallable packed) {
    auto adapter = [packed = std::move(packed)](const AnyView* args, int32_t num_args,
                                                Any* result) {
      packed(PackedArgs(args, num_args), result);
    };
    return Function(make_object<details::FunctionObjImpl<decltype(adapter)>>(std::move(adapter)));
  }
  /*! \brief Wraps a typed callable; arguments are converted and checked on every call. */
  template <typename TCallable>
  static Function FromTyped(TCallable f, std::string name = "") {
    auto adapter = [f = std::move(f), name = std::move(name)](const AnyView* args, int32_t num_args,
                                                              Any* result) {
      details::CallTyped(f, name.c_str(), reinterpret_cast<const TVMFFIAny*>(args), num_args,
                         reinterpret_cast<TVMFFIAny*>(result));
    };
    return Function(make_object<details::FunctionObjImpl<decltype(adapter)>>(std::move(adapter)));
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
  /*! \brief The global function `name`; throws ValueError if none is registered. */
  static Function GetGlobalRequired(std::string_view name) {
    std::optional<Function> f = GetGlobal(name);
    if (!f.has_value()) {
      TVM_FFI_THROW(ValueError) << "Global function `" << std::string(name)
                                << "` is not registered";
    }
    return *std::move(f);
  }
  /*! \brief Registers `f` as the global function `name`. */
  static void SetGlobal(std::string_view name, const Function& f, bool allow_override = false) {
    TVMFFIByteArray bytes = {name.data(), name.size()};
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFIFunctionSetGlobal(&bytes, details::ObjectUnsafe::GetHandle(f), allow_override));
  }

  /*! \brief Calls with C++ values converted to AnyView; returns the owned result. */
  template <typename... Args>
  Any operator()(Args&&... args) const {
    AnyView packed[sizeof...(Args) + 1] = {AnyView(args)...};
    Any result;
    CallPacked(packed, static_cast<int32_t>(sizeof...(Args)), &result);
    return result;
  }
  void CallPacked(const AnyView* args, int32_t num_args, Any* result) const {
    const FunctionObj* obj = get();
    int code = obj->safe_call(details::ObjectUnsafe::GetHandle(*this),
                              reinterpret_cast<const TVMFFIAny*>(args), num_args,
                              details::AnyUnsafe::MutableRaw(result));
    if (TVM_FFI_UNLIKELY(code != 0)) details::ThrowRaised(code);
  }
  void CallPacked(PackedArgs args, Any* result) const {
    CallPacked(args.data(), args.size(), result);
  }
};

template <typename FType>
class TypedFunction;

/*! \brief A Function with a static signature: calls convert arguments and the result. */
template <typename R, typename... Args>
class TypedFunction<R(Args...)> {
 public:
  TypedFunction() = default;
  TypedFunction(std::nullptr_t) {}                                // NOLINT(*)
  TypedFunction(Function packed) : packed_(std::move(packed)) {}  // NOLINT(*)
  template <typename TLambda,
            typename = std::enable_if_t<std::is_invocable_r_v<R, TLambda, Args...> &&
                                        !std::is_base_of_v<ObjectRef, std::decay_t<TLambda>> &&
                                        !std::is_same_v<std::decay_t<TLambda>, TypedFunction>>>
  TypedFunction(TLambda lambda, std::string name = "")  // NOLINT(*)
      : packed_(Function::FromTyped([lambda = std::move(lambda)](Args... args)
                                        -> R { return lambda(std::forward<Args>(args)...); },
                                    std::move(name))) {}

  R operator()(Args... args) const {
    if constexpr (std::is_void_v<R>) {
      packed_(std::forward<Args>(args)...);
    } else {
      return packed_(std::forward<Args>(args)...).template cast<R>();
    }
  }
  operator Function() const { return packed_; }  // NOLINT(*)
  /*! \brief The JSON type schema of this signature (an ffi.Function with named_args). */
  static std::string TypeSchema() { return details::FunctionTypeSchema<R, Args...>(); }
  const Function& packed() const { return packed_; }
  bool operator==(std::nullptr_t) const { return packed_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return packed_ != nullptr; }

 private:
  Function packed_;
};

template <typename FType>
struct TypeTraits<TypedFunction<FType>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const TypedFunction<FType>& v, TVMFFIAny* out) {
    TypeTraits<Function>::CopyToAnyView(v.packed(), out);
  }
  static void MoveToAny(TypedFunction<FType> v, TVMFFIAny* out) {
    TypeTraits<Function>::MoveToAny(v.packed(), out);
  }
  static std::optional<TypedFunction<FType>> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<Function> f = TypeTraits<Function>::TryCastFromAnyView(src);
    if (!f.has_value()) return std::nullopt;
    return TypedFunction<FType>(*std::move(f));
  }
  static std::string TypeStr() { return "Function"; }
  static std::string TypeSchema() { return TypedFunction<FType>::TypeSchema(); }
};

}  // namespace ffi
}  // namespace tvm

/*
 * Exports `Func` (a C++ function) as the C symbol __tvm_ffi_<ExportName> following
 * TVMFFISafeCallType; load_module(...).ExportName calls it. A trailing `;` is optional.
 */
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC(ExportName, Func)                                \
  extern "C" {                                                                         \
  TVM_FFI_DLL_EXPORT int __tvm_ffi_##ExportName(void* self, const TVMFFIAny* args,     \
                                                int32_t num_args, TVMFFIAny* result) { \
    (void)self;                                                                        \
    TVM_FFI_SAFE_CALL_BEGIN();                                                         \
    ::tvm::ffi::details::CallTyped(Func, #ExportName, args, num_args, result);         \
    TVM_FFI_SAFE_CALL_END();                                                           \
  }                                                                                    \
  }

#endif  // TVM_FFI_FUNCTION_H_
