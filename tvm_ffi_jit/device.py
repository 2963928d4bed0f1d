"""Devices and data types as Python values: ``device("cuda:1")``, ``dtype("bfloat16")``."""

from __future__ import annotations

# DLPack device type codes.
_TYPE_CODES = {
    "cpu": 1,
    "cuda": 2,
    "cuda_host": 3,
    "opencl": 4,
    "vulkan": 7,
    "metal": 8,
    "vpi": 9,
    "rocm": 10,
    "rocm_host": 11,
    "ext_dev": 12,
    "cuda_managed": 13,
    "oneapi": 14,
    "webgpu": 15,
    "hexagon": 16,
    "maia": 17,
    "trn": 18,
}
_TYPE_NAMES = {code: name for name, code in _TYPE_CODES.items()}


class Device:
    """A DLPack device: a type code (``Device.CPU``, ``Device.CUDA``, ...) and an index."""

    __slots__ = ("device_type", "device_id")
    CPU = 1
    CUDA = 2

    def __init__(self, device_type: int | str, device_id: int = 0):
        if isinstance(device_type, str):
            if device_type not in _TYPE_CODES:
                raise ValueError(
                    f"unknown device type {device_type!r}; expected one of {sorted(_TYPE_CODES)}"
                )
            device_type = _TYPE_CODES[device_type]
        if device_id < 0:
            raise ValueError(f"device index must be non-negative, got {device_id}")
        self.device_type = int(device_type)
        self.device_id = int(device_id)

    @property
    def type(self) -> str:
        """The device type's name, e.g. ``"cuda"``."""
        return _TYPE_NAMES.get(self.device_type, f"device{self.device_type}")

    def __dlpack_device__(self):
        return (self.device_type, self.device_id)

    def __eq__(self, other):
        return (
            isinstance(other, Device)
            and other.device_type == self.device_type
            and other.device_id == self.device_id
        )

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"device(type='{self.type}', index={self.device_id})"

    def __str__(self):
        return f"{self.type}:{self.device_id}"


def device(spec: str | Device | int, index: int | None = None) -> Device:
    """``device("cuda:1")``, ``device("cpu")``, ``device("cuda", 1)``."""
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, str) and ":" in spec:
        if index is not None:
            raise ValueError(f"device {spec!r} already has an index")
        name, _, number = spec.partition(":")
        if not number.isdigit():
            raise ValueError(f"invalid device {spec!r}; expected e.g. 'cuda:0'")
        return Device(name, int(number))
    return Device(spec, 0 if index is None else index)


class dtype(str):  # noqa: N801 - mirrors numpy/torch naming
    """A data type such as ``"float32"`` or ``"bfloat16"``: a str with DLPack fields."""

    __slots__ = ("type_code", "bits", "lanes")

    def __new__(cls, text):
        if isinstance(text, dtype):
            return text
        text = str(text)
        value = super().__new__(cls, text)
        from . import registry  # late: registry needs the compiled core

        value.type_code, value.bits, value.lanes = registry.dtype_fields(text)
        return value

    def __repr__(self):
        return f"dtype('{str(self)}')"

    @property
    def itemsize(self) -> int:
        """Bytes per element (all lanes), rounded up."""
        return (self.bits * self.lanes + 7) // 8
