"""The environment stream: which device stream kernels launched from C++ should use.

Each thread has one stream per device. Calls that receive torch CUDA tensors use torch's
current stream automatically; these helpers set one explicitly. All are nestable.
"""

from __future__ import annotations

import ctypes

from . import _core
from ._tensor import Device, device


def _as_device(dev) -> Device:
    return dev if isinstance(dev, Device) else device(dev)


def _stream_handle(stream) -> int:
    if isinstance(stream, ctypes.c_void_p):
        return stream.value or 0
    if isinstance(stream, int) and not isinstance(stream, bool):
        return stream
    raise TypeError(
        f"stream must be an int handle or ctypes.c_void_p, got {type(stream).__name__}; "
        "use use_torch_stream for a torch.cuda.Stream or torch.cuda.graph"
    )


def get_raw_stream(dev) -> int:
    """This thread's stream for ``dev`` (e.g. ``"cuda:0"``) as an integer handle; 0 is the
    default stream."""
    d = _as_device(dev)
    return _core._env_get_stream(d.device_type, d.device_id)


class StreamContext:
    """``with StreamContext(dev, stream):`` kernels on ``dev`` run on ``stream`` inside the
    block; the stream in effect before is restored on exit."""

    def __init__(self, dev, stream) -> None:
        self.device = _as_device(dev)
        self.stream = _stream_handle(stream)
        self._previous: list[int] = []

    def __enter__(self) -> StreamContext:
        d = self.device
        self._previous.append(_core._env_set_stream(d.device_type, d.device_id, self.stream))
        return self

    def __exit__(self, *exc) -> None:
        d = self.device
        _core._env_set_stream(d.device_type, d.device_id, self._previous.pop())


def use_raw_stream(dev, stream) -> StreamContext:
    """Within the block, kernels on ``dev`` run on ``stream`` (a cudaStream_t as an int or
    ``ctypes.c_void_p``)."""
    return StreamContext(dev, stream)


class TorchStreamContext:
    """Enters a torch stream or graph context and makes its stream the environment stream."""

    def __init__(self, context) -> None:
        self._torch_context = context
        self._ffi_context = None

    def __enter__(self) -> TorchStreamContext:
        import torch

        if self._torch_context is not None:
            self._torch_context.__enter__()
        current = torch.cuda.current_stream()
        where = Device(Device.CUDA, current.device.index or 0)
        self._ffi_context = StreamContext(where, current.cuda_stream).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._ffi_context.__exit__(*exc)
        if self._torch_context is not None:
            self._torch_context.__exit__(*exc)


def use_torch_stream(context=None) -> TorchStreamContext:
    """Within the block, torch and the environment both use one stream. ``context`` is a
    ``torch.cuda.stream(s)`` or ``torch.cuda.graph(g)`` context, a ``torch.cuda.Stream``, or
    None for torch's current stream."""
    if context is not None and not hasattr(context, "__enter__"):
        import torch

        context = torch.cuda.stream(context)
    return TorchStreamContext(context)
