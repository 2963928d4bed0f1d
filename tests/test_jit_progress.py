"""What a build shows while it runs: the TTY progress line, verbose output, logging, the log."""

import io
import logging
import os
import subprocess
import sys
import threading
import time
import types

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


def slow_compiler(directory, seconds: float, compiler: str = "g++") -> str:
    """A CXX (or CC) that sleeps before each compile, so the build outlasts the progress
    delay."""
    path = os.path.join(directory, f"slow-{compiler}")
    with open(path, "w") as f:
        f.write(
            f'#!/bin/sh\ncase " $* " in *" -c "*) sleep {seconds};; esac\nexec {compiler} "$@"\n'
        )
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
    # The step and its number, then the elapsed time.
    assert any("building slow_tty: compiling main.cpp [1/2], 1." in u for u in updates), updates
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
    assert "building verbose_tty:" not in shown  # no progress line mixed into the stream


def test_no_progress_line_when_stderr_is_not_a_tty(tmp_path):
    script = (
        "import sys, tvm_ffi_jit.cpp as cpp\n"
        f"cpp.build_inline('piped', cpp_sources={ADD_ONE!r}, functions=['add_one'])\n"
        "print('IPython' in sys.modules)\n"
    )
    env = dict(os.environ, CXX=slow_compiler(tmp_path, 1.2), PYTHONPATH=PACKAGE_PARENT)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # a batch job's log gets no progress
    assert out.stdout == "False\n"  # and nothing looked for a notebook


def quick_c_kernel(directory, name: str) -> str:
    """A plain C file with only the C ABI header: it builds in a fraction of a second."""
    path = os.path.join(directory, f"{name}.c")
    with open(path, "w") as f:
        f.write(
            "#include <tvm/ffi/c_api.h>\n"
            f"int __tvm_ffi_{name}(void* h, const TVMFFIAny* a, int32_t n, TVMFFIAny* r) {{\n"
            "  r->type_index = kTVMFFIInt; r->v_int64 = 0; return 0;\n}\n"
        )
    return path


def test_verbose_is_for_that_call_only(tmp_path):
    loud, quiet = quick_c_kernel(tmp_path, "loud"), quick_c_kernel(tmp_path, "quiet")
    script = f"""
import logging, os, sys
import tvm_ffi_jit.cpp as cpp
cpp.build("loud", cpp_files={loud!r}, verbose=True)
sys.stderr.write("@@ after the verbose build\\n")
os.environ["CC"] = "/no/such/compiler"
try:
    cpp.build("loud_fails", cpp_files={loud!r}, verbose=True)
except cpp.BuildError:
    pass
del os.environ["CC"]
sys.stderr.write("@@ after the failed verbose build\\n")
cpp.build("quiet", cpp_files={quiet!r})
log = logging.getLogger("tvm_ffi_jit")
print(log.level, log.handlers, log.filters)
"""
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    verbose_part, failed_part, quiet_part = out.stderr.split("@@ after ")
    assert f"-c {loud}" in verbose_part  # the compiler command
    assert quiet_part == "the failed verbose build\n"  # the next build prints nothing
    assert out.stdout == "0 [] []\n"  # the logger is as the process found it


def test_verbose_on_one_thread_leaves_the_others_as_they_were():
    from tvm_ffi_jit.cpp import verbose

    log = logging.getLogger("tvm_ffi_jit")
    shown = []

    class Collect(logging.Handler):
        def emit(self, record):
            shown.append(record.getMessage())

    collect = Collect()
    log.addHandler(collect)
    level, filters = log.level, list(log.filters)
    inside, release = threading.Event(), threading.Event()

    def verbose_build():
        with verbose.scope():
            log.info("verbose thread")
            inside.set()
            release.wait(10)

    try:
        thread = threading.Thread(target=verbose_build)
        thread.start()
        assert inside.wait(10)
        log.info("other thread, meanwhile")  # this (main) thread is not verbose
        release.set()
        thread.join()
        log.info("after")
    finally:
        log.removeHandler(collect)
    assert shown == ["verbose thread"]
    assert (log.level, log.filters) == (level, filters)


