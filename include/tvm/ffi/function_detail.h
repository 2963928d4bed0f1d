/*
 * What a C++ callable looks like to the FFI: details::FunctionInfo<F> gives its return and
 * argument types, a readable signature for error messages (Sig) and its JSON type schema
 * (TypeSchema); details::CallTyped converts packed arguments and calls it.
 */
#ifndef TVM_FFI_FUNCTION_DETAIL_H_
#define TVM_FFI_FUNCTION_DETAIL_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/base_details.h>
#include <tvm/ffi/c_api.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/error.h>

#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {
namespace details {

template <typename T>
using ArgStorage = std::remove_cv_t<std::remove_reference_t<T>>;

/*! \brief Name of a parameter or return type in messages; `void` and Any included. */
template <typename T>
std::string TypeName() {
  if constexpr (std::is_void_v<T>) {
    return "void";
  } else {
    return TypeTraits<ArgStorage<T>>::TypeStr();
  }
}

/*! \brief A function returning one type's text: its name (TypeName<T>) or schema. */
using TypeTextFn = std::string (*)();

/*!
 * \brief `prefix` then "(0: a, 1: b) -> r", the names given by functions (the return type's
 *  last). Not a template, so a module compiles it once whatever signatures it exports (the
 *  same goes for the other helpers below); a signature passes a static table of function
 *  pointers, so the per-signature code builds no string itself.
 */
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline std::string SignatureFromNames(const char* prefix,
                                                                          const TypeTextFn* names,
                                                                          size_t num_args) {
  std::string text = prefix;
  text += '(';
  for (size_t i = 0; i < num_args; ++i) {
    char number[32];  // "i: " (snprintf, not std::to_string: less code to compile)
    TVM_FFI_SNPRINTF(number, sizeof(number), i ? ", %zu: " : "%zu: ", i);
    text += number;
    text += names[i]();
  }
  text += ") -> ";
  text += names[num_args]();
  return text;
}

/*! \brief The function schema from the parameter schemas, then the return type's. */
TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline std::string FunctionSchemaFromParts(
    const TypeTextFn* schemas, size_t num_args) {
  std::string text = R"({"type":"ffi.Function","named_args":{"return":[)";
  text += schemas[num_args]();
  text += R"(],"params":[)";
  for (size_t i = 0; i < num_args; ++i) {
    if (i) text += ',';
    text += schemas[i]();
  }
  text += "]}}";
  return text;
}

/*! \brief Signature facts of a callable `R(Args...)`. */
template <typename R, typename... Args>
struct FuncFunctorImpl {
  using FType = R(Args...);
  using RetType = R;
  using ArgType = std::tuple<Args...>;
  static constexpr size_t num_args = sizeof...(Args);

