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

Records are ``marshal``-ed: it reads back in a fraction of JSON's time, and a record lives in
the private cache directory next to the libraries this process would load anyway (anyone able
to forge one could plant a library instead).
"""

import marshal
import os
import time

from .. import libinfo
from . import cache, toolchain

INDEX_DIR = "index"
_FORMAT = 1
# A warm load marks its record used at most this often (seconds): one write per hour, not
# one per load.
TOUCH_INTERVAL = 3600


def record_path(root: str, name: str, digest: str) -> str:
    return os.path.join(root, INDEX_DIR, f"{name}.{digest[:32]}.rec")


def _read(path: str) -> "tuple[dict, float]":
    """A record and its mtime; plain ``os`` calls make half the system calls of ``open()``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        return marshal.loads(os.read(fd, st.st_size)), st.st_mtime
    finally:
        os.close(fd)


def entry_of(path: str) -> "str | None":
    """The entry directory name a record points at (None if unreadable)."""
    try:
        return _read(path)[0]["entry"]
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None


def lookup(root: str, name: str, digest: str) -> "str | None":
    """The recorded library for this request, if nothing it depends on has changed."""
    path = record_path(root, name, digest)
    try:
        record, recorded_at = _read(path)
        if record["format"] != _FORMAT or record["digest"] != digest:
            return None
        for kind, command, chains in record["tools"]:
            if not toolchain.unchanged(kind, command, chains):
                return None
        if not cache.stamps_match(record["stamps"]):
            return None
        entry_name = record["entry"]
        if os.path.basename(entry_name) != entry_name or entry_name in ("", ".", ".."):
            return None
        entry = os.path.join(root, entry_name)
        cache.check_permissions(entry, os.stat(entry))
        if time.time() - recorded_at > TOUCH_INTERVAL:
            os.utime(path)  # `cache list` and `cache prune` read the last use from here
        return os.path.join(entry, record["artifact"])
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        # Including PermissionError: the full path reports it with its advice.
        return None


def write(root: str, name: str, digest: str, key: str, tools, abi_header: str, entry: str) -> None:
    """Records the current library of ``entry`` (from its manifest) as this request's answer."""
    manifest = cache.read_manifest(entry)
    if manifest is None or manifest.get("key") != key:
        return
    artifact = os.path.join(entry, manifest["artifact"])
    stamps = [*manifest["deps"]]
    if not any(path == abi_header for path, _, _ in stamps):
        stamps += cache.stamp([abi_header])
    installed = tuple(d.rstrip(os.sep) + os.sep for d in libinfo.installed_include_dirs())
    if installed:
        # Installed headers change only with a reinstall, which rewrites the runtime library:
        # one stat of it stands for all of them (each stat costs ~15 us on a warm load).
        stamps = [s for s in stamps if not s[0].startswith(installed)]
        stamps += cache.stamp([libinfo.runtime_library_path()])
    stamps.append([artifact, manifest["artifact_size"], manifest["artifact_mtime_ns"]])
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
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(marshal.dumps(record))
        os.replace(tmp, path)
    except OSError:
        pass  # the index is an optimization only
