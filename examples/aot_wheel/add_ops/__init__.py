"""add_ops: kernels compiled ahead of time and shipped as a shared library in this package.

No compiler runs when this package is imported: the library next to this file is loaded
with ``tvm_ffi_jit.load_module`` on the runtime of the installed ``tvm_ffi_jit``.
"""

import os

import tvm_ffi_jit

_library = tvm_ffi_jit.load_module(os.path.join(os.path.dirname(__file__), "add_ops.so"))

add_one = _library.add_one
add_scalar = _library.add_scalar

__all__ = ["add_one", "add_scalar"]
