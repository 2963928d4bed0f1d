// Kernels for tests/test_reliability_runtime.py: each drives one hostile case through the
// C++ runtime (sizes that overflow, throwing message operands, deep chains, narrow ints,
// a C++ thread calling back into Python at exit).
#include <tvm/ffi/tvm_ffi.h>

#include <cstdlib>
#include <thread>
#include <vector>

namespace ffi = tvm::ffi;

namespace {
constexpr DLDataType kFloat32{kDLFloat, 32, 1};
constexpr DLDevice kCPU{kDLCPU, 0};

/*! \brief A user allocator sizing its memory with GetDataSize, as allocators usually do. */
struct MallocAlloc {
  void AllocData(DLTensor* tensor) { tensor->data = std::malloc(ffi::GetDataSize(*tensor)); }
  void FreeData(DLTensor* tensor) { std::free(tensor->data); }
};
}  // namespace

int64_t env_alloc_bytes(ffi::Shape shape) {
  ffi::Tensor t = ffi::Tensor::FromEnvAlloc(shape, kFloat32, kCPU);
  return static_cast<int64_t>(ffi::GetDataSize(t));
}

// The C function itself, past the header's check (as another header version would call it).
int64_t env_alloc_c_api(ffi::Shape shape) {
  DLTensor prototype{};
  prototype.device = kCPU;
  prototype.dtype = kFloat32;
  prototype.ndim = static_cast<int32_t>(shape.size());
  prototype.shape = const_cast<int64_t*>(shape.data());
  TVMFFIObjectHandle out = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIEnvTensorAlloc(&prototype, &out));
  TVMFFIObjectDecRef(out);
  return 0;
}

int64_t nd_alloc_bytes(ffi::Shape shape) {
  ffi::Tensor t = ffi::Tensor::FromNDAlloc(MallocAlloc(), shape, kFloat32, kCPU);
  return static_cast<int64_t>(ffi::GetDataSize(t));
}

void throw_with_vector_at(int64_t i) {
  std::vector<int> values{1};
  TVM_FFI_THROW(ValueError) << "value " << values.at(static_cast<size_t>(i));
}

void throw_with_array_at(ffi::Array<int64_t> values, int64_t i) {
  TVM_FFI_THROW(ValueError) << "value " << values[i];
}

void check_with_vector_at(int64_t i) {
  std::vector<int> values{1};
  TVM_FFI_CHECK(i < 0, ValueError) << "value " << values.at(static_cast<size_t>(i));
}

int64_t check_eq_message(int64_t a, int64_t b) {
  TVM_FFI_ICHECK_EQ(a, b) << "a and b differ";
  return a;
}

// A chain a -> [a'] -> [a''] ... `depth` deep, freed when it goes out of scope.
ffi::Array<ffi::Any> deep_array(int64_t depth) {
  ffi::Array<ffi::Any> chain;
  for (int64_t i = 0; i < depth; ++i) chain = ffi::Array<ffi::Any>{chain};
  return chain;
}

int64_t free_deep_array(int64_t depth) {
  deep_array(depth);
  return depth;
}

ffi::Map<ffi::Any, ffi::Any> deep_map(int64_t depth) {
  ffi::Map<ffi::Any, ffi::Any> chain;
  for (int64_t i = 0; i < depth; ++i) {
    ffi::Map<ffi::Any, ffi::Any> next;
    next.Set(i, chain);
    chain = next;
  }
  return chain;
}

int64_t free_deep_map(int64_t depth) {
  deep_map(depth);
  return depth;
}

// A wide tree whose leaves are deeper than the deferral threshold: every node is freed.
int64_t wide_and_deep(int64_t width, int64_t depth) {
  ffi::Array<ffi::Any> leaves;
  for (int64_t w = 0; w < width; ++w) leaves.push_back(deep_array(depth));
  ffi::Array<ffi::Any> root = deep_array(300);
  return static_cast<int64_t>(leaves.size() + root.size());
}

int64_t take_int8(int8_t x) { return x; }
int64_t take_uint8(uint8_t x) { return x; }
int64_t take_int16(int16_t x) { return x; }
int64_t take_uint16(uint16_t x) { return x; }
int64_t take_int32(int32_t x) { return x; }
int64_t take_uint32(uint32_t x) { return x; }
int64_t take_uint64(uint64_t x) { return static_cast<int64_t>(x); }
int64_t take_int64(int64_t x) { return x; }
int64_t take_two(int64_t a, uint8_t b) { return a + b; }

// A detached C++ thread calling `callback` forever: it still runs when Python exits.
void start_callback_thread(ffi::Function callback) {
  std::thread([callback] {
    for (;;) callback();
  }).detach();
}

TVM_FFI_DLL_EXPORT_TYPED_FUNC(env_alloc_bytes, env_alloc_bytes);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(env_alloc_c_api, env_alloc_c_api);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(nd_alloc_bytes, nd_alloc_bytes);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(throw_with_vector_at, throw_with_vector_at);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(throw_with_array_at, throw_with_array_at);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(check_with_vector_at, check_with_vector_at);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(check_eq_message, check_eq_message);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(deep_array, deep_array);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(free_deep_array, free_deep_array);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(deep_map, deep_map);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(free_deep_map, free_deep_map);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(wide_and_deep, wide_and_deep);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_int8, take_int8);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_uint8, take_uint8);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_int16, take_int16);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_uint16, take_uint16);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_int32, take_int32);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_uint32, take_uint32);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_uint64, take_uint64);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_int64, take_int64);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(take_two, take_two);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(start_callback_thread, start_callback_thread);
