"""The C++ each library builds for the benchmark: one set of functions, spelled per binding."""

# tvm_ffi_jit and apache-tvm-ffi build the same source (the same C++ API).
FFI_CALLS = r"""
#include <tvm/ffi/tvm_ffi.h>
#include <tvm/ffi/extra/c_env_api.h>
namespace ffi = tvm::ffi;
void noop() {}
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
void nop3(ffi::TensorView a, ffi::TensorView b, ffi::TensorView c) {}
void nop8(ffi::TensorView a, ffi::TensorView b, ffi::TensorView c, ffi::TensorView d,
          ffi::TensorView e, ffi::TensorView f, ffi::TensorView g, ffi::TensorView h) {}
ffi::Tensor alloc_like(ffi::TensorView t) {
  return ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, t.shape(), t.dtype(), t.device());
}
int64_t map_size(ffi::Map<ffi::String, int64_t> m) { return static_cast<int64_t>(m.size()); }
int64_t array_size(ffi::Array<int64_t> a) { return static_cast<int64_t>(a.size()); }
void fail() { TVM_FFI_THROW(ValueError) << "bench"; }
"""
FFI_CALL_FUNCTIONS = [
    "noop",
    "add3",
    "nop3",
    "nop8",
    "alloc_like",
    "map_size",
    "array_size",
    "fail",
]

# torch.utils.cpp_extension adds <torch/extension.h> (pybind11 with its STL casters).
TORCH_CALLS = r"""
void noop() {}
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
void nop3(const at::Tensor& a, const at::Tensor& b, const at::Tensor& c) {}
void nop8(const at::Tensor& a, const at::Tensor& b, const at::Tensor& c, const at::Tensor& d,
          const at::Tensor& e, const at::Tensor& f, const at::Tensor& g, const at::Tensor& h) {}
at::Tensor alloc_like(const at::Tensor& t) { return at::empty_like(t); }
int64_t map_size(const std::map<std::string, int64_t>& m) { return m.size(); }
int64_t array_size(const std::vector<int64_t>& a) { return a.size(); }
void fail() { throw std::invalid_argument("bench"); }
"""

# The cold-build and warm-load module: one function.
FFI_ONE_FUNCTION = """
#include <tvm/ffi/tvm_ffi.h>
int64_t add_one(int64_t x) { return x + 1; }
"""
TORCH_ONE_FUNCTION = "int64_t add_one(int64_t x) { return x + 1; }\n"

FFI_HEADER_ONLY = "#include <tvm/ffi/tvm_ffi.h>\nint main() { return 0; }\n"

FFI_CUDA = r"""
#include <tvm/ffi/tvm_ffi.h>
__global__ void add_one_kernel(float* x, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] += 1.0f;
}
void add_one(tvm::ffi::TensorView x) {
  int64_t n = x.numel();
  add_one_kernel<<<(n + 255) / 256, 256>>>(static_cast<float*>(x.data_ptr()), n);
}
"""

NVRTC_KERNEL = r"""
extern "C" __global__ void add_one(float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] += 1.0f;
}
"""

# Plain pybind11 at -O2: no torch headers, so no tensor rows (torch's own row covers those).
PYBIND11 = r"""
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
namespace py = pybind11;
PYBIND11_MODULE(bench_pybind11, m) {
  m.def("noop", []() {});
  m.def("add3", [](int64_t a, int64_t b, int64_t c) { return a + b + c; });
  m.def("nop3", [](py::array a, py::array b, py::array c) {});
  m.def("map_size", [](const std::map<std::string, int64_t>& m) { return m.size(); });
  m.def("array_size", [](const std::vector<int64_t>& a) { return a.size(); });
  m.def("fail", []() { throw std::invalid_argument("bench"); });
}
"""

# nanobind at -O2: ndarray takes torch tensors and numpy arrays through DLPack.
NANOBIND = r"""
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <cstdint>
#include <stdexcept>
namespace nb = nanobind;
using Any = nb::ndarray<>;
NB_MODULE(bench_nanobind, m) {
  m.def("noop", []() {});
  m.def("add3", [](int64_t a, int64_t b, int64_t c) { return a + b + c; });
  m.def("nop3", [](Any a, Any b, Any c) {});
  m.def("nop8", [](Any a, Any b, Any c, Any d, Any e, Any f, Any g, Any h) {});
  m.def("alloc_like", [](nb::ndarray<float, nb::c_contig> t) {
    size_t n = t.size();
    float* data = new float[n];
    nb::capsule owner(data, [](void* p) noexcept { delete[] static_cast<float*>(p); });
    size_t shape[1] = {n};
    return nb::ndarray<nb::pytorch, float>(data, 1, shape, owner);
  });
  m.def("map_size", [](const std::map<std::string, int64_t>& m) { return m.size(); });
  m.def("array_size", [](const std::vector<int64_t>& a) { return a.size(); });
  m.def("fail", []() { throw std::invalid_argument("bench"); });
}
"""
