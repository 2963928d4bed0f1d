"""Checks of the Python tensor surface (Tensor, dtype, Device, from_dlpack) written against the
names apache-tvm-ffi exposes. Each takes the package (`tvm_ffi_jit` or `tvm_ffi`) as `ffi`, so
test_python_tensor.py runs the same checks on this project in-process and on the reference
implementation in a separate interpreter. Imports neither package itself."""

import copy
import ctypes
import pickle

import numpy as np
import pytest

# ---- a DLPack capsule over numpy memory with a chosen byte_offset (ctypes, no C++) ----


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device_type", ctypes.c_int32),
        ("device_id", ctypes.c_int32),
        ("ndim", ctypes.c_int32),
        ("code", ctypes.c_uint8),
        ("bits", ctypes.c_uint8),
        ("lanes", ctypes.c_uint16),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _ManagedVersioned(ctypes.Structure):
    _fields_ = [
        ("major", ctypes.c_uint32),
        ("minor", ctypes.c_uint32),
        ("manager_ctx", ctypes.c_void_p),
        ("deleter", _DELETER),
        ("flags", ctypes.c_uint64),
        ("dl_tensor", _DLTensor),
    ]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_kept = []  # structs, arrays and callbacks of every capsule stay alive for the whole run


def capsule_with_offset(array, byte_offset):
    """A versioned DLPack capsule for the float32 elements of `array` from `byte_offset` on
    (data pointer = the array's start, byte_offset as given), with null strides."""
    count = (array.nbytes - byte_offset) // 4
    shape = (ctypes.c_int64 * 1)(count)
    deleter = _DELETER(lambda _ptr: None)
    managed = _ManagedVersioned(
        major=1,
        minor=1,
        deleter=deleter,
        dl_tensor=_DLTensor(
            data=array.ctypes.data,
            device_type=1,
            ndim=1,
            code=2,
            bits=32,
            lanes=1,
            shape=shape,
            strides=None,
            byte_offset=byte_offset,
        ),
    )
    _kept.append((array, shape, deleter, managed))
    return _capsule_new(ctypes.addressof(managed), b"dltensor_versioned", None)


# ---- Tensor ----


def check_tensor_attributes(ffi):
    a = np.arange(6, dtype="float32").reshape(2, 3)
    t = ffi.from_dlpack(a)
    assert isinstance(t, ffi.Tensor)
    assert t.shape == (2, 3) and type(t.shape) is tuple
    assert t.strides == (3, 1) and t.ndim == 2
    assert t.numel() == 6 and t.size(0) == 2 and t.size(-1) == 3
    assert t.is_contiguous() is True
    assert t.data_ptr() == a.ctypes.data
    assert t.dtype == "float32" and isinstance(t.dtype, ffi.dtype) and t.dtype.bits == 32
    assert t.device == ffi.device("cpu:0") and t.device.index == 0
    assert t.__dlpack_device__() == (1, 0)


def check_tensor_repr(ffi):
    assert repr(ffi.from_dlpack(np.zeros((2, 3), "float32"))) == "float32[2, 3]@cpu:0"
    assert str(ffi.from_dlpack(np.zeros(4, "int8")[::2])) == "int8[2]@cpu:0"
    assert repr(ffi.from_dlpack(np.zeros((), "bool"))) == "bool[]@cpu:0"
    assert repr(ffi.from_dlpack(np.zeros((0, 5), "uint16"))) == "uint16[0, 5]@cpu:0"


def check_tensor_layouts(ffi):
    base = np.zeros((3, 4), "float32")
    transposed = ffi.from_dlpack(base.T)
    assert transposed.shape == (4, 3) and transposed.strides == (1, 4)
    assert transposed.is_contiguous() is False
    every_other = ffi.from_dlpack(base[:, ::2])
    assert every_other.strides == (4, 2) and not every_other.is_contiguous()
    # Empty tensors and extents of one are contiguous whatever their strides.
    assert ffi.from_dlpack(np.zeros((0, 4), "float32")[:, ::2]).is_contiguous()
    assert ffi.from_dlpack(base[:1, ::4]).is_contiguous()
    scalar = ffi.from_dlpack(np.zeros((), "float64"))
    assert scalar.shape == () and scalar.strides == () and scalar.numel() == 1


