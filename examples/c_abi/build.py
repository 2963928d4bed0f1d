"""Builds kernel.c into build/c_axpy.so with tvm_ffi_jit, then calls it from Python too."""

import os

import tvm_ffi_jit
import tvm_ffi_jit.cpp

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")

# A .c source is compiled by the C compiler ($CC, else cc); the library lands in build/.
tvm_ffi_jit.cpp.build("c_axpy", [os.path.join(HERE, "kernel.c")], build_directory=BUILD)
library = os.path.join(BUILD, "c_axpy.so")
print("built", os.path.relpath(library, HERE))

# The same library from Python: tvm_ffi_jit.Tensor comes from any DLPack producer.
mod = tvm_ffi_jit.load_module(library)
try:
    import numpy as np
except ImportError:
    print("python: numpy is not installed; skipping the Python call")
else:
    x = np.arange(4, dtype="float32")
    y = np.ones(4, dtype="float32")
    mod.axpy(2.0, x, y)
    print("python: y =", y.tolist())
