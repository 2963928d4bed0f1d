/*
 * dtype_trait<T>::value: the DLDataType of a C++ element type, for kernels templated on it
 * (int8_t..uint64_t, float, double, bool, and the CUDA/HIP half, bfloat16, fp8 and fp4
 * types, which are only declared here: include their CUDA/HIP headers to use them).
 */
#ifndef TVM_FFI_EXTRA_DTYPE_H_
#define TVM_FFI_EXTRA_DTYPE_H_

#include <dlpack/dlpack.h>
#include <tvm/ffi/base_details.h>

#include <cstdint>
#include <type_traits>

// Declared so the traits below can name them without the CUDA/HIP headers.
struct __half;
struct __nv_bfloat16;
struct __nv_fp8_e4m3;
struct __nv_fp8_e5m2;
struct __nv_fp8_e8m0;
struct __nv_fp4_e2m1;
struct __nv_fp4x2_e2m1;
struct __hip_bfloat16;
struct hip_bfloat16;
struct __hip_fp8_e4m3;
struct __hip_fp8_e4m3_fnuz;
struct __hip_fp8_e5m2;
struct __hip_fp8_e5m2_fnuz;
struct __hip_fp4_e2m1;
struct __hip_fp4x2_e2m1;

namespace tvm {
namespace ffi {

/*! \brief dtype_trait<T>::value is T's DLDataType; undefined for other types. */
template <typename T>
struct dtype_trait {};

namespace details {
template <uint8_t kCode, uint8_t kBits, uint16_t kLanes = 1>
struct FixedDType {
  static constexpr DLDataType value = {kCode, kBits, kLanes};
};
template <typename T>
using IntDType = FixedDType<std::is_signed_v<T> ? kDLInt : kDLUInt, sizeof(T) * 8>;
}  // namespace details

template <>
struct dtype_trait<signed char> : details::IntDType<signed char> {};
template <>
struct dtype_trait<unsigned char> : details::IntDType<unsigned char> {};
template <>
struct dtype_trait<short> : details::IntDType<short> {};
template <>
struct dtype_trait<unsigned short> : details::IntDType<unsigned short> {};
template <>
struct dtype_trait<int> : details::IntDType<int> {};
template <>
struct dtype_trait<unsigned int> : details::IntDType<unsigned int> {};
template <>
struct dtype_trait<long> : details::IntDType<long> {};
template <>
struct dtype_trait<unsigned long> : details::IntDType<unsigned long> {};
template <>
struct dtype_trait<long long> : details::IntDType<long long> {};
template <>
struct dtype_trait<unsigned long long> : details::IntDType<unsigned long long> {};
template <>
struct dtype_trait<float> : details::FixedDType<kDLFloat, 32> {};
template <>
struct dtype_trait<double> : details::FixedDType<kDLFloat, 64> {};
template <>
struct dtype_trait<bool> : details::FixedDType<kDLBool, 8> {};

template <>
struct dtype_trait<__half> : details::FixedDType<kDLFloat, 16> {};
template <>
struct dtype_trait<__nv_bfloat16> : details::FixedDType<kDLBfloat, 16> {};
template <>
struct dtype_trait<__nv_fp8_e4m3> : details::FixedDType<kDLFloat8_e4m3fn, 8> {};
template <>
struct dtype_trait<__nv_fp8_e5m2> : details::FixedDType<kDLFloat8_e5m2, 8> {};
template <>
struct dtype_trait<__nv_fp8_e8m0> : details::FixedDType<kDLFloat8_e8m0fnu, 8> {};
template <>
struct dtype_trait<__nv_fp4_e2m1> : details::FixedDType<kDLFloat4_e2m1fn, 4> {};
template <>
struct dtype_trait<__nv_fp4x2_e2m1> : details::FixedDType<kDLFloat4_e2m1fn, 4, 2> {};

template <>
struct dtype_trait<__hip_bfloat16> : details::FixedDType<kDLBfloat, 16> {};
template <>
struct dtype_trait<hip_bfloat16> : details::FixedDType<kDLBfloat, 16> {};
template <>
struct dtype_trait<__hip_fp8_e4m3> : details::FixedDType<kDLFloat8_e4m3fn, 8> {};
template <>
struct dtype_trait<__hip_fp8_e4m3_fnuz> : details::FixedDType<kDLFloat8_e4m3fnuz, 8> {};
template <>
struct dtype_trait<__hip_fp8_e5m2> : details::FixedDType<kDLFloat8_e5m2, 8> {};
template <>
struct dtype_trait<__hip_fp8_e5m2_fnuz> : details::FixedDType<kDLFloat8_e5m2fnuz, 8> {};
template <>
struct dtype_trait<__hip_fp4_e2m1> : details::FixedDType<kDLFloat4_e2m1fn, 4> {};
template <>
struct dtype_trait<__hip_fp4x2_e2m1> : details::FixedDType<kDLFloat4_e2m1fn, 4, 2> {};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_DTYPE_H_
