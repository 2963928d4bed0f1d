"""TVM_FFI_EMBED_CUBIN finds the cubin load_inline(embed_cubin=...) links in; launching it
without a GPU raises a clear RuntimeError (the GPU run is in tests/cuda)."""

import os

import pytest
from cubin_embed import ADD_ONE_KERNEL, build_launcher
from fake_device import FakeCudaArray

from tvm_ffi_jit.build_error import ToolchainError
from tvm_ffi_jit.cpp import nvrtc, toolchain

CUDA_HOME = toolchain.cuda_home()


def _nvrtc_loads():
    try:
        nvrtc._nvrtc()
    except ToolchainError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(not _nvrtc_loads(), reason="libnvrtc not installed"),
    pytest.mark.skipif(
        CUDA_HOME is None or not os.path.isfile(os.path.join(CUDA_HOME, "include", "cuda.h")),
        reason="CUDA toolkit headers not installed",
    ),
]


@pytest.fixture(scope="module")
def cubin():
    return nvrtc.nvrtc_compile(ADD_ONE_KERNEL, arch="sm_80")


@pytest.fixture(scope="module")
def launcher(cubin):
    return build_launcher(cubin, CUDA_HOME)


def test_embedded_image_is_the_cubin(launcher, cubin):
    assert launcher.image_size() == len(cubin)
    assert bytes(launcher.image_head()) == b"\x7fELF"


@pytest.mark.skipif(bool(toolchain._visible_gpu_archs()), reason="checks the no-GPU behaviour")
def test_launch_without_a_gpu_raises_and_can_be_retried(launcher):
    for _ in range(2):  # the failed load is not cached: the second call tries again
        x, y = FakeCudaArray((8,)), FakeCudaArray((8,))
        with pytest.raises(RuntimeError, match="CUDA Error: .*while loading a cubin image"):
            launcher.add_one(x, y)
        assert x.deleted == 1 and y.deleted == 1


def test_argument_checks_run_before_the_image_is_loaded(launcher):
    with pytest.raises(ValueError, match="same size"):
        launcher.add_one(FakeCudaArray((8,)), FakeCudaArray((4,)))
