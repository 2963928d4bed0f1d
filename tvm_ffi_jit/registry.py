"""Global functions, modules and value conversion: the thin Python layer over ``_core``."""

from __future__ import annotations

import os

from . import _core

_global_func_cache: dict = {}


def _builtin(name: str):
    """A runtime built-in function, looked up once."""
    func = _global_func_cache.get(name)
    if func is None:
        func = _global_func_cache[name] = _core.get_global_func(name)
    return func


def get_global_func(name: str, allow_missing: bool = False):
    """The global function registered as ``name``; None if missing and ``allow_missing``."""
    func = _core.get_global_func(name, allow_missing)
    if func is not None:
        doc = _builtin("ffi.FunctionGetGlobalDoc")(name)
        if doc is not None:
            func.__doc__ = doc
    return func


def register_global_func(name: str, f=None, override: bool = False):
    """Registers a Python callable as the global function ``name``.

    Use directly, ``register_global_func("ns.f", f)``, or as a decorator,
    ``@register_global_func("ns.f")``. C++ code then calls it like any function.
    """
    if not isinstance(name, str):
        raise TypeError(f"global function name must be a str, got {type(name).__name__}")

    def register(func):
        if not callable(func):
            raise TypeError(f"register_global_func expects a callable, got {type(func).__name__}")
        _core._register_global_func(name, func, override)
        return func

    return register if f is None else register(f)


def list_global_func_names() -> list[str]:
    """Names of all registered global functions."""
    return list(_builtin("ffi.FunctionListGlobalNames")())


def convert(value):
    """The TVM-FFI value for a Python value: list/tuple -> Array, dict -> Map,
    callable -> Function, objects with ``__dlpack__`` -> Tensor; scalars stay as they are."""
    return _core.convert(value)


def load_module(path, *, release_gil=None) -> Module:  # noqa: F821 - Module is in objects
    """Loads a shared library that exports ``__tvm_ffi_<name>`` functions.

    ``release_gil``, when given, is the ``release_gil`` of the functions this module hands out
    (by default calls release the GIL; ``False`` keeps it held for the fastest short calls).
    ImportError when the library cannot be loaded (e.g. it uses a symbol nothing defines).
    """
    path = os.fspath(path)
    module = _builtin("ffi.ModuleLoadFromFile")(path)
    # With another TVM-FFI runtime loaded (apache-tvm-ffi), the library may have bound to it.
    _core._check_module_runtime(path)
    if release_gil is not None:
        module._release_gil = bool(release_gil)
    return module


def system_lib(prefix: str = ""):
    """The module of symbols registered with ``TVMFFIEnvModRegisterSystemLibSymbol``
    under ``__tvm_ffi_<prefix><name>``."""
    return _builtin("ffi.SystemLib")(prefix)


def dtype_fields(text: str) -> tuple[int, int, int]:
    """(type_code, bits, lanes) of a data type name; ValueError when unknown."""
    return tuple(_builtin("ffi.DataTypeFields")(text))
