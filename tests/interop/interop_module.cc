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
#include <cstdlib>
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
  ffi::Tensor out =
      ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, ffi::Shape({n}), like.dtype(), like.device());
  float* data = static_cast<float*>(out.data_ptr());
  for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(i) * 0.5f;
  return out;
}

// A view of elements 1 and 3 (TVMFFITensorCreateUnsafeView); it keeps `t` alive.
ffi::Tensor every_other(ffi::Tensor t) {
  ffi::Shape shape({2}), strides({2});
  return t.as_strided(shape, strides, 1);
}

// Memory from this library's allocator: whichever runtime frees the tensor runs its FreeData.
struct MallocAlloc {
  void AllocData(DLTensor* t) { t->data = std::malloc(ffi::GetDataSize(*t)); }
  void FreeData(DLTensor* t) { std::free(t->data); }
};

ffi::Tensor nd_alloc_iota(int64_t n) {
  ffi::Tensor t = ffi::Tensor::FromNDAlloc(MallocAlloc(), ffi::Shape({n}),
                                           DLDataType{kDLFloat, 32, 1}, DLDevice{kDLCPU, 0});
  float* data = static_cast<float*>(t.data_ptr());
  for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(2 * i);
  return t;
}

// DLPack 1.x out and back in: [major, minor, flags, ndim, numel, same memory].
ffi::Array<int64_t> dlpack_roundtrip(ffi::Tensor t) {
  DLManagedTensorVersioned* exported = t.ToDLPackVersioned();
  ffi::Array<int64_t> facts{exported->version.major, exported->version.minor,
                            static_cast<int64_t>(exported->flags)};
  ffi::Tensor back = ffi::Tensor::FromDLPackVersioned(exported);
  facts.push_back(back.ndim());
  facts.push_back(back.numel());
  facts.push_back(back.data_ptr() == t.data_ptr() ? 1 : 0);
  return facts;
}

// The runtime's DLPack import refuses what the caller requires against, with RuntimeError,
// and leaves the managed tensor to the caller: [refused misaligned, its kind is
// RuntimeError, refused non-contiguous, deleter calls after refusals, after a release].
int import_deleter_calls = 0;
ffi::Array<int64_t> import_refusals(ffi::Tensor t) {
  static int64_t shape[1] = {2}, strides[1] = {2};
  auto make = [&](uint64_t byte_offset, bool strided) {
    auto* managed = new DLManagedTensorVersioned{};
    managed->version = {DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
    managed->deleter = [](DLManagedTensorVersioned* self) {
      ++import_deleter_calls;
      delete self;
    };
    managed->dl_tensor = *t.GetDLTensorPtr();
    managed->dl_tensor.ndim = 1;
    managed->dl_tensor.shape = shape;
    managed->dl_tensor.strides = strided ? strides : nullptr;
    managed->dl_tensor.byte_offset = byte_offset;
    return managed;
  };
  import_deleter_calls = 0;
  TVMFFIObjectHandle out = nullptr;
  DLManagedTensorVersioned* misaligned = make(4, false);
  int misaligned_code = TVMFFITensorFromDLPackVersioned(misaligned, 64, 0, &out);
  TVMFFIObjectHandle error = nullptr;
  TVMFFIErrorMoveFromRaised(&error);
  TVMFFIByteArray kind = error ? TVMFFIErrorGetCellPtr(error)->kind : TVMFFIByteArray{"", 0};
  bool runtime_error = std::string(kind.data, kind.size) == "RuntimeError";
  if (error) TVMFFIObjectDecRef(error);
  DLManagedTensorVersioned* strided = make(0, true);
  int strided_code = TVMFFITensorFromDLPackVersioned(strided, 0, 1, &out);
  TVMFFIErrorMoveFromRaised(&error);
  if (error) TVMFFIObjectDecRef(error);
  int64_t after_refusals = import_deleter_calls;
  misaligned->deleter(misaligned);
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITensorFromDLPackVersioned(strided, 0, 0, &out));
  TVMFFIObjectDecRef(out);
  return {misaligned_code != 0, runtime_error, strided_code != 0, after_refusals,
          import_deleter_calls - 1};
}

int FailingAllocator(DLTensor*, DLManagedTensorVersioned**, void* error_ctx,
                     void (*SetError)(void*, const char*, const char*)) {
  SetError(error_ctx, "MemoryError", "no room for the interop probe");
  return -1;
}

// The environment API as the ABI defines it, each fact 1 when it holds: an allocator error
// comes back with its kind and message; the thread's allocator is the one set and the
// setter hands back the previous one; a stream is set, read and restored per device.
ffi::Array<int64_t> env_semantics() {
  DLPackManagedTensorAllocator previous = nullptr;
  TVMFFIEnvSetDLPackManagedTensorAllocator(FailingAllocator, 0, &previous);
  bool installed = TVMFFIEnvGetDLPackManagedTensorAllocator() == FailingAllocator;
  int64_t shape[1] = {3};
  DLTensor prototype{};
  prototype.device = DLDevice{kDLCPU, 0};
  prototype.ndim = 1;
  prototype.dtype = DLDataType{kDLFloat, 32, 1};
  prototype.shape = shape;
  TVMFFIObjectHandle out = nullptr;
  int code = TVMFFIEnvTensorAlloc(&prototype, &out);
  TVMFFIObjectHandle error = nullptr;
  TVMFFIErrorMoveFromRaised(&error);
  std::string kind, message;
  if (error != nullptr) {
    TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(error);
    kind.assign(cell->kind.data, cell->kind.size);
    message.assign(cell->message.data, cell->message.size);
    TVMFFIObjectDecRef(error);
  }
  DLPackManagedTensorAllocator replaced_allocator = nullptr;
  TVMFFIEnvSetDLPackManagedTensorAllocator(previous, 0, &replaced_allocator);
  TVMFFIStreamHandle original = &shape, fake = &prototype, replaced_stream = nullptr;
  TVMFFIEnvSetStream(kDLCUDA, 3, fake, &original);
  bool stream_read = TVMFFIEnvGetStream(kDLCUDA, 3) == fake;
  TVMFFIEnvSetStream(kDLCUDA, 3, original, &replaced_stream);
  return {code != 0,
          kind == "MemoryError",
          message == "no room for the interop probe",
          installed,
          replaced_allocator == FailingAllocator,
          stream_read,
          replaced_stream == fake,
          original == nullptr && TVMFFIEnvGetStream(kDLCUDA, 3) == nullptr};
}

// A slot the runtime fills at load with what TVMFFIEnvModRegisterContextSymbol registered.
extern "C" {
TVM_FFI_DLL_EXPORT void* __interop_probe_context = nullptr;
}

int64_t context_symbol_value() {
  return __interop_probe_context ? *static_cast<int64_t*>(__interop_probe_context) : -1;
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
TVM_FFI_DLL_EXPORT_TYPED_FUNC(every_other, every_other);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(nd_alloc_iota, nd_alloc_iota);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(dlpack_roundtrip, dlpack_roundtrip);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(import_refusals, import_refusals);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(env_semantics, env_semantics);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(context_symbol_value, context_symbol_value);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(big_string, big_string);

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("interop_probe.scaled_sum",
                                        [](int64_t a, int64_t b) { return a * 100 + b; });
}