def check_tensor_size_out_of_range(ffi):
    t = ffi.from_dlpack(np.zeros(3, "float32"))
    with pytest.raises(IndexError):
        t.size(1)
    with pytest.raises(IndexError):
        t.size(-2)


def check_data_ptr_counts_the_byte_offset(ffi):
    a = np.arange(8, dtype="float32")
    t = ffi.from_dlpack(capsule_with_offset(a, 8))
    assert t.data_ptr() == a.ctypes.data + 8
    assert t.shape == (6,) and t.strides == (1,)  # null strides read as row-major
    assert np.from_dlpack(t).tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def check_dlpack_export(ffi):
    a = np.arange(4, dtype="float32")
    t = ffi.from_dlpack(a)
    assert "dltensor" in repr(t.__dlpack__()) and "versioned" not in repr(t.__dlpack__())
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0)))
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0), dl_device=(1, 0)))
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0), copy=False))
    with pytest.raises(BufferError):
        t.__dlpack__(max_version=(1, 0), copy=True)
    with pytest.raises(BufferError):
        t.__dlpack__(max_version=(1, 0), dl_device=(2, 0))
    back = np.from_dlpack(t)
    assert np.shares_memory(a, back) and back.tolist() == [0.0, 1.0, 2.0, 3.0]


# ---- from_dlpack ----


def check_from_dlpack_alignment(ffi):
    a = np.zeros(64, dtype="float32")
    start = (-a.ctypes.data % 64) // 4  # the first element on a 64-byte boundary
    aligned = a[start : start + 16]
    assert ffi.from_dlpack(aligned, require_alignment=64).shape == (16,)
    with pytest.raises(RuntimeError, match="align"):
        ffi.from_dlpack(a[start + 1 :], require_alignment=16)
    with pytest.raises(RuntimeError, match="align"):
        ffi.from_dlpack(capsule_with_offset(aligned, 4), require_alignment=8)


def check_from_dlpack_contiguity(ffi):
    a = np.zeros((4, 4), dtype="float32")
    assert ffi.from_dlpack(a, require_contiguous=True).is_contiguous()
    assert ffi.from_dlpack(a[:, :1], require_contiguous=False).shape == (4, 1)
    with pytest.raises(RuntimeError, match="contiguous"):
        ffi.from_dlpack(a[:, ::2], require_contiguous=True)
    with pytest.raises(RuntimeError, match="contiguous"):
        ffi.from_dlpack(a.T, require_contiguous=True)


def check_from_dlpack_requirements_are_keyword_only(ffi):
    with pytest.raises(TypeError):
        ffi.from_dlpack(np.zeros(2, "float32"), 16)


def check_from_dlpack_capsules(ffi):
    a = np.arange(3, dtype="float32")
    legacy = a.__dlpack__()
    assert np.from_dlpack(ffi.from_dlpack(legacy)).tolist() == [0.0, 1.0, 2.0]
    versioned = a.__dlpack__(max_version=(1, 0))
    assert ffi.from_dlpack(versioned).data_ptr() == a.ctypes.data
    with pytest.raises(TypeError):
        ffi.from_dlpack(versioned)  # a capsule is consumed once


def check_from_dlpack_rejects_non_tensors(ffi):
    for value in (3, [1.0, 2.0], "float32", None):
        with pytest.raises(TypeError):
            ffi.from_dlpack(value)


