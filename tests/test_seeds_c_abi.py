"""The C-level code of the seeds, compiled against the headers and run against the runtime.

- seed 002's ``examples/abi_overview/example_code.c``, built with ``gcc -std=c99`` together
  with a driver (tests/seeds/abi_overview/example_code_main.c) that calls its functions;
- seed 002's other code blocks (tests/seeds/abi_overview/abi_overview_snippets.cc);
- seed 000's Exception ABI and C registry snippets (tests/seeds/func_module/exception_abi.cc);
- a plain-C ``add_one_cpu`` kernel written as seed 004 describes
  (tests/seeds/stable_c_abi/add_one_cpu.c), called on numpy and torch arrays.

Everything is built once per module into pytest's temporary directory, in parallel.
"""

import os
import subprocess

import numpy as np
import pytest
from native_build import INCLUDE_FLAGS, LINK_FLAGS, build_all

import tvm_ffi_jit

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds_c_abi")
    paths = {
        "example_code": str(out / "example_code"),
        "add_one_cpu": str(out / "add_one_cpu.so"),
        "exception_abi": str(out / "exception_abi.so"),
        "abi_overview": str(out / "abi_overview_snippets.so"),
    }
    c99 = ["gcc", "-std=c99", "-O2", "-Wall", *INCLUDE_FLAGS]
    cxx = ["g++", "-std=c++17", "-O2", "-fPIC", "-shared", *INCLUDE_FLAGS]
    build_all(
        {
            "example_code": [
                *c99,
                os.path.join(SEEDS, "abi_overview", "example_code_main.c"),
                "-o",
                paths["example_code"],
                *LINK_FLAGS,
            ],
            "add_one_cpu": [
                *c99,
                "-fPIC",
                "-shared",
                os.path.join(SEEDS, "stable_c_abi", "add_one_cpu.c"),
                "-o",
                paths["add_one_cpu"],
                *LINK_FLAGS,
            ],
            "exception_abi": [
                *cxx,
                os.path.join(SEEDS, "func_module", "exception_abi.cc"),
                "-o",
                paths["exception_abi"],
                *LINK_FLAGS,
            ],
            "abi_overview": [
                *cxx,
                os.path.join(SEEDS, "abi_overview", "abi_overview_snippets.cc"),
                "-o",
                paths["abi_overview"],
                *LINK_FLAGS,
            ],
        }
    )
    return paths


# ---- seed 002: examples/abi_overview/example_code.c ----

EXAMPLE_CODE_CHECKS = {
    "any_pod": "int=-7 as_float=-7.00\nfloat=2.75 as_int=2\nbool=1\ndestroyed type_index=0\n",
    "any_object": (
        "any: after construct=2 after destroy=1\n"
        "view: after construct=1 after destroy=1\n"
        "move: count=2 after destroy=1 deleter_flags=0\n"
        "last destroy: deleter_flags=3\n"
    ),
    "function": (
        "call(40, 2)=142\n"
        "global call(1, 2)=103\n"
        "after release: registered_freed=0 global call(3, 4)=107\n"
        "missing global is NULL=1\n"
        "unregistered call(5, 6)=1011 freed=1\n"
    ),
    "error": "rc=-1\nkind=ValueError message=Expected at least 2 arguments\nslot cleared=1\n",
    "type_info": (
        "derived is Base=1 Object=1 Derived=1\n"
        "base is Derived=0\n"
        "sibling is Base=0 cousin is Base=0 cousin is Sibling=1\n"
        "Str is Object=1 Str is Base=0\n"
        "instance is Base=1\n"
    ),
    "tensor_dlpack": (
        "ndim=2 shape=2x3 dtype=2/32 element[1][2]=5.5\n"
        "exported shape=2x3 element[0][1]=1.5\n"
        "deleted after tensor release=0 after export release=1\n"
    ),
    "tensor_alloc": (
        "runtime allocator: sum of squares=30\n"
        "custom allocator: allocations=1 sum of squares=30 frees=1\n"
    ),
}


