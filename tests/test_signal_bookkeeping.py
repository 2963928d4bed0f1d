"""Which call a C++ thread's TVMFFIEnvCheckSignals() serves (src/python/signals.cc): the oldest
call in flight without the GIL. A Ctrl-C that arrived during that call is reported until it
ends, also to the worker of a newer call; after it ends, newer calls' workers see none.
"""

import subprocess
import sys
import textwrap

import pytest
from test_gil import FUNCTIONS, SOURCE

from tvm_ffi_jit import cpp


@pytest.fixture(scope="module")
def library():
    return cpp.build_inline("gil_test", cpp_sources=SOURCE, functions=FUNCTIONS)


def _printed_by(script: str) -> "list[str]":
    """What ``script`` prints, word by word, run in a fresh interpreter that must exit cleanly."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_a_ctrl_c_during_the_oldest_call_reaches_newer_calls_until_it_ends(library):
    script = f"""
        import os, signal, threading, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({library!r})
        print(mod.check_signals_on_thread())  # no Ctrl-C yet
        long_call = threading.Thread(target=mod.sleep_ms, args=(1500,))
        long_call.start()
        time.sleep(0.3)  # the long call is in flight without the GIL
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**6):
                pass
        except KeyboardInterrupt:
            print("handled")
        for _ in range(2):  # newer calls, begun after the Ctrl-C; the long call saw it
            print(mod.check_signals_on_thread())

        def after_the_long_call(_):
            long_call.join()
            return mod.check_signals_on_thread()

        # Began while the long call ran, polls after it ended: the Ctrl-C is no longer reported.
        print(mod.call_on_thread(after_the_long_call, None))
        print(mod.check_signals_on_thread())
        """
    assert _printed_by(script) == ["0", "handled", "-1", "-1", "0", "0"]


def test_overlapping_calls_on_threads_leave_no_call_in_flight(library):
    script = f"""
        import os, signal, threading
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({library!r})
        # Ending in another order than they began, some nested in calls on other threads.
        threads = [threading.Thread(target=mod.sleep_ms, args=(150 - 20 * i,)) for i in range(6)]
        for t in threads:
            t.start()
        mod.sleep_ms(30)
        for t in threads:
            t.join()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**6):
                pass
        except KeyboardInterrupt:
            print("handled")
        # No call is left in flight: a worker of a call holding the GIL sees no Ctrl-C (it would
        # wait for the GIL to ask Python's handler, which the caller holds: a hang).
        held = mod.check_signals_on_thread
        held.release_gil = False
        print(held())
        # Nor does the worker of a new call, begun after it.
        print(mod.check_signals_on_thread())
        """
    assert _printed_by(script) == ["handled", "0", "0"]
