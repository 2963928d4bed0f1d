"""Real GPU tests: torch CUDA tensors, streams, the framework allocator, cupy arrays.
Skipped on machines without a CUDA device."""

import os
import pathlib

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

import tvm_ffi_jit as ffi  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]

STREAM_SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
namespace ffi = tvm::ffi;
int64_t env_stream(ffi::TensorView t) {
  DLDevice d = t.device();
  return reinterpret_cast<int64_t>(TVMFFIEnvGetStream(d.device_type, d.device_id));
}
ffi::Tensor empty_like(ffi::TensorView t) {
  return ffi::Tensor::FromEnvAlloc(t.shape(), t.dtype(), t.device());
}
"""


@pytest.fixture(scope="module")
def add_one():
    import tvm_ffi_jit.cpp

    os.environ.setdefault("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    return tvm_ffi_jit.cpp.load(
        "gpu_add_one", cuda_files=[str(ROOT / "examples" / "cuda_add_one" / "add_one.cu")]
    )


@pytest.fixture(scope="module")
def helpers():
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline(
        "gpu_helpers", cpp_sources=STREAM_SOURCE, functions=["env_stream", "empty_like"]
    )


def test_add_one_on_torch_cuda(add_one):
    x = torch.arange(1000, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    add_one.add_one_cuda(x, y)
    torch.cuda.synchronize()
    assert torch.equal(y.cpu(), torch.arange(1, 1001, dtype=torch.float32))


def test_call_runs_on_torch_current_stream(helpers):
    x = torch.zeros(4, device="cuda")
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        assert helpers.env_stream(x) == stream.cuda_stream
    assert helpers.env_stream(x) == torch.cuda.current_stream().cuda_stream
    assert ffi.get_raw_stream("cuda:0") == 0  # restored after each call


def test_use_torch_stream(helpers):
    stream = torch.cuda.Stream()
    with ffi.use_torch_stream(stream):
        assert ffi.get_raw_stream("cuda:0") == stream.cuda_stream
        assert torch.cuda.current_stream() == stream


def test_allocation_through_torch(helpers):
    x = torch.zeros(3, 4, device="cuda")
    out = helpers.empty_like(x)
    assert type(out) is torch.Tensor and out.is_cuda and out.shape == (3, 4)


def test_cupy_arrays(add_one):
    cupy = pytest.importorskip("cupy")
    x = cupy.arange(16, dtype=cupy.float32)
    y = cupy.empty_like(x)
    add_one.add_one_cuda(x, y)
    cupy.cuda.Device().synchronize()
    assert (y.get() == x.get() + 1).all()


def test_tensor_exports_to_torch_and_cupy():
    x = torch.arange(6, dtype=torch.float32, device="cuda")
    t = ffi.from_dlpack(x)
    assert t.device == ffi.device("cuda:0") and t.shape == (6,)
    assert torch.equal(torch.from_dlpack(t), x)
    cupy = pytest.importorskip("cupy")
    assert (cupy.from_dlpack(t).get() == x.cpu().numpy()).all()
