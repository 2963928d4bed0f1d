"""Module functions as torch custom ops (tvm_ffi_jit.torch) and the C++ dtype dispatch helper."""

import gc
import re
import subprocess
import sys
import weakref

import pytest

torch = pytest.importorskip("torch")

import tvm_ffi_jit.cpp  # noqa: E402
import tvm_ffi_jit.torch as jit_torch  # noqa: E402

KERNELS = r"""
#include <tvm/ffi/extra/dtype_dispatch.h>
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

// Writes x + 1 into out (an out-parameter kernel).
void add_one_out(ffi::TensorView x, ffi::TensorView out) {
  TVM_FFI_DISPATCH_FLOATING_TYPES(x.dtype(), "add_one_out", [&] {
    const scalar_t* in = static_cast<const scalar_t*>(x.data_ptr());
    scalar_t* result = static_cast<scalar_t*>(out.data_ptr());
    for (int64_t i = 0; i < x.numel(); ++i) result[i] = in[i] + 1;
  });
}

// Returns alpha * x in a new tensor from the caller's allocator.
ffi::Tensor scale(ffi::TensorView x, double alpha) {
  TVM_FFI_CHECK(x.IsContiguous(), ValueError) << "scale: x is not contiguous";
  ffi::Tensor y = ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, x.shape(), x.dtype(), x.device());
  TVM_FFI_DISPATCH_TYPES(x.dtype(), "scale", (float, double, int32_t, int64_t), [&] {
    const scalar_t* in = static_cast<const scalar_t*>(x.data_ptr());
    scalar_t* out = static_cast<scalar_t*>(y.data_ptr());
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = static_cast<scalar_t>(in[i] * alpha);
  });
  return y;
}

// The same kernel exported with its parameter names recorded.
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(add_one_named, add_one_out, "x", "out");

// Generated exports name parameters with this form: a wrong count drops the names, not the build.
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(scale_misnamed, scale, "only_one_name");

// The body's value is the dispatch's value: the element size of the dtype.
int64_t element_size(DLDataType dtype) {
  return TVM_FFI_DISPATCH_ALL_TYPES(dtype, "element_size",
                                    [&] { return static_cast<int64_t>(sizeof(scalar_t)); });
}
"""


@pytest.fixture(scope="module")
def mod():
    return tvm_ffi_jit.cpp.load_inline(
        "torch_integration", cpp_sources=KERNELS, functions=["add_one_out", "scale", "element_size"]
    )


@pytest.fixture(scope="module")
def ops(mod):
    def scale_backward(ctx, grad):
        # Autograd may hand over an expanded (stride 0) gradient; the kernel wants it dense.
        return scale_op(grad.contiguous(), ctx.alpha), None

    def scale_setup_context(ctx, inputs, output):
        ctx.alpha = inputs[1]

    add_one_op = jit_torch.custom_op(
        "tvm_ffi_jit_test::add_one_out", mod.add_one_out, mutates_args=(1,)
    )
    scale_op = jit_torch.custom_op(
        "tvm_ffi_jit_test::scale",
        mod.scale,
        fake=lambda x, alpha: torch.empty_like(x),
        backward=scale_backward,
        setup_context=scale_setup_context,
    )
    return add_one_op, scale_op


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int32, torch.int64])
def test_dispatch_runs_the_kernel_for_each_listed_dtype(mod, dtype):
    y = mod.scale(torch.arange(5).to(dtype), 3.0)
    assert y.dtype == dtype
    assert y.tolist() == [0, 3, 6, 9, 12]


def test_dispatch_names_the_unsupported_dtype_and_the_allowed_ones(mod):
    with pytest.raises(TypeError) as info:
        mod.scale(torch.arange(5, dtype=torch.int16), 3.0)
    assert "scale: unsupported dtype int16 (expected one of float32, float64, int32, int64)" in str(
        info.value
    )
    floating_only = r"add_one_out: unsupported dtype int32 \(expected one of float32, float64\)"
    with pytest.raises(TypeError, match=floating_only):
        mod.add_one_out(torch.arange(3, dtype=torch.int32), torch.empty(3, dtype=torch.int32))


