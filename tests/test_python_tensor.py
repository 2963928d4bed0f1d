"""The Python tensor surface: Tensor attributes and methods, dtype and its constants, Device,
from_dlpack's requirements. The checks in tensor_surface_checks.py run here and, in a separate
interpreter, on apache-tvm-ffi: both must pass them."""

import ctypes
import importlib.util
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import tensor_surface_checks as checks
from isolated import run_isolated

import tvm_ffi_jit as ffi


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_surface_matches_apache_tvm_ffi(name):
    checks.CHECKS[name](ffi)


def test_the_same_checks_pass_on_apache_tvm_ffi():
    if importlib.util.find_spec("tvm_ffi") is None:
        pytest.skip("apache-tvm-ffi (the test extra) is not installed")
    # A separate interpreter: the reference runtime is never loaded next to this one here.
    result = run_isolated(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import tvm_ffi
        import tensor_surface_checks
        print(json.dumps(tensor_surface_checks.run_all(tvm_ffi)))
        """,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}


# ---- behaviour of this project beyond the shared checks ----


def test_data_ptr_is_a_method_and_byte_offset_a_property():
    a = np.arange(8, dtype="float32")
    t = ffi.from_dlpack(checks.capsule_with_offset(a, 12))
    assert callable(t.data_ptr) and t.data_ptr() == a.ctypes.data + 12
    assert t.byte_offset == 12
    assert ffi.from_dlpack(a).byte_offset == 0


def test_layout_errors_say_what_was_required_and_are_value_and_runtime_errors():
    a = np.zeros(32, dtype="float32")
    start = (-a.ctypes.data % 64) // 4
    with pytest.raises(ValueError, match=r"not aligned to 16 bytes \(require_alignment=16\)"):
        ffi.from_dlpack(a[start + 1 :], require_alignment=16)
    with pytest.raises(RuntimeError, match=r"shape \(4, 2\) with strides \(4, 2\) is not contig"):
        ffi.from_dlpack(np.zeros((4, 4), "float32")[:, ::2], require_contiguous=True)
    with pytest.raises(ValueError, match="require_alignment must be 0"):
        ffi.from_dlpack(a, require_alignment=-1)


def test_refused_import_releases_the_producers_tensor():
    from fake_device import FakeCudaArray

    fake = FakeCudaArray((4, 4))
    with pytest.raises(RuntimeError, match="contiguous"):
        ffi.from_dlpack(_Strided(fake), require_contiguous=True)
    assert fake.exports == 1 and fake.deleted == 1


class _Strided:
    """Every other column of a FakeCudaArray: its capsule with strides doubled."""

    def __init__(self, fake):
        self.fake = fake

    def __dlpack__(self, **kwargs):
        capsule = self.fake.__dlpack__(**kwargs)
        managed, shape, strides, _ = self.fake._keep[-1]
        strides[0] *= 2
        return capsule


def test_from_dlpack_error_messages_name_the_problem():
    with pytest.raises(TypeError, match="expects a tensor .* got int"):
        ffi.from_dlpack(3)
    capsule = np.zeros(2, "float32").__dlpack__(max_version=(1, 0))
    ffi.from_dlpack(capsule)
    with pytest.raises(TypeError, match="already imported"):
        ffi.from_dlpack(capsule)


def test_from_dlpack_of_a_tensor_is_that_tensor():
    t = ffi.from_dlpack(np.zeros(4, "float32"))
    assert ffi.from_dlpack(t) is t
    assert ffi.from_dlpack(t, require_alignment=4, require_contiguous=True) is t


def test_read_only_numpy_arrays_import_when_allowed_and_stay_read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.raises(BufferError, match="read-only"):
        ffi.from_dlpack(a)
    t = ffi.from_dlpack(a, allow_readonly=True)
    assert t.data_ptr() == a.ctypes.data
    assert not np.from_dlpack(t).flags.writeable


def test_dlpack_export_for_consumers_before_dlpack_1():
    t = ffi.from_dlpack(np.arange(2, dtype="int32"))
    assert "versioned" not in repr(t.__dlpack__(max_version=(0, 8)))
    with pytest.raises(TypeError, match="max_version"):
        t.__dlpack__(max_version=1)


def test_tensor_is_not_constructed_directly():
    with pytest.raises(TypeError, match="from_dlpack"):
        ffi.Tensor()


def test_tensor_repr_on_other_devices():
    from fake_device import FakeCudaArray

    t = ffi.from_dlpack(FakeCudaArray((2, 8), device_id=3))
    assert repr(t) == "float32[2, 8]@cuda:3"
    assert t.device == ffi.device("cuda:3") and t.__dlpack_device__() == (2, 3)


def test_device_conflicting_index_and_range_errors():
    with pytest.raises(ValueError, match="already has index 1, not 2"):
        ffi.device("cuda:1", 2)
    assert ffi.device("cuda:1", 1) == ffi.device("cuda", 1)
    with pytest.raises(ValueError, match="does not fit in 32 bits"):
        ffi.device("cuda", 2**31)
    with pytest.raises(ValueError, match="unknown device type 'gpu'.*expected one of"):
        ffi.device("gpu:0")


def test_device_names_this_project_adds():
    # Every name a device prints as parses back, including the ones without an upstream alias.
    for name in ("cuda_host", "cuda_managed", "rocm_host", "oneapi"):
        assert str(ffi.device(f"{name}:2")) == f"{name}:2"
    assert ffi.device(ffi.device("cuda:1")) == ffi.device("cuda:1")
    assert str(ffi.device(99, 0)) == "device99:0"  # unknown codes still print
    assert ffi.device("cuda:0").__dlpack_device__() == (2, 0)


def test_device_passes_to_and_from_cpp(kernels):
    dev = kernels.echo_device(ffi.device("cuda:3"))
    assert isinstance(dev, ffi.Device) and dev.index == 3 and str(dev) == "cuda:3"


def test_dtype_values_are_shared_and_read_only():
    assert ffi.dtype("float32") is ffi.float32
    assert ffi.from_dlpack(np.zeros(1, "float32")).dtype is ffi.float32
    with pytest.raises(AttributeError):
        ffi.float32.bits = 8
    assert pickle.loads(pickle.dumps(ffi.float16)) is ffi.float16


def test_dtype_errors_name_the_text():
    with pytest.raises(ValueError, match="float33"):
        ffi.dtype("float33x")
    with pytest.raises(ValueError, match="type_code=99"):
        ffi.dtype.from_dlpack_data_type((99, 8, 1))
    with pytest.raises(ValueError, match="lanes in 1..65535"):
        ffi.float32.with_lanes(0)


def test_complex_dtypes_are_dtypes_here(kernels):
    # "complex64" ends in an x and digits, yet it is no vector type.
    assert (ffi.dtype("complex64").type_code, ffi.dtype("complex64").bits) == (5, 64)
    assert ffi.dtype("complex64x2").lanes == 2
    assert ffi.from_dlpack(np.zeros(2, "complex128")).dtype == "complex128"
    assert kernels.echo_dtype(ffi.dtype("complex64")) == "complex64"


def test_dtype_constants_pass_to_and_from_cpp(kernels):
    for name in checks.DTYPE_CONSTANTS:
        back = kernels.echo_dtype(getattr(ffi, name))
        assert back is getattr(ffi, name), name


def test_top_level_names_match_apache_tvm_ffi():
    names = set(checks.DTYPE_CONSTANTS) | {
        "Tensor",
        "Device",
        "DLDeviceType",
        "device",
        "dtype",
        "from_dlpack",
    }
    missing = sorted(name for name in names if not hasattr(ffi, name))
    assert missing == []
    assert ffi.device is not sys.modules.get("tvm_ffi_jit.device")


def test_import_pulls_in_no_array_library():
    result = run_isolated(
        """
        import sys, tvm_ffi_jit
        t = tvm_ffi_jit.float32, tvm_ffi_jit.device("cuda:0"), tvm_ffi_jit.DLDeviceType
        print(sorted(m for m in ("torch", "numpy", "cupy") if m in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_torch_dtypes_come_through_with_upstream_names():
    torch = pytest.importorskip("torch")
    for torch_name in ("float8_e4m3fn", "float8_e5m2", "bfloat16", "bool", "uint8"):
        t = ffi.from_dlpack(torch.zeros(3, dtype=getattr(torch, torch_name)))
        assert t.dtype == getattr(ffi, torch_name) and repr(t) == f"{torch_name}[3]@cpu:0"


def test_ctypes_address_matches_data_ptr():
    a = (ctypes.c_float * 4)(1, 2, 3, 4)
    t = ffi.from_dlpack(np.frombuffer(a, dtype="float32"))
    assert t.data_ptr() == ctypes.addressof(a)
