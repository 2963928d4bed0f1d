"""Errors raised when a JIT build cannot produce a shared library."""


class BuildError(RuntimeError):
    """A compile or link step failed; the message holds the compiler's diagnostics."""


class ToolchainError(BuildError):
    """A tool the build needs (compiler, ninja, nvcc, CUDA arch list) is missing or unusable."""
