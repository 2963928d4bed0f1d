"""cpp.nvrtc.nvrtc_compile: CUDA source to a cubin in process with libnvrtc (no GPU needed);
compile errors carry NVRTC's log."""

import struct

import pytest

from tvm_ffi_jit import BuildError
from tvm_ffi_jit.build_error import ToolchainError
from tvm_ffi_jit.cpp import nvrtc, toolchain


def _nvrtc_loads():
    try:
        nvrtc._nvrtc()
    except ToolchainError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _nvrtc_loads(), reason="libnvrtc not installed")

ADD_ONE = r"""
extern "C" __global__ void add_one(const float* x, float* y, long long n) {
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] + 1.0f;
}
"""
EM_CUDA = 190  # ELF e_machine of NVIDIA CUDA images


def _elf_machine(image: bytes) -> int:
    return struct.unpack_from("<H", image, 18)[0]


def test_compiles_a_kernel_to_a_cubin_holding_its_name():
    cubin = nvrtc.nvrtc_compile(ADD_ONE, arch="sm_80")
    assert isinstance(cubin, bytes)
    assert cubin[:4] == b"\x7fELF"
    assert _elf_machine(cubin) == EM_CUDA
    assert b"add_one" in cubin


def test_arch_spellings_name_the_same_target():
    by_sm = nvrtc.nvrtc_compile(ADD_ONE, arch="sm_80")
    assert nvrtc.nvrtc_compile(ADD_ONE, arch="8.0") == by_sm
    assert nvrtc.nvrtc_compile(ADD_ONE, arch="80") == by_sm
    assert nvrtc.nvrtc_compile(ADD_ONE, arch="sm_90") != by_sm


def test_extra_options_reach_the_compiler():
    source = '#ifndef SCALE\n#error "SCALE is not defined"\n#endif\n' + ADD_ONE
    assert nvrtc.nvrtc_compile(source, arch="sm_80", extra_opts=["-DSCALE=2"])[:4] == b"\x7fELF"
    with pytest.raises(BuildError, match="SCALE is not defined"):
        nvrtc.nvrtc_compile(source, arch="sm_80")


def test_toolkit_headers_are_on_the_include_path():
    if toolchain.cuda_home() is None:
        pytest.skip("no CUDA toolkit headers")
    one = "__half2float(__float2half(1.0f))"
    source = "#include <cuda_fp16.h>\n" + ADD_ONE.replace("1.0f", one)
    assert b"add_one" in nvrtc.nvrtc_compile(source, arch="sm_80")


def test_compile_error_raises_build_error_with_the_log_and_file_name():
    with pytest.raises(BuildError) as info:
        nvrtc.nvrtc_compile("__global__ void k() { int x = ; }", name="broken.cu", arch="sm_80")
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "broken.cu(1): error: expected an expression" in message
    assert "NVRTC_ERROR_COMPILATION" in message


def test_bad_arguments_are_named():
    with pytest.raises(ToolchainError, match="cannot parse CUDA arch 'gpu9'"):
        nvrtc.nvrtc_compile(ADD_ONE, arch="gpu9")
    with pytest.raises(ValueError, match="one GPU architecture"):
        nvrtc.nvrtc_compile(ADD_ONE, arch="8.0;9.0")
    with pytest.raises(TypeError, match="source must be a str"):
        nvrtc.nvrtc_compile(b"bytes")
    with pytest.raises(TypeError, match="extra_opts must be a list"):
        nvrtc.nvrtc_compile(ADD_ONE, arch="sm_80", extra_opts="-DX=1")


@pytest.mark.skipif(bool(toolchain._visible_gpu_archs()), reason="a GPU picks the arch")
def test_arch_defaults_to_the_jit_arch_list_without_a_gpu(monkeypatch):
    monkeypatch.delenv("TORCH_CUDA_ARCH_LIST", raising=False)
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "9.0;8.0")
    assert nvrtc.nvrtc_compile(ADD_ONE) == nvrtc.nvrtc_compile(ADD_ONE, arch="sm_90")
    monkeypatch.delenv("TVM_FFI_CUDA_ARCH_LIST")
    with pytest.raises(ToolchainError, match="pass arch="):
        nvrtc.nvrtc_compile(ADD_ONE)
