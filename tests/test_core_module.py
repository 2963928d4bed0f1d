"""Modules: attribute access, get_function, `in`, exports, load errors, zero-copy tensors."""

import subprocess
import sys

import numpy as np
import pytest
from native_build import build_all

import tvm_ffi_jit as ffi


def test_module_access(kernels):
    assert isinstance(kernels, ffi.Module)
    assert kernels.kind == "library" and kernels.path.endswith(".so")
    assert "add3" in kernels and "nope" not in kernels
    assert kernels.get_function("add3")(1, 1, 1) == 3
    assert isinstance(kernels.add3, ffi.Function)
    assert "add3" in kernels.list_functions()


def test_missing_function_lists_exports(kernels):
    with pytest.raises(AttributeError) as info:
        kernels.does_not_exist  # noqa: B018
    assert "does_not_exist" in str(info.value) and "add3" in str(info.value)


def test_load_module_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        ffi.load_module(tmp_path / "missing.so")
    bogus = tmp_path / "bogus.so"
    bogus.write_bytes(b"not an ELF file")
    with pytest.raises(ImportError, match="cannot load"):
        ffi.load_module(bogus)


@pytest.mark.parametrize(
    "source, reason",
    [
        (
            "int never_defined(int);\nint f(int x) { return never_defined(x); }",
            "undefined symbol: _Z13never_definedi (never_defined(int))",
        ),
        (
            'extern "C" int TVMFFINotInThisRuntime(void);\n'
            "int f(int) { return TVMFFINotInThisRuntime(); }",
            "undefined symbol: TVMFFINotInThisRuntime",
        ),
    ],
    ids=["declared_never_defined", "runtime_function_missing"],
)
def test_undefined_symbol_fails_the_load_not_the_process(tmp_path, source, reason):
    # Linked without -z defs, like a library built by hand; a lazy load would exit(127) at the
    # first call. A fresh process: if it dies, only this test fails.
    path = tmp_path / "undefined.cc"
    path.write_text(
        source + '\nextern "C" int __tvm_ffi_f(void*, const void*, int, void*) { return f(1); }\n'
    )
    library = tmp_path / "undefined.so"
    build_all({"undefined": ["g++", "-fPIC", "-shared", str(path), "-o", str(library)]})
    script = f"""
import tvm_ffi_jit
try:
    tvm_ffi_jit.load_module({str(library)!r})
except ImportError as err:
    print(err)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"cannot load {library}")
    assert reason in result.stdout


def test_load_module_by_path(kernels):
    again = ffi.load_module(kernels.path)
    assert again.add3(2, 2, 2) == 6


def test_function_outlives_module(kernels):
    mod = ffi.load_module(kernels.path)
    func = mod.add3
    del mod
    assert func(1, 2, 3) == 6


def test_zero_copy_numpy(kernels):
    x = np.zeros(5, dtype=np.float32)
    kernels.fill(x, 2.5)
    np.testing.assert_array_equal(x, np.full(5, 2.5, dtype=np.float32))


def test_zero_copy_torch_add_one():
    torch = pytest.importorskip("torch")
    import tvm_ffi_jit.cpp

    mod = tvm_ffi_jit.cpp.load_inline(
        "core_test_add_one",
        cpp_sources=r"""
        #include <tvm/ffi/tvm_ffi.h>
        void add_one(tvm::ffi::TensorView x, tvm::ffi::TensorView y) {
          const float* in = static_cast<const float*>(x.data_ptr());
          float* out = static_cast<float*>(y.data_ptr());
          for (int64_t i = 0; i < x.size(0); ++i) out[i] = in[i] + 1;
        }
        """,
        functions=["add_one"],
    )
    x = torch.arange(4.0)
    y = torch.empty_like(x)
    pointer = y.data_ptr()
    mod.add_one(x, y)
    assert y.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert y.data_ptr() == pointer  # written in place


def test_tensor_metadata_and_strides(kernels):
    base = np.zeros((4, 6), dtype=np.float32)
    assert list(kernels.tensor_info(base)) == [2, 1, 6, 1]
    view = base[:, ::2]
    assert list(kernels.tensor_info(view)) == [2, 0, 6, 2]


def test_dtype_check_raises(kernels):
    with pytest.raises(TypeError, match="fill expects float32"):
        kernels.fill(np.zeros(2, dtype=np.float64), 1.0)


def test_returned_tensor(kernels):
    t = kernels.alloc_cpu(3)
    assert isinstance(t, ffi.Tensor)
    assert t.shape == (3,) and t.dtype == "float32" and t.device == ffi.device("cpu")
    np.testing.assert_array_equal(np.from_dlpack(t), [0.0, 1.0, 2.0])


def test_from_dlpack_round_trip():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    t = ffi.from_dlpack(a)
    assert t.shape == (2, 3) and t.strides == (3, 1) and t.dtype == "int64"
    b = np.from_dlpack(t)
    b[0, 0] = 42
    assert a[0, 0] == 42  # same memory