def test_dispatch_returns_the_body_value(mod):
    names = ("float64", "float32", "int16", "uint8")
    sizes = [mod.element_size(tvm_ffi_jit.dtype(name)) for name in names]
    assert sizes == [8, 4, 2, 1]


def test_schema_comes_from_the_recorded_types(mod):
    out_name = list(__import__("inspect").signature(mod.add_one_out).parameters)[1]
    schema = jit_torch.torch_schema(mod.add_one_out, mutates_args=[out_name])
    assert re.fullmatch(r"\(Tensor \w+, Tensor\(a0!\) \w+\) -> \(\)", schema), schema
    assert re.fullmatch(r"\(Tensor \w+, float \w+\) -> Tensor", jit_torch.torch_schema(mod.scale))
    with pytest.raises(ValueError, match="mutates_args names no parameter: \\['nope'\\]"):
        jit_torch.torch_schema(mod.scale, mutates_args=["nope"])


def test_a_module_function_called_directly_breaks_the_graph_and_says_why(mod):
    def fn(x):
        return mod.scale(x * 2, 2.0) + 1

    assert mod.scale  # looked up now: in compiled code the lookup would be another Function call
    hint = 'tvm_ffi_jit.torch.custom_op("mylib::scale", mod.scale, mutates_args=..., fake=...)'
    with pytest.raises(torch._dynamo.exc.Unsupported) as info:
        torch.compile(fn, backend="eager", fullgraph=True)(torch.ones(3))
    assert "`scale` is a tvm_ffi_jit module function" in str(info.value)
    assert hint in str(info.value)
    # Without fullgraph: the call runs outside the graph, and the break gives the same reason.
    torch._dynamo.reset()
    explained = torch._dynamo.explain(fn)(torch.ones(3))
    assert explained.graph_break_count == 1
    assert hint in str(explained.break_reasons[0].reason)
    torch._dynamo.reset()
    assert torch.compile(fn, backend="eager")(torch.ones(3)).tolist() == [5.0, 5.0, 5.0]


def test_allow_in_graph_takes_a_function_and_its_fake_tensor_run_names_custom_op(mod):
    fn = mod.get_function("scale")  # its own object: allow_in_graph is global state
    torch.compiler.allow_in_graph(fn)  # keeps a weak reference
    with pytest.raises(Exception) as info:
        torch.compile(lambda x: fn(x, 2.0), backend="eager", fullgraph=True)(torch.ones(3))
    assert "scale() got a FakeTensor (a tensor without data) as argument #0" in str(info.value)
    assert 'tvm_ffi_jit.torch.custom_op("mylib::scale", mod.scale' in str(info.value)


def test_tensors_without_data_get_an_error_naming_the_function(mod):
    from torch._subclasses.fake_tensor import FakeTensorMode

    with pytest.raises(RuntimeError, match=r"scale\(\) got a meta tensor as argument #0: "):
        mod.scale(torch.empty(3, device="meta"), 2.0)
    with FakeTensorMode():
        fake = torch.ones(3)
        with pytest.raises(RuntimeError, match=r"^scale\(\) got a FakeTensor") as info:
            mod.scale(fake, 2.0)
    assert "a null data pointer" in str(info.value.__cause__)  # what the conversion saw
    with pytest.raises(TypeError, match="scale: unsupported dtype int16"):
        mod.scale(torch.ones(3, dtype=torch.int16), 2.0)  # other errors stay as they are


def test_function_weak_references_die_with_it(mod):
    fn = mod.get_function("scale")
    died = []
    ref = weakref.ref(fn, died.append)
    assert ref() is fn
    del fn
    gc.collect()
    assert ref() is None and died == [ref]


