"""CUDA C++ source to a cubin in this process with NVRTC: no nvcc, no subprocess, no GPU.

    from tvm_ffi_jit.cpp import nvrtc
    cubin = nvrtc.nvrtc_compile(source, arch="sm_80")   # bytes, an ELF image

The cubin goes to ``load_inline(..., embed_cubin={"name": cubin})`` or to a
``tvm::ffi::CubinModule`` (``tvm/ffi/extra/cuda/cubin_launcher.h``). libnvrtc is called
through ctypes; it is looked for under the CUDA home, then in the ``nvidia-cuda-nvrtc``
wheel, then on the system's library path.
"""

import ctypes
import glob
import os
import sys
from collections.abc import Sequence

from ..build_error import BuildError, ToolchainError
from . import toolchain

__all__ = ["find_nvrtc", "nvrtc_compile"]

_SONAMES = ("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12")
# Where the nvidia-cuda-nvrtc wheels put the library under site-packages (CUDA 13, then 12).
_WHEEL_DIRS = (
    ("nvidia", "cu13", "lib"),
    ("nvidia", "cuda_nvrtc", "lib"),
    ("nvidia", "cu12", "lib"),
)
_loaded: "list[ctypes.CDLL]" = []


def _library_in(directory: str) -> "str | None":
    """``libnvrtc.so*`` in `directory` (not the builtins or the ``.alt`` variant)."""
    for soname in _SONAMES:
        path = os.path.join(directory, soname)
        if os.path.isfile(path):
            return path
    versioned = sorted(glob.glob(os.path.join(directory, "libnvrtc.so.*")))
    return versioned[-1] if versioned else None


def _candidate_dirs() -> "list[str]":
    dirs = []
    home = toolchain.cuda_home()
    if home:
        dirs += [os.path.join(home, "lib64"), os.path.join(home, "lib")]
        dirs += sorted(glob.glob(os.path.join(home, "targets", "*", "lib")))
    for entry in sys.path:
        dirs += [os.path.join(entry or os.curdir, *parts) for parts in _WHEEL_DIRS]
    return dirs


