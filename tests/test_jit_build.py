"""tvm_ffi_jit.cpp builds: exports, calls, diagnostics, toolchain errors, CUDA."""

import logging
import os
import shutil
import subprocess

import pytest

import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.build_error import BuildError, ToolchainError
from tvm_ffi_jit.cpp import toolchain

ADD_ONE = r"""
#include <tvm/ffi/tvm_ffi.h>

int add_one(int x) { return x + 1; }
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    return path


def exported_symbols(path: str) -> "set[str]":
    out = subprocess.run(
        ["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def test_build_inline_exports_each_function(cache_dir):
    path = cpp.build_inline(
        "two_funcs",
        cpp_sources=ADD_ONE + "int add_two(int x) { return x + 2; }\n",
        functions=["add_one", "add_two"],
    )
    assert path.startswith(str(cache_dir))
    assert path.endswith(".so") and os.path.isfile(path)
    symbols = exported_symbols(path)
    assert {"__tvm_ffi_add_one", "__tvm_ffi_add_two"} <= symbols
    # The version script (cpp/link.py): the user's own C++ functions stay private.
    assert not any("add_oneEi" in s for s in symbols)


def test_load_inline_calls_the_function():
    mod = cpp.load_inline("add_one", cpp_sources=ADD_ONE, functions=["add_one"])
    assert mod.add_one(41) == 42
    assert "add_one" in mod


def test_functions_dict_sets_docstrings():
    mod = cpp.load_inline(
        "documented", cpp_sources=ADD_ONE, functions={"add_one": "Adds one to an int."}
    )
    assert mod._function_docs == {"add_one": "Adds one to an int."}
    assert mod.add_one(1) == 2


def test_cpp_function_writes_into_a_numpy_array():
    np = pytest.importorskip("numpy")
    source = r"""
    #include <tvm/ffi/tvm_ffi.h>

    void scale_into(tvm::ffi::TensorView x, tvm::ffi::TensorView y, double factor) {
      const float* in = static_cast<const float*>(x.data_ptr());
      float* out = static_cast<float*>(y.data_ptr());
      for (int64_t i = 0; i < x.size(0); ++i) out[i] = in[i] * static_cast<float>(factor);
    }
    """
    mod = cpp.load_inline("scale_into", cpp_sources=source, functions=["scale_into"])
    x = np.arange(5, dtype=np.float32)
    y = np.zeros_like(x)
    mod.scale_into(x, y, 2.5)
    np.testing.assert_array_equal(y, np.array([0.0, 2.5, 5.0, 7.5, 10.0], dtype=np.float32))


def test_load_compiles_files_with_a_local_header(tmp_path):
    (tmp_path / "offset.h").write_text("#pragma once\nconstexpr int kOffset = 100;\n")
    (tmp_path / "ops.cpp").write_text(
        '#include <tvm/ffi/tvm_ffi.h>\n#include "offset.h"\n'
        "static int AddOffset(int x) { return x + kOffset; }\n"
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_offset, AddOffset);\n"
    )
    path = cpp.build("file_ops", str(tmp_path / "ops.cpp"))
    assert "__tvm_ffi_add_offset" in exported_symbols(path)
    mod = cpp.load("file_ops", [str(tmp_path / "ops.cpp")])
    assert mod.add_offset(1) == 101


PLAIN_C_KERNEL = r"""
#include <tvm/ffi/c_api.h>

