"""tvm_ffi_jit: JIT-compile C++/CUDA into modules on a TVM-FFI stable-C-ABI runtime.

    import tvm_ffi_jit.cpp
    mod = tvm_ffi_jit.cpp.load_inline("demo", cpp_sources=src, functions=["add_one"])
    mod.add_one(x, y)

Importing this package never imports torch, numpy or cupy.
"""

from . import _core
from .build_error import BuildError
from .device import Device, device, dtype
from .errors import register_error
from .objects import Array, Dict, Function, List, Map, Module, Object, Shape, Tensor
from .registry import (
    convert,
    get_global_func,
    list_global_func_names,
    load_module,
    register_global_func,
    system_lib,
)
from .stream import StreamContext, get_raw_stream, use_raw_stream, use_torch_stream

from_dlpack = _core.from_dlpack
_core._register_python_types(Device, dtype)

__version__ = "0.1.0"

__all__ = [
    "Array",
    "BuildError",
    "Device",
    "Dict",
    "Function",
    "LIB",
    "List",
    "Map",
    "Module",
    "Object",
    "Shape",
    "StreamContext",
    "Tensor",
    "convert",
    "device",
    "dtype",
    "from_dlpack",
    "get_global_func",
    "get_raw_stream",
    "list_global_func_names",
    "load_module",
    "register_error",
    "register_global_func",
    "system_lib",
    "use_raw_stream",
    "use_torch_stream",
]


def __getattr__(name):
    # `tvm_ffi_jit.cpp` loads on first use so that importing the package stays cheap.
    if name == "cpp":
        import importlib

        return importlib.import_module(".cpp", __name__)
    if name == "LIB":
        # The runtime as a ctypes library, for calling the C API directly; loaded on first use.
        import ctypes

        from .libinfo import runtime_library_path

        globals()["LIB"] = ctypes.CDLL(runtime_library_path())
        return globals()["LIB"]
    raise AttributeError(f"module 'tvm_ffi_jit' has no attribute {name!r}")
