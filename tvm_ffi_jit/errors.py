"""Old import path of ``register_error``; it lives in ``tvm_ffi_jit.error``."""

from .error import register_error

__all__ = ["register_error"]
