"""A shortcut from a request to the library that last answered it, checked by ``stat`` alone.

After a library is built or found current in the cache, a record is written under a digest of
the request (module name, source contents, options, and the environment variables that select
tools). It holds the answer (entry and library file) and everything whose change could make
that answer wrong, each with its ``stat``: the files behind each tool (a tool must also still be
found at the same path), and the runtime's ABI header, every header the compiler read and the
library itself. A later process making the same request checks those and loads the library
without planning the build, hashing a key, reading the manifest or probing a compiler; any
mismatch sends it down the full path, which rewrites the record. A record's mtime tells when
its entry was last used.

Records are ``marshal``-ed: it reads back in a fraction of JSON's time. A record is trusted
like an entry: it must belong to this user and be writable by nobody else, and it can only
name a library file inside an entry of this cache (a plain file name in a plain directory
name); any other record is ignored with a warning, and the full path rewrites it.
"""

import marshal
import os
import time

from .. import libinfo
from . import cache, toolchain

INDEX_DIR = "index"
_FORMAT = 2
# A warm load marks its record used at most this often (seconds): one write per hour, not
# one per load.
TOUCH_INTERVAL = 3600


def record_path(root: str, name: str, digest: str) -> str:
    return os.path.join(root, INDEX_DIR, f"{name}.{digest[:32]}.rec")


def _read(path: str) -> "tuple[dict | None, os.stat_result]":
    """A record (None if it is not this user's own, private file: marshal is no parser for
    hostile bytes) and its ``stat``; plain ``os`` calls make half the system calls of
    ``open()``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if _foreign(st) is not None:
            return None, st
        return marshal.loads(os.read(fd, st.st_size)), st
    finally:
        os.close(fd)


def entry_of(path: str) -> "str | None":
    """The entry directory name a record points at (None if unreadable or untrusted)."""
    try:
        return _read(path)[0]["entry"]
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None


def _distrust(path: str, why: str) -> None:
    from .log import logger

    logger.warning("tvm_ffi_jit: ignoring the request index record %s: %s", path, why)


def _foreign(st) -> "str | None":
    """Why a record's ``stat`` makes it untrustworthy, or None."""
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"it is owned by uid {st.st_uid}, not by you"
    if st.st_mode & 0o022:
        return "other users can write to it"
    return None


def lookup(root: str, name: str, digest: str) -> "str | None":
    """The recorded library for this request, if nothing it depends on has changed."""
    path = record_path(root, name, digest)
    try:
        record, st = _read(path)
        if record is None:
            _distrust(path, _foreign(st))
            return None
        if record["format"] != _FORMAT or record["digest"] != digest:
            return None
        entry_name, artifact = record["entry"], record["artifact"]
        if not (cache.is_plain_name(entry_name) and cache.is_plain_name(artifact)):
            _distrust(path, "it names a library outside the cache's entries")
            return None
        for kind, command, chains in record["tools"]:
            if not toolchain.unchanged(kind, command, chains):
                return None
        if not cache.stamps_match(record["stamps"]):
            return None
        entry = os.path.join(root, entry_name)
        cache.check_permissions(entry, os.stat(entry))
        if time.time() - st.st_mtime > TOUCH_INTERVAL:
            try:
                os.utime(path)  # `cache list` and `cache prune` read the last use from here
            except OSError:
                pass  # a read-only cache still answers
        return os.path.join(entry, artifact)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        # Including PermissionError: the full path reports it with its advice.
        return None


def write(
    root: str, name: str, digest: str, key: str, tools, abi_header: str, entry: str, extra=()
) -> None:
    """Records the current library of ``entry`` (from its manifest) as this request's answer;
    ``extra`` are more stamps to watch (files named in the link flags)."""
    manifest = cache.read_manifest(entry)
    if manifest is None or manifest.get("key") != key:
        return
    if not cache.is_plain_name(manifest.get("artifact")):
        return
    artifact = os.path.join(entry, manifest["artifact"])
    stamps = [*manifest["deps"]]
    if not any(s[0] == abi_header for s in stamps):
        stamps += cache.stamp([abi_header])
    installed = tuple(d.rstrip(os.sep) + os.sep for d in libinfo.installed_include_dirs())
    if installed:
        # Installed headers change only with a reinstall, which rewrites the runtime library:
        # one stat of it stands for all of them (each stat costs ~15 us on a warm load).
        stamps = [s for s in stamps if not s[0].startswith(installed)]
        stamps += cache.stamp([libinfo.runtime_library_path()])
    stamps += [list(s) for s in extra]
    stamps.append([artifact, *manifest["artifact_stamp"]])
    record = {
        "format": _FORMAT,
        "digest": digest,
        "key": manifest["key"],
        "entry": os.path.basename(entry),
        "artifact": manifest["artifact"],
        "tools": [[t.kind, list(t.command), t.chains] for t in tools],
        "stamps": stamps,
    }
    path = record_path(root, name, digest)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        cache.write_atomically(path, marshal.dumps(record))
    except OSError:
        pass  # the index is an optimization only
