"""The CUDA headers: one include tree in the installed package, and upstream's names at
upstream's paths (tvm/ffi/extra/cuda/base.h, device_guard.h, cubin_launcher.h) with the
behaviour kernel code relies on. Needs the CUDA toolkit's headers and libcudart, no GPU."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from interop import harness

from tvm_ffi_jit import libinfo
from tvm_ffi_jit.cpp import toolchain

ROOT = pathlib.Path(__file__).resolve().parents[1]
CUDA_HOME = toolchain.cuda_home()
pytestmark = pytest.mark.skipif(
    CUDA_HOME is None or not os.path.isfile(os.path.join(CUDA_HOME, "include", "cuda.h")),
    reason="CUDA toolkit headers not installed",
)
CUDA_HEADERS = [
    "base.h",
    "check.h",
    "cubin_launcher.h",
    "device_guard.h",
    "env_stream.h",
    "internal/unified_api.h",
    "launch.h",
]

# Written as for upstream: only upstream's names and include paths.
UPSTREAM_STYLE = r"""
#include <tvm/ffi/extra/cuda/base.h>
#include <tvm/ffi/extra/cuda/cubin_launcher.h>
#include <tvm/ffi/extra/cuda/device_guard.h>
#include <tvm/ffi/tvm_ffi.h>

TVM_FFI_EMBED_CUBIN(my_kernels);
static const unsigned char kImage[] = {0x7f, 'E', 'L', 'F'};
TVM_FFI_EMBED_CUBIN_FROM_BYTES(byte_kernels, kImage);

void AddOne(tvm::ffi::TensorView x, tvm::ffi::TensorView y) {
  static auto kernel = TVM_FFI_EMBED_CUBIN_GET_KERNEL(my_kernels, "add_one");
  tvm::ffi::CUDADeviceGuard guard(x.device().device_id);
  void* x_ptr = x.data_ptr();
  void* y_ptr = y.data_ptr();
  int64_t n = x.size(0);
  void* args[] = {&x_ptr, &y_ptr, &n};
  tvm::ffi::dim3 grid((n + 255) / 256), block(256);
  DLDevice device = x.device();
  cudaStream_t stream =
      static_cast<cudaStream_t>(TVMFFIEnvGetStream(device.device_type, device.device_id));
  TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(kernel.Launch(args, grid, block, stream));
  TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(kernel.Launch(args, grid, block, stream, 1024));
  TVM_FFI_CHECK_CUDA_ERROR(cudaStreamSynchronize(stream));
}

void Others(tvm::ffi::Bytes image, void** args, cudaStream_t stream) {
  tvm::ffi::CubinModule module(image);
  tvm::ffi::CubinKernel a = module["a"];
  tvm::ffi::CubinKernel b = module.GetKernel("b");
  tvm::ffi::CubinKernel c = module.GetKernelWithMaxDynamicSharedMemory("c", -1);
  tvm::ffi::CubinModule moved = std::move(module);
  tvm::ffi::cuda_api::LibraryHandle library = moved.GetHandle();
  tvm::ffi::CubinKernel d(library, "d");
  tvm::ffi::cuda_api::LaunchConfig config;
  tvm::ffi::cuda_api::LaunchAttrType attr;
  tvm::ffi::cuda_api::ConstructLaunchConfig(a.GetHandle(), stream, 0, tvm::ffi::dim3(2, 3),
                                            tvm::ffi::dim3(32, 1, 1), 2, config, attr);
  TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(b.LaunchEx(args, config));
  static auto from_bytes = TVM_FFI_EMBED_CUBIN_GET_KERNEL(byte_kernels, "k");
  (void)c;
  (void)d;
  (void)from_bytes;
}

TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, AddOne);
"""

BEHAVIOUR = r"""
#include <tvm/ffi/extra/cuda/base.h>
#include <tvm/ffi/extra/cuda/check.h>
#include <tvm/ffi/extra/cuda/cubin_launcher.h>
#include <tvm/ffi/extra/cuda/device_guard.h>
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

