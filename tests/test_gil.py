"""Calls release the GIL while C++ runs: other Python threads make progress, C++ threads may call
back into Python or poll for Ctrl-C while the caller waits, and ``release_gil`` turns it off.

Scenarios that would hang if the GIL were held run in a fresh interpreter with a timeout, so a
regression fails its test instead of stopping the run.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import tvm_ffi_jit
from tvm_ffi_jit import cpp

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <time.h>

#include <chrono>
#include <csignal>
#include <exception>
#include <thread>

namespace ffi = tvm::ffi;

int64_t monotonic_ns() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// A long kernel: sleeps, then returns when it started and ended (CLOCK_MONOTONIC, ns).
ffi::Array<int64_t> sleep_ms(int64_t ms) {
  int64_t start = monotonic_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ffi::Array<int64_t>{start, monotonic_ns()};
}

// Runs `body` on a C++ thread and waits for it; its exception is rethrown here.
template <typename Body>
void run_on_thread(Body body) {
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
}

// Polls for signals as a long computation does, until one is reported (or the timeout).
int64_t poll_signals(double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (TVMFFIEnvCheckSignals() != 0) throw ffi::EnvErrorAlreadySet();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return -1;
}

int64_t poll_signals_on_thread(double timeout_s) {
  int64_t result = 0;
  run_on_thread([&] { result = poll_signals(timeout_s); });
  return result;
}

int check_signals_on_thread() {
  int code = -5;
  run_on_thread([&] { code = TVMFFIEnvCheckSignals(); });
  return code;
}

// Stops for a signal the way code written for apache-tvm-ffi does: an Error of this kind.
void interrupted_upstream_style() {
  std::raise(SIGINT);
  throw ffi::Error("EnvErrorAlreadySet", "", "");
}

ffi::Any call_on_thread(ffi::Function f, ffi::Any arg) {
  ffi::Any result;
  run_on_thread([&] { result = f(arg); });
  return result;
}
"""
FUNCTIONS = [
    "sleep_ms",
    "poll_signals",
    "poll_signals_on_thread",
    "check_signals_on_thread",
    "call_on_thread",
    "interrupted_upstream_style",
]


@pytest.fixture(scope="module")
def library():
    """Path of the library built from SOURCE (fresh interpreters load it by path)."""
    return cpp.build_inline("gil_test", cpp_sources=SOURCE, functions=FUNCTIONS)


@pytest.fixture(scope="module")
def mod(library):
    return tvm_ffi_jit.load_module(library)


def run_script(code: str, env: "dict | None" = None, timeout: float = 30):
    """Runs dedented `code` in a fresh interpreter; TimeoutExpired if it hangs."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def stamps_during_kernel(func) -> int:
    """How many loop iterations another Python thread makes while `func` sleeps 300 ms."""
    stamps, stop = [], threading.Event()

    def count():
        while not stop.is_set():
            stamps.append(time.monotonic_ns())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        while not stamps:  # the counter is running before the kernel starts
            time.sleep(0.001)
        start, end = func(300)
    finally:
        stop.set()
        counter.join()
    margin = 20_000_000  # 20 ms inside each end
    return sum(1 for t in stamps if start + margin < t < end - margin)


def test_functions_release_the_gil_by_default(mod):
    assert mod.sleep_ms.release_gil is True
    assert tvm_ffi_jit.get_global_func("ffi.ArraySize").release_gil is True


def test_a_long_kernel_lets_other_python_threads_run(mod):
    assert stamps_during_kernel(mod.sleep_ms) > 0


def test_release_gil_false_keeps_other_python_threads_waiting(mod):
    func = mod.get_function("sleep_ms")
    func.release_gil = False
    assert func.release_gil is False
    assert stamps_during_kernel(func) == 0


def test_release_gil_false_for_a_whole_module(library):
    module = tvm_ffi_jit.load_module(library, release_gil=False)
    assert module.sleep_ms.release_gil is False
    assert module.get_function("poll_signals").release_gil is False
    assert stamps_during_kernel(module.sleep_ms) == 0
    assert tvm_ffi_jit.load_module(library).sleep_ms.release_gil is True


def test_load_inline_passes_release_gil_through():
    module = cpp.load_inline("gil_test", cpp_sources=SOURCE, functions=FUNCTIONS, release_gil=False)
    assert module.sleep_ms.release_gil is False


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"TVM_FFI_JIT_RELEASE_GIL": "0"}, False),
        ({"TVM_FFI_JIT_RELEASE_GIL": "off"}, False),
        ({"TVM_FFI_JIT_RELEASE_GIL": "1"}, True),
        ({"TVM_FFI_RELEASE_GIL_BY_DEFAULT": "0"}, False),  # apache-tvm-ffi's name
        ({"TVM_FFI_RELEASE_GIL_BY_DEFAULT": "0", "TVM_FFI_JIT_RELEASE_GIL": "1"}, True),
    ],
)
def test_environment_variable_sets_the_default(library, env, expected):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TVM_FFI_JIT_RELEASE_GIL", "TVM_FFI_RELEASE_GIL_BY_DEFAULT")
    }
    proc = run_script(
        f"""
        import tvm_ffi_jit
        print(tvm_ffi_jit.load_module({library!r}).sleep_ms.release_gil,
              tvm_ffi_jit.get_global_func("ffi.ArraySize").release_gil)
        """,
        env={**base, **env},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(expected)] * 2


def test_invalid_environment_variable_warns_and_keeps_the_default(library):
    proc = run_script(
        """
        import warnings
        warnings.simplefilter("always")
        import tvm_ffi_jit
        print(tvm_ffi_jit.get_global_func("ffi.ArraySize").release_gil)
        """,
        env={**os.environ, "TVM_FFI_JIT_RELEASE_GIL": "maybe"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True"]
    assert "TVM_FFI_JIT_RELEASE_GIL" in proc.stderr and "'maybe'" in proc.stderr


def test_python_callback_from_a_cpp_thread_while_the_caller_waits(library):
    proc = run_script(
        f"""
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({library!r})
        print(mod.call_on_thread(lambda x: x * 2, 21))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["42"]