class FakeLine:
    def __init__(self):
        self.shown = []

    def show(self, text):
        self.shown.append(text)

    def finish(self, text):
        self.shown.append("final: " + text)


def progress_for(name, line, file_names, **kwargs):
    from tvm_ffi_jit.cpp import ninja, sources

    files = [sources.SourceFile(f, sources.language_of(f), "") for f in file_names]
    plan = types.SimpleNamespace(sources=files, library_file=f"{name}.so")
    return ninja._Progress(name, line, plan, **kwargs)


def test_the_progress_line_names_the_step():
    progress = progress_for("steps", None, ["a.cpp", "b.cu", "c.cpp"])
    assert progress.step() == "compiling a.cpp, b.cu, ..."
    progress.update(1, 4, "/usr/bin/c++ -MMD -MF b.cuda.o.d -c b.cu -o b.cuda.o\n")
    assert progress.text().startswith("tvm_ffi_jit: building steps: compiling a.cpp, c.cpp [2/4], ")
    progress.update(3, 4, "/usr/bin/c++ -MMD -MF a.o.d -c a.cpp -o a.o\n")
    assert progress.step() == "linking"

    line = FakeLine()
    progress_for("quick", line, ["a.cpp"]).close(succeeded=True)
    assert line.shown == []  # under a second: nothing, not even a final line

    progress = progress_for("slow", line, ["a.cpp"])
    progress.start -= 1.5  # as if the build had been running for 1.5 s
    time.sleep(0.4)  # a tick or two
    progress.close(succeeded=False)
    assert line.shown[0].startswith("tvm_ffi_jit: building slow: compiling a.cpp [1/2], 1.")
    assert line.shown[-1].startswith("final: tvm_ffi_jit: building slow failed after 1.")


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


def test_a_slow_build_shows_progress_in_its_notebook_cell(tmp_path, cache_dir):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    kernel = quick_c_kernel(tmp_path, "nb_slow")
    setup = (
        f"import os, sys\nsys.path.insert(0, {PACKAGE_PARENT!r})\n"
        f"os.environ.update(CC={slow_compiler(tmp_path, 1.5, 'gcc')!r}, "
        f"TVM_FFI_JIT_CACHE_DIR={str(cache_dir)!r})\n"
        "import tvm_ffi_jit.cpp as cpp"
    )
    cells = [setup, f"path = cpp.build('nb_slow', cpp_files={kernel!r})", "print('next')"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    shown = []  # (cell, message type, text) of every display message, as the kernel sent them

    class Recording(nbclient.NotebookClient):
        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] in ("display_data", "update_display_data"):
                shown.append((cell_index, msg["msg_type"], msg["content"]["data"]["text/plain"]))
            return super().process_message(msg, cell, cell_index)

    Recording(notebook, timeout=120, kernel_name="python3").execute()
    # One output of the building cell, shown after a second, updated in place...
    assert {cell for cell, _, _ in shown} == {1}, shown
    assert shown[0][1] == "display_data"
    assert shown[0][2].startswith("tvm_ffi_jit: building nb_slow: compiling nb_slow.c [1/2], 1.")
    assert {kind for _, kind, _ in shown[1:]} == {"update_display_data"}
    # ...that ends as one line saying how long the build took.
    final = shown[-1][2]
    assert final.startswith("tvm_ffi_jit: built nb_slow in ") and final.endswith(" s"), final
    outputs = notebook.cells[1].outputs
    assert [(o.output_type, o.data["text/plain"]) for o in outputs] == [("display_data", final)]


def test_the_terminal_line_keeps_the_step_and_time_within_the_width(monkeypatch):
    from tvm_ffi_jit.cpp import ninja

    class Terminal(io.StringIO):
        def fileno(self):
            return 2

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((40, 24)))
    ninja._TerminalLine().show("tvm_ffi_jit: building a_long_name: compiling main.cpp [1/2], 1.0 s")
    # One column short of the width: the cursor stays on the line.
    assert terminal.getvalue() == "\r\x1b[K...ame: compiling main.cpp [1/2], 1.0 s"
    assert len(terminal.getvalue()) == len("\r\x1b[K") + 39