void check_runtime_error(std::string context) {
  TVM_FFI_CHECK_CUDA_ERROR(cudaErrorInvalidValue) << context;
}
int check_in_unbraced_if(bool fail) {
  if (fail)
    TVM_FFI_CHECK_CUDA_ERROR(cudaErrorInvalidValue);
  else
    return 1;
  return 2;
}
void check_success() { TVM_FFI_CHECK_CUDA_ERROR(cudaSuccess) << "never shown"; }
void check_launcher_error() { TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(cudaErrorInvalidValue); }
ffi::Array<int64_t> dims() {
  ffi::dim3 a, b(4), c(4, 5), d(4, 5, 6);
  return {a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z, d.x, d.y, d.z};
}
void guard(int device) { ffi::CUDADeviceGuard guard(device); }
void load_image(ffi::Bytes image) { ffi::CubinModule module(image); }
void load_null() { ffi::CubinModule module(static_cast<const char*>(nullptr)); }
"""


@pytest.fixture(scope="module")
def built_package(tmp_path_factory):
    """The package as `pip install .` lays it out (setup.py's build_py step, no compiling)."""
    out = tmp_path_factory.mktemp("build_lib")
    command = [sys.executable, str(ROOT / "setup.py"), "-q", "build_py", "--build-lib", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out / "tvm_ffi_jit"


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    cuda_lib = os.path.join(CUDA_HOME, "lib64")
    return tvm_ffi_jit.cpp.load_inline(
        "cuda_headers_behaviour",
        cpp_sources=BEHAVIOUR,
        functions=[
            "check_runtime_error",
            "check_in_unbraced_if",
            "check_success",
            "check_launcher_error",
            "dims",
            "guard",
            "load_image",
            "load_null",
        ],
        extra_include_paths=[os.path.join(CUDA_HOME, "include")],
        extra_ldflags=[f"-L{cuda_lib}", "-lcudart", f"-Wl,-rpath,{cuda_lib}"],
    )


def _gpu_present():
    return bool(toolchain._visible_gpu_archs())


def test_installed_package_has_one_include_tree_holding_the_cuda_headers(built_package):
    include = built_package / "include"
    for header in ["tvm/ffi/c_api.h", "tvm/ffi/tvm_ffi.h", "dlpack/dlpack.h"]:
        assert (include / header).is_file(), header
    for header in CUDA_HEADERS:
        assert (include / "tvm/ffi/extra/cuda" / header).is_file(), header
    assert not (built_package / "cuda").exists()


def test_installed_layout_gives_one_include_dir(built_package, monkeypatch):
    monkeypatch.setattr(libinfo, "_PACKAGE_DIR", str(built_package))
    assert libinfo.include_dirs() == [str(built_package / "include")]
    assert libinfo.installed_include_dirs() == libinfo.include_dirs()


def test_checkout_layout_adds_the_cuda_folder(monkeypatch):
    monkeypatch.setattr(libinfo, "_PACKAGE_DIR", str(ROOT / "tvm_ffi_jit"))
    assert libinfo.include_dirs() == [str(ROOT / "include"), str(ROOT / "cuda")]


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
@pytest.mark.parametrize("driver_api", ["0", "1"])
@pytest.mark.parametrize("headers", ["installed", "upstream"])
def test_upstream_style_source_compiles(built_package, tmp_path, driver_api, headers):
    """Against our installed tree; against upstream's too, which shows the source is fair."""
    if headers == "installed":
        include_dirs = [str(built_package / "include")]
    else:
        include_dirs = harness.upstream().include_dirs
    source = tmp_path / "upstream_style.cc"
    source.write_text(UPSTREAM_STYLE)
    command = [
        "g++",
        "-std=c++17",
        "-fsyntax-only",
        "-Wall",
        "-Werror",
        f"-DTVM_FFI_CUBIN_LAUNCHER_USE_DRIVER_API={driver_api}",
        *(f"-I{d}" for d in include_dirs),
        f"-I{os.path.join(CUDA_HOME, 'include')}",
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_cuda_error_check_names_the_error_the_call_and_the_context(mod):
    with pytest.raises(RuntimeError) as info:
        mod.check_runtime_error("while testing")
    message = str(info.value)
    assert message.startswith("CUDA Runtime Error: cudaErrorInvalidValue (1): invalid argument")
    assert "[cudaErrorInvalidValue]" in message
    assert message.rstrip().endswith("while testing")


def test_cuda_error_check_is_one_statement_and_passes_success(mod):
    assert mod.check_in_unbraced_if(False) == 1
    with pytest.raises(RuntimeError, match="cudaErrorInvalidValue"):
        mod.check_in_unbraced_if(True)
    assert mod.check_success() is None


def test_launcher_error_check_names_the_error(mod):
    with pytest.raises(RuntimeError, match=r"^CUDA Error: cudaErrorInvalidValue \(1\): invalid"):
        mod.check_launcher_error()


def test_dim3_fills_unset_extents_with_one(mod):
    assert list(mod.dims()) == [1, 1, 1, 4, 1, 1, 4, 5, 1, 4, 5, 6]


def test_loading_a_non_cubin_image_raises_runtime_error(mod):
    with pytest.raises(RuntimeError, match="CUDA Error: .*while loading a cubin image"):
        mod.load_image(b"\x7fELF not really a cubin")
    with pytest.raises(ValueError, match="image is null"):
        mod.load_null()


@pytest.mark.skipif(_gpu_present(), reason="checks the behaviour without a GPU")
def test_device_guard_without_a_device_raises_runtime_error(mod):
    with pytest.raises(RuntimeError, match="CUDA Runtime Error"):
        mod.guard(0)