def check_from_dlpack_of_torch_shares_memory(ffi):
    torch = pytest.importorskip("torch")
    x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = ffi.from_dlpack(x)
    assert t.data_ptr() == x.data_ptr() and t.shape == (2, 3) and t.dtype == "float32"
    assert torch.from_dlpack(t).data_ptr() == x.data_ptr()
    bf = ffi.from_dlpack(torch.zeros(2, dtype=torch.bfloat16))
    assert bf.dtype == ffi.bfloat16 and repr(bf) == "bfloat16[2]@cpu:0"


# ---- dtype ----

# Every dtype constant apache-tvm-ffi exposes at top level, with (type_code, bits, lanes).
DTYPE_CONSTANTS = {
    "bool": (6, 8, 1),
    "int8": (0, 8, 1),
    "int16": (0, 16, 1),
    "int32": (0, 32, 1),
    "int64": (0, 64, 1),
    "uint8": (1, 8, 1),
    "uint16": (1, 16, 1),
    "uint32": (1, 32, 1),
    "uint64": (1, 64, 1),
    "float64": (2, 64, 1),
    "float32": (2, 32, 1),
    "float16": (2, 16, 1),
    "bfloat16": (4, 16, 1),
    "float8_e3m4": (7, 8, 1),
    "float8_e4m3": (8, 8, 1),
    "float8_e4m3b11fnuz": (9, 8, 1),
    "float8_e4m3fn": (10, 8, 1),
    "float8_e4m3fnuz": (11, 8, 1),
    "float8_e5m2": (12, 8, 1),
    "float8_e5m2fnuz": (13, 8, 1),
    "float8_e8m0fnu": (14, 8, 1),
    "float6_e2m3fn": (15, 6, 1),
    "float6_e3m2fn": (16, 6, 1),
    "float4_e2m1fn": (17, 4, 1),
    "float4_e2m1fnx2": (17, 4, 2),
}


def check_dtype_constants(ffi):
    for name, fields in DTYPE_CONSTANTS.items():
        value = getattr(ffi, name)
        assert isinstance(value, ffi.dtype) and value == name, name
        assert (value.type_code, value.bits, value.lanes) == fields, name
        assert ffi.dtype(name) == value
    assert ffi.float4_e2m1fnx2.itemsize == 1 and ffi.bfloat16.itemsize == 2


def check_dtype_api(ffi):
    f32 = ffi.dtype("float32")
    assert isinstance(f32, str) and f32 == "float32" and hash(f32) == hash("float32")
    assert repr(f32) == "dtype('float32')" and str(f32) == "float32"
    assert (f32.type_code, f32.bits, f32.lanes, f32.itemsize) == (2, 32, 1, 4)
    v4 = f32.with_lanes(4)
    assert v4 == "float32x4" and isinstance(v4, ffi.dtype)
    assert (v4.bits, v4.lanes, v4.itemsize) == (32, 4, 16)
    assert ffi.dtype("int8x4").lanes == 4 and ffi.bfloat16.with_lanes(2) == "bfloat16x2"
    assert ffi.dtype.from_dlpack_data_type((2, 16, 1)) == "float16"
    assert ffi.dtype.from_dlpack_data_type((0, 8, 1)) == "int8"
    assert isinstance(f32.type_code, int)
    assert f32.is_float and not f32.is_integer and not f32.is_bool and not f32.is_handle
    assert ffi.uint8.is_integer and ffi.bool.is_bool and ffi.float8_e4m3fn.is_float
    assert ffi.dtype("handle").is_handle and ffi.bfloat16.is_float
    assert ffi.dtype.is_dtype("int4") and not ffi.dtype.is_dtype("not_a_dtype")
    assert ffi.dtype(np.dtype("float16")) == "float16"
    assert ffi.dtype(f32) == f32


def check_dtype_rejects_unknown_names(ffi):
    for bad in ("e", "float32x0", "float32x-1", "int32xvscale4", 3, None):
        with pytest.raises(ValueError):
            ffi.dtype(bad)
    with pytest.raises(ValueError):
        ffi.dtype.from_dlpack_data_type((99, 8, 1))


