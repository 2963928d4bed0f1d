"""Tensors in and out: zero-copy, dtypes, strides, read-only arrays, framework types,
devices and streams (with a fake CUDA array), lifetimes and leaks."""

import gc
import os
import sys
import weakref

import numpy as np
import pytest
from fake_device import FakeCudaArray

import tvm_ffi_jit as ffi

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
namespace ffi = tvm::ffi;

std::string dtype_name(ffi::TensorView t) { return ffi::DLDataTypeToString(t.dtype()); }
ffi::Array<int64_t> layout(ffi::TensorView t) {
  ffi::Array<int64_t> out{t.IsContiguous() ? 1 : 0};
  for (int64_t s : t.shape()) out.push_back(s);
  for (int64_t s : t.strides()) out.push_back(s);
  return out;
}
double sum_f32(ffi::TensorView t) {
  double total = 0;
  const float* data = static_cast<const float*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i) total += data[i];
  return total;
}
ffi::Tensor same(ffi::Tensor t) { return t; }
ffi::Tensor empty_like(ffi::TensorView t) {
  return ffi::Tensor::FromEnvAlloc(t.shape(), t.dtype(), t.device());
}
ffi::Array<int64_t> device_and_stream(ffi::TensorView t) {
  DLDevice d = t.device();
  void* stream = TVMFFIEnvGetStream(d.device_type, d.device_id);
  return ffi::Array<int64_t>{d.device_type, d.device_id, reinterpret_cast<int64_t>(stream),
                             reinterpret_cast<int64_t>(t.data_ptr())};
}
void nop3(ffi::TensorView a, ffi::TensorView b, ffi::TensorView c) {}
bool framework_allocator_installed(ffi::TensorView t) {
  return TVMFFIEnvGetDLPackManagedTensorAllocator() != nullptr;
}
"""

FUNCTIONS = [
    "dtype_name",
    "layout",
    "sum_f32",
    "same",
    "empty_like",
    "device_and_stream",
    "nop3",
    "framework_allocator_installed",
]


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline(
        "tensor_exchange_test", cpp_sources=SOURCE, functions=FUNCTIONS
    )


NUMPY_DTYPES = [
    ("bool", "bool"),
    ("int8", "int8"),
    ("int16", "int16"),
    ("int32", "int32"),
    ("int64", "int64"),
    ("uint8", "uint8"),
    ("uint16", "uint16"),
    ("uint32", "uint32"),
    ("uint64", "uint64"),
    ("float16", "float16"),
    ("float32", "float32"),
    ("float64", "float64"),
    ("complex64", "complex64"),
    ("complex128", "complex128"),
]


@pytest.mark.parametrize("numpy_name,expected", NUMPY_DTYPES)
def test_numpy_dtypes(mod, numpy_name, expected):
    assert mod.dtype_name(np.zeros(3, dtype=numpy_name)) == expected


TORCH_DTYPES = [
    ("bool", "bool"),
    ("int8", "int8"),
    ("int16", "int16"),
    ("int32", "int32"),
    ("int64", "int64"),
    ("uint8", "uint8"),
    ("uint16", "uint16"),
    ("uint32", "uint32"),
    ("uint64", "uint64"),
    ("float16", "float16"),
    ("bfloat16", "bfloat16"),
    ("float32", "float32"),
    ("float64", "float64"),
    ("complex64", "complex64"),
    ("complex128", "complex128"),
    ("float8_e4m3fn", "float8_e4m3fn"),
    ("float8_e5m2", "float8_e5m2"),
    ("float8_e4m3fnuz", "float8_e4m3fnuz"),
    ("float8_e5m2fnuz", "float8_e5m2fnuz"),
]


@pytest.mark.parametrize("torch_name,expected", TORCH_DTYPES)
def test_torch_dtypes(mod, torch_name, expected):
    torch = pytest.importorskip("torch")
    tensor = torch.zeros(3, dtype=getattr(torch, torch_name))
    assert mod.dtype_name(tensor) == expected


def test_strided_and_non_contiguous(mod):
    base = np.zeros((3, 4), dtype=np.float32)
    assert list(mod.layout(base)) == [1, 3, 4, 4, 1]
    assert list(mod.layout(base.T)) == [0, 4, 3, 1, 4]
    assert list(mod.layout(base[:, 1::2])) == [0, 3, 2, 4, 2]


def test_torch_strided(mod):
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, 5)
    assert list(mod.layout(t.t())) == [0, 5, 2, 1, 5]
    assert list(mod.layout(t[:, ::2])) == [0, 2, 3, 5, 2]


def test_read_only_arrays_pass_when_allowed_and_stay_read_only(mod):
    a = np.arange(4, dtype=np.float32)
    a.flags.writeable = False
    with pytest.raises(BufferError, match="read-only"):
        mod.sum_f32(a)  # refused by default: kernels cannot see the flag
    with ffi.allow_readonly():
        assert mod.sum_f32(a) == 6.0
        back = mod.same(a)
    assert isinstance(back, ffi.Tensor)
    exported = np.from_dlpack(back)
    assert not exported.flags.writeable  # the flag survives the round trip


def test_legacy_capsule_producer(mod):
    torch = pytest.importorskip("torch")
    from torch.utils.dlpack import to_dlpack

    class LegacyProducer:
        def __init__(self, tensor):
            self.tensor = tensor

        def __dlpack__(self):  # predates DLPack 1.0: no max_version, legacy capsule
            return to_dlpack(self.tensor)

        def __dlpack_device__(self):
            return (1, 0)

    assert mod.sum_f32(LegacyProducer(torch.ones(5))) == 5.0


def test_tensor_out_as_callers_framework_type(mod):
    torch = pytest.importorskip("torch")
    x = torch.arange(3.0)
    same = mod.same(x)
    assert type(same) is torch.Tensor and same.data_ptr() == x.data_ptr()
    fresh = mod.empty_like(x)  # allocated by torch's allocator during the call
    assert type(fresh) is torch.Tensor and fresh.shape == (3,) and fresh.dtype == torch.float32
    from_numpy = mod.same(np.arange(3.0))
    assert isinstance(from_numpy, ffi.Tensor)
    assert torch.from_dlpack(from_numpy).tolist() == [0.0, 1.0, 2.0]


def test_torch_allocator_installed_only_during_torch_calls(mod):
    torch = pytest.importorskip("torch")
    assert mod.framework_allocator_installed(torch.zeros(2)) is True
    assert mod.framework_allocator_installed(np.zeros(2)) is False  # restored after the call


def test_parameter_subclass_uses_the_fast_path(mod):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.ones(4))
    assert mod.sum_f32(p) == 4.0


def test_returned_tensor_outlives_its_module():
    import tvm_ffi_jit.cpp

    m = tvm_ffi_jit.cpp.load_inline("tensor_outlives", cpp_sources=SOURCE, functions=FUNCTIONS)
    t = m.empty_like(np.zeros((2, 2), dtype=np.float32))
    del m
    gc.collect()
    assert np.from_dlpack(t).shape == (2, 2)


def test_fake_cuda_array_device_and_default_stream(mod):
    fake = FakeCudaArray((4,), device_id=1)
    device_type, device_id, stream, data = mod.device_and_stream(fake)
    assert (device_type, device_id, stream, data) == (2, 1, 0, fake.address)
    assert fake.exports == 1 and fake.deleted == 1  # released when the call returned


def test_fake_cuda_array_with_raw_stream(mod):
    fake = FakeCudaArray((2, 3), device_id=0)
    with ffi.use_raw_stream("cuda:0", 0x1234):
        assert list(mod.device_and_stream(fake))[:3] == [2, 0, 0x1234]
        with ffi.use_raw_stream(ffi.device("cuda:0"), 0x99):
            assert mod.device_and_stream(fake)[2] == 0x99
        assert ffi.get_raw_stream("cuda:0") == 0x1234
    assert ffi.get_raw_stream("cuda:0") == 0
    assert mod.device_and_stream(fake)[2] == 0


def test_fake_cuda_tensor_metadata():
    fake = FakeCudaArray((2, 3), device_id=2)
    t = ffi.from_dlpack(fake)
    assert t.device == ffi.device("cuda:2") and t.shape == (2, 3) and t.strides == (3, 1)
    assert t.__dlpack_device__() == (2, 2)
    del t
    assert fake.deleted == 1


def _rss_kb():
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_no_leaks_over_100k_calls(mod):
    torch = pytest.importorskip("torch")
    x = torch.zeros(16)
    arrays = [np.zeros(4, dtype=np.float32) for _ in range(3)]
    refs_before = (sys.getrefcount(x), [sys.getrefcount(a) for a in arrays])
    for _ in range(5_000):  # warm up allocator caches before the first reading
        mod.same(x)
    rss_before = _rss_kb()
    for _ in range(100_000):
        mod.same(x)
        mod.nop3(*arrays)
    gc.collect()
    grown_kb = _rss_kb() - rss_before
    assert (sys.getrefcount(x), [sys.getrefcount(a) for a in arrays]) == refs_before
    assert grown_kb < 2048, f"RSS grew by {grown_kb} KiB over 100k calls"


def test_callers_storage_freed_with_last_reference(mod):
    torch = pytest.importorskip("torch")
    x = torch.ones(8)
    alive = weakref.ref(x)
    kept = mod.same(x)
    del x
    assert alive() is not None  # the returned tensor still shares the storage
    del kept
    gc.collect()
    assert alive() is None


def test_cupy_arrays_run_on_cupys_current_stream(mod, monkeypatch):
    import types

    current = types.SimpleNamespace(ptr=0x5150)
    fake_cupy = types.ModuleType("cupy")
    fake_cupy.cuda = types.SimpleNamespace(get_current_stream=lambda: current)
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy)

    class FakeCupyArray(FakeCudaArray):
        __module__ = "cupy._core.core"

    array = FakeCupyArray((4,), device_id=0)
    assert mod.device_and_stream(array)[2] == 0x5150
    current.ptr = 0x6160
    assert mod.device_and_stream(array)[2] == 0x6160
    assert ffi.get_raw_stream("cuda:0") == 0  # restored after the call


def test_exchange_api_framework_stream_allocator_and_result_type():
    from fake_device import FakeFramework, FakeFrameworkTensor

    import tvm_ffi_jit.cpp

    m = tvm_ffi_jit.cpp.load_inline(
        "exchange_api_test",
        cpp_sources=SOURCE,
        functions=["device_and_stream", "same", "empty_like", "framework_allocator_installed"],
    )
    x = FakeFrameworkTensor((4,), device_id=1)
    # The framework's current stream is the environment stream during the call.
    assert list(m.device_and_stream(x))[:3] == [2, 1, 0xABC0]
    assert FakeFramework.streams_asked[-1] == (2, 1)
    assert ffi.get_raw_stream("cuda:1") == 0  # restored afterwards
    assert x.cuda.deleted == 1  # the converted argument is released after the call
    # A returned tensor comes back as the framework's own type.
    assert m.same(x) == ("framework tensor", 2, 1)
    # Allocation goes through the framework's allocator (which refuses here).
    with pytest.raises(MemoryError, match="fake framework allocator called"):
        m.empty_like(x)
    assert m.framework_allocator_installed(x) is True
