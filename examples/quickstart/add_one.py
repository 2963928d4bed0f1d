"""Quickstart: JIT-compile a C++ function and call it on torch (or numpy) arrays in place.

python examples/quickstart/add_one.py
"""

import tvm_ffi_jit.cpp

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

void add_one(tvm::ffi::TensorView x, tvm::ffi::TensorView y) {
  TVM_FFI_CHECK(x.dtype().code == kDLFloat && x.dtype().bits == 32, TypeError)
      << "add_one expects float32";
  TVM_FFI_CHECK(x.numel() == y.numel(), ValueError) << "x and y must have the same size";
  const float* in = static_cast<const float*>(x.data_ptr());
  float* out = static_cast<float*>(y.data_ptr());
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] + 1;
}

int64_t add(int64_t a, int64_t b) { return a + b; }
"""


def make_arrays():
    """x = [0, 1, 2, 3] and an empty y, as torch tensors or numpy arrays (whichever exists)."""
    try:
        import torch

        x = torch.arange(4, dtype=torch.float32)
        return x, torch.empty_like(x)
    except ImportError:
        pass
    try:
        import numpy as np

        x = np.arange(4, dtype=np.float32)
        return x, np.empty_like(x)
    except ImportError:
        return None


def main():
    mod = tvm_ffi_jit.cpp.load_inline(
        "quickstart_add_one", cpp_sources=SOURCE, functions=["add_one", "add"]
    )
    print("add(40, 2) =", mod.add(40, 2))
    arrays = make_arrays()
    if arrays is None:
        print("install torch or numpy to run add_one on arrays")
        return
    x, y = arrays
    mod.add_one(x, y)  # zero-copy: the kernel writes into y
    print("x =", x)
    print("y =", y)


if __name__ == "__main__":
    main()
