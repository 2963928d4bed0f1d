"""tvm_ffi_jit: JIT-compile C++/CUDA into modules on a TVM-FFI stable-C-ABI runtime.

    import tvm_ffi_jit.cpp
    mod = tvm_ffi_jit.cpp.load_inline("demo", cpp_sources=src, functions=["add_one"])
    mod.add_one(x, y)

Importing this package never imports torch, numpy, cupy or IPython. In IPython or Jupyter,
``%load_ext tvm_ffi_jit`` adds the ``%%tvm_ffi_jit`` cell magic (see tvm_ffi_jit.notebook).
"""

from . import _core

# Tensors, devices and data types, named as in apache-tvm-ffi. `bool` shadows the builtin
# in this module's namespace (tvm_ffi_jit.bool is the dtype), so nothing below may call bool().
from ._convert import ObjectConvertible, convert, convert_func
from ._dtype import (  # noqa: F401 - re-exported as upstream does, not in __all__
    bfloat16,
    bool,  # noqa: A004
    dtype,
    float4_e2m1fn,
    float4_e2m1fnx2,
    float6_e2m3fn,
    float6_e3m2fn,
    float8_e3m4,
    float8_e4m3,
    float8_e4m3b11fnuz,
    float8_e4m3fn,
    float8_e4m3fnuz,
    float8_e5m2,
    float8_e5m2fnuz,
    float8_e8m0fnu,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ._tensor import Device, DLDeviceType, Tensor, allow_readonly, device, from_dlpack
from .container import Array, CContainerBase, Dict, List, Map, Shape
from .error import BuildError, register_error
from .function import Function
from .module import Module, load_module, system_lib
from .reflection import register_object
from .registry import (
    get_global_func,
    get_global_func_metadata,
    init_ffi_api,
    list_global_func_names,
    register_global_func,
    remove_global_func,
)
from .stream import StreamContext, get_raw_stream, use_raw_stream, use_torch_stream

Object = _core.Object
_core._register_python_types(Device, dtype)

__version__ = "0.1.0"

__all__ = [
    "Array",
    "BuildError",
    "CContainerBase",
    "DLDeviceType",
    "Device",
    "Dict",
    "Function",
    "LIB",
    "List",
    "Map",
    "Module",
    "Object",
    "ObjectConvertible",
    "Shape",
    "StreamContext",
    "Tensor",
    "allow_readonly",
    "convert",
    "convert_func",
    "device",
    "dtype",
    "from_dlpack",
    "get_global_func",
    "get_global_func_metadata",
    "get_raw_stream",
    "init_ffi_api",
    "list_global_func_names",
    "load_module",
    "register_error",
    "register_global_func",
    "register_object",
    "remove_global_func",
    "system_lib",
    "use_raw_stream",
    "use_torch_stream",
]


def load_ipython_extension(ipython):
    """``%load_ext tvm_ffi_jit``: adds the ``%%tvm_ffi_jit`` cell magic (tvm_ffi_jit.notebook)."""
    from .notebook import load_ipython_extension as load  # imports IPython: only here

    load(ipython)


def __getattr__(name):
    # `tvm_ffi_jit.cpp` and `tvm_ffi_jit.torch` load on first use so that importing the
    # package stays cheap (and never imports torch).
    if name in ("cpp", "torch"):
        import importlib

        return importlib.import_module("." + name, __name__)
    if name == "LIB":
        # The runtime as a ctypes library, for calling the C API directly; loaded on first use.
        import ctypes

        from .libinfo import runtime_library_path

        globals()["LIB"] = ctypes.CDLL(runtime_library_path())
        return globals()["LIB"]
    raise AttributeError(f"module 'tvm_ffi_jit' has no attribute {name!r}")
