"""Old import path of the build errors; they live in ``tvm_ffi_jit.error``."""

from .error import BuildError, ToolchainError

__all__ = ["BuildError", "ToolchainError"]