def test_inline_functions_take_keywords_by_their_cpp_parameter_names(mod):
    x = torch.arange(3.0)
    assert mod.scale(x=x, alpha=2.0).tolist() == [0.0, 2.0, 4.0]
    assert mod.scale(x, alpha=3.0).tolist() == [0.0, 3.0, 6.0]
    assert repr(mod.scale) == "<tvm_ffi_jit.Function scale(x: Tensor, alpha: float) -> Tensor>"
    assert repr(mod.add_one_out) == (
        "<tvm_ffi_jit.Function add_one_out(x: Tensor, out: Tensor) -> None>"
    )
    # A name count that does not match the arity (a misread source) drops the names.
    assert (
        repr(mod.scale_misnamed) == "<tvm_ffi_jit.Function scale_misnamed(Tensor, float) -> Tensor>"
    )
    assert mod.scale_misnamed(x, 2.0).tolist() == [0.0, 2.0, 4.0]


def test_out_parameter_op_compiles_without_graph_break_and_passes_opcheck(ops):
    add_one_op, _ = ops

    def fn(x):
        out = torch.empty_like(x)
        add_one_op(x * 2, out)
        return out * 10

    compiled = torch.compile(fn, backend="aot_eager", fullgraph=True)
    assert compiled(torch.arange(4.0)).tolist() == [10.0, 30.0, 50.0, 70.0]
    torch.library.opcheck(add_one_op, (torch.randn(5), torch.empty(5)))


def test_op_returning_a_new_tensor_compiles_and_passes_opcheck(ops):
    _, scale_op = ops
    compiled = torch.compile(lambda x: scale_op(x, 3.0) - 1, backend="aot_eager", fullgraph=True)
    assert compiled(torch.arange(3.0)).tolist() == [-1.0, 2.0, 5.0]
    torch.library.opcheck(scale_op, (torch.randn(4, requires_grad=True), 0.5))


def test_gradient_flows_through_the_op(ops):
    _, scale_op = ops
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: scale_op(t, 2.5), (x,))
    scale_op(x, 2.5).sum().backward()
    assert x.grad.tolist() == [2.5] * 6


def test_dtype_arguments_reach_the_kernel_from_torch_dtypes(mod):
    assert jit_torch.torch_schema(mod.element_size).startswith("(ScalarType ")
    element_size_op = jit_torch.custom_op("tvm_ffi_jit_test::element_size", mod.element_size)
    assert [element_size_op(t) for t in (torch.float64, torch.int16)] == [8, 2]


def test_eager_calls_do_not_import_dynamo(mod):
    # torch would import torch._dynamo (seconds) on the first call of a custom op; a fresh
    # process shows that an eager forward and backward through the op leave it unloaded, and
    # that torch.compile, importing it later, still explains a module function it meets.
    script = f"""
import sys, torch, tvm_ffi_jit.cpp, tvm_ffi_jit.torch
mod = tvm_ffi_jit.cpp.load_inline("torch_integration", cpp_sources={KERNELS!r},
                                  functions=["add_one_out", "scale", "element_size"])
op = tvm_ffi_jit.torch.custom_op("t::scale", mod.scale, backward=lambda ctx, g: (g * 2, None))
x = torch.ones(3, requires_grad=True)
op(x, 2.0).sum().backward()
print(x.grad.tolist(), "torch._dynamo" in sys.modules)
# torch.compile imports torch._dynamo only now: the graph-break message is installed then.
try:
    torch.compile(lambda t: mod.scale(t, 2.0), backend="eager", fullgraph=True)(x)
except Exception as error:
    print("`scale` is a tvm_ffi_jit module function" in str(error))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[2.0,", "2.0,", "2.0]", "False", "True"]


def test_recorded_parameter_names_name_the_schema_and_mutates_args(mod):
    op = jit_torch.custom_op(
        "tvm_ffi_jit_test::add_one_named", mod.add_one_named, mutates_args=["out"]
    )
    assert str(op._opoverload._schema).endswith("(Tensor x, Tensor(a0!) out) -> ()")
    out = torch.empty(3)
    op(torch.arange(3.0), out)
    assert out.tolist() == [1.0, 2.0, 3.0]
    # "argN", the name a parameter has when none is recorded, still means its position.
    by_position = jit_torch.custom_op(
        "tvm_ffi_jit_test::add_one_by_position", mod.add_one_out, mutates_args=["arg1"]
    )
    assert str(by_position._opoverload._schema).endswith("(Tensor x, Tensor(a0!) out) -> ()")
