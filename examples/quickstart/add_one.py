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
"""


def main():
    mod = tvm_ffi_jit.cpp.load_inline(
        "quickstart_add_one", cpp_sources=SOURCE, functions=["add_one"]
    )
    try:
        import torch

        x = torch.arange(4, dtype=torch.float32)
        y = torch.empty_like(x)
    except ImportError:
        import numpy as np

        x = np.arange(4, dtype=np.float32)
        y = np.empty_like(x)
    mod.add_one(x, y)  # zero-copy: the kernel writes into y
    print("x =", x)
    print("y =", y)


if __name__ == "__main__":
    main()
