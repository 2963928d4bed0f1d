"""What a failed build shows: the compiler's excerpt and caret at the user's own line, and a
traceback made of the user's frames and the one public call."""

import os
import shutil
import subprocess
import traceback
import types

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import ninja, sources
from tvm_ffi_jit.error import ToolchainError

PACKAGE_DIR = os.path.dirname(os.path.abspath(tvm_ffi_jit.__file__))

HELPER = "int helper(int x) { return x; }\n"
BROKEN = """
int add_one(int x) {
  int y = helper(x) + 1;
  return y + undeclared_thing;
}"""  # no final newline: the text is kept as given


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    return tmp_path / "cache"


def failure_of(call):
    with pytest.raises(tvm_ffi_jit.BuildError) as info:
        call()
    return info.value


def internal_frames(error) -> "list[str]":
    """The traceback lines that name a file of the package."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return [line for line in text.splitlines() if line.strip().startswith(f'File "{PACKAGE_DIR}')]


def test_a_compile_error_quotes_the_users_line_under_one_public_frame():
    error = failure_of(
        lambda: cpp.load_inline("errdemo", cpp_sources=[HELPER, BROKEN], functions=["add_one"])
    )
    message = str(error)
    # Each text is named as the user passed it; the line and column are the user's.
    assert "errdemo/cpp_sources[1]:4:14: error:" in message
    # gcc's own excerpt: the line as the user wrote it, and the caret under the name.
    lines = message.splitlines()
    quoted = lines.index("    4 |   return y + undeclared_thing;")
    assert lines[quoted + 1] == "      |              ^~~~~~~~~~~~~~~~"
    # ninja's own lines and the echoed command are left to the log: only diagnostics show.
    assert "FAILED:" not in message and "build stopped" not in message
    assert " -c main.cpp" not in message
    # The kept build directory holds each text where the diagnostics point, byte for byte.
    kept = os.path.dirname(message.split("full log: ")[1].split("\n")[0])
    assert os.path.basename(kept) == "failed-build"
    for i, text in enumerate([HELPER, BROKEN]):
        with open(os.path.join(kept, "errdemo", f"cpp_sources[{i}]"), encoding="utf-8") as f:
            assert f.read() == text

    # The traceback: the caller's frame, then load_inline, and nothing chained.
    frames = internal_frames(error)
    assert len(frames) == 1 and frames[0].endswith(", in load_inline"), frames
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert "During handling" not in text and "direct cause" not in text
    assert ", in <lambda>" in text  # the caller's own frame stays


def test_a_missing_tool_is_raised_from_the_public_function(tmp_path, monkeypatch):
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    source = tmp_path / "k.cpp"
    source.write_text("int f() { return 0; }\n")
    calls = {
        "build": lambda: cpp.build("tc", cpp_files=str(source)),
        "load": lambda: cpp.load("tc", cpp_files=str(source)),
        "build_inline": lambda: cpp.build_inline("tc_inline", cpp_sources="int f();"),
        "load_inline": lambda: cpp.load_inline("tc_inline", cpp_sources="int f();"),
    }
    for public_name, call in calls.items():
        with pytest.raises(ToolchainError) as info:
            call()
        frames = internal_frames(info.value)
        assert len(frames) == 1 and frames[0].endswith(f", in {public_name}"), frames
        assert info.value.__suppress_context__ and info.value.__cause__ is None


def depfile_naming_the_inline_text(directory) -> str:
    """A CXX that, as nvcc does, lists the file a ``#line`` names among the inputs it read."""
    path = os.path.join(directory, "cxx-like-nvcc")
    with open(path, "w") as f:
        f.write(
            "#!/bin/sh\n"
            'g++ "$@" || exit $?\n'
            'case " $* " in *" -MF "*) ;; *) exit 0;; esac\n'
            'while [ "$1" != "-MF" ]; do shift; done\n'
            'printf "%s: reread/cpp_sources\\n" "${2%.d}" >> "$2"\n'
        )
    os.chmod(path, 0o755)
    return path


def test_an_inline_text_the_compiler_reads_triggers_no_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("CXX", depfile_naming_the_inline_text(tmp_path))
    source = "int add_one(int x) { return x + 1; }\n"
    first = cpp.build_inline("reread", cpp_sources=source, functions=["add_one"])
    # Found current again: the manifest does not watch files inside the private build dir.
    assert cpp.build_inline("reread", cpp_sources=source, functions=["add_one"]) == first
    # And ninja sees nothing to do in the kept build directory.
    build_dir = os.path.join(os.path.dirname(first), "build")
    dry_run = subprocess.run(
        [ninja.ninja_executable(), "-C", build_dir, "-n", "-d", "explain"],
        capture_output=True,
        text=True,
    )
    assert "no work to do" in dry_run.stdout, dry_run.stdout + dry_run.stderr


def test_a_library_named_as_the_module_keeps_its_path(tmp_path):
    # output="<name>": the texts' directory would take the library's path; the texts yield.
    files = sources.inline_files("ops", "int f() { return 1; }", None, [])
    plan = types.SimpleNamespace(sources=files, library_file="ops")
    sources.write_generated(files, str(tmp_path), taken=ninja.files_written(plan))
    assert sorted(os.listdir(tmp_path)) == ["main.cpp"]
    plan.library_file = "ops.so"
    sources.write_generated(files, str(tmp_path), taken=ninja.files_written(plan))
    assert (tmp_path / "ops" / "cpp_sources").read_text() == "int f() { return 1; }"


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed")
@pytest.mark.skipif(
    bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
    reason="nvcc does not run with the sanitizer runtimes preloaded (.ci/sanitize)",
)
def test_nvcc_quotes_the_users_line_too(monkeypatch):
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    # nvcc's own front end quotes lines from its preprocessed input; the host preprocessor
    # (an #include or #error) reads them from the file the #line names.
    kernel = '__global__ void k(float* x) {\n#include "no_such_header.cuh"\n  x[0] = 1;\n}\n'
    message = str(failure_of(lambda: cpp.build_inline("cu_err", cuda_sources=kernel)))
    assert "cu_err/cuda_sources:2:10: fatal error: no_such_header.cuh" in message
    assert '    2 | #include "no_such_header.cuh"' in message.splitlines()
