"""``cache push``, ``cache pull`` and ``cache list --remote``: moving libraries between the
local cache and the remote store ahead of a job.

Every local build records its remote key in the entry (``remote.json``), whether or not a
store was configured, so ``push`` after ``cpp.build`` in CI uploads what a cluster will ask
for. ``pull`` copies the store's records into ``<cache>/remote-pulled/`` (a file store), which
the cold path reads before any network: a node can be warmed when its image is made.
"""

import os

from . import cache, cache_admin, remote
from .remote_store import StoreError, make_record, split_record


class RemoteRecord:
    """One record of the store as ``cache list --remote`` shows it."""

    __slots__ = ("key", "name", "size", "host", "time")

    def __init__(self, key: str, header: dict):
        self.key, self.name, self.size = key, header["name"], header["size"]
        self.host, self.time = str(header.get("host", "?")), float(header.get("time", 0))


def push(root: str, store, name: "str | None" = None) -> "list[tuple[str, str, int]]":
    """Uploads each current library of the cache (of module ``name``); returns their module
    names, remote keys and sizes."""
    pushed = []
    for entry in cache_admin.scan(root):
        if name is not None and entry.name != name:
            continue
        record = remote.read_remote_file(entry.path)
        manifest = cache.read_manifest(entry.path)
        artifact = cache.current_artifact(entry.path)
        if record is None or manifest is None or artifact is None:
            continue  # built before remote.json existed, or being rebuilt
        try:
            with open(artifact, "rb") as f:
                data = f.read()
        except OSError:
            continue
        from .digest import bulk_hex

        if bulk_hex(data) != manifest.get("artifact_digest"):
            continue  # modified since it was built: never spread it
        remote.upload_record(store, record["key"], entry.name, data, record["headers"])
        pushed.append((entry.name, record["key"], len(data)))
    return pushed


def pull(root: str, store, name: "str | None" = None) -> "list[RemoteRecord]":
    """Copies the store's intact records (of module ``name``) into ``<root>/remote-pulled``."""
    from .remote_file import FileStore

    cache.ensure_private_dir(root)
    mirror_dir = os.path.join(root, remote.PULLED_DIR)
    os.makedirs(mirror_dir, mode=0o700, exist_ok=True)
    mirror = FileStore("file://" + mirror_dir)
    pulled = []
    for key in store.keys():
        record = store.get(key)
        if record is None:
            continue
        try:
            header, data = split_record(record)
        except StoreError:
            continue
        if name is not None and header["name"] != name:
            continue
        if not remote.intact(header, data):
            continue
        mirror.put(key, make_record(header, data))
        pulled.append(RemoteRecord(key, header))
    return pulled


def listing(store) -> "list[RemoteRecord]":
    """The store's records, newest first."""
    records = []
    for key in store.keys():
        try:
            header = store.header(key)
        except StoreError:
            continue  # unreadable: a later upload replaces it
        if header is not None:
            records.append(RemoteRecord(key, header))
    return sorted(records, key=lambda r: -r.time)
