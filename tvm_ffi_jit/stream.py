"""The environment stream: which device stream kernels launched from C++ should use.

Each thread has one stream per device. Calls that receive torch CUDA tensors use torch's
current stream automatically; these helpers set one explicitly. All are nestable.
"""

from __future__ import annotations

import contextlib

from . import _core
from ._tensor import Device, device


def _as_device(dev) -> Device:
    return dev if isinstance(dev, Device) else device(dev)


def get_raw_stream(dev) -> int:
    """This thread's stream for ``dev`` (e.g. ``"cuda:0"``) as an integer handle; 0 is the
    default stream."""
    d = _as_device(dev)
    return _core._env_get_stream(d.device_type, d.device_id)


@contextlib.contextmanager
def use_raw_stream(dev, stream: int):
    """Within the block, kernels on ``dev`` run on ``stream`` (a cudaStream_t as an int)."""
    if not isinstance(stream, int):
        raise TypeError(f"stream must be an int handle, got {type(stream).__name__}")
    d = _as_device(dev)
    previous = _core._env_set_stream(d.device_type, d.device_id, stream)
    try:
        yield stream
    finally:
        _core._env_set_stream(d.device_type, d.device_id, previous)


@contextlib.contextmanager
def use_torch_stream(stream=None):
    """Within the block, torch and the environment both use ``stream`` (a torch.cuda.Stream;
    default: torch's current stream)."""
    import torch

    if stream is None:
        stream = torch.cuda.current_stream()
    with (
        torch.cuda.stream(stream),
        use_raw_stream(Device(Device.CUDA, stream.device.index or 0), stream.cuda_stream),
    ):
        yield stream
