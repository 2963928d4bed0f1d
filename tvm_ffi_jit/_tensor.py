"""Tensors and devices: ``Tensor``, ``from_dlpack``, ``allow_readonly``, ``Device``,
``device("cuda:1")``."""

from __future__ import annotations

import contextlib
from enum import IntEnum
from numbers import Integral

from . import _core

Tensor = _core.Tensor
from_dlpack = _core.from_dlpack


@contextlib.contextmanager
def allow_readonly():
    """Lets read-only arrays be passed as tensors inside the ``with`` block.

    A kernel cannot tell that its input is read-only, so a read-only numpy array (e.g.
    ``np.frombuffer(some_bytes)``) or a DLPack capsule flagged read-only raises ``BufferError``
    by default. For a kernel that only reads its input::

        with tvm_ffi_jit.allow_readonly():
            total = mod.sum(readonly_array)

    The setting is per thread and per asyncio task (a ``ContextVar``). For one tensor,
    ``from_dlpack(x, allow_readonly=True)`` does the same.
    """
    token = _core._readonly_allowed.set(True)
    try:
        yield
    finally:
        _core._readonly_allowed.reset(token)


class DLDeviceType(IntEnum):
    """DLPack's device type codes, as ``Device.dlpack_device_type()`` returns them."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
    kDLTrn = 18


# The name each device type prints as (str(device), tensor reprs).
_TYPE_NAMES = {
    DLDeviceType.kDLCPU: "cpu",
    DLDeviceType.kDLCUDA: "cuda",
    DLDeviceType.kDLCUDAHost: "cuda_host",
    DLDeviceType.kDLOpenCL: "opencl",
    DLDeviceType.kDLVulkan: "vulkan",
    DLDeviceType.kDLMetal: "metal",
    DLDeviceType.kDLVPI: "vpi",
    DLDeviceType.kDLROCM: "rocm",
    DLDeviceType.kDLROCMHost: "rocm_host",
    DLDeviceType.kDLExtDev: "ext_dev",
    DLDeviceType.kDLCUDAManaged: "cuda_managed",
    DLDeviceType.kDLOneAPI: "oneapi",
    DLDeviceType.kDLWebGPU: "webgpu",
    DLDeviceType.kDLHexagon: "hexagon",
    DLDeviceType.kDLMAIA: "maia",
    DLDeviceType.kDLTrn: "trn",
}
# The names a device string may start with: every printed name plus torch's and wgpu's aliases.
_TYPE_CODES = {name: int(code) for code, name in _TYPE_NAMES.items()}
_TYPE_CODES.update(mps=int(DLDeviceType.kDLMetal), wgpu=int(DLDeviceType.kDLWebGPU))

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _as_int32(value, what: str, spec) -> int:
    if type(value) is int and _INT32_MIN <= value <= _INT32_MAX:
        return value  # the common case, kept cheap: C++ hands devices back this way
    if not isinstance(value, Integral) and callable(getattr(value, "item", None)):
        value = value.item()  # numpy and torch scalars
    if not isinstance(value, Integral):
        raise TypeError(f"invalid {what} {value!r} in device {spec!r}: expected an int")
    value = int(value)
    if not _INT32_MIN <= value <= _INT32_MAX:
        raise ValueError(f"{what} {value} in device {spec!r} does not fit in 32 bits")
    return value


def _parse_text(text: str, index):
    """(type code, index) of "cuda:1", "cuda", or torch-style text annotated after a space."""
    name, colon, number = text.split(" ")[0].partition(":")
    if name not in _TYPE_CODES:
        raise ValueError(
            f"unknown device type {name!r} in {text!r}; expected one of {sorted(_TYPE_CODES)}"
        )
    if colon:
        try:
            parsed = int(number)
        except ValueError:
            raise ValueError(
                f"invalid device index {number!r} in {text!r}; expected e.g. 'cuda:0'"
            ) from None
        if index is not None and index != parsed:
            raise ValueError(f"device {text!r} already has index {parsed}, not {index}")
        index = parsed
    return _TYPE_CODES[name], index


class Device:
    """A DLPack device: a type (``"cuda"``, ``DLDeviceType.kDLCUDA`` or its code) and an index.

    ``Device("cuda:1")``, ``Device("cuda", 1)`` and ``Device(2, 1)`` are the same device.
    """

    __slots__ = ("device_type", "device_id")
    CPU = int(DLDeviceType.kDLCPU)
    CUDA = int(DLDeviceType.kDLCUDA)

    def __init__(self, device_type: str | int, index: int | None = None):
        spec = device_type if index is None else (device_type, index)
        if isinstance(device_type, str):
            device_type, index = _parse_text(device_type, index)
        self.device_type = _as_int32(device_type, "device type", spec)
        self.device_id = 0 if index is None else _as_int32(index, "device index", spec)

    @property
    def type(self) -> str:
        """The device type's name, e.g. ``"cuda"``."""
        return _TYPE_NAMES.get(self.device_type, f"device{self.device_type}")

    @property
    def index(self) -> int:
        """The device index, e.g. 1 for ``cuda:1``."""
        return self.device_id

    def dlpack_device_type(self) -> int:
        """The DLPack device type code (compare with ``DLDeviceType`` members)."""
        return self.device_type

    def __dlpack_device__(self) -> tuple[int, int]:
        return (self.device_type, self.device_id)

    def __eq__(self, other):
        return (
            isinstance(other, Device)
            and other.device_type == self.device_type
            and other.device_id == self.device_id
        )

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __reduce__(self):
        return (Device, (self.device_type, self.device_id))

    def __repr__(self):
        return f"device(type='{self.type}', index={self.device_id})"

    def __str__(self):
        return f"{self.type}:{self.device_id}"


def device(device_type: str | int | Device, index: int | None = None) -> Device:
    """``device("cuda:1")``, ``device("cuda", 1)``, ``device(DLDeviceType.kDLCUDA, 1)``."""
    if isinstance(device_type, Device) and index is None:
        return device_type
    return Device(device_type, index)
