"""A SiLU activation (x * sigmoid(x)) JIT-compiled with tvm_ffi_jit and registered as a torch
custom op with its gradient, so autograd and torch.compile see one operator."""

import torch

import tvm_ffi_jit.cpp
import tvm_ffi_jit.torch

SOURCE = r"""
#include <tvm/ffi/extra/dtype_dispatch.h>
#include <tvm/ffi/tvm_ffi.h>

#include <cmath>

namespace ffi = tvm::ffi;

namespace {
ffi::Tensor EmptyLike(ffi::TensorView x) {
  TVM_FFI_CHECK(x.IsContiguous(), ValueError) << "silu: expects contiguous tensors";
  return ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, x.shape(), x.dtype(), x.device());
}
}  // namespace

// y = x * sigmoid(x)
ffi::Tensor silu_forward(ffi::TensorView x) {
  ffi::Tensor y = EmptyLike(x);
  TVM_FFI_DISPATCH_FLOATING_TYPES(x.dtype(), "silu_forward", [&] {
    const scalar_t* in = static_cast<const scalar_t*>(x.data_ptr());
    scalar_t* out = static_cast<scalar_t*>(y.data_ptr());
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] / (1 + std::exp(-in[i]));
  });
  return y;
}

// dL/dx = grad * s * (1 + x * (1 - s)), s = sigmoid(x)
ffi::Tensor silu_backward(ffi::TensorView grad, ffi::TensorView x) {
  TVM_FFI_CHECK(grad.IsContiguous(), ValueError) << "silu: expects contiguous tensors";
  ffi::Tensor dx = EmptyLike(x);
  TVM_FFI_DISPATCH_FLOATING_TYPES(x.dtype(), "silu_backward", [&] {
    const scalar_t* g = static_cast<const scalar_t*>(grad.data_ptr());
    const scalar_t* in = static_cast<const scalar_t*>(x.data_ptr());
    scalar_t* out = static_cast<scalar_t*>(dx.data_ptr());
    for (int64_t i = 0; i < x.numel(); ++i) {
      scalar_t s = 1 / (1 + std::exp(-in[i]));
      out[i] = g[i] * s * (1 + in[i] * (1 - s));
    }
  });
  return dx;
}
"""


def load_silu():
    """Builds (or loads from the cache) the kernels; returns the `silu` operator."""
    mod = tvm_ffi_jit.cpp.load_inline(
        "training_silu", cpp_sources=SOURCE, functions=["silu_forward", "silu_backward"]
    )
    silu_backward = tvm_ffi_jit.torch.custom_op(
        "training_example::silu_backward",
        mod.silu_backward,
        fake=lambda grad, x: torch.empty_like(x),
    )

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return silu_backward(grad.contiguous(), x)

    return tvm_ffi_jit.torch.custom_op(
        "training_example::silu",
        mod.silu_forward,
        fake=lambda x: torch.empty_like(x),
        backward=backward,
        setup_context=setup_context,
    )
