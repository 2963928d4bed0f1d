"""Where the shipped headers and the runtime library live.

Two layouts are supported: an installed wheel, where setup.py merges include/ and cuda/
into one include dir inside the package, and a source checkout (editable install), where
the two sit next to the package.
Only ``os`` is imported so that asking for a path stays cheap.
"""

import os

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_NAME = "tvm_ffi_jit"


def _shipped_dir(folder: str) -> "str | None":
    """``<pkg>/<folder>`` (installed wheel), else ``<repo>/<folder>`` (source checkout)."""
    for candidate in (
        os.path.join(_PACKAGE_DIR, folder),
        os.path.join(os.path.dirname(_PACKAGE_DIR), folder),
    ):
        if os.path.isdir(candidate):
            return candidate
    return None


def include_dir() -> str:
    """The directory holding ``tvm/ffi/c_api.h`` and ``dlpack/dlpack.h``."""
    found = _shipped_dir("include")
    if found is None or not os.path.isfile(os.path.join(found, "tvm", "ffi", "c_api.h")):
        raise RuntimeError(
            "tvm_ffi_jit: cannot find the headers (tvm/ffi/c_api.h) in "
            f"{os.path.join(_PACKAGE_DIR, 'include')} or "
            f"{os.path.join(os.path.dirname(_PACKAGE_DIR), 'include')}; reinstall the package "
            "with `pip install .` (or `pip install -e .` from a source checkout)"
        )
    return found


def installed_include_dirs() -> "list[str]":
    """The include dirs that were installed with the package (not a source checkout's):
    they change only when the package is reinstalled, which rewrites the runtime library."""
    inside = _PACKAGE_DIR + os.sep
    return [d for d in include_dirs() if d.startswith(inside)]


def include_dirs() -> "list[str]":
    """Every directory a JIT build adds with ``-I``. Installed: the one include dir, which
    holds the CUDA headers too (under ``tvm/ffi/extra/cuda/``); a source checkout adds its
    ``cuda/`` folder, where they live."""
    main = include_dir()
    if main.startswith(_PACKAGE_DIR + os.sep):
        return [main]
    cuda_dir = os.path.join(os.path.dirname(main), "cuda")
    return [main, cuda_dir] if os.path.isdir(cuda_dir) else [main]


def library_dir() -> str:
    """The directory holding ``libtvm_ffi_jit.so`` (``<pkg>/lib`` in both layouts)."""
    return os.path.join(_PACKAGE_DIR, "lib")


def library_name() -> str:
    """The runtime library's name as the linker wants it (``-l<name>``)."""
    return _LIBRARY_NAME


def runtime_library_path() -> str:
    """Absolute path of the runtime shared library; raises if it has not been built."""
    path = os.path.join(library_dir(), f"lib{_LIBRARY_NAME}.so")
    if not os.path.isfile(path):
        raise RuntimeError(
            f"tvm_ffi_jit: the runtime library {path} does not exist; build it with "
            "`pip install .` (or `pip install -e .` from a source checkout)"
        )
    return path