int __tvm_ffi_add_one_c(void* handle, const TVMFFIAny* args, int32_t num_args,
                        TVMFFIAny* result) {
  if (num_args != 1 || args[0].type_index != kTVMFFIInt) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "add_one_c expects one int");
    return -1;
  }
  result->type_index = kTVMFFIInt;
  result->v_int64 = args[0].v_int64 + 1;
  return 0;
}
"""


def test_plain_c_file_compiles_as_c(tmp_path):
    (tmp_path / "kernel.c").write_text(PLAIN_C_KERNEL)
    path = cpp.build("c_kernel", cpp_files=str(tmp_path / "kernel.c"))
    assert "__tvm_ffi_add_one_c" in exported_symbols(path)
    mod = cpp.load("c_kernel", cpp_files=str(tmp_path / "kernel.c"))
    assert mod.add_one_c(41) == 42
    with pytest.raises(TypeError, match="expects one int"):
        mod.add_one_c("not an int")


def test_compile_error_names_the_users_inline_source_and_line():
    source = "#include <tvm/ffi/tvm_ffi.h>\n\nint broken(int x) {\n  return x + undeclared;\n}\n"
    with pytest.raises(BuildError) as info:
        cpp.build_inline("broken_mod", cpp_sources=source, functions=["broken"])
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "broken_mod/cpp_sources:4:" in message
    assert "undeclared" in message
    # The full log stays on disk, next to the failed build.
    log_path = message.split("full log: ", 1)[1].split()[0]
    with open(log_path) as f:
        assert "undeclared" in f.read()


def test_compile_error_in_a_list_of_sources_names_the_element():
    with pytest.raises(BuildError, match=r"multi/cpp_sources\[1\]:2:"):
        cpp.build_inline("multi", cpp_sources=["int a() { return 1; }", "\nint b() { return ; }"])


def test_compile_error_in_the_generated_exports_is_not_blamed_on_the_user():
    with pytest.raises(BuildError) as info:
        cpp.build_inline("no_such_fn", cpp_sources=ADD_ONE, functions=["missing_fn"])
    assert "no_such_fn/generated_exports" in str(info.value)
    assert "missing_fn" in str(info.value)


def test_compile_error_in_a_file_names_the_file(tmp_path):
    source = tmp_path / "bad.cpp"
    source.write_text("int f() {\n  return nope;\n}\n")
    with pytest.raises(BuildError, match=rf"{source}:2:"):
        cpp.build("bad_file", str(source))


@pytest.mark.parametrize("name", ["", "a/b", "..", "x..y", "../escape", "back\\slash", " "])
def test_invalid_names_raise_value_error(name):
    with pytest.raises(ValueError, match="invalid module name"):
        cpp.build_inline(name, cpp_sources=ADD_ONE, functions=["add_one"])


@pytest.mark.parametrize("functions", [["not valid"], ["1abc"], ["ns::f"], ["f", "f"]])
def test_invalid_function_names_raise_value_error(functions):
    with pytest.raises(ValueError):
        cpp.build_inline("bad_functions", cpp_sources=ADD_ONE, functions=functions)


def test_nothing_to_build_raises_value_error():
    with pytest.raises(ValueError, match="nothing to build"):
        cpp.build_inline("empty", functions=["f"])


def test_missing_compiler_says_what_and_how_to_fix(monkeypatch):
    monkeypatch.setenv("CXX", "/nonexistent/bin/g++")
    with pytest.raises(ToolchainError) as info:
        cpp.build_inline("no_cxx", cpp_sources=ADD_ONE, functions=["add_one"])
    assert isinstance(info.value, BuildError)
    assert "/nonexistent/bin/g++" in str(info.value)
    assert "CXX" in str(info.value)


def test_missing_ninja_says_how_to_fix(monkeypatch, tmp_path):
    import sys

    monkeypatch.setenv("CXX", shutil.which("g++"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "ninja", None)  # the pip package is "not installed"
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # nor beside Python
    with pytest.raises(ToolchainError, match="pip install ninja"):
        cpp.build_inline("no_ninja", cpp_sources=ADD_ONE, functions=["add_one"])


def test_missing_nvcc_names_cuda_home(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_HOME", str(tmp_path / "no-cuda"))
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    with pytest.raises(ToolchainError, match="CUDA_HOME"):
        cpp.build_inline("no_nvcc", cuda_sources="__global__ void k() {}")


def test_missing_cuda_arch_list_names_both_variables(monkeypatch):
    monkeypatch.delenv("TVM_FFI_CUDA_ARCH_LIST", raising=False)
    monkeypatch.delenv("TORCH_CUDA_ARCH_LIST", raising=False)
    monkeypatch.setattr(toolchain, "_visible_gpu_archs", lambda: [])
    monkeypatch.setattr(toolchain, "_gpu_archs_memo", [])
    if toolchain.cuda_home() is None:
        pytest.skip("no CUDA toolkit")
    with pytest.raises(ToolchainError) as info:
        cpp.build_inline("no_arch", cuda_sources="__global__ void k() {}")
    assert "TVM_FFI_CUDA_ARCH_LIST" in str(info.value)
    assert "TORCH_CUDA_ARCH_LIST" in str(info.value)


def test_verbose_streams_commands_and_compiler_output(caplog):
    caplog.set_level(logging.INFO, logger="tvm_ffi_jit")
    source = ADD_ONE + '#warning "hello from the user"\n'
    cpp.build_inline("chatty", cpp_sources=source, functions=["add_one"], verbose=True)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "-c main.cpp" in text
    assert "hello from the user" in text


def test_verbose_environment_variable(caplog, monkeypatch):
    monkeypatch.setenv("TVM_FFI_JIT_VERBOSE", "1")
    caplog.set_level(logging.INFO, logger="tvm_ffi_jit")
    cpp.build_inline("chatty_env", cpp_sources=ADD_ONE, functions=["add_one"])
    assert any("-c main.cpp" in r.getMessage() for r in caplog.records)


def test_build_log_is_kept_in_the_build_directory():
    path = cpp.build_inline("logged", cpp_sources=ADD_ONE, functions=["add_one"])
    with open(os.path.join(os.path.dirname(path), "build", "build.log")) as f:
        log = f.read()
    assert "-c main.cpp" in log and "-shared" in log


def test_build_directory_option(tmp_path):
    target = tmp_path / "my build"
    path = cpp.build_inline(
        "in_my_dir", cpp_sources=ADD_ONE, functions=["add_one"], build_directory=str(target)
    )
    assert os.path.dirname(path) == str(target)
    assert "__tvm_ffi_add_one" in exported_symbols(path)


CUDA_SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

__global__ void add_one_kernel(float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] += 1.0f;
}

void add_one_cuda(tvm::ffi::TensorView x) {
  int n = static_cast<int>(x.size(0));
  add_one_kernel<<<(n + 127) / 128, 128>>>(static_cast<float*>(x.data_ptr()), n);
}
"""


