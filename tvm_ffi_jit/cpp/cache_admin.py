"""Inspecting and trimming the cache: entries with their size and last use, safe removal.

An entry is removed only while this process holds its lock, taken without waiting: an entry
that another process is building (or otherwise holds) is reported and kept. Removal first
moves the entry aside, so a new build of the same key starts in a fresh directory, and unlinks
its lock file, so a process that was waiting on that lock retries on the new one.

Only what the cache created is ever listed or removed: a directory counts as an entry when it
holds the entry marker (or a manifest whose key matches its name), not for its name alone.
Listing writes nothing (no lock file is created), so it works on a read-only cache.
"""

import os
import re
import stat
import time

from . import cache, request_index

_ENTRY_NAME = r"(.+)_([0-9a-f]{16})\Z"
_TRASH_PREFIX = ".trash-"


class Entry:
    """One cache entry directory and what ``cache list`` shows about it."""

    __slots__ = ("path", "name", "key", "size", "last_used", "state")

    def __init__(self, path, name, key, size, last_used, state):
        self.path, self.name, self.key = path, name, key
        self.size, self.last_used, self.state = size, last_used, state

    def __repr__(self) -> str:
        return f"Entry({self.name!r}, {self.key[:16]!r}, size={self.size}, state={self.state!r})"


def tree_size(path: str) -> int:
    """Bytes used by the files under ``path`` (symlinks count as themselves)."""
    total = 0
    for directory, dirs, files in os.walk(path):
        for file_name in files + dirs:
            try:
                total += os.lstat(os.path.join(directory, file_name)).st_size
            except OSError:
                pass  # removed while we walked
    return total


def _index_records(root: str) -> "dict[str, list[tuple[str, float]]]":
    """Entry directory name -> [(record path, record mtime)] for every request-index record."""
    by_entry: dict = {}
    index_dir = os.path.join(root, request_index.INDEX_DIR)
    try:
        names = os.listdir(index_dir)
    except FileNotFoundError:
        return by_entry
    for file_name in names:
        if not (file_name.endswith(".rec") or ".rec." in file_name):
            continue  # not a record (nor a record's temporary file)
        path = os.path.join(index_dir, file_name)
        entry_name = request_index.entry_of(path)
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        by_entry.setdefault(entry_name or "", []).append((path, mtime))
    return by_entry


