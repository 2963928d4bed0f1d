"""The global function registry: look up, register and remove functions by name."""

from __future__ import annotations

import json
import sys

from . import _core, _ffi_api
from .function import describe
from .module import load_module, system_lib  # noqa: F401 - the JIT loader's import path
from .reflection import register_object  # noqa: F401 - apache-tvm-ffi's import path


def get_global_func(name: str, allow_missing: bool = False):
    """The global function registered as ``name``; None if missing and ``allow_missing``.

    The function carries the docstring and type schema it was registered with.
    """
    func = _core.get_global_func(name, allow_missing)
    if func is None:
        return None
    doc, metadata = _ffi_api.FunctionGetGlobalDoc(name), _ffi_api.GetGlobalFuncMetadata(name)
    return describe(func, name, doc, metadata)


def get_global_func_metadata(name: str) -> dict:
    """The metadata a global function was registered with (``{"type_schema": ...}``), or {}."""
    metadata = _ffi_api.GetGlobalFuncMetadata(name)
    return json.loads(metadata) if metadata else {}


def register_global_func(func_name, f=None, override: bool = False):
    """Registers a Python callable as the global function ``func_name``; returns the Function.

    Forms: ``register_global_func("ns.f", f)``, the decorators ``@register_global_func("ns.f")``
    and ``@register_global_func`` (named after the function). C++ code then calls it like any
    function; ``override=True`` replaces an existing one.
    """
    if callable(func_name) and not isinstance(func_name, str):
        func_name, f = func_name.__name__, func_name
    if not isinstance(func_name, str):
        raise TypeError(f"global function name must be a str, got {type(func_name).__name__}")

    def register(func):
        if not callable(func):
            raise TypeError(f"register_global_func expects a callable, got {type(func).__name__}")
        registered = _core._register_global_func(func_name, func, override)
        return describe(registered, func_name, getattr(func, "__doc__", None))

    return register if f is None else register(f)


def remove_global_func(name: str) -> None:
    """Removes the global function ``name``; ValueError if none is registered."""
    if not _ffi_api.FunctionRemoveGlobal(name):
        raise ValueError(f"Global function `{name}` is not registered")


def list_global_func_names() -> list[str]:
    """Names of all registered global functions."""
    return list(_ffi_api.FunctionListGlobalNames())


def get_registered_type_keys() -> list[str]:
    """Keys of all object types registered in the runtime."""
    return _core._registered_type_keys()


def init_ffi_api(namespace: str, target_module_name: str | None = None) -> None:
    """Puts the global functions ``<namespace>.<name>`` into a module as ``<name>``.

    ``init_ffi_api("mypackage", __name__)`` in ``mypackage/_ffi_api.py`` makes
    ``_ffi_api.func(...)`` call the global ``mypackage.func``; names with a further dot are
    skipped. A namespace ``tvm.x`` looks up functions named ``x.*``.
    """
    target = sys.modules[target_module_name or namespace]
    prefix = namespace.removeprefix("tvm.") + "."
    for name in list_global_func_names():
        short = name[len(prefix) :]
        if name.startswith(prefix) and short and "." not in short:
            func = get_global_func(name)
            func.__name__ = short
            setattr(target, short, func)
