/*
 * Running a kernel body for the C++ element type of a runtime dtype, as PyTorch's
 * AT_DISPATCH_* macros do. Inside the body `scalar_t` names the type:
 *
 *   TVM_FFI_DISPATCH_FLOATING_TYPES(x.dtype(), "scale", [&] {
 *     Scale<scalar_t>(static_cast<const scalar_t*>(x.data_ptr()), ...);
 *   });
 *   TVM_FFI_DISPATCH_TYPES(x.dtype(), "scale", (float, double, int32_t, int64_t), [&] { ... });
 *
 * or, without macros, a generic lambda that receives TypeTag<T>:
 *
 *   tvm::ffi::DispatchDType<float, int64_t>(x.dtype(), "scale", [&](auto tag) {
 *     using scalar_t = typename decltype(tag)::type;
 *   });
 *
 * A dtype outside the list throws TypeError: "scale: unsupported dtype int16 (expected one of
 * float32, float64)". The body may return a value; every instantiation must return the same
 * type. float16/bfloat16 have no host C++ type here: after including <cuda_fp16.h> and
 * <cuda_bf16.h>, list __half and __nv_bfloat16 in TVM_FFI_DISPATCH_TYPES / DispatchDType, or use
 * TVM_FFI_DISPATCH_FLOATING_AND_HALF_TYPES.
 */
#ifndef TVM_FFI_EXTRA_DTYPE_DISPATCH_H_
#define TVM_FFI_EXTRA_DTYPE_DISPATCH_H_

#include <tvm/ffi/dtype.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/dtype.h>

#include <cstdint>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief A C++ type as a value: DispatchDType passes TypeTag<scalar_t>{} to the body. */
template <typename T>
struct TypeTag {
  using type = T;
};

namespace details {

template <typename... Allowed>
[[noreturn]] inline void ThrowUnsupportedDType(const char* name, DLDataType dtype) {
  std::ostringstream allowed;
  const char* separator = "";
  ((allowed << separator << DLDataTypeToString(dtype_trait<Allowed>::value), separator = ", "),
   ...);
  TVM_FFI_THROW(TypeError) << name << ": unsupported dtype " << DLDataTypeToString(dtype)
                           << " (expected one of " << allowed.str() << ")";
  TVM_FFI_UNREACHABLE();
}

// Tries each of Candidates in order; Allowed is the whole list, kept for the error message.
template <typename Result, typename... Allowed>
struct DTypeDispatcher {
  template <typename F>
  static Result Run(DLDataType dtype, const char* name, F& /*body*/) {
    ThrowUnsupportedDType<Allowed...>(name, dtype);
  }
  template <typename F, typename T, typename... Rest>
  static Result Run(DLDataType dtype, const char* name, F& body) {
    if (dtype == dtype_trait<T>::value) return body(TypeTag<T>{});
    return Run<F, Rest...>(dtype, name, body);
  }
};

}  // namespace details

/*!
 * \brief Calls body(TypeTag<T>{}) for the T among Ts whose dtype_trait<T>::value is dtype.
 * \param name Names the kernel in the TypeError raised when dtype is none of them.
 */
template <typename... Ts, typename F>
std::invoke_result_t<F&, TypeTag<std::tuple_element_t<0, std::tuple<Ts...>>>> DispatchDType(
    DLDataType dtype, const char* name, F&& body) {
  static_assert(sizeof...(Ts) > 0, "DispatchDType needs at least one type");
  using Result = std::invoke_result_t<F&, TypeTag<std::tuple_element_t<0, std::tuple<Ts...>>>>;
  return details::DTypeDispatcher<Result, Ts...>::template Run<F, Ts...>(dtype, name, body);
}

}  // namespace ffi
}  // namespace tvm

// The user's lambda is pasted where `scalar_t` is in scope, then called.
#define TVM_FFI_DISPATCH_BODY_(...)                                                   \
  [&](auto tvm_ffi_dispatch_tag_) -> decltype(auto) {                                 \
    using scalar_t [[maybe_unused]] = typename decltype(tvm_ffi_dispatch_tag_)::type; \
    return __VA_ARGS__();                                                             \
  }
#define TVM_FFI_DISPATCH_UNPAREN_(...) __VA_ARGS__

/* TVM_FFI_DISPATCH_TYPES(dtype, "name", (float, int64_t, ...), [&] { ... scalar_t ... }) */
#define TVM_FFI_DISPATCH_TYPES(DTYPE, NAME, TYPES, ...)                       \
  ::tvm::ffi::DispatchDType<TVM_FFI_DISPATCH_UNPAREN_ TYPES>((DTYPE), (NAME), \
                                                             TVM_FFI_DISPATCH_BODY_(__VA_ARGS__))

/* float32, float64 (AT_DISPATCH_FLOATING_TYPES). */
#define TVM_FFI_DISPATCH_FLOATING_TYPES(DTYPE, NAME, ...) \
  TVM_FFI_DISPATCH_TYPES(DTYPE, NAME, (float, double), __VA_ARGS__)

/* uint8, int8, int16, int32, int64 (AT_DISPATCH_INTEGRAL_TYPES). */
#define TVM_FFI_DISPATCH_INTEGRAL_TYPES(DTYPE, NAME, ...) \
  TVM_FFI_DISPATCH_TYPES(DTYPE, NAME, (uint8_t, int8_t, int16_t, int32_t, int64_t), __VA_ARGS__)

/* The floating and integral types above (AT_DISPATCH_ALL_TYPES). */
#define TVM_FFI_DISPATCH_ALL_TYPES(DTYPE, NAME, ...)                                               \
  TVM_FFI_DISPATCH_TYPES(DTYPE, NAME, (float, double, uint8_t, int8_t, int16_t, int32_t, int64_t), \
                         __VA_ARGS__)

// float16 and bfloat16 have C++ types only once the CUDA headers declare them.
#if defined(__CUDA_FP16_TYPES_EXIST__) && defined(__CUDA_BF16_TYPES_EXIST__)
/* float32, float64, float16 (__half), bfloat16 (__nv_bfloat16). */
#define TVM_FFI_DISPATCH_FLOATING_AND_HALF_TYPES(DTYPE, NAME, ...) \
  TVM_FFI_DISPATCH_TYPES(DTYPE, NAME, (float, double, __half, __nv_bfloat16), __VA_ARGS__)
#endif

#endif  // TVM_FFI_EXTRA_DTYPE_DISPATCH_H_
