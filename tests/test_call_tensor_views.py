"""Tensors passed for TensorView parameters (type schema "DLTensor*") reach the kernel as a
borrowed DLTensor, without a Tensor object per argument (src/python/call.cc): the values,
strides, checks and the call's framework context are those of the Tensor route.
"""

import sys

import pytest

import tvm_ffi_jit as ffi
from tvm_ffi_jit import cpp

torch = pytest.importorskip("torch")

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

// Calls `probe` during the call, so Python can look at the argument meanwhile.
void view_then_call(ffi::TensorView t, ffi::Function probe) { probe(); }
void tensor_then_call(ffi::Tensor t, ffi::Function probe) { probe(); }
// Sum of a 2-d float32 tensor, read through its strides.
double strided_sum(ffi::TensorView t) {
  const float* data = static_cast<const float*>(t.data_ptr());
  double sum = 0;
  for (int64_t i = 0; i < t.size(0); ++i) {
    for (int64_t j = 0; j < t.size(1); ++j) sum += data[i * t.stride(0) + j * t.stride(1)];
  }
  return sum;
}
// A new tensor from the call's allocator, shaped like `t` (the framework's type on return).
ffi::Tensor alloc_like(ffi::TensorView t, ffi::Tensor other) {
  return ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, t.shape(), t.dtype(), t.device());
}
"""
FUNCTIONS = ["view_then_call", "tensor_then_call", "strided_sum", "alloc_like"]


@pytest.fixture(scope="module")
def mod():
    return cpp.load_inline("call_tensor_views", cpp_sources=SOURCE, functions=FUNCTIONS)


def refcount_during(func, x, by_keyword=False):
    """sys.getrefcount(x) while `func` runs with `x` as its tensor argument."""
    seen = []

    def probe():
        seen.append(sys.getrefcount(x))

    if by_keyword:
        func(t=x, probe=probe)
    else:
        func(x, probe)
    return seen[0]


def test_a_view_parameter_makes_no_tensor_object(mod):
    x = torch.zeros(4)
    # A Tensor parameter's object holds a reference to the torch tensor; a view borrows it.
    assert refcount_during(mod.view_then_call, x) == refcount_during(mod.tensor_then_call, x) - 1
    by_keyword = refcount_during(mod.tensor_then_call, x, by_keyword=True)
    assert refcount_during(mod.view_then_call, x, by_keyword=True) == by_keyword - 1


def test_strides_and_offsets_reach_the_kernel(mod):
    base = torch.arange(60, dtype=torch.float32).reshape(6, 10)
    for t in (base, base[1:5, 2:9:3], base.t(), base[::2, 1:].t()[2:]):
        assert mod.strided_sum(t) == pytest.approx(float(t.sum()))


def test_lazy_views_and_missing_data_are_still_refused(mod):
    with pytest.raises(BufferError, match="resolve_neg"):
        mod.strided_sum(torch.ones(2, 2)._neg_view())
    with pytest.raises(BufferError, match="resolve_conj"):
        mod.view_then_call(torch.ones(2, dtype=torch.complex64).conj(), lambda: None)


def test_the_call_keeps_the_framework_context(mod):
    x = torch.ones(3, 2)
    out = mod.alloc_like(x, x)
    assert type(out) is torch.Tensor and tuple(out.shape) == (3, 2)


def test_non_tensors_for_view_parameters_still_convert(mod):
    t = ffi.from_dlpack(torch.ones(2, 2))
    assert mod.strided_sum(t) == 4.0
    with pytest.raises(TypeError):
        mod.strided_sum(3)
