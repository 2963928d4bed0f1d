"""A precompiled ``<tvm/ffi/tvm_ffi.h>`` for C++ units that start by including it (g++ only).

Parsing the standard headers and ours is most of a small module's compile time; g++ can
load that work from a ``.gch`` file instead. The package builds one at install time
(setup.py runs ``python -m tvm_ffi_jit pch build``) into ``<package>/pch``:

- ``tvm/ffi/tvm_ffi.h.gch`` beside a copy of the header (g++ looks for ``X.h.gch`` where it
  finds ``X.h``, and the copy is what a later ``#include`` of the header opens);
- ``pch.json``: the compiler's identity, the flags, and every header the compile read
  (ours by path under the include root and digest, system headers by path, size and mtime).

A C++ unit is compiled with ``-I<package>/pch`` ahead of our include dirs only while all of
that still holds and the build adds no flags of its own (no ``extra_cflags``; user include
dirs may not hold a header of ours). The object is the same byte for byte as without it
(headers name themselves relative to their include root through ``-fmacro-prefix-map``, in
every C++ build), so the directory is not part of the cache key. A unit that does not start
with the header, or a compiler that finds the file unfit, simply parses the headers.
"""

import os

from .. import libinfo

HEADER = "tvm/ffi/tvm_ffi.h"
# Flags of every JIT C++ compile (builder.py); the precompiled header is built with them.
# Hidden by default: a module exports what link.py's link step selects (__tvm_ffi_* and what
# the sources export on purpose).
CXX_FLAGS = ("-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden")
_FORMAT = 1
_RECORD = "pch.json"
_DISABLE_VARIABLE = "TVM_FFI_JIT_PCH"  # "0": never use it


def macro_prefix_flags(include_dirs, compiler_identity: str) -> "list[str]":
    """``__FILE__`` in our headers as ``tvm/ffi/x.h``, wherever the package is installed;
    nothing for a compiler without the flag (g++ < 8, clang < 10) or of unknown version."""
    if not _has_macro_prefix_map(compiler_identity):
        return []
    return [f"-fmacro-prefix-map={os.path.join(d, '')}=" for d in include_dirs]


def _has_macro_prefix_map(compiler_identity: str) -> bool:
    import re

    version = compiler_identity.split("\n", 2)[-1]  # toolchain.py: command, files, --version
    clang = re.search(r"clang version (\d+)\.", version)
    if clang:
        return int(clang.group(1)) >= 10
    gcc = re.match(r"[^\n]*\)\s+(\d+)\.\d+", version)  # "g++ (Debian 12.2.0-14) 12.2.0"
    return bool(gcc) and _is_gcc(version) and int(gcc.group(1)) >= 8


def default_dir() -> str:
    return os.path.join(os.path.dirname(libinfo.library_dir()), "pch")


def _is_gcc(version: str) -> bool:
    return "clang" not in version.lower() and "Free Software Foundation" in version


def _file_digest(path: str) -> str:
    from .digest import sha256_hex

    with open(path, "rb") as f:
        return sha256_hex(f.read())


