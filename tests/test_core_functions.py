"""Global functions, Python callbacks, and errors crossing the ABI in both directions."""

import subprocess
import sys

import pytest

import tvm_ffi_jit as ffi


def test_register_and_get_global_direct_and_decorator():
    def add(x, y):
        return x + y

    registered = ffi.register_global_func("test.core.add", add)
    assert isinstance(registered, ffi.Function) and registered(1, 2) == 3  # as upstream
    assert ffi.get_global_func("test.core.add")(40, 2) == 42

    @ffi.register_global_func("test.core.mul")
    def mul(x, y):
        return x * y

    assert ffi.get_global_func("test.core.mul")(6, 7) == 42
    assert "test.core.mul" in ffi.list_global_func_names()


def test_register_twice_needs_override():
    ffi.register_global_func("test.core.once", lambda: 1)
    with pytest.raises(ValueError, match="already registered"):
        ffi.register_global_func("test.core.once", lambda: 2)
    ffi.register_global_func("test.core.once", lambda: 3, override=True)
    assert ffi.get_global_func("test.core.once")() == 3


def test_missing_global():
    with pytest.raises(ValueError, match="not registered"):
        ffi.get_global_func("test.core.does_not_exist")
    assert ffi.get_global_func("test.core.does_not_exist", allow_missing=True) is None


def test_callable_results_are_converted_back():
    @ffi.register_global_func("test.core.make_adder")
    def make_adder(x):
        return lambda y: x + y

    adder = ffi.get_global_func("test.core.make_adder")(10)
    assert isinstance(adder, ffi.Function)
    assert adder(5) == 15


@pytest.mark.parametrize(
    "kind",
    [
        "ValueError",
        "TypeError",
        "IndexError",
        "KeyError",
        "AttributeError",
        "NotImplementedError",
        "RuntimeError",
        "MemoryError",
    ],
)
def test_cpp_error_kinds_map_to_python_builtins(kernels, kind):
    with pytest.raises(getattr(__builtins__, kind, None) or eval(kind)) as info:
        kernels.raise_kind(kind, f"bad {kind}")
    assert type(info.value).__name__ == kind
    assert f"bad {kind}" in str(info.value)


def test_unknown_kinds_and_std_exceptions_are_runtime_errors(kernels):
    with pytest.raises(RuntimeError, match="plain std exception"):
        kernels.raise_kind("std", "plain std exception")
    with pytest.raises(RuntimeError, match="custom"):
        kernels.raise_kind("Other", "custom")
    with pytest.raises(RuntimeError, match="Check failed"):
        kernels.raise_kind("InternalError", "invariant")


def test_registered_error_kind(kernels):
    @ffi.register_error("CustomKindError")
    class CustomKindError(RuntimeError):
        pass

    with pytest.raises(CustomKindError, match="mine"):
        kernels.raise_kind("Custom", "mine")


def test_cpp_backtrace_in_python_traceback(kernels):
    import traceback

    with pytest.raises(ValueError) as info:
        kernels.raise_kind("ValueError", "with trace")
    text = "".join(traceback.format_exception(info.value))
    assert "C++ backtrace (most recent call first)" in text
    assert "raise_kind" in text  # the throwing C++ function is named


def test_python_exception_reaches_cpp_with_its_kind(kernels):
    def fails():
        raise KeyError("missing thing")

    assert kernels.catch_from_callback(fails) == "KeyError: 'missing thing'"


def test_python_exception_comes_back_with_its_type(kernels):
    class MyError(Exception):
        pass

    def fails(x):
        raise MyError("from python")

    with pytest.raises(MyError, match="from python"):
        kernels.call_twice(fails, 1)


def test_signal_during_a_call_reaches_python(kernels, default_sigint):
    # TVMFFIEnvCheckSignals runs Python's handlers; the -2 code hands back its exception.
    with pytest.raises(KeyboardInterrupt):
        kernels.interrupted_loop()


def test_docstrings(kernels):
    import tvm_ffi_jit.cpp

    mod = tvm_ffi_jit.cpp.load_inline(
        "core_test_docs",
        cpp_sources="int seven() { return 7; }",
        functions={"seven": "Returns seven."},
    )
    assert mod.seven() == 7
    assert mod.seven.__doc__ == "Returns seven."


def test_import_does_not_import_frameworks():
    code = (
        "import sys, tvm_ffi_jit; "
        "print(sorted(m for m in ('torch', 'numpy', 'cupy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