def is_locked(entry_path: str) -> bool:
    """Whether another process holds the entry's lock right now (checked without waiting and
    without creating or writing anything: a shared ``flock`` on the existing lock file)."""
    import fcntl

    try:
        fd = os.open(os.path.join(entry_path, cache.LOCK_FILE), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False  # no lock file: nobody has ever locked it (or it cannot be read)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock
    return False


def is_entry(path: str, key16: str) -> bool:
    """Whether the cache created directory ``path``: it holds the entry marker, or a manifest
    whose key starts with ``key16`` (entries from before the marker)."""
    try:
        if stat.S_ISREG(os.lstat(os.path.join(path, cache.ENTRY_MARKER)).st_mode):
            return True
    except OSError:
        pass
    manifest = cache.read_manifest(path)
    return manifest is not None and str(manifest.get("key", "")).startswith(key16)


def _lock(entry_path: str):
    """The entry's lock, acquired without waiting; None when another process holds it."""
    from .file_lock import FileLock, LockTimeout

    lock = FileLock(os.path.join(entry_path, cache.LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except LockTimeout:
        return None
    return lock


def scan(root: str) -> "list[Entry]":
    """Every entry under ``root``, most recently used first."""
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    records = _index_records(root)
    entries = []
    for dir_name in names:
        match = re.match(_ENTRY_NAME, dir_name)
        if match is None:
            continue
        try:
            entries.append(_describe(os.path.join(root, dir_name), match, records))
        except FileNotFoundError:
            continue  # removed while we looked
    entries = [e for e in entries if e is not None]
    entries.sort(key=lambda e: e.last_used, reverse=True)
    return entries


def _describe(path: str, match, records) -> "Entry | None":
    """An entry directory as ``cache list`` shows it; None if ``path`` is not a directory."""
    if not stat.S_ISDIR(os.lstat(path).st_mode) or not is_entry(path, match.group(2)):
        return None
    dir_name = os.path.basename(path)
    manifest = cache.read_manifest(path)
    used = [mtime for _, mtime in records.get(dir_name, [])]
    used.append(os.stat(path).st_mtime)
    if manifest is not None:
        used.append(os.stat(os.path.join(path, cache.MANIFEST_FILE)).st_mtime)
        state = "ready"
    elif os.path.isdir(os.path.join(path, cache.FAILED_BUILD_DIR)):
        state = "failed"
    else:
        state = "incomplete"
    if is_locked(path):
        state = "building"
    key = manifest["key"] if manifest is not None else match.group(2)
    return Entry(path, match.group(1), key, tree_size(path), max(used), state)


def remove(entry: Entry) -> bool:
    """Deletes an entry unless another process holds its lock; returns whether it is gone."""
    try:
        lock = _lock(entry.path)
    except FileNotFoundError:
        return True  # someone else removed it first
    if lock is None:
        return False
    remove_holding(entry.path, lock)
    return True


def remove_holding(entry_path: str, lock) -> None:
    """Deletes an entry whose lock this process holds as ``lock``, and releases it."""
    import shutil
    import tempfile

    root = os.path.dirname(entry_path)
    try:
        trash = tempfile.mkdtemp(prefix=_TRASH_PREFIX, dir=root)
        moved = os.path.join(trash, "entry")
        os.replace(entry_path, moved)
        # A process waiting on this lock finds it unlinked once it gets it, and starts over.
        os.unlink(os.path.join(moved, cache.LOCK_FILE))
    finally:
        lock.release()
    shutil.rmtree(trash, ignore_errors=True)
    _remove_records_of(root, os.path.basename(entry_path))


def _remove_records_of(root: str, entry_dir_name: str) -> None:
    for path, _ in _index_records(root).get(entry_dir_name, []):
        try:
            os.unlink(path)
        except OSError:
            pass


def remove_orphans(root: str) -> int:
    """Deletes index records whose entry is gone and trash left by an interrupted removal;
    returns how many bytes that freed."""
    import shutil

    freed = 0
    for entry_dir_name, records in _index_records(root).items():
        if entry_dir_name and os.path.isdir(os.path.join(root, entry_dir_name)):
            continue
        for path, _ in records:
            try:
                freed += os.stat(path).st_size
                os.unlink(path)
            except OSError:
                pass
    for dir_name in os.listdir(root) if os.path.isdir(root) else []:
        path = os.path.join(root, dir_name)
        if dir_name.startswith(_TRASH_PREFIX) and _is_trash(path):
            freed += tree_size(path)
            shutil.rmtree(path, ignore_errors=True)
    return freed


def _is_trash(path: str) -> bool:
    """A directory :func:`remove_holding` made: empty, or holding one moved-aside entry."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return False
        names = os.listdir(path)
    except OSError:
        return False
    if not names:
        return True
    moved = os.path.join(path, "entry")
    if names != ["entry"] or not os.path.isdir(moved):
        return False
    return os.path.exists(os.path.join(moved, cache.ENTRY_MARKER)) or (
        cache.read_manifest(moved) is not None
    )


def select_for_prune(
    entries: "list[Entry]", max_size: "int | None", older_than: "float | None", now: float
) -> "list[Entry]":
    """Entries to remove: those unused for ``older_than`` seconds, then least recently used
    ones until the rest fits in ``max_size`` bytes. ``entries`` are most recent first."""
    chosen = []
    if older_than is not None:
        chosen = [e for e in entries if now - e.last_used > older_than]
    if max_size is not None:
        remaining = sum(e.size for e in entries if e not in chosen)
        for entry in reversed(entries):  # least recently used first
            if remaining <= max_size:
                break
            if entry not in chosen:
                chosen.append(entry)
                remaining -= entry.size
    return chosen


def prune(root: str, max_size=None, older_than=None, dry_run=False):
    """Applies :func:`select_for_prune`; returns (removed, kept_in_use) lists of entries.

    Entries that another process holds are kept, and since they still take space the
    size limit may then not be met."""
    entries = scan(root)
    removed, in_use = [], []
    for entry in select_for_prune(entries, max_size, older_than, time.time()):
        if entry.state == "building" or (not dry_run and not remove(entry)):
            in_use.append(entry)
        else:
            removed.append(entry)
    if not dry_run:
        remove_orphans(root)
    return removed, in_use


def clean(root: str, name: "str | None" = None, dry_run=False):
    """Removes every entry (or every entry of module ``name``), the request index and, when
    cleaning everything, the recorded toolchain probes; returns (removed, kept_in_use)."""
    import shutil

    removed, in_use = [], []
    for entry in scan(root):
        if name is not None and entry.name != name:
            continue
        if entry.state == "building" or (not dry_run and not remove(entry)):
            in_use.append(entry)
        else:
            removed.append(entry)
    if not dry_run:
        if name is None:
            shutil.rmtree(os.path.join(root, cache.TOOLCHAIN_DIR), ignore_errors=True)
        remove_orphans(root)
    return removed, in_use
