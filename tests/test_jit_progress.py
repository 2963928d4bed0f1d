"""What a build shows while it runs: the TTY progress line, verbose output, logging, the log."""

import logging
import os
import subprocess
import sys

import pytest

import tvm_ffi_jit.cpp as cpp

ADD_ONE = r"""
#include <tvm/ffi/tvm_ffi.h>

int add_one(int x) { return x + 1; }
"""
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    return path


def slow_compiler(directory, seconds: float) -> str:
    """A CXX that sleeps before each compile, so the build outlasts the progress delay."""
    path = os.path.join(directory, "slow-cxx")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\ncase " $* " in *" -c "*) sleep {seconds};; esac\nexec g++ "$@"\n')
    os.chmod(path, 0o755)
    return path


def build_with_stderr_on_a_tty(name: str, env: dict, verbose: bool = False, call=None) -> str:
    """Runs a build in a child whose stderr is a pseudo-terminal; returns what it showed."""
    import pty

    call = call or (
        f"cpp.build_inline({name!r}, cpp_sources={ADD_ONE!r}, functions=['add_one'], "
        f"verbose={verbose!r})"
    )
    script = f"import tvm_ffi_jit.cpp as cpp\n{call}\n"
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=dict(env, PYTHONPATH=PACKAGE_PARENT),
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert child.wait(timeout=120) == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


def test_a_slow_build_shows_one_progress_line_on_a_tty(tmp_path):
    env = dict(os.environ, CXX=slow_compiler(tmp_path, 1.6))
    shown = build_with_stderr_on_a_tty("slow_tty", env)
    updates = [u for u in shown.split("\r") if "building slow_tty" in u]
    assert updates, repr(shown)
    # One line rewritten in place: objects done / total and the elapsed time.
    assert "\n" not in shown.replace("\r\n", "\r").replace("\r", "")
    assert "\x1b[K" in shown
    assert any("0/2 done, 1." in u for u in updates), updates
    # The line is cleared when the build ends.
    assert shown.endswith("\r\x1b[K")


def test_a_quick_build_shows_nothing_on_a_tty(tmp_path):
    # A plain C file with only the C ABI header builds in a fraction of a second.
    kernel = tmp_path / "quick.c"
    kernel.write_text(
        "#include <tvm/ffi/c_api.h>\n"
        "int __tvm_ffi_zero(void* h, const TVMFFIAny* a, int32_t n, TVMFFIAny* r) {\n"
        "  r->type_index = kTVMFFIInt; r->v_int64 = 0; return 0;\n}\n"
    )
    call = f"cpp.build('quick_tty', cpp_files={str(kernel)!r})"
    shown = build_with_stderr_on_a_tty("quick_tty", dict(os.environ), call=call)
    assert shown == ""


def test_verbose_streams_instead_of_a_progress_line(tmp_path):
    env = dict(os.environ, CXX=slow_compiler(tmp_path, 1.2))
    shown = build_with_stderr_on_a_tty("verbose_tty", env, verbose=True)
    assert "-c main.cpp" in shown
    assert "done, " not in shown  # no progress line mixed into the stream


def test_no_progress_line_when_stderr_is_not_a_tty(tmp_path):
    script = (
        "import tvm_ffi_jit.cpp as cpp\n"
        f"cpp.build_inline('piped', cpp_sources={ADD_ONE!r}, functions=['add_one'])\n"
    )
    env = dict(os.environ, CXX=slow_compiler(tmp_path, 1.2), PYTHONPATH=PACKAGE_PARENT)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""


def test_messages_go_through_logging_without_verbose(caplog):
    caplog.set_level(logging.DEBUG, logger="tvm_ffi_jit")
    path = cpp.build_inline("logged_quietly", cpp_sources=ADD_ONE, functions=["add_one"])
    records = [r for r in caplog.records if r.name == "tvm_ffi_jit"]
    messages = "\n".join(r.getMessage() for r in records)
    assert "building logged_quietly" in messages
    assert "-c main.cpp" in messages  # commands at DEBUG when not verbose
    assert {r.levelno for r in records if "-c main.cpp" in r.getMessage()} == {logging.DEBUG}
    caplog.clear()
    assert cpp.build_inline("logged_quietly", cpp_sources=ADD_ONE, functions=["add_one"]) == path
    assert any("up to date" in r.getMessage() for r in caplog.records)


def test_the_full_log_of_the_last_build_stays_in_its_directory():
    source = ADD_ONE + '#warning "kept in the log"\n'
    path = cpp.build_inline("full_log", cpp_sources=source, functions=["add_one"])
    with open(os.path.join(os.path.dirname(path), "build", "build.log")) as f:
        log = f.read()
    assert "-c main.cpp" in log and "-shared" in log and "kept in the log" in log