def check_dtype_pickle_and_copy(ffi):
    for value in (ffi.float32, ffi.bfloat16.with_lanes(2)):
        for copied in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
            assert copied == value and isinstance(copied, ffi.dtype)
            assert (copied.type_code, copied.bits, copied.lanes) == (
                value.type_code,
                value.bits,
                value.lanes,
            )


# ---- Device ----


def check_device_forms(ffi):
    cuda1 = ffi.device("cuda", 1)
    same = [
        ffi.device("cuda:1"),
        ffi.device(2, 1),
        ffi.device(ffi.DLDeviceType.kDLCUDA, 1),
        ffi.device("cuda", np.int64(1)),
        ffi.device("cuda:1 (annotated)"),
        ffi.Device("cuda:1"),
        ffi.Device("cuda", 1),
    ]
    for other in same:
        assert other == cuda1 and hash(other) == hash(cuda1), other
    assert ffi.device("cpu") == ffi.device("cpu:0") == ffi.device(1)
    assert ffi.device("mps").type == "metal" and ffi.device("wgpu:2").type == "webgpu"
    assert ffi.device("rocm:3").dlpack_device_type() == ffi.DLDeviceType.kDLROCM
    assert ffi.device("cuda:2") != cuda1 and ffi.device("rocm:1") != cuda1
    assert cuda1 != "cuda:1"


def check_device_api(ffi):
    dev = ffi.device("cuda:1")
    assert isinstance(dev, ffi.Device)
    assert dev.index == 1 and dev.type == "cuda"
    assert dev.dlpack_device_type() == ffi.DLDeviceType.kDLCUDA == 2
    assert isinstance(dev.dlpack_device_type(), int)
    assert str(dev) == "cuda:1" and repr(dev) == "device(type='cuda', index=1)"
    assert hash(dev) == hash((2, 1))
    for copied in (pickle.loads(pickle.dumps(dev)), copy.deepcopy(dev)):
        assert copied == dev and isinstance(copied, ffi.Device)


def check_device_rejects_bad_input(ffi):
    for bad in ("gpu", "CUDA", "", "cuda:x", "cuda:1:2"):
        with pytest.raises(ValueError):
            ffi.device(bad)
    with pytest.raises(TypeError):
        ffi.device("cuda", 1.5)
    with pytest.raises(TypeError):
        ffi.device(None)


def check_dl_device_type_enum(ffi):
    expected = {
        "kDLCPU": 1,
        "kDLCUDA": 2,
        "kDLCUDAHost": 3,
        "kDLOpenCL": 4,
        "kDLVulkan": 7,
        "kDLMetal": 8,
        "kDLVPI": 9,
        "kDLROCM": 10,
        "kDLROCMHost": 11,
        "kDLExtDev": 12,
        "kDLCUDAManaged": 13,
        "kDLOneAPI": 14,
        "kDLWebGPU": 15,
        "kDLHexagon": 16,
        "kDLMAIA": 17,
        "kDLTrn": 18,
    }
    assert {m.name: int(m) for m in ffi.DLDeviceType} == expected
    assert ffi.DLDeviceType(2) is ffi.DLDeviceType.kDLCUDA
    names = {m: ffi.device(int(m)).type for m in ffi.DLDeviceType}
    assert names[ffi.DLDeviceType.kDLCUDAHost] == "cuda_host"
    assert names[ffi.DLDeviceType.kDLExtDev] == "ext_dev"


CHECKS = {name: value for name, value in globals().items() if name.startswith("check_")}


def run_all(ffi):
    """Runs every check; returns {name: error text} for the ones that failed."""
    failures = {}
    for name, check in CHECKS.items():
        try:
            check(ffi)
        except pytest.skip.Exception:
            pass
        except BaseException as error:  # noqa: BLE001 - report every failure, not the first
            failures[name] = f"{type(error).__name__}: {error}"
    return failures
