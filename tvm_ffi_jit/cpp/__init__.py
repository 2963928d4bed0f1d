"""JIT-compile C++/CUDA sources into a shared library and load it as a Module.

    mod = tvm_ffi_jit.cpp.load_inline("add_one", cpp_sources=src, functions=["add_one"])

``build``/``build_inline`` return the path of the library; ``load``/``load_inline`` load it.
Builds are cached under ``$TVM_FFI_JIT_CACHE_DIR`` (default ``~/.cache/tvm_ffi_jit``).
"""

import os

# The package is fully imported by the time this runs; resolving this once here keeps a
# relative import out of every load.
from .. import registry as _registry
from .builder import build_library
from .sources import normalize_functions

__all__ = ["build", "build_inline", "load", "load_inline"]


def build(
    name,
    cpp_files=None,
    cuda_files=None,
    *,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    verbose=False,
) -> str:
    """Compiles C++ (``.c`` files as C) and CUDA files into a shared library; returns its path.

    Exported functions come from ``TVM_FFI_DLL_EXPORT_TYPED_FUNC`` in the sources.
    """
    return build_library(
        name,
        inline=False,
        cpp=cpp_files,
        cuda=cuda_files,
        functions=[],
        extra_cflags=extra_cflags,
        extra_cuda_cflags=extra_cuda_cflags,
        extra_ldflags=extra_ldflags,
        extra_include_paths=extra_include_paths,
        build_directory=build_directory,
        verbose=verbose,
    )


def build_inline(
    name,
    *,
    cpp_sources=None,
    cuda_sources=None,
    functions=None,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    verbose=False,
) -> str:
    """Compiles source text into a shared library; returns its path.

    ``functions`` (a list of names, or a dict name -> docstring) are exported with
    ``TVM_FFI_DLL_EXPORT_TYPED_FUNC(name, name)``, appended to the C++ source when there is
    one (declare functions defined in ``cuda_sources`` there), else to the CUDA source.
    Compiler diagnostics name ``<name>/cpp_sources`` and ``<name>/cuda_sources``.
    """
    names, _ = normalize_functions(functions)
    return build_library(
        name,
        inline=True,
        cpp=cpp_sources,
        cuda=cuda_sources,
        functions=names,
        extra_cflags=extra_cflags,
        extra_cuda_cflags=extra_cuda_cflags,
        extra_ldflags=extra_ldflags,
        extra_include_paths=extra_include_paths,
        build_directory=build_directory,
        verbose=verbose,
    )


def _build_and_load(build, docs=None, release_gil=None):
    """``load_module(build())``, building again if the library vanished in between."""
    path = build()
    try:
        module = _registry.load_module(path, release_gil=release_gil)
    except FileNotFoundError:
        if os.path.exists(path):
            raise
        # `cache prune`/`clean` removed the entry between the lookup and the load.
        module = _registry.load_module(build(), release_gil=release_gil)
    if docs is not None:
        module._function_docs = dict(docs)
    return module


def load(
    name,
    cpp_files=None,
    cuda_files=None,
    *,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    verbose=False,
    release_gil=None,
):
    """Like :func:`build`, then returns ``tvm_ffi_jit.load_module(path, release_gil=...)``."""
    return _build_and_load(
        lambda: build(
            name,
            cpp_files,
            cuda_files,
            extra_cflags=extra_cflags,
            extra_cuda_cflags=extra_cuda_cflags,
            extra_ldflags=extra_ldflags,
            extra_include_paths=extra_include_paths,
            build_directory=build_directory,
            verbose=verbose,
        ),
        release_gil=release_gil,
    )


def load_inline(
    name,
    *,
    cpp_sources=None,
    cuda_sources=None,
    functions=None,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    verbose=False,
    release_gil=None,
):
    """Like :func:`build_inline`, then returns ``tvm_ffi_jit.load_module(path, release_gil=...)``;
    with ``functions`` as a dict, its docstrings become the functions' docs."""
    _, docs = normalize_functions(functions)
    return _build_and_load(
        lambda: build_inline(
            name,
            cpp_sources=cpp_sources,
            cuda_sources=cuda_sources,
            functions=functions,
            extra_cflags=extra_cflags,
            extra_cuda_cflags=extra_cuda_cflags,
            extra_ldflags=extra_ldflags,
            extra_include_paths=extra_include_paths,
            build_directory=build_directory,
            verbose=verbose,
        ),
        docs if isinstance(functions, dict) else None,
        release_gil,
    )