def _dependency_paths(depfile: str) -> "list[str]":
    """The prerequisites of a make-style depfile from ``-MD`` (one target)."""
    with open(depfile, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read().replace("\\\n", " ")
    _, _, prerequisites = text.partition(": ")
    paths, word = [], ""
    for token in prerequisites.split(" "):
        if token.endswith("\\"):  # an escaped space inside a path
            word += token[:-1] + " "
            continue
        word += token
        if word.strip():
            paths.append(os.path.normpath(word.strip()))
        word = ""
    return paths


def _describe_headers(paths, include_dirs) -> "tuple[list, list]":
    """Ours as [root index, relative path, digest]; the rest as [path, size, mtime_ns]."""
    ours, system = [], []
    roots = [os.path.join(os.path.normpath(d), "") for d in include_dirs]
    for path in sorted(set(paths)):
        root = next((i for i, r in enumerate(roots) if path.startswith(r)), None)
        if root is None:
            st = os.stat(path)
            system.append([path, st.st_size, st.st_mtime_ns])
        else:
            ours.append([root, path[len(roots[root]) :], _file_digest(path)])
    return ours, system


def build(target: "str | None" = None, include_dirs=None) -> str:
    """Builds the precompiled header into ``target`` (default: the package's ``pch``) and
    swaps it in whole; returns ``target``. Raises RuntimeError when it cannot be built."""
    import shutil
    import subprocess

    from . import toolchain

    target = os.path.abspath(target or default_dir())
    include_dirs = [os.path.abspath(d) for d in (include_dirs or libinfo.include_dirs())]
    cxx = toolchain.cxx()
    if not _is_gcc(cxx.identity):
        raise RuntimeError(f"{' '.join(cxx.command)} is not g++; only g++ reads .gch files")
    staging = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    header_dir = os.path.join(staging, os.path.dirname(HEADER))
    os.makedirs(header_dir)
    source = os.path.join(include_dirs[0], HEADER)
    shutil.copyfile(source, os.path.join(staging, HEADER))
    depfile = os.path.join(staging, "pch.d")
    command = [
        *cxx.command,
        *CXX_FLAGS,
        *macro_prefix_flags(include_dirs, cxx.identity),
        *(f"-I{d}" for d in include_dirs),
        "-MD",
        "-MF",
        depfile,
        "-x",
        "c++-header",
        source,
        "-o",
        os.path.join(staging, HEADER + ".gch"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    ours, system = _describe_headers(_dependency_paths(depfile), include_dirs)
    os.unlink(depfile)
    record = {
        "format": _FORMAT,
        "header": HEADER,
        "compiler": cxx.identity,
        "flags": list(CXX_FLAGS),
        "include_roots": len(include_dirs),
        "headers": ours,
        "system_headers": system,
    }
    import json

    with open(os.path.join(staging, _RECORD), "w") as f:
        json.dump(record, f, indent=1)
    _swap_in(staging, target)
    _usable_memo.clear()
    return target


def _swap_in(staging: str, target: str) -> None:
    """Replaces ``target`` by ``staging``; a compile still reading the old file keeps it open."""
    import shutil

    old = f"{target}.old-{os.getpid()}"
    if os.path.exists(target):
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


# (pch dir, include dirs, identity) -> (stamps of every file checked, None or the reason)
_usable_memo: "dict[tuple, tuple]" = {}


def _read_record(pch_dir: str):
    import json

    try:
        with open(os.path.join(pch_dir, _RECORD)) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == _FORMAT else None


def _stamp(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _compiler_itself(identity: str) -> str:
    """A compiler identity (toolchain.py: command, the files behind it, ``--version``) without
    the name it was called by: ``c++`` and ``g++`` naming one binary are one compiler (and g++
    rejects a precompiled header made by any other binary itself)."""
    _, files, version = identity.split("\n", 2)
    return files + "\n" + version.split(" ", 1)[-1]  # "c++ (Debian 12.2.0-14) 12.2.0": no "c++"


def why_unusable(pch_dir: str, include_dirs, compiler_identity: str) -> "str | None":
    """None when the precompiled header in ``pch_dir`` matches this compiler, our flags and
    the headers as they are now; else the reason it does not."""
    record = _read_record(pch_dir)
    if record is None:
        return f"no precompiled header in {pch_dir}"
    if _compiler_itself(record["compiler"]) != _compiler_itself(compiler_identity):
        return "it was built by another compiler"
    if record["flags"] != list(CXX_FLAGS) or record["include_roots"] != len(include_dirs):
        return "it was built with other flags"
    for path, size, mtime_ns in record["system_headers"]:
        if _stamp(path) != (size, mtime_ns):
            return f"{path} changed since it was built"
    for root, relative, digest in record["headers"]:
        path = os.path.join(include_dirs[root], relative)
        if not os.path.isfile(path) or _file_digest(path) != digest:
            return f"{path} changed since it was built"
    if _file_digest(os.path.join(pch_dir, HEADER)) != _file_digest(
        os.path.join(include_dirs[0], HEADER)
    ):
        return f"its copy of {HEADER} differs from {include_dirs[0]}"
    return None


def _watched_files(pch_dir: str, include_dirs) -> "list[str]":
    record = _read_record(pch_dir) or {"headers": [], "system_headers": []}
    files = [os.path.join(pch_dir, _RECORD), os.path.join(pch_dir, HEADER + ".gch")]
    files += [os.path.join(include_dirs[root], rel) for root, rel, _ in record["headers"]]
    return files + [path for path, _, _ in record["system_headers"]]


def usable_dir(compiler_identity: str, extra_cflags, extra_include_dirs) -> "str | None":
    """The directory to put ahead of our include dirs for a C++ compile, or None."""
    from .log import logger

    if os.environ.get(_DISABLE_VARIABLE) == "0" or extra_cflags:
        return None
    pch_dir, include_dirs = default_dir(), libinfo.include_dirs()
    reason = _memoized_reason(pch_dir, include_dirs, compiler_identity)
    if reason is None:
        reason = _shadowing_header(pch_dir, include_dirs, extra_include_dirs)
    if reason is not None:
        logger.debug("tvm_ffi_jit: not using the precompiled header: %s", reason)
        return None
    return pch_dir


def _memoized_reason(pch_dir: str, include_dirs, compiler_identity: str) -> "str | None":
    """why_unusable, rechecked only when one of the files it read changed (by ``stat``)."""
    memo_key = (pch_dir, tuple(include_dirs), compiler_identity)
    remembered = _usable_memo.get(memo_key)
    if remembered is not None:
        stamps, reason = remembered
        if all(_stamp(path) == stamp for path, stamp in stamps):
            return reason
    reason = why_unusable(pch_dir, include_dirs, compiler_identity)
    files = _watched_files(pch_dir, include_dirs)
    _usable_memo[memo_key] = ([(path, _stamp(path)) for path in files], reason)
    return reason


def _shadowing_header(pch_dir: str, include_dirs, extra_include_dirs) -> "str | None":
    """A user include dir searched before ours that holds one of our headers would be read
    instead of it without the precompiled header."""
    record = _read_record(pch_dir) or {"headers": []}  # replaced meanwhile: rechecked next build
    for directory in extra_include_dirs:
        for _, relative, _ in record["headers"]:
            if os.path.exists(os.path.join(directory, relative)):
                return f"{os.path.join(directory, relative)} shadows the package's {relative}"
    return None


def dependencies(paths, pch_dir: "str | None") -> "list[str]":
    """The headers a build read, with what the precompiled header was made of in place of
    its copy (so that a manifest watches the real headers). A unit that used it lists only
    the copy, and that only when it includes the header a second time: so whenever a build
    was offered it, its headers are added (more than a unit that did not use it read)."""
    if pch_dir is None:
        return list(paths)
    inside = os.path.join(os.path.normpath(pch_dir), "")
    kept = [p for p in paths if not os.path.normpath(p).startswith(inside)]
    record = _read_record(pch_dir)
    if record is None:
        return kept
    include_dirs = libinfo.include_dirs()
    # Ours only: builds list what -MMD lists, which leaves out system headers.
    return kept + [os.path.join(include_dirs[root], rel) for root, rel, _ in record["headers"]]


def add_parser(commands) -> None:
    """Adds ``pch build|status`` to the ``python -m tvm_ffi_jit`` subcommands."""
    parser = commands.add_parser(
        "pch",
        help="build the precompiled header, or say whether JIT builds use it",
        description="build: (re)build the package's precompiled <tvm/ffi/tvm_ffi.h> (after "
        "editing the headers of a source checkout, or changing compilers); status: whether "
        "C++ builds use it, and if not, why.",
    )
    parser.add_argument("action", choices=["build", "status"])
    parser.set_defaults(run=_run)


def _run(args) -> int:
    from . import toolchain

    if args.action == "build":
        print(f"tvm_ffi_jit: precompiled header built in {build()}")
        return 0
    reason = why_unusable(default_dir(), libinfo.include_dirs(), toolchain.cxx().identity)
    print(f"not used: {reason}" if reason else f"used: {default_dir()}")
    return 0 if reason is None else 1
