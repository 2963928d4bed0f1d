"""An exclusive lock on a cache file, through ``flock(2)``: the kernel drops it when the holder
dies (SIGKILL, OOM), so a crashed builder never leaves a held lock.

The same lock filelock's Unix lock takes (an flock on the file), so processes of older
versions sharing a cache exclude each other too; this module costs nothing to import, where
filelock's import took about as long as everything else a cold build does in Python.
"""

import os
import time


class LockTimeout(TimeoutError):
    """The lock stayed held by another process for the whole timeout."""


_POLL_SECONDS = 0.05


class FileLock:
    """``acquire`` then ``release``; ``path`` is created (mode 0600) if missing."""

    __slots__ = ("path", "_fd")

    def __init__(self, path: str):
        self.path = path
        self._fd = None

    def acquire(self, timeout: "float | None" = None) -> None:
        """Waits up to ``timeout`` seconds (forever for None, not at all for 0); raises
        LockTimeout. Holds the lock on the file that is at ``path`` now: one unlinked or
        replaced while this process waited (``cache clean``) is let go and ``path`` locked
        anew."""
        import fcntl

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                self._lock(fcntl, fd, deadline)
                held = os.fstat(fd)
                current = os.stat(self.path)
            except FileNotFoundError:
                os.close(fd)
                continue  # unlinked after we locked it: lock the new one
            except BaseException:
                os.close(fd)
                raise
            if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                self._fd = fd
                return
            os.close(fd)  # replaced while we waited: closing releases it

    def _lock(self, fcntl, fd: int, deadline: "float | None") -> None:
        if deadline is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockTimeout(f"{self.path} is locked by another process") from None
                time.sleep(min(_POLL_SECONDS, remaining))

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock
