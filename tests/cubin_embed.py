"""Test helper: a module that launches an NVRTC-compiled add_one kernel through
TVM_FFI_EMBED_CUBIN, the cubin placed in the library by load_inline(embed_cubin=...)."""

import os

ADD_ONE_KERNEL = r"""
extern "C" __global__ void add_one(const float* x, float* y, long long n) {
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] + 1.0f;
}
"""

LAUNCHER = r"""
#include <tvm/ffi/extra/cuda/cubin_launcher.h>
#include <tvm/ffi/tvm_ffi.h>

#include <string>

namespace ffi = tvm::ffi;

TVM_FFI_EMBED_CUBIN(add_one_kernels);

int64_t image_size() {
  return __tvm_ffi__cubin_add_one_kernels_end - __tvm_ffi__cubin_add_one_kernels;
}
ffi::Bytes image_head() { return ffi::Bytes(std::string(__tvm_ffi__cubin_add_one_kernels, 4)); }

void add_one(ffi::TensorView x, ffi::TensorView y) {
  TVM_FFI_CHECK(x.numel() == y.numel(), ValueError) << "x and y must have the same size";
  static auto kernel = TVM_FFI_EMBED_CUBIN_GET_KERNEL(add_one_kernels, "add_one");
  void* x_ptr = x.data_ptr();
  void* y_ptr = y.data_ptr();
  long long n = x.numel();
  void* args[] = {&x_ptr, &y_ptr, &n};
  DLDevice device = x.device();
  auto stream = static_cast<cudaStream_t>(TVMFFIEnvGetStream(device.device_type, device.device_id));
  TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(kernel.Launch(
      args, ffi::dim3(static_cast<unsigned>((n + 255) / 256)), ffi::dim3(256), stream));
}
"""


def build_launcher(cubin: bytes, cuda_home: str):
    """The launcher module: host code only (the C++ compiler), the cubin linked in by
    load_inline's embed_cubin, libcudart for the launch."""
    import tvm_ffi_jit.cpp

    cuda_lib = os.path.join(cuda_home, "lib64")
    return tvm_ffi_jit.cpp.load_inline(
        "cubin_launcher_add_one",
        cpp_sources=LAUNCHER,
        functions=["image_size", "image_head", "add_one"],
        extra_include_paths=[os.path.join(cuda_home, "include")],
        extra_ldflags=[f"-L{cuda_lib}", "-lcudart", f"-Wl,-rpath,{cuda_lib}"],
        embed_cubin={"add_one_kernels": cubin},
    )
