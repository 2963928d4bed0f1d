"""CUDA without a GPU: sources compile, link and load with nvcc; a kernel call on a
(fake) CUDA tensor raises a clear RuntimeError instead of crashing."""

import os
import pathlib
import shutil

import pytest
from fake_device import FakeCudaArray

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed"),
    pytest.mark.skipif(
        bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
        reason="nvcc does not run with the sanitizer runtimes preloaded (.ci/sanitize)",
    ),
]


@pytest.fixture(scope="module")
def cuda_mod():
    import tvm_ffi_jit.cpp

    os.environ.setdefault("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    return tvm_ffi_jit.cpp.load(
        "cuda_plumbing_test", cuda_files=[str(ROOT / "examples" / "cuda_add_one" / "add_one.cu")]
    )


def _gpu_present():
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def test_cuda_module_loads(cuda_mod):
    assert "add_one_cuda" in cuda_mod


@pytest.mark.skipif(_gpu_present(), reason="checks the behaviour without a GPU")
def test_kernel_without_device_raises_runtime_error(cuda_mod):
    x, y = FakeCudaArray((8,)), FakeCudaArray((8,))
    with pytest.raises(RuntimeError, match="CUDA Runtime Error"):
        cuda_mod.add_one_cuda(x, y)
    assert x.deleted == 1 and y.deleted == 1  # arguments released on the error path too


def test_argument_checks_run_before_the_device(cuda_mod):
    with pytest.raises(ValueError, match="same size"):
        cuda_mod.add_one_cuda(FakeCudaArray((8,)), FakeCudaArray((4,)))
    with pytest.raises(ValueError, match="same device"):
        cuda_mod.add_one_cuda(FakeCudaArray((8,), device_id=0), FakeCudaArray((8,), device_id=1))
