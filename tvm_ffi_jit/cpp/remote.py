"""The remote cache behind the local one (``TVM_FFI_JIT_REMOTE_CACHE``): one build per key
across a cluster, everyone else downloads the library.

Only the cold path comes here, with the local entry's lock held (so one process per node talks
to the store): look the key up remotely; a record whose sha256 and size match and whose
headers have the same content on this node is installed into the entry exactly as a local
build publishes (fresh file name, ``os.replace``, manifest). Otherwise take the key's lease
(one builder in the cluster), build locally, upload, give the lease up; while someone else
holds it, poll until the record appears or the lease expires (its holder died), then take
over. A store that is down, slow, full or answers garbage costs one warning per process and
a local build; the process then leaves the store alone.

The remote key is the local key with each tool's identity made portable: the files behind
the compiler by content instead of inode and mtime (these differ between nodes), plus the
digest of the ABI header, so a node with another toolchain never receives a foreign library.
"""

import os
import time

from . import cache
from .digest import sha256_hex
from .log import logger
from .remote_store import URL_VARIABLE, StoreError, make_record, redact, seconds, split_record

REMOTE_FILE = "remote.json"  # in an entry: its remote key and headers, for `cache push`
PULLED_DIR = "remote-pulled"  # under the cache root: what `cache pull` downloaded
_REMOTE_FORMAT = 1
_stores: dict = {}  # url -> Store, or None once it failed in this process


def lease_seconds() -> float:
    """How long a builder's lease lasts unless renewed: ``TVM_FFI_JIT_REMOTE_LEASE`` (60 s)."""
    return seconds("TVM_FFI_JIT_REMOTE_LEASE", 60.0)


def _url() -> str:
    return os.environ.get(URL_VARIABLE, "").strip()


def configured_store():
    """The store ``TVM_FFI_JIT_REMOTE_CACHE`` names, None when unset or failed earlier."""
    url = _url()
    if not url:
        return None
    if url not in _stores:
        from .remote_store import open_store

        try:
            _stores[url] = open_store(url)
        except (StoreError, ValueError) as err:
            _give_up(url, err)
    return _stores[url]


def _give_up(url: str, err: Exception) -> None:
    """The one warning: this process builds locally from now on."""
    _stores[url] = None
    message = str(err)
    if redact(url) != url:
        message = message.replace(url, redact(url))
    logger.warning(
        "tvm_ffi_jit: remote cache %s is unavailable (%s); building locally without it",
        redact(url),
        message,
    )


def _file_sha(path: str) -> str:
    with open(path, "rb") as f:
        return sha256_hex(f.read())


_portable_memo: dict = {}


def _portable_identity(tool) -> list:
    """A tool as the same on every node: command, the files behind it by path, size and
    content, and its ``--version``."""
    files = []
    for chain in tool.chains:
        for _, real, size, mtime, inode in chain:
            memo = (real, size, mtime, inode)
            if memo not in _portable_memo:
                _portable_memo[memo] = _file_sha(real)
            files.append([real, size, _portable_memo[memo]])
    version = tool.identity.split("\n", 2)[-1]
    return [list(tool.command), files, version]


def remote_key(plan) -> str:
    """Everything the local key covers, without what differs between identical nodes."""
    from .. import libinfo

    parts = plan.key_parts()
    parts["tools"] = {tool.kind: _portable_identity(tool) for tool in plan.tools}
    parts["abi_header"] = _file_sha(os.path.join(libinfo.include_dir(), "tvm", "ffi", "c_api.h"))
    parts["remote_format"] = _REMOTE_FORMAT
    return cache.compute_key(parts)


def fetch_or_build(job, name: str, build) -> str:
    """The library for ``job``: downloaded when the store has it, else ``build()`` (under
    the cluster-wide lease when the store is up) and uploaded. Call with the entry locked."""
    store = configured_store()
    mirror = _pulled_store(os.path.dirname(job.entry))
    if store is None and mirror is None:
        artifact = build()
        _remember(job, name, artifact, None)
        return artifact
    try:
        rkey = remote_key(job.plan)
    except OSError as err:  # a compiler file that cannot be read: nothing to share
        if store is not None:
            _give_up(_url(), err)
        return build()
    if mirror is not None:
        try:
            artifact, _ = _try_install(mirror, rkey, job, name)
        except StoreError:
            artifact = None  # a damaged pull: the configured store or a build replaces it
        if artifact is not None:
            return artifact
    if store is None:
        artifact = build()
        _remember(job, name, artifact, rkey)
        return artifact
    owner = upload = None
    try:
        artifact, owner, upload = _download_or_lease(store, rkey, job, name)
    except StoreError as err:
        _give_up(_url(), err)
        store, artifact = None, None
    if artifact is not None:
        return artifact
    renewer = _Renewer(store, rkey, owner) if owner else None
    try:
        artifact = build()
        headers = _remember(job, name, artifact, rkey)
        if store is not None and upload and headers is not None:
            with open(artifact, "rb") as f:
                data = f.read()
            _upload(store, rkey, name, data, headers)
    finally:
        if renewer is not None:
            renewer.stop()
            if _stores.get(_url()) is store:
                store.release(rkey, owner)  # not after a fault: it would wait out a timeout
    return artifact


def upload_record(store, rkey: str, name: str, data: bytes, headers) -> None:
    """Stores the library ``data`` with the digest a download is checked against."""
    header = {
        "name": name,
        "size": len(data),
        "digest": sha256_hex(data),
        "headers": headers,
        "host": _host(),
        "time": time.time(),
    }
    store.put(rkey, make_record(header, data))


