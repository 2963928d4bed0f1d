"""A cubin compiled by NVRTC, embedded with TVM_FFI_EMBED_CUBIN and launched through
CubinKernel on torch's current stream computes y = x + 1. Skipped without a CUDA device."""

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

from cubin_embed import ADD_ONE_KERNEL, build_launcher  # noqa: E402

from tvm_ffi_jit.cpp import nvrtc, toolchain  # noqa: E402


def test_embedded_cubin_kernel_runs():
    major, minor = torch.cuda.get_device_capability()
    cubin = nvrtc.nvrtc_compile(ADD_ONE_KERNEL, arch=f"sm_{major}{minor}")
    launcher = build_launcher(cubin, toolchain.cuda_home())
    x = torch.arange(1000, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    launcher.add_one(x, y)
    torch.cuda.synchronize()
    assert torch.equal(y, x + 1)
