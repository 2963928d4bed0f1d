// One realistic kernel library, compiled against both header sets (apache-tvm-ffi's with its
// documented flags, and this project's through tvm_ffi_jit.cpp.build): every function uses
// only API both sides spell the same way.
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/string.h>

#include <cstdint>
#include <string>

namespace ffi = tvm::ffi;

void add_one(ffi::TensorView x, ffi::TensorView y) {
  TVM_FFI_CHECK(x.dtype().code == kDLFloat && x.dtype().bits == 32, TypeError)
      << "add_one expects float32";
  const float* in = static_cast<const float*>(x.data_ptr());
  float* out = static_cast<float*>(y.data_ptr());
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] + 1.0f;
}

int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }

ffi::String greet(ffi::String name) { return ffi::String("hello, " + std::string(name)); }

int64_t sum_array(ffi::Array<int64_t> values) {
  int64_t total = 0;
  for (int64_t v : values) total += v;
  return total;
}

int64_t map_lookup(ffi::Map<ffi::String, int64_t> table, ffi::String key) {
  if (table.count(key) == 0) TVM_FFI_THROW(KeyError) << "no key " << std::string(key);
  return table.at(key);
}

ffi::Map<ffi::String, int64_t> make_map(int64_t n) {
  ffi::Map<ffi::String, int64_t> table;
  for (int64_t i = 0; i < n; ++i) table.Set(ffi::String("k" + std::to_string(i)), i * i);
  return table;
}

int64_t raise_value_error(int64_t x) {
  TVM_FFI_THROW(ValueError) << "bad value " << x;
  return x;
}

int64_t call_back(ffi::Function f, int64_t x) { return f(x, 10).cast<int64_t>() + 1; }

ffi::Tensor env_alloc_iota(ffi::TensorView like, int64_t n) {
  ffi::Tensor out = ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, ffi::Shape({n}),
                                              like.dtype(), like.device());
  float* data = static_cast<float*>(out.data_ptr());
  for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(i) * 0.5f;
  return out;
}

ffi::String big_string(int64_t n) { return ffi::String(std::string(static_cast<size_t>(n), 'x')); }

TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, add_one);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add3, add3);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(greet, greet);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(sum_array, sum_array);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(map_lookup, map_lookup);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(make_map, make_map);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(raise_value_error, raise_value_error);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(call_back, call_back);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(env_alloc_iota, env_alloc_iota);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(big_string, big_string);

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("interop_probe.scaled_sum",
                                        [](int64_t a, int64_t b) { return a * 100 + b; });
}
