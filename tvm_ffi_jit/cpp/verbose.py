"""``verbose=True`` for one call: while it builds, the calling thread's INFO messages (the
compiler commands and output) are shown; other threads, and later calls, stay as they were.

Shown means: on stderr through a handler added for the call when the application configured no
logging, else through the application's own handlers (the level alone is lowered). The logger
is shared, so a filter keeps other threads' records to the level they had before.
"""

import threading

from . import environment

_lock = threading.Lock()
_depth: "dict[int, int]" = {}  # thread id -> how many verbose calls it is inside
_saved: list = []  # [level, handler added or None, filter] while any thread is verbose


def requested(verbose) -> bool:
    """``verbose=True`` or ``TVM_FFI_JIT_VERBOSE`` set (not to ``0``)."""
    return bool(verbose) or environment.get("TVM_FFI_JIT_VERBOSE", "") not in ("", "0")


def active() -> bool:
    """Whether the calling thread is inside a :class:`scope`."""
    return threading.get_ident() in _depth


class _AsBeforeForOtherThreads:
    """Passes the verbose threads' records, and others' only at the level they had before."""

    def __init__(self, quiet_level: int):
        self.quiet_level = quiet_level

    def filter(self, record) -> bool:
        return record.levelno >= self.quiet_level or record.thread in _depth


class scope:
    """``with scope(): ...`` shows the calling thread's INFO messages until it exits."""

    def __enter__(self):
        import logging

        log = logging.getLogger("tvm_ffi_jit")
        ident = threading.get_ident()
        with _lock:
            if not _depth:
                handler = None
                if not log.handlers and not logging.getLogger().handlers:
                    handler = logging.StreamHandler()
                    handler.setFormatter(logging.Formatter("%(message)s"))
                    log.addHandler(handler)
                quiet = _AsBeforeForOtherThreads(log.getEffectiveLevel())
                log.addFilter(quiet)
                _saved[:] = [log.level, handler, quiet]
                if log.getEffectiveLevel() > logging.INFO:
                    log.setLevel(logging.INFO)
            _depth[ident] = _depth.get(ident, 0) + 1
        return self

    def __exit__(self, *exc_info):
        import logging

        log = logging.getLogger("tvm_ffi_jit")
        ident = threading.get_ident()
        with _lock:
            if _depth[ident] > 1:
                _depth[ident] -= 1
                return
            del _depth[ident]
            if not _depth:
                level, handler, quiet = _saved
                log.removeFilter(quiet)
                if handler is not None:
                    log.removeHandler(handler)
                log.setLevel(level)
                _saved.clear()
