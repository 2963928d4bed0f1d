"""The shared-filesystem store (``file:///shared/dir``), safe on NFS: no ``flock``.

```
<dir>/records/<key>.rec       one record per key, written to a temporary name and renamed
<dir>/leases/<key>.lease      "<owner> <expiry>": created with link(2), which fails when the
                              name exists, even over NFS; an expired one is renamed aside by
                              exactly one taker before a new one is linked in
```

Expiry times are wall-clock seconds, so the nodes' clocks must agree to within a fraction of
the lease (NTP does that).
"""

import errno
import os
import time

from .remote_store import Store, StoreError

_RECORDS = "records"
_LEASES = "leases"


class FileStore(Store):
    def __init__(self, url: str):
        self.url = url
        self.root = url[len("file://") :]
        if not self.root.startswith("/"):
            raise ValueError(f"{url!r}: a file:// store needs an absolute path (file:///dir)")

    def _dir(self, kind: str) -> str:
        if not os.path.isdir(self.root):
            # An unmounted share must not look like an empty store that everyone writes into.
            raise StoreError(f"{self.root} is not a directory (not mounted?)")
        path = os.path.join(self.root, kind)
        os.makedirs(path, exist_ok=True)
        return path

    def _path(self, kind: str, key: str, suffix: str) -> str:
        if not key.isalnum():
            raise ValueError(f"invalid remote key {key!r}")
        return os.path.join(self._dir(kind), key + suffix)

    def get(self, key):
        try:
            with open(self._path(_RECORDS, key, ".rec"), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise StoreError(f"cannot read from the store: {err.strerror}") from None

    def put(self, key, record):
        try:
            _write_then_rename(self._path(_RECORDS, key, ".rec"), record)
        except OSError as err:
            raise StoreError(f"cannot write to the store: {err.strerror}") from None

    def acquire(self, key, owner, ttl):
        try:
            path = self._path(_LEASES, key, ".lease")
            for _ in range(3):
                if _link_new(path, f"{owner} {time.time() + ttl}".encode()):
                    return True
                held = _read_lease(path)
                if held is None or held[1] > time.time():
                    return False  # held and alive (or just replaced: look again later)
                # Expired: whoever renames it aside first may take over.
                aside = f"{path}.expired.{os.getpid()}.{os.urandom(4).hex()}"
                try:
                    os.rename(path, aside)
                except FileNotFoundError:
                    continue
                stale = _read_lease(aside)
                os.unlink(aside)
                if stale != held:
                    return False  # another taker had already replaced it: ours was fresh
            return False
        except OSError as err:
            raise StoreError(f"cannot take a lease in the store: {err.strerror}") from None

    def renew(self, key, owner, ttl):
        try:
            path = self._path(_LEASES, key, ".lease")
            held = _read_lease(path)
            if held is None or held[0] != owner:
                return False
            _write_then_rename(path, f"{owner} {time.time() + ttl}".encode())
            return True
        except OSError as err:
            raise StoreError(f"cannot renew a lease in the store: {err.strerror}") from None

    def release(self, key, owner):
        try:
            path = self._path(_LEASES, key, ".lease")
            held = _read_lease(path)
            if held is not None and held[0] == owner:
                os.unlink(path)
        except OSError:
            pass  # it expires by itself

    def keys(self):
        try:
            names = os.listdir(self._dir(_RECORDS))
        except OSError as err:
            raise StoreError(f"cannot list the store: {err.strerror}") from None
        return sorted(n[: -len(".rec")] for n in names if n.endswith(".rec"))


def _write_then_rename(path: str, data: bytes) -> None:
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # NFS: the data must be on the server before the name is
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _link_new(path: str, data: bytes) -> bool:
    """Creates ``path`` with ``data`` unless it exists: the content is complete before the
    name appears, and link(2) is atomic on NFS where O_EXCL was not always."""
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as err:
        if err.errno == errno.EEXIST:
            return False
        raise
    finally:
        os.unlink(tmp)


_UNREADABLE_LEASE = 60.0  # seconds an unreadable lease file (not ours: ours are whole) holds


def _read_lease(path: str) -> "tuple[str, float] | None":
    """(owner, expiry), None when there is no lease."""
    try:
        with open(path, "rb") as f:
            owner, _, expiry = f.read().decode().rpartition(" ")
        return owner, float(expiry)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        try:
            return "", os.stat(path).st_mtime + _UNREADABLE_LEASE  # never blocks for good
        except OSError:
            return None
