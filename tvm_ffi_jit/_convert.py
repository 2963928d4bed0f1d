"""Python values as TVM-FFI values."""

from __future__ import annotations

from . import _core


class ObjectConvertible:
    """Base of Python classes that stand for an Object: a function argument or ``convert``
    passes ``asobject()`` in their place. (Classes with ``__tvm_ffi_object__`` convert alike.)
    """

    def asobject(self):
        """The Object this value stands for."""
        raise NotImplementedError


_core._set_object_convertible(ObjectConvertible)


def convert(value):
    """The TVM-FFI value for a Python value: list/tuple -> Array, dict -> Map,
    callable -> Function, objects with ``__dlpack__`` -> Tensor; scalars stay as they are."""
    return _core.convert(value)


def convert_func(pyfunc):
    """A Python callable as a Function (C++ code can hold and call it)."""
    if isinstance(pyfunc, _core.Function):
        return pyfunc
    if not callable(pyfunc):
        raise TypeError(f"convert_func expects a callable, got {type(pyfunc).__name__}")
    return _core.convert(pyfunc)
