"""The ``tvm_ffi_jit`` logger, without importing ``logging`` on the warm path."""

import sys


class _LazyLogger:
    """Forwards to ``logging.getLogger("tvm_ffi_jit")``, importing ``logging`` on first use."""

    def __getattr__(self, name):
        import logging

        return getattr(logging.getLogger("tvm_ffi_jit"), name)

    def debug(self, msg, *args) -> None:
        # Until someone imports logging nobody can have enabled DEBUG, so the record would be
        # dropped anyway; skipping it keeps a warm load from paying for the import.
        if "logging" in sys.modules:
            self.__getattr__("debug")(msg, *args)


logger = _LazyLogger()
