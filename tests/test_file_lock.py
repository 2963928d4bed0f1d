"""The cache entries' lock: exclusive across processes, dropped when the holder dies, and always
held on the file currently at its path."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from tvm_ffi_jit.cpp.file_lock import FileLock, LockTimeout


def lock_holder(path: str, via: str = "tvm_ffi_jit.cpp.file_lock") -> subprocess.Popen:
    """A process holding the lock on ``path`` until its stdin closes."""
    script = textwrap.dedent(
        f"""
        import sys
        from {via} import FileLock
        lock = FileLock({path!r})
        lock.acquire()
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_another_process_holding_it_times_out_then_its_death_frees_it(tmp_path):
    path = str(tmp_path / ".lock")
    holder = lock_holder(path)
    lock = FileLock(path)
    with pytest.raises(LockTimeout, match=r"\.lock is locked by another process"):
        lock.acquire(timeout=0)
    with pytest.raises(LockTimeout):
        lock.acquire(timeout=0.2)
    holder.send_signal(signal.SIGKILL)  # no release, no cleanup: the kernel drops it
    holder.wait()
    lock.acquire(timeout=10)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    lock.release()
    lock.acquire(timeout=0)  # released: free again at once
    lock.release()


def test_a_lock_file_replaced_while_waiting_is_let_go_for_the_new_one(tmp_path):
    path = str(tmp_path / ".lock")
    holder = lock_holder(path)
    lock = FileLock(path)
    waiting = threading.Thread(target=lock.acquire, kwargs={"timeout": 20})
    waiting.start()
    os.unlink(path)  # what `cache clean` does to a held entry
    with open(path, "w"):
        pass
    replacement = os.stat(path).st_ino
    holder.stdin.close()  # the holder releases the old file
    holder.wait()
    waiting.join(20)
    assert not waiting.is_alive()
    assert os.fstat(lock._fd).st_ino == replacement
    lock.release()


def test_it_excludes_filelock_holders_of_older_versions(tmp_path):
    pytest.importorskip("filelock")
    path = str(tmp_path / ".lock")
    holder = lock_holder(path, via="filelock")
    try:
        with pytest.raises(LockTimeout):
            FileLock(path).acquire(timeout=0.1)
    finally:
        holder.stdin.close()
        holder.wait()
    lock = FileLock(path)
    lock.acquire(timeout=10)
    lock.release()


def test_importing_it_imports_nothing_heavy():
    code = (
        "import sys, tvm_ffi_jit.cpp; before = set(sys.modules); import tvm_ffi_jit.cpp.file_lock; "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    new = eval(out.stdout)
    assert new == ["tvm_ffi_jit.cpp.file_lock"]
