"""JIT-compile C++/CUDA sources into a shared library and load it as a Module.

    mod = tvm_ffi_jit.cpp.load_inline("add_one", cpp_sources=src, functions=["add_one"])

``build``/``build_inline`` return the path of the library; ``load``/``load_inline`` load it.
Builds are cached under ``$TVM_FFI_JIT_CACHE_DIR`` (else ``$TVM_FFI_CACHE_DIR``, else
``~/.cache/tvm_ffi_jit``). The options are apache-tvm-ffi's (``tvm_ffi.cpp``), plus
``verbose`` and ``release_gil``; see DESIGN.md in this folder for how a call works.
"""

import os

# The package is fully imported by the time this runs; resolving this once here keeps a
# relative import out of every load.
from .. import registry as _registry
from ..error import BuildError
from .builder import build_library
from .dtype import to_cpp_dtype
from .sources import normalize_functions

__all__ = ["build", "build_inline", "load", "load_inline", "to_cpp_dtype"]


def build(
    name,
    cpp_files=None,
    cuda_files=None,
    *,
    sources=None,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    embed_cubin=None,
    backend=None,
    output=None,
    verbose=False,
) -> str:
    """Compiles source files into a shared library (or one object file); returns its path.

    ``sources``, ``cpp_files`` and ``cuda_files`` are one list of paths (a str or a list of
    str); each file's extension picks its compiler: ``.cu`` nvcc, ``.c`` the C compiler,
    ``.o``/``.obj`` none (linked as they are), anything else the C++ compiler.
    Exported functions come from ``TVM_FFI_DLL_EXPORT_TYPED_FUNC`` in the sources.

    ``extra_cflags`` (C and C++), ``extra_cuda_cflags`` and ``extra_ldflags`` are added after
    the defaults; one string may hold several flags (split as a shell would).
    ``extra_include_paths`` come before the runtime's own headers.
    ``embed_cubin`` maps names to cubin bytes placed in the library under
    ``__tvm_ffi__cubin_<name>`` / ``__tvm_ffi__cubin_<name>_end`` (``TVM_FFI_EMBED_CUBIN``).
    ``output`` names the result: ``"ops.o"`` (or ``.obj``) skips linking and gives one
    relocatable object; any other name is the shared library's file name.
    ``build_directory`` builds there instead of the cache (the library is also kept there
    as ``<name>.so``). ``backend`` is ``None`` or ``"cuda"``.
    """
    try:
        return build_library(
            name,
            inline=False,
            cpp=cpp_files,
            cuda=cuda_files,
            source_files=sources,
            functions=[],
            extra_cflags=extra_cflags,
            extra_cuda_cflags=extra_cuda_cflags,
            extra_ldflags=extra_ldflags,
            extra_include_paths=extra_include_paths,
            build_directory=build_directory,
            embed_cubin=embed_cubin,
            backend=backend,
            output=output,
            verbose=verbose,
        )
    except BuildError as err:
        raise _at_public_call(err) from None


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
    embed_cubin=None,
    backend=None,
    output=None,
    verbose=False,
) -> str:
    """Compiles source text into a shared library; returns its path.

    ``functions`` (a name, a list of names, or a dict name -> docstring) are exported with
    ``TVM_FFI_DLL_EXPORT_TYPED_FUNC(name, name)``, appended to the C++ source when there is
    one (declare functions defined in ``cuda_sources`` there), else to the CUDA source.
    The sources may use the tensor, dtype, error, environment and function headers without
    including them. Compiler diagnostics name ``<name>/cpp_sources`` and
    ``<name>/cuda_sources``. The other options are :func:`build`'s.
    """
    names, docs = normalize_functions(functions)
    try:
        return build_library(
            name,
            inline=True,
            cpp=cpp_sources,
            cuda=cuda_sources,
            functions=names,
            docs=docs,
            extra_cflags=extra_cflags,
            extra_cuda_cflags=extra_cuda_cflags,
            extra_ldflags=extra_ldflags,
            extra_include_paths=extra_include_paths,
            build_directory=build_directory,
            embed_cubin=embed_cubin,
            backend=backend,
            output=output,
            verbose=verbose,
        )
    except BuildError as err:
        raise _at_public_call(err) from None


def _at_public_call(error: BuildError) -> BuildError:
    """``error`` without the frames inside this package: raised again here, its traceback
    shows the caller's code and the one public function called."""
    return error.with_traceback(None)


_accepted_memo: list = [None, frozenset()]  # [load_module, the keywords it takes]


def _load_module_keywords() -> "frozenset[str]":
    """The keyword arguments this package's ``load_module`` takes, read from its code."""
    load_module = _registry.load_module
    if _accepted_memo[0] is not load_module:
        code = getattr(load_module, "__code__", None)
        if code is None or code.co_flags & 0x08:  # CO_VARKEYWORDS: takes any keyword
            accepted = frozenset(["keep_module_alive", "release_gil"])
        else:
            accepted = frozenset(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        _accepted_memo[:] = [load_module, accepted]
    return _accepted_memo[1]


def _load(path, keep_module_alive, release_gil):
    options = {}
    accepted = _load_module_keywords()
    if "keep_module_alive" in accepted:
        options["keep_module_alive"] = keep_module_alive
    if release_gil is not None:
        options["release_gil"] = release_gil
    return _registry.load_module(path, **options)


def _build_and_load(build, load_options, docs=None):
    """``load_module(build())``, building again if the library vanished in between."""
    path = build()
    try:
        module = _load(path, *load_options)
    except FileNotFoundError:
        if os.path.exists(path):
            raise
        # `cache prune`/`clean` removed the entry between the lookup and the load.
        module = _load(build(), *load_options)
    if docs:
        module._function_docs = dict(docs)
    return module


def load(
    name,
    cpp_files=None,
    cuda_files=None,
    *,
    sources=None,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory=None,
    embed_cubin=None,
    keep_module_alive=True,
    backend=None,
    release_gil=None,
    verbose=False,
):
    """Like :func:`build`, then returns ``tvm_ffi_jit.load_module(path, keep_module_alive=...)``;
    ``release_gil`` (when not None) is passed to ``load_module`` too."""
    try:
        return _build_and_load(
            lambda: build(
                name,
                cpp_files,
                cuda_files,
                sources=sources,
                extra_cflags=extra_cflags,
                extra_cuda_cflags=extra_cuda_cflags,
                extra_ldflags=extra_ldflags,
                extra_include_paths=extra_include_paths,
                build_directory=build_directory,
                embed_cubin=embed_cubin,
                backend=backend,
                verbose=verbose,
            ),
            (keep_module_alive, release_gil),
        )
    except BuildError as err:
        raise _at_public_call(err) from None


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
    embed_cubin=None,
    keep_module_alive=True,
    backend=None,
    release_gil=None,
    verbose=False,
):
    """Like :func:`build_inline`, then returns ``tvm_ffi_jit.load_module(path, ...)`` as
    :func:`load` does; with ``functions`` as a dict, its docstrings become the functions' docs."""
    # build_inline checks `functions`; only a mapping has docstrings to read here.
    docs = normalize_functions(functions)[1] if hasattr(functions, "items") else None
    try:
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
                embed_cubin=embed_cubin,
                backend=backend,
                verbose=verbose,
            ),
            (keep_module_alive, release_gil),
            docs,
        )
    except BuildError as err:
        raise _at_public_call(err) from None