def intact(header: dict, data: bytes) -> bool:
    """Whether ``data`` is the library as uploaded (not truncated, not tampered with)."""
    return len(data) == header["size"] and sha256_hex(data) == header["digest"]


def _upload(store, rkey: str, name: str, data: bytes, headers) -> None:
    try:
        upload_record(store, rkey, name, data, headers)
        logger.info("tvm_ffi_jit: uploaded %s (%d bytes) to %s", name, len(data), store.url)
    except StoreError as err:
        _give_up(_url(), err)


def _download_or_lease(store, rkey: str, job, name: str):
    """(artifact, None, False) when downloaded; (None, owner, True) when this process holds
    the lease and builds; (None, None, upload?) when it builds without the lease."""
    owner = f"{_host()}:{os.getpid()}:{os.urandom(4).hex()}"
    deadline = time.monotonic() + seconds("TVM_FFI_JIT_REMOTE_WAIT", 1800.0)
    delay, said_waiting = 0.05, False
    while True:
        artifact, verdict = _try_install(store, rkey, job, name)
        if artifact is not None:
            return artifact, None, False
        if verdict == "rejected":
            return None, None, True  # rebuild here and replace the bad record
        if verdict == "foreign":
            return None, None, False  # other headers on this node: build for us only
        if store.acquire(rkey, owner, lease_seconds()):
            # The last holder may have uploaded and released between our get and acquire.
            artifact, _ = _try_install(store, rkey, job, name)
            if artifact is not None:
                store.release(rkey, owner)
                return artifact, None, False
            return None, owner, True
        if not said_waiting:
            said_waiting = True
            logger.info("tvm_ffi_jit: waiting for another node to build %s", name)
        if time.monotonic() > deadline:
            logger.warning(
                "tvm_ffi_jit: gave up waiting for another node to build %s; building here", name
            )
            return None, None, True
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _try_install(store, rkey: str, job, name: str):
    """(artifact, "") when installed; (None, "missing" | "rejected" | "foreign")."""
    record = store.get(rkey)
    if record is None:
        return None, "missing"
    header, data = split_record(record)
    if (
        len(data) != header["size"]
        or sha256_hex(data) != header["digest"]
        or header["name"] != name
    ):
        logger.warning(
            "tvm_ffi_jit: rejected the library of %s from %s: its content does not match the "
            "digest recorded at upload (tampered or truncated); building locally",
            name,
            store.url,
        )
        return None, "rejected"
    paths = []
    for path, digest in header["headers"]:
        try:
            same = _file_sha(path) == digest
        except (OSError, TypeError):
            same = False
        if not same:
            logger.info("tvm_ffi_jit: %s differs on this node; building %s locally", path, name)
            return None, "foreign"
        paths.append(path)
    return _install(job, name, data, paths, header["headers"], rkey), ""


def _install(job, name: str, data: bytes, paths, headers, rkey: str) -> str:
    """Publishes downloaded bytes as a local build does: fresh name, rename, manifest."""
    entry = job.entry
    previous = cache.current_artifact(entry)
    final = os.path.join(entry, f"{name}.{os.urandom(6).hex()}.so")
    tmp = final + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), 0o755)
        os.replace(tmp, final)
        cache.write_manifest(entry, job.key, job.source_paths, cache.stamp(paths), final)
    except BaseException:
        for path in (tmp, final):
            try:
                os.unlink(path)
            except OSError:
                pass
        raise
    cache.clear_failure(entry)
    cache.remove_old_artifacts(entry, name, keep=[final, previous])
    _write_remote_file(entry, name, rkey, headers)
    logger.info("tvm_ffi_jit: downloaded %s from the remote cache", name)
    return final


def _remember(job, name: str, artifact: str, rkey: "str | None"):
    """Records the remote key and the headers' digests in the entry (``cache push`` reads
    them); returns the headers, None when they cannot be read."""
    try:
        manifest = cache.read_manifest(job.entry) or {}
        headers = [[dep[0], _file_sha(dep[0])] for dep in manifest.get("deps", [])]
        _write_remote_file(job.entry, name, rkey or remote_key(job.plan), headers)
        return headers
    except Exception as err:  # best effort: it must never fail a build that succeeded
        logger.debug("tvm_ffi_jit: no remote record for %s: %s", artifact, err)
        return None


def _write_remote_file(entry: str, name: str, rkey: str, headers) -> None:
    import json

    record = {"format": _REMOTE_FORMAT, "name": name, "key": rkey, "headers": headers}
    cache.write_atomically(os.path.join(entry, REMOTE_FILE), json.dumps(record).encode())


def read_remote_file(entry: str) -> "dict | None":
    return cache.read_entry_record(entry, REMOTE_FILE, _REMOTE_FORMAT)


def _pulled_store(root: str):
    path = os.path.join(root, PULLED_DIR)
    if not os.path.isdir(path):
        return None
    from .remote_file import FileStore

    return FileStore("file://" + path)


def _host() -> str:
    import socket

    return socket.gethostname()


class _Renewer:
    """Keeps the lease alive while this process builds (a daemon thread: it dies with us,
    and then the lease expires and another node takes over)."""

    def __init__(self, store, rkey: str, owner: str):
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(store, rkey, owner), daemon=True, name="tvm_ffi_jit-lease"
        )
        self._thread.start()

    def _run(self, store, rkey, owner) -> None:
        ttl = lease_seconds()
        while not self._stop.wait(ttl / 3):
            try:
                if not store.renew(rkey, owner, ttl):
                    return  # lost (we stalled past the expiry): the upload is still harmless
            except StoreError:
                return  # the upload will report the store

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