def find_nvrtc() -> "str | None":
    """Path of the libnvrtc this module would load, or None (then the system loader is tried)."""
    for directory in _candidate_dirs():
        found = _library_in(directory)
        if found:
            return found
    return None


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    handle, size = ctypes.c_void_p, ctypes.c_size_t
    strings = ctypes.POINTER(ctypes.c_char_p)
    signatures = {
        "nvrtcGetErrorString": ([ctypes.c_int], ctypes.c_char_p),
        "nvrtcVersion": ([ctypes.POINTER(ctypes.c_int)] * 2, ctypes.c_int),
        "nvrtcCreateProgram": (
            [ctypes.POINTER(handle), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
            + [strings] * 2,
            ctypes.c_int,
        ),
        "nvrtcCompileProgram": ([handle, ctypes.c_int, strings], ctypes.c_int),
        "nvrtcGetProgramLogSize": ([handle, ctypes.POINTER(size)], ctypes.c_int),
        "nvrtcGetProgramLog": ([handle, ctypes.c_char_p], ctypes.c_int),
        "nvrtcGetCUBINSize": ([handle, ctypes.POINTER(size)], ctypes.c_int),
        "nvrtcGetCUBIN": ([handle, ctypes.c_char_p], ctypes.c_int),
        "nvrtcDestroyProgram": ([ctypes.POINTER(handle)], ctypes.c_int),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = argtypes, restype
    return lib


def _preload_builtins(path: str) -> None:
    """libnvrtc opens libnvrtc-builtins by soname, which a wheel's directory is not searched
    for; loaded from beside libnvrtc first, the soname is then already in the process."""
    if not os.path.isabs(path):
        return
    beside = os.path.dirname(path)
    for builtins in sorted(glob.glob(os.path.join(beside, "libnvrtc-builtins.so.*"))):
        if ".alt." not in os.path.basename(builtins):
            ctypes.CDLL(builtins)


def _nvrtc() -> ctypes.CDLL:
    if _loaded:
        return _loaded[0]
    found = find_nvrtc()
    attempts = [found] if found else list(_SONAMES)
    errors = []
    for path in attempts:
        try:
            _preload_builtins(path)
            lib = _declare(ctypes.CDLL(path))
        except (OSError, AttributeError) as err:
            errors.append(f"{path}: {err}")
            continue
        _loaded.append(lib)
        return lib
    raise ToolchainError(
        "NVRTC (libnvrtc) was not found under the CUDA home "
        f"({toolchain.cuda_home() or 'none found'}), in an nvidia-cuda-nvrtc wheel or on the "
        "library path; install it with `pip install nvidia-cuda-nvrtc` or set CUDA_HOME to a "
        "toolkit that has lib64/libnvrtc.so (" + "; ".join(errors) + ")"
    )


def _check(lib: ctypes.CDLL, code: int, what: str) -> None:
    if code != 0:
        message = lib.nvrtcGetErrorString(code).decode(errors="replace")
        raise BuildError(f"NVRTC {what} failed: {message} ({code})")


def _resolve_arch(arch: "str | None") -> str:
    """``sm_<NN>`` from `arch` (``"sm_80"``, ``"8.0"``, ``"90a"``), else from the first visible
    GPU, else from TVM_FFI_CUDA_ARCH_LIST / TORCH_CUDA_ARCH_LIST (its first entry)."""
    if arch is None:
        # The GPU this process would run on; without one, the arch list the JIT builds for.
        try:
            archs = toolchain._visible_gpu_archs() or toolchain.cuda_arch_list()
        except ToolchainError as err:
            raise ToolchainError(f"nvrtc_compile: pass arch= (e.g. arch='sm_80'); {err}") from None
        return f"sm_{archs[0][0]}"
    if not isinstance(arch, str):
        raise TypeError(f"arch must be a str such as 'sm_80', got {type(arch).__name__}")
    parsed = toolchain.parse_arch_list(arch, "arch")
    if len(parsed) != 1:
        raise ValueError(f"arch names one GPU architecture (a cubin is for one), got {arch!r}")
    return f"sm_{parsed[0][0]}"


def _program_log(lib: ctypes.CDLL, program: ctypes.c_void_p) -> str:
    size = ctypes.c_size_t(0)
    if lib.nvrtcGetProgramLogSize(program, ctypes.byref(size)) != 0 or size.value <= 1:
        return ""
    buffer = ctypes.create_string_buffer(size.value)
    if lib.nvrtcGetProgramLog(program, buffer) != 0:
        return ""
    return buffer.value.decode(errors="replace").strip()


def _c_strings(items: "list[bytes]"):
    return (ctypes.c_char_p * max(1, len(items)))(*items)


def nvrtc_compile(
    source: str,
    *,
    name: str = "kernel.cu",
    arch: "str | None" = None,
    extra_opts: "Sequence[str] | None" = None,
) -> bytes:
    """Compiles CUDA C++ `source` with NVRTC and returns the cubin (an ELF image) as bytes.

    `name` is the file name diagnostics show; `arch` the target (``"sm_80"``, ``"8.0"``,
    ``"sm_90a"``; default: the first visible GPU, else the first entry of
    ``TVM_FFI_CUDA_ARCH_LIST``); `extra_opts` more NVRTC options (``-I...``, ``-DX=1``, ...).
    The CUDA home's include directory is on the include path when it exists. Kernels
    declared ``extern "C"`` keep their names in the cubin. A compile error raises
    ``BuildError`` (a RuntimeError) holding NVRTC's log.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str of CUDA C++, got {type(source).__name__}")
    if isinstance(extra_opts, (str, bytes)):
        raise TypeError("extra_opts must be a list of options, not one string")
    options = [f"--gpu-architecture={_resolve_arch(arch)}", "-default-device"]
    home = toolchain.cuda_home()
    if home and os.path.isdir(os.path.join(home, "include")):
        options.append(f"-I{os.path.join(home, 'include')}")
    options += [opt.decode() if isinstance(opt, bytes) else str(opt) for opt in extra_opts or ()]
    encoded = [opt.encode() for opt in options]

    lib = _nvrtc()
    program = ctypes.c_void_p()
    _check(
        lib,
        lib.nvrtcCreateProgram(
            ctypes.byref(program), source.encode(), name.encode(), 0, None, None
        ),
        "program creation",
    )
    try:
        code = lib.nvrtcCompileProgram(program, len(encoded), _c_strings(encoded))
        if code != 0:
            log = _program_log(lib, program)
            reason = lib.nvrtcGetErrorString(code).decode(errors="replace")
            raise BuildError(
                f"NVRTC could not compile {name} ({reason}) with options {' '.join(options)}:\n"
                f"{log or '(NVRTC gave no log)'}"
            )
        size = ctypes.c_size_t(0)
        _check(lib, lib.nvrtcGetCUBINSize(program, ctypes.byref(size)), "nvrtcGetCUBINSize")
        buffer = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetCUBIN(program, buffer), "nvrtcGetCUBIN")
        return buffer.raw[: size.value]
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(program))