  /*! \brief TypeName of each parameter type, then of the return type. */
  static constexpr TypeTextFn kTypeNames[] = {&TypeName<Args>..., &TypeName<R>};
  /*! \brief "(0: int, 1: Tensor) -> int". */
  static std::string Sig() { return SignatureFromNames("", kTypeNames, sizeof...(Args)); }
  /*! \brief {"type":"ffi.Function","named_args":{"return":[R],"params":[Args...]}}. */
  static std::string TypeSchema() {
    static constexpr TypeTextFn schemas[] = {&details::TypeSchema<Args>::v...,
                                             &details::TypeSchema<R>::v};
    return FunctionSchemaFromParts(schemas, sizeof...(Args));
  }
};

/*! \brief FunctionInfo<F>: FuncFunctorImpl of a function type, pointer, or functor/lambda. */
template <typename F, typename = void>
struct FunctionInfo : FunctionInfo<decltype(&F::operator())> {};
template <typename R, typename... Args>
struct FunctionInfo<R(Args...), void> : FuncFunctorImpl<R, Args...> {};
template <typename R, typename... Args>
struct FunctionInfo<R (*)(Args...), void> : FuncFunctorImpl<R, Args...> {};
template <typename R, typename... Args>
struct FunctionInfo<R (&)(Args...), void> : FuncFunctorImpl<R, Args...> {};
template <typename C, typename R, typename... Args>
struct FunctionInfo<R (C::*)(Args...) const, void> : FuncFunctorImpl<R, Args...> {};
template <typename C, typename R, typename... Args>
struct FunctionInfo<R (C::*)(Args...), void> : FuncFunctorImpl<R, Args...> {};
template <typename C, typename R, typename... Args>
struct FunctionInfo<R (C::*)(Args...) const noexcept, void> : FuncFunctorImpl<R, Args...> {};
template <typename C, typename R, typename... Args>
struct FunctionInfo<R (C::*)(Args...) noexcept, void> : FuncFunctorImpl<R, Args...> {};
template <typename R, typename... Args>
struct FunctionInfo<R(Args...) noexcept, void> : FuncFunctorImpl<R, Args...> {};
template <typename R, typename... Args>
struct FunctionInfo<R (*)(Args...) noexcept, void> : FuncFunctorImpl<R, Args...> {};

/*! \brief "name(0: int, 1: Tensor) -> int", for error messages. */
template <typename R, typename... Args>
std::string SignatureText(const char* name) {
  return SignatureFromNames(name && *name ? name : "<anonymous>",
                            FuncFunctorImpl<R, Args...>::kTypeNames, sizeof...(Args));
}

/*! \brief SignatureText<R, Args...>, passed to the error helpers below as a pointer. */
using SignatureTextFn = std::string (*)(const char* name);

/*! \brief MismatchTypeInfo<T>, passed to ThrowArgTypeError as a pointer. */
using MismatchTextFn = std::string (*)(const TVMFFIAny* arg);

/*!
 * \brief Throws the TypeError of argument `index` (`arg`), which does not convert to the type
 *  `expected` names; `got` describes what it holds. The texts are made here, from function
 *  pointers, so the call site in each exported function only passes pointers.
 */
[[noreturn]] TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline void ThrowArgTypeError(
    SignatureTextFn signature, const char* name, int index, const TVMFFIAny* arg,
    MismatchTextFn got, TypeTextFn expected) {
  TVM_FFI_THROW(TypeError) << "Mismatched type on argument #" << index << " when calling: `"
                           << signature(name) << "`. Expected `" << expected() << "` but got `"
                           << got(arg) << "`";
  TVM_FFI_UNREACHABLE();  // the builder above throws when destroyed
}

[[noreturn]] TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline void ThrowArgCountError(
    SignatureTextFn signature, const char* name, size_t expected, int32_t got) {
  TVM_FFI_THROW(TypeError) << "Mismatched number of arguments when calling: `" << signature(name)
                           << "`. Expected " << expected << " but got " << got << " arguments";
  TVM_FFI_UNREACHABLE();  // the builder above throws when destroyed
}

/*! \brief Whether values of the integer type `Int` are a strict subset of int64 (not bool). */
template <typename Int>
constexpr bool kIsNarrowInt =
    std::is_integral_v<Int> && !std::is_same_v<Int, bool> &&
    (sizeof(Int) < sizeof(int64_t) || (sizeof(Int) == sizeof(int64_t) && std::is_unsigned_v<Int>));

[[noreturn]] TVM_FFI_COLD_CODE TVM_FFI_NO_INLINE inline void ThrowArgRangeError(
    SignatureTextFn signature, const char* name, int index, int64_t value, const char* type,
    int64_t low, uint64_t high) {
  TVM_FFI_THROW(OverflowError) << "Argument #" << index << " when calling: `" << signature(name)
                               << "`: " << value << " is out of range for the parameter's C++ type "
                               << type << " [" << low << ", " << high << "]";
  TVM_FFI_UNREACHABLE();
}

template <typename R, typename... Args>
struct TypedUnpacker {
  /*!
   * \brief An int for a narrow integer parameter must fit: a silent truncation (300 into a
   * uint8_t is 44) would compute with another value than the caller passed.
   */
  template <typename Int>
  static void CheckIntRange(const TVMFFIAny* arg, int index, const char* name) {
    if (arg->type_index != kTVMFFIInt) return;
    int64_t value = arg->v_int64;
    constexpr int64_t low = static_cast<int64_t>(std::numeric_limits<Int>::min());
    constexpr uint64_t high = static_cast<uint64_t>(std::numeric_limits<Int>::max());
    bool below = value < low;
    bool above = value > 0 && static_cast<uint64_t>(value) > high;
    if (TVM_FFI_UNLIKELY(below || above)) {
      constexpr bool is_signed = std::is_signed_v<Int>;
      static const std::string type =
          std::string(is_signed ? "int" : "uint") + std::to_string(sizeof(Int) * 8) + "_t";
      ThrowArgRangeError(&SignatureText<R, Args...>, name, index, value, type.c_str(), low, high);
    }
  }

  template <typename T>
  static ArgStorage<T> CastArg(const TVMFFIAny* args, int index, const char* name) {
    if constexpr (kIsNarrowInt<ArgStorage<T>>) {
      CheckIntRange<ArgStorage<T>>(args + index, index, name);
    }
    std::optional<ArgStorage<T>> value =
        TypeTraits<ArgStorage<T>>::TryCastFromAnyView(args + index);
    if (TVM_FFI_UNLIKELY(!value.has_value())) {
      ThrowArgTypeError(&SignatureText<R, Args...>, name, index, args + index,
                        &MismatchTypeInfo<ArgStorage<T>>, &TypeName<ArgStorage<T>>);
    }
    return *std::move(value);
  }

  template <typename F, size_t... I>
  static void Call(F& f, const char* name, const TVMFFIAny* args, int32_t num_args, Any* result,
                   std::index_sequence<I...>) {
    if (TVM_FFI_UNLIKELY(num_args != static_cast<int32_t>(sizeof...(Args)))) {
      ThrowArgCountError(&SignatureText<R, Args...>, name, sizeof...(Args), num_args);
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
void CallTypedImpl(F& f, const char* name, const TVMFFIAny* args, int32_t num_args, Any* result,
                   std::tuple<Args...>*) {
  TypedUnpacker<R, Args...>::Call(f, name, args, num_args, result,
                                  std::index_sequence_for<Args...>{});
}

/*! \brief Converts the packed arguments to f's parameter types, calls f, stores its result. */
template <typename F>
void CallTyped(F&& f, const char* name, const TVMFFIAny* args, int32_t num_args,
               TVMFFIAny* result) {
  using Info = FunctionInfo<std::remove_cv_t<std::remove_reference_t<F>>>;
  CallTypedImpl<std::remove_reference_t<F>, typename Info::RetType>(
      f, name, args, num_args, reinterpret_cast<Any*>(result),
      static_cast<typename Info::ArgType*>(nullptr));
}

}  // namespace details
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_FUNCTION_DETAIL_H_
