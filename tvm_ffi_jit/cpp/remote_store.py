"""The remote artifact store's interface, its settings and its one record format.

A store keeps, per remote key, one *record*: a header line of JSON (module name, size,
sha256 of the library, the headers it was compiled against, who uploaded it and when) and the
library's bytes, written as one value so that a reader never sees a header without its
library. Next to records, a store keeps *leases*: who builds a key right now, until when.

A new kind of store (an S3-style object store) is one class with these six methods; the
digest check, the lease protocol and the fault handling live in remote.py, once for all.
"""

import os

RECORD_MAGIC = b"tvm_ffi_jit-remote-1\n"
URL_VARIABLE = "TVM_FFI_JIT_REMOTE_CACHE"


class StoreError(RuntimeError):
    """The store is unreachable, slow, full or answered something unreadable. Its message
    never holds credentials (see :func:`redact`)."""


class Store:
    """The interface every backend implements. ``key`` is a hex remote key."""

    url = ""  # redacted: safe to print

    def get(self, key: str) -> "bytes | None":
        """The record stored under ``key``, or None when there is none."""
        raise NotImplementedError

    def put(self, key: str, record: bytes) -> None:
        """Stores ``record`` under ``key`` at once (readers see the old one or the new one)."""
        raise NotImplementedError

    def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Takes the lease on ``key`` for ``ttl`` seconds unless someone else holds it."""
        raise NotImplementedError

    def renew(self, key: str, owner: str, ttl: float) -> bool:
        """Extends ``owner``'s lease; False when it was lost (expired and taken)."""
        raise NotImplementedError

    def release(self, key: str, owner: str) -> None:
        """Gives the lease up if ``owner`` still holds it."""
        raise NotImplementedError

    def keys(self) -> "list[str]":
        """Every key that has a record."""
        raise NotImplementedError

    def header(self, key: str) -> "dict | None":
        """The header of ``key``'s record (default: read the whole record)."""
        record = self.get(key)
        return None if record is None else split_record(record)[0]


_REQUIRED = {"digest": str, "size": int, "name": str, "headers": list}


def make_record(header: dict, data: bytes) -> bytes:
    import json

    return RECORD_MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + data


def split_record(record: bytes) -> "tuple[dict, bytes]":
    """(header, library bytes); StoreError for anything that is not a record."""
    import json

    if not isinstance(record, bytes) or not record.startswith(RECORD_MAGIC):
        raise StoreError("the store returned something that is not a tvm_ffi_jit record")
    end = record.find(b"\n", len(RECORD_MAGIC))
    try:
        header = json.loads(record[len(RECORD_MAGIC) : end])
        if end < 0 or not isinstance(header, dict):
            raise ValueError
        if not all(isinstance(header.get(k), t) for k, t in _REQUIRED.items()):
            raise ValueError
    except ValueError:
        raise StoreError("the store returned a record with an unreadable header") from None
    return header, record[end + 1 :]


def redact(url: str) -> str:
    """``redis://user:secret@host:6379/0`` -> ``redis://***@host:6379/0``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***" if "@" in url else url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{path}"


def seconds(variable: str, default: float) -> float:
    """A positive number of seconds from the environment, else ``default``."""
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def timeout() -> float:
    """How long one store operation may take: ``TVM_FFI_JIT_REMOTE_TIMEOUT`` (default 5 s)."""
    return seconds("TVM_FFI_JIT_REMOTE_TIMEOUT", 5.0)


def open_store(url: str) -> Store:
    """The store a ``TVM_FFI_JIT_REMOTE_CACHE`` URL names; ValueError for an unknown scheme.
    The redis client is imported only for a ``redis://`` URL."""
    if url.startswith("file://"):
        from .remote_file import FileStore

        return FileStore(url)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .remote_redis import RedisStore

        return RedisStore(url)
    raise ValueError(
        f"{URL_VARIABLE}={redact(url)!r}: use redis://[user:password@]host:port/db or "
        "file:///shared/dir"
    )