@pytest.mark.skipif(toolchain.cuda_home() is None, reason="nvcc is not installed")
@pytest.mark.skipif(
    bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
    reason="nvcc does not run with the sanitizer runtimes preloaded (.ci/sanitize)",
)
def test_cuda_sources_build_and_link_with_nvcc(monkeypatch):
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    path = cpp.build_inline("cuda_add_one", cuda_sources=CUDA_SOURCE, functions=["add_one_cuda"])
    assert "__tvm_ffi_add_one_cuda" in exported_symbols(path)
    needed = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    assert "libcudart" in needed
    with open(os.path.join(os.path.dirname(path), "build", "build.ninja")) as f:
        assert "-gencode=arch=compute_80,code=sm_80" in f.read()
    # Loading needs libcudart (found through the rpath), not a GPU.
    mod = cpp.load_inline("cuda_add_one", cuda_sources=CUDA_SOURCE, functions=["add_one_cuda"])
    assert "add_one_cuda" in mod


def test_inline_decoration_line_directives_and_export_placement():
    from tvm_ffi_jit.cpp import sources

    cpp_file, cuda_file = sources.inline_files(
        "mixed", "void f();\nint g() { return 1; }", "void f() {}\n", ["f", "g"]
    )
    assert (cpp_file.path, cuda_file.path) == ("main.cpp", "cuda.cu")
    lines = cpp_file.generated_text.splitlines()
    # The umbrella header, which includes what apache-tvm-ffi's loader includes for inline
    # sources, first: the precompiled header applies to it.
    assert lines[0] == "#include <tvm/ffi/tvm_ffi.h>"
    assert lines[1] == '#line 1 "mixed/cpp_sources"'
    assert lines[2:4] == ["void f();", "int g() { return 1; }"]
    # The reset names the physical line that follows it in the generated file.
    assert lines[4] == '#line 6 "mixed/generated_exports"'
    assert lines[5:] == [
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(f, f);",
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(g, g);",
    ]
    # With C++ sources present, the CUDA file carries no exports.
    assert "TVM_FFI_DLL_EXPORT_TYPED_FUNC" not in cuda_file.generated_text
    assert '#line 1 "mixed/cuda_sources"' in cuda_file.generated_text
    # nvcc has no precompiled header: CUDA sources get just apache-tvm-ffi's five headers.
    assert cuda_file.generated_text.splitlines()[:5] == [
        "#include <tvm/ffi/container/tensor.h>",
        "#include <tvm/ffi/dtype.h>",
        "#include <tvm/ffi/error.h>",
        "#include <tvm/ffi/extra/c_env_api.h>",
        "#include <tvm/ffi/function.h>",
    ]


def test_missing_function_lists_what_the_module_exports():
    mod = cpp.load_inline(
        "exports_two",
        cpp_sources=ADD_ONE + "int add_two(int x) { return x + 2; }\n",
        functions=["add_one", "add_two"],
    )
    with pytest.raises(AttributeError) as info:
        mod.add_three  # noqa: B018 - the attribute access is the test
    message = str(info.value)
    assert "add_three" in message
    assert "add_one" in message and "add_two" in message
    with pytest.raises(AttributeError, match="add_one, add_two"):
        mod.get_function("nope")


def test_missing_toolkit_and_arch_list_names_the_toolkit_first(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_HOME", str(tmp_path / "no-cuda"))
    monkeypatch.delenv("TVM_FFI_CUDA_ARCH_LIST", raising=False)
    monkeypatch.delenv("TORCH_CUDA_ARCH_LIST", raising=False)
    monkeypatch.setattr(toolchain, "_visible_gpu_archs", lambda: [])
    monkeypatch.setattr(toolchain, "_gpu_archs_memo", [])
    with pytest.raises(ToolchainError, match="CUDA_HOME"):
        cpp.build_inline("no_toolkit", cuda_sources="__global__ void k() {}")
