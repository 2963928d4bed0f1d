"""A stand-in for a GPU array: implements __dlpack__/__dlpack_device__ for a CUDA device
with a fake data pointer (never dereferenced), built with ctypes. Lets the device and
stream plumbing be tested on machines without a GPU."""

import ctypes

_VERSIONED_NAME = b"dltensor_versioned"
_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", _DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class _DLManagedTensorVersioned(ctypes.Structure):
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

CUDA = 2


class FakeCudaArray:
    """float32 array "on" cuda:<device_id>; counts exports and deleter calls."""

    def __init__(self, shape, device_id=0, address=0x7F0000001000):
        self.shape = tuple(shape)
        self.device_id = device_id
        self.address = address
        self.exports = 0
        self.deleted = 0
        self.streams_requested = []
        self._keep = []  # the structs and callbacks of every export stay alive with the array

    def __dlpack_device__(self):
        return (CUDA, self.device_id)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        self.exports += 1
        self.streams_requested.append(stream)
        ndim = len(self.shape)
        shape = (ctypes.c_int64 * max(ndim, 1))(*self.shape)
        strides = (ctypes.c_int64 * max(ndim, 1))()
        step = 1
        for i in reversed(range(ndim)):
            strides[i] = step
            step *= self.shape[i]

        def on_delete(_ptr):
            self.deleted += 1

        deleter = _DELETER(on_delete)
        managed = _DLManagedTensorVersioned(
            major=1,
            minor=1,
            manager_ctx=None,
            deleter=deleter,
            flags=0,
            dl_tensor=_DLTensor(
                data=self.address,
                device=_DLDevice(CUDA, self.device_id),
                ndim=ndim,
                dtype=_DLDataType(2, 32, 1),
                shape=shape,
                strides=strides,
                byte_offset=0,
            ),
        )
        self._keep.append((managed, shape, strides, deleter))
        return _capsule_new(ctypes.addressof(managed), _VERSIONED_NAME, None)


# ---- a fake framework publishing the DLPack C exchange API (as torch does) ----

_FROM_PY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_TO_PY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_STREAM = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_void_p)
)
_ALLOC = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_void_p
)
_SET_ERROR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p)


class _ExchangeAPI(ctypes.Structure):
    _fields_ = [
        ("major", ctypes.c_uint32),
        ("minor", ctypes.c_uint32),
        ("prev_api", ctypes.c_void_p),
        ("managed_tensor_allocator", _ALLOC),
        ("managed_tensor_from_py_object_no_sync", _FROM_PY),
        ("managed_tensor_to_py_object_no_sync", _TO_PY),
        ("dltensor_from_py_object_no_sync", ctypes.c_void_p),
        ("current_work_stream", _STREAM),
    ]


class FakeFramework:
    """State of the fake framework: its current stream and what its entry points saw."""

    current_stream = 0xABC0
    streams_asked = []
    returned = []


def _from_py(py_object, out):
    array = ctypes.cast(py_object, ctypes.py_object).value
    capsule = array.cuda.__dlpack__()
    out[0] = ctypes.pythonapi.PyCapsule_GetPointer(ctypes.py_object(capsule), _VERSIONED_NAME)
    ctypes.pythonapi.PyCapsule_SetName(ctypes.py_object(capsule), b"used_dltensor_versioned")
    return 0


def _to_py(managed, out):
    tensor = _DLManagedTensorVersioned.from_address(managed)
    result = ("framework tensor", tensor.dl_tensor.device.device_type, tensor.dl_tensor.ndim)
    tensor.deleter(managed)  # the framework owns the export now and releases it
    FakeFramework.returned.append(result)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
    out[0] = id(result)
    return 0


def _stream(device_type, device_id, out):
    FakeFramework.streams_asked.append((device_type, device_id))
    out[0] = FakeFramework.current_stream
    return 0


def _alloc(prototype, out, error_ctx, set_error):
    _SET_ERROR(set_error)(error_ctx, b"MemoryError", b"fake framework allocator called")
    return -1


_EXCHANGE_NAME = b"dlpack_exchange_api"  # the capsule keeps a pointer to these bytes
_callbacks = (_ALLOC(_alloc), _FROM_PY(_from_py), _TO_PY(_to_py), _STREAM(_stream))
_api = _ExchangeAPI(1, 3, None, *_callbacks[:3], None, _callbacks[3])
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
ctypes.pythonapi.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
ctypes.pythonapi.Py_IncRef.argtypes = [ctypes.py_object]


class FakeFrameworkTensor:
    """A CUDA tensor of a framework that publishes __dlpack_c_exchange_api__."""

    __dlpack_c_exchange_api__ = _capsule_new(ctypes.addressof(_api), b"dlpack_exchange_api", None)

    def __init__(self, shape, device_id=0):
        self.cuda = FakeCudaArray(shape, device_id=device_id)
