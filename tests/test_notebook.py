"""The %%tvm_ffi_jit cell magic, run in an in-process IPython shell."""

import subprocess
import sys
import types

import pytest

import tvm_ffi_jit

ADD_SUB_NEG = """%%tvm_ffi_jit nb_ops --functions add,sub --functions neg
int64_t add(int64_t a, int64_t b) { return a + b; }
int64_t sub(int64_t a, int64_t b) { return a - b; }
int64_t neg(int64_t a) { return -a; }
"""
# The same cell edited: add multiplies, sub and neg are gone, the export macro replaces --functions.
ADD_ONLY = """%%tvm_ffi_jit nb_ops
int64_t add(int64_t a, int64_t b) { return a * b; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add, add);
"""
BROKEN = """%%tvm_ffi_jit nb_broken --functions twice
int64_t twice(int64_t x) {
  int64_t y = x;
  return y + undeclared_name;
}
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    root = tmp_path_factory.mktemp("notebook")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TVM_FFI_JIT_CACHE_DIR", str(root / "cache"))
        patch.setenv("IPYTHONDIR", str(root / "ipython"))
        patch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        ipython = InteractiveShell.instance(config=config)
        assert ipython.run_cell("%load_ext tvm_ffi_jit").success
        yield ipython
        InteractiveShell.clear_instance()


def run(shell, capsys, cell):
    """Runs a cell; returns (its error or None, what it printed)."""
    capsys.readouterr()
    result = shell.run_cell(cell)
    return result.error_in_exec or result.error_before_exec, capsys.readouterr().out


def test_import_does_not_import_ipython():
    code = "import sys, tvm_ffi_jit; print('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert callable(tvm_ffi_jit.load_ipython_extension)


def test_cell_binds_functions_then_rebinds_the_edited_cell(shell, capsys):
    error, out = run(shell, capsys, ADD_SUB_NEG)
    assert error is None, out
    ns = shell.user_ns
    assert (ns["add"](2, 3), ns["sub"](2, 3), ns["neg"](4)) == (5, -1, -4)
    assert isinstance(ns["nb_ops"], tvm_ffi_jit.Module)
    assert sorted(ns["nb_ops"].list_functions()) == ["add", "neg", "sub"]

    error, out = run(shell, capsys, ADD_SUB_NEG)  # unchanged: from the cache, silently
    assert (error, out) == (None, "")

    ns["neg"] = "the user's own"
    error, out = run(shell, capsys, ADD_ONLY)
    assert error is None, out
    assert ns["add"](2, 3) == 6
    assert "sub" not in ns  # the cell no longer defines it
    assert ns["neg"] == "the user's own"  # reassigned since: not the magic's to remove
    assert ns["nb_ops"].list_functions() == ["add"]


def test_compile_error_names_the_cell_line_and_shows_no_traceback(shell, capsys):
    error, out = run(shell, capsys, BROKEN)
    assert isinstance(error, tvm_ffi_jit.BuildError)
    # The magic line is cell line 1: the undeclared name is on line 4, column 14.
    assert "nb_broken/cpp_sources:4:14: error:" in str(error), str(error)
    assert "undeclared_name" in out
    assert out.startswith("BuildError: ")
    for noise in ("Traceback", "run_cell_magic", "notebook.py", "load_inline"):
        assert noise not in out, out
    assert "twice" not in shell.user_ns


def test_options_reach_load_inline(shell, capsys, monkeypatch, tmp_path):
    calls = []
    library = tmp_path / "fake.so"

    def load_inline(name, **options):
        calls.append((name, options))
        library.write_bytes(b"")  # as if built now
        fake = types.SimpleNamespace(path=str(library), list_functions=lambda: ["nb_opts", "g"])
        fake.nb_opts, fake.g = "function nb_opts", "function g"
        return fake

    monkeypatch.setattr(tvm_ffi_jit.cpp, "load_inline", load_inline)
    cell = (
        "%%tvm_ffi_jit nb_opts --cuda --functions nb_opts,g --functions g --cflags='-O3 -DN=4' "
        "--cuda-cflags=-lineinfo --ldflags -lm -I /opt/a -I /opt/b --module nb_mod --verbose\n"
        "__global__ void k() {}\n"
    )
    error, out = run(shell, capsys, cell)
    assert error is None, (error, out)
    assert calls == [
        (
            "nb_opts",
            {
                "cpp_sources": None,
                "cuda_sources": "\n__global__ void k() {}\n",
                "functions": ["nb_opts", "g"],
                "extra_cflags": "-O3 -DN=4",
                "extra_cuda_cflags": "-lineinfo",
                "extra_ldflags": "-lm",
                "extra_include_paths": ["/opt/a", "/opt/b"],
                "verbose": True,
            },
        )
    ]
    assert shell.user_ns["nb_mod"].path == str(library)
    assert (shell.user_ns["nb_opts"], shell.user_ns["g"]) == ("function nb_opts", "function g")

    error, out = run(shell, capsys, "%%tvm_ffi_jit nb_empty\n  \n")
    assert type(error).__name__ == "UsageError" and "the cell is empty" in str(error)
    error, out = run(shell, capsys, "%%tvm_ffi_jit\nint x;\n")
    assert type(error).__name__ == "UsageError" and "name" in str(error)
    assert len(calls) == 1


def test_example_notebook_is_committed_without_outputs():
    import json
    import pathlib

    path = pathlib.Path(__file__).parent.parent / "examples" / "notebook" / "softplus.ipynb"
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code] == [[]] * len(code)
    assert {c["execution_count"] for c in code} == {None}
    tagged = [c for c in code if "raises-exception" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "".join(tagged[0]["source"]).startswith("%%tvm_ffi_jit ")