@pytest.mark.parametrize("check", sorted(EXAMPLE_CODE_CHECKS))
def test_example_code(built, check):
    run = subprocess.run([built["example_code"], check], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == EXAMPLE_CODE_CHECKS[check]
    if check == "error":
        # Error_HandleReturnCode printed the error through the example's PrintError.
        assert run.stderr.startswith("ValueError: Expected at least 2 arguments\n")
    else:
        assert run.stderr == ""


# ---- seed 004: add_one_cpu in plain C ----


def test_add_one_c_numpy(built):
    mod = tvm_ffi_jit.load_module(built["add_one_cpu"])
    x = np.arange(7, dtype=np.float32) * 0.5
    y = np.zeros(7, dtype=np.float32)
    assert mod.add_one_cpu(x, y) is None
    np.testing.assert_array_equal(y, x + 1)


def test_add_one_c_torch(built):
    torch = pytest.importorskip("torch")
    mod = tvm_ffi_jit.load_module(built["add_one_cpu"])
    x = torch.linspace(-1.0, 1.0, 9)
    y = torch.empty(9)
    data_ptr = y.data_ptr()
    mod.add_one_cpu(x, y)
    assert y.data_ptr() == data_ptr  # written in place
    assert torch.equal(y, x + 1)
    # a contiguous slice keeps its byte offset
    z = torch.zeros(12)
    mod.add_one_cpu(x, z[3:])
    assert torch.equal(z[3:], x + 1) and torch.equal(z[:3], torch.zeros(3))


@pytest.mark.parametrize(
    "make_args, kind, message",
    [
        (lambda x, y: (x,), TypeError, "add_one_cpu expects 2 arguments (x, y)"),
        (lambda x, y: (1, y), TypeError, "add_one_cpu: argument `x` must be a tensor"),
        (lambda x, y: (x, y.astype(np.float64)), TypeError, "argument `y` must be float32"),
        (lambda x, y: (x.reshape(2, 2), y), ValueError, "argument `x` must be 1-dimensional"),
        (lambda x, y: (x[::2], y[:2]), ValueError, "argument `x` must be contiguous"),
        (lambda x, y: (x, y[:3]), ValueError, "x and y must have the same length"),
    ],
)
def test_add_one_c_errors(built, make_args, kind, message):
    mod = tvm_ffi_jit.load_module(built["add_one_cpu"])
    x = np.arange(4, dtype=np.float32)
    y = np.zeros(4, dtype=np.float32)
    with pytest.raises(kind) as info:
        mod.add_one_cpu(*make_args(x, y))
    assert message in str(info.value)
    assert not y.any()


# ---- seed 000: Exception ABI and C registry snippets ----


def test_my_kernel_sets_value_error(built):
    mod = tvm_ffi_jit.load_module(built["exception_abi"])
    with pytest.raises(ValueError, match="Expected at least 2 arguments"):
        mod.my_kernel(1)
    assert mod.my_kernel(1, 2) is None


def test_handle_return_code_prints_error(built, capfd):
    mod = tvm_ffi_jit.load_module(built["exception_abi"])
    assert mod.call_kernel_and_handle(1) == -1
    err = capfd.readouterr().err
    assert err.startswith("ValueError: Expected at least 2 arguments\n")
    assert "Backtrace:\n" in err
    assert mod.call_kernel_and_handle(2) == 0
    assert capfd.readouterr().err == ""
    # -2 means the frontend owns the error: HandleReturnCode must not take it from TLS.
    assert mod.frontend_code_leaves_slot() is True


def test_outer_function_propagates_code(built):
    mod = tvm_ffi_jit.load_module(built["exception_abi"])
    assert mod.propagate(False) is None
    with pytest.raises(RuntimeError, match="inner_function failed"):
        mod.propagate(True)


def test_lookup_and_call(built):
    mod = tvm_ffi_jit.load_module(built["exception_abi"])
    tvm_ffi_jit.register_global_func("seeds_c_abi.square", lambda x: x * x, override=True)
    assert mod.lookup_and_call("seeds_c_abi.square", 7) == 49

    def fail(x):
        raise KeyError(f"no entry {x}")

    tvm_ffi_jit.register_global_func("seeds_c_abi.fail", fail, override=True)
    with pytest.raises(KeyError, match="no entry 3"):
        mod.lookup_and_call("seeds_c_abi.fail", 3)


# ---- seed 002: the other code blocks ----


def test_any_example(built, capfd):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    assert mod.any_example() is None
    assert capfd.readouterr().out == "Value is 1\n"


def test_set_pod_values(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    # [type_index, zero_padding, value] after writing into an Any full of stale bytes
    assert list(mod.set_int_value_fields(-5)) == [1, 0, -5]
    assert list(mod.set_opaque_ptr_value_fields()) == [4, 0, 1]


def test_layouts(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    assert dict(mod.payload_offsets()) == {
        "TensorObj (abi_overview.md)": 24,
        "TensorObj (abi_overview.rst)": 24,
        "ErrorObj": 24,
        "StringObj": 24,
    }


def test_error_func(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    func = mod.make_error_func()
    assert isinstance(func, tvm_ffi_jit.Function)
    with pytest.raises(RuntimeError, match="error message"):
        func()


def test_read_string(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    assert list(mod.read_string_arg("short")) == [11, "short"]  # kTVMFFISmallStr
    assert list(mod.read_string_arg("not a small string")) == [8, "not a small string"]
    assert [list(form) for form in mod.read_string_forms()] == [
        [8, "a raw C string"],
        [11, "short"],
        [65, "an on-heap string object"],
    ]


def test_split_ref_count(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    assert list(mod.split_ref_count((3 << 32) | 5)) == [5, 3]


def test_object_conversions(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    assert dict(mod.object_conversions()) == {
        "ObjectToAnyView": 1,
        "AnyToObjectPtr(view)": 0,
        "AnyToObjectPtr(int)": -1,
        "ObjectToAny": 2,
        "destroy_any_view": 2,
        "view cleared": 1,
        "destroy_any": 1,
        "deleter before last": 0,
        "deleter after last": 3,
    }


TENSOR_CONVERSIONS = {
    "type_index": 70,
    "ndim": 1,
    "size0": 3,
    "first": 1.5,
    "AnyToOwnedTensor": 0,
    "TensorToAny adds": 1,
    "destroy_any removes": 1,
}


def test_tensor_conversions_numpy(built):
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    x = np.array([1.5, 2.5, 3.5], dtype=np.float32)
    assert dict(mod.tensor_conversions(x)) == TENSOR_CONVERSIONS
    y = mod.tensor_to_any(x)
    assert isinstance(y, tvm_ffi_jit.Tensor)
    back = np.from_dlpack(y)
    assert np.shares_memory(back, x)
    np.testing.assert_array_equal(back, x)


def test_tensor_conversions_torch(built):
    torch = pytest.importorskip("torch")
    mod = tvm_ffi_jit.load_module(built["abi_overview"])
    x = torch.tensor([1.5, -2.0, 0.25])
    assert dict(mod.tensor_conversions(x)) == TENSOR_CONVERSIONS
    back = torch.from_dlpack(mod.tensor_to_any(x))
    assert back.data_ptr() == x.data_ptr()