def test_exception_in_a_callback_on_a_cpp_thread_reaches_the_caller(library):
    proc = run_script(
        f"""
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({library!r})
        class Custom(Exception):
            pass
        def fails(x):
            raise Custom(f"bad {{x}}")
        try:
            mod.call_on_thread(fails, 7)
        except Custom as err:
            print(type(err).__name__, err)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Custom bad 7"


@pytest.mark.parametrize("release_gil", [True, False])
def test_check_signals_on_a_cpp_thread_does_not_deadlock(library, release_gil):
    proc = run_script(
        f"""
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).check_signals_on_thread
        func.release_gil = {release_gil}
        print(func())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0"]


def test_env_error_already_set_of_upstream_kind_raises_the_pending_signal(mod, default_sigint):
    with pytest.raises(KeyboardInterrupt):
        mod.interrupted_upstream_style()


def run_interrupted(script: str) -> str:
    """Runs `script` in a fresh interpreter, sends SIGINT 0.3 s after it prints "calling";
    returns its output after that line."""
    header = """
        import signal, sys, time
        # A shell may start background jobs with SIGINT ignored: take Python's handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(header) + textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "calling", proc.stderr.read()
        time.sleep(0.3)  # inside the call, polling
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    return out


@pytest.mark.parametrize("function", ["poll_signals", "poll_signals_on_thread"])
def test_ctrl_c_interrupts_a_kernel_that_polls_signals(library, function):
    out = run_interrupted(
        f"""
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).{function}
        print("calling", flush=True)
        start = time.monotonic()
        try:
            print("finished", func(10.0))
        except KeyboardInterrupt:
            print("interrupted", time.monotonic() - start < 5)
        """
    )
    assert out.split() == ["interrupted", "True"]


def test_ctrl_c_reaches_a_cpp_thread_after_python_replaced_the_handler(library):
    out = run_interrupted(
        f"""
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).poll_signals_on_thread
        signal.signal(signal.SIGINT, signal.default_int_handler)  # installed anew after import
        print("calling", flush=True)
        try:
            print("finished", func(10.0))
        except KeyboardInterrupt:
            print("interrupted")
        """
    )
    assert out.split() == ["interrupted"]


def test_a_handler_of_the_programs_own_lets_the_cpp_thread_go_on(library):
    out = run_interrupted(
        f"""
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).poll_signals_on_thread
        seen = []
        signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
        print("calling", flush=True)
        result = func(1.5)  # runs to its end: the handler, not C++, decides
        print(result, seen)
        """
    )
    assert out.split() == ["-1", f"[{int(signal.SIGINT)}]"]


def test_a_ctrl_c_python_already_handled_does_not_stop_a_later_call(library):
    proc = run_script(
        f"""
        import os, signal
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).poll_signals_on_thread
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        except KeyboardInterrupt:
            print("handled")
        print(func(0.2))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["handled", "-1"]
