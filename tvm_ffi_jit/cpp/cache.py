"""The on-disk cache: keys, entry directories, the per-key lock, manifests and publishing.

An entry ``<cache>/<name>_<key[:16]>/`` holds:

- ``build/``: the last successful ninja build directory (objects, deps log, ``build.log``);
  each build runs in a fresh private ``tmp-build-*`` copy of it and replaces it on success;
- ``failed-build/``: the directory of the last failed build, with its ``build.log``;
- ``failure.json``: that failure's diagnostics, handed to processes that waited for it;
- ``.tvm_ffi_jit-entry``: marks a directory the cache created (``cache clean`` removes no other);
- ``.builder``: the pid and host of the process building the entry right now;
- ``<name>.<token>.so``: published libraries, each under a fresh name, so a library that
  another process has loaded is never rewritten in place;
- ``manifest.json``: the current library plus every header the compiler reported, with size
  and mtime, so the warm path can tell (with a few ``stat`` calls) whether it is still valid;
  the library's own stamp adds what no write can preserve (inode, device, ctime) and its
  content digest.

Next to the entries, ``<cache>/toolchain/`` holds what was learned about each compiler and
``<cache>/index/`` the request index (see request_index.py).
"""

import os
import stat
import sys
import time
from contextlib import contextmanager

from . import environment
from .digest import sha256_hex
from .log import logger

KEY_FORMAT = 3  # bump whenever what goes into a key or how a build is laid out changes
_MANIFEST_FORMAT = 2
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
ENTRY_MARKER = ".tvm_ffi_jit-entry"
FAILURE_FILE = "failure.json"
_BUILDER_FILE = ".builder"
_BUILD = "build"
FAILED_BUILD_DIR = "failed-build"
TOOLCHAIN_DIR = "toolchain"  # under the cache root: what toolchain.py learned about compilers
_TMP_BUILD_PREFIX = "tmp-build-"
BUILD_LOG = "build.log"


def cache_root() -> str:
    """``$TVM_FFI_JIT_CACHE_DIR``, else ``$TVM_FFI_CACHE_DIR`` (apache-tvm-ffi's variable),
    else ``~/.cache/tvm_ffi_jit``."""
    root = (
        environment.get("TVM_FFI_JIT_CACHE_DIR")
        or environment.get("TVM_FFI_CACHE_DIR")
        or os.path.join("~", ".cache", "tvm_ffi_jit")
    )
    return os.path.abspath(os.path.expanduser(root))


def validate_name(name) -> None:
    """A module name becomes a directory and file name: refuse anything that could escape."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    bad = [c for c in name if c in '/\\"' or ord(c) < 32]
    if not name.strip() or bad or ".." in name or name in (".",):
        raise ValueError(
            f"invalid module name {name!r}: it must be non-empty, without path separators, "
            "'..', quotes or control characters"
        )


def ensure_private_dir(path: str) -> None:
    """Creates ``path`` with mode 0700 if missing; refuses one that others could write."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    check_permissions(path, st)


def check_permissions(path: str, st: os.stat_result) -> None:
    # Loading code from a directory that someone else can write lets them run code in this process.
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(f"tvm_ffi_jit cache path {path} is not a directory")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise PermissionError(
            f"refusing to use {path}: it is owned by uid {st.st_uid}, not by you; "
            + _private_dir_advice(path, _is_shared(path, st))
        )
    if st.st_mode & 0o022:
        mode = f"{stat.S_IMODE(st.st_mode):o}"
        if _is_shared(path, st):
            # /tmp, /dev/shm and the like are meant to be shared: never advise changing them.
            raise PermissionError(
                f"refusing to use {path}: it is a shared directory that other users can write "
                f"(mode {mode}); leave its mode alone and " + _private_dir_advice(path, shared=True)
            )
        raise PermissionError(
            f"refusing to use {path}: other users can write to it (mode {mode}); fix with "
            f"`chmod go-w {path}`, or " + _private_dir_advice(path)
        )


# Directories of the system layout: never the cache itself, whatever their owner and mode.
_SYSTEM_DIRS = frozenset(
    ["/", "/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/dev", "/run", "/var", "/usr", "/home"]
    + ["/mnt", "/media", "/srv", "/opt", "/etc", "/root", "/scratch"]
)


def _is_shared(path: str, st: os.stat_result) -> bool:
    """A directory meant to be shared (sticky, or of the system layout): advice differs."""
    return bool(st.st_mode & stat.S_ISVTX) or is_system_dir(path)


def is_system_dir(path: str) -> bool:
    return os.path.normpath(path) in _SYSTEM_DIRS


def _private_dir_advice(path: str, shared: bool = False) -> str:
    """Where to put the cache instead: a directory of this user's own (created mode 0700),
    inside ``path`` when it is a shared directory such as /tmp or /dev/shm."""
    if shared:
        user = os.geteuid() if hasattr(os, "geteuid") else "user"
        example = os.path.join(path, f"tvm_ffi_jit-{user}")
    else:
        example = os.path.join("~", ".cache", "tvm_ffi_jit")
    return (
        "point TVM_FFI_JIT_CACHE_DIR at a private directory of your own (a new one is "
        f"created with mode 0700), e.g. TVM_FFI_JIT_CACHE_DIR={example}"
    )


def compute_key(parts: dict) -> str:
    """sha256 over a canonical JSON rendering of everything that determines the library."""
    import json  # slow path only: warm loads skip importing json

    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return sha256_hex(text.encode())


def entry_dir(root: str, name: str, key: str) -> str:
    return os.path.join(root, f"{name}_{key[:16]}")


def read_manifest(entry: str) -> "dict | None":
    return read_entry_record(entry, MANIFEST_FILE, _MANIFEST_FORMAT)


def read_entry_record(entry: str, file_name: str, record_format) -> "dict | None":
    """The JSON record ``file_name`` of an entry; None when missing, unreadable or of
    another format."""
    import json

    try:
        with open(os.path.join(entry, file_name), "rb") as f:
            record = json.loads(f.read())
        return record if record.get("format") == record_format else None
    except (OSError, ValueError, AttributeError):
        return None


def stamps_match(stamps) -> bool:
    """Whether each ``[path, size, mtime_ns]`` (or :func:`strong_stamp`) still describes its
    file."""
    for recorded in stamps:
        try:
            st = os.stat(recorded[0])
        except OSError:
            return False
        if st.st_size != recorded[1] or st.st_mtime_ns != recorded[2]:
            logger.debug("%s changed since it was recorded", recorded[0])
            return False
        # A write can restore size and mtime (utime) but never the inode's ctime.
        if len(recorded) > 3 and (st.st_ino, st.st_dev, st.st_ctime_ns) != tuple(recorded[3:6]):
            logger.debug("%s was rewritten or relinked since it was recorded", recorded[0])
            return False
    return True


def strong_stamp(path: str) -> list:
    """``[path, size, mtime_ns, inode, device, ctime_ns]``: no rewrite keeps all of them."""
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, st.st_ctime_ns]


def is_plain_name(file_name) -> bool:
    """A file name inside a directory: no separator, not ``.``/``..``, nothing absolute."""
    return (
        isinstance(file_name, str)
        and file_name not in ("", ".", "..")
        and os.path.basename(file_name) == file_name
        and "/" not in file_name
        and "\0" not in file_name
    )


def file_digest(path: str) -> str:
    from .digest import bulk_hex

    with open(path, "rb") as f:
        return bulk_hex(f.read())


def lookup(entry: str, key: str, sources: "list[str]", report: bool = False) -> "str | None":
    """The published library if the manifest says it is current, else None. Only ``stat``s,
    unless the library's inode or ctime changed (copied with ``cp -a``, chmod-ed): then it is
    hashed, and re-stamped if its content is still the one built."""
    manifest = read_manifest(entry)
    try:
        if manifest is None or manifest["key"] != key or manifest["sources"] != sources:
            return None
        if not stamps_match(manifest["deps"]):
            return None
        if not is_plain_name(manifest["artifact"]):
            logger.warning("ignoring %s: its library is not a file of the entry", entry)
            return None
        artifact = os.path.join(entry, manifest["artifact"])
        # A truncated or rewritten library must never reach dlopen.
        recorded = manifest["artifact_stamp"]
        if stamps_match([[artifact, *recorded]]):
            return artifact
        if stamps_match([[artifact, *recorded[:2]]]):  # same size and mtime: look inside
            if file_digest(artifact) == manifest["artifact_digest"]:
                try:
                    write_manifest(entry, key, sources, manifest["deps"], artifact, manifest)
                except OSError:
                    pass  # a read-only cache: hashed again next time
                return artifact
        if report and os.path.exists(artifact):
            logger.warning("%s was modified after it was built; rebuilding", artifact)
        return None
    except (OSError, KeyError, TypeError, ValueError):
        return None


def stamp(paths) -> "list[list]":
    """[path, size, mtime_ns] for each existing path, as the manifest records dependencies.

    Paths that do not exist are skipped: nvcc reports ``#line`` pseudo-files as inputs."""
    stamps = []
    for path in sorted(set(paths)):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        stamps.append([path, st.st_size, st.st_mtime_ns])
    return stamps


def write_atomically(path: str, data: bytes) -> None:
    """Replaces ``path`` by ``data`` at once; the temporary file never outlives a failure
    (a full disk, an interrupt)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_manifest(
    entry: str, key: str, sources: "list[str]", deps, artifact: str, previous=None
) -> None:
    """Records ``artifact`` as the entry's current library; ``previous`` (a manifest of the
    same library) saves hashing it again."""
    import json

    artifact_stamp = strong_stamp(artifact)[1:]
    digest = previous["artifact_digest"] if previous else file_digest(artifact)
    manifest = {
        "format": _MANIFEST_FORMAT,
        "key": key,
        "artifact": os.path.basename(artifact),
        "artifact_stamp": artifact_stamp,
        "artifact_digest": digest,
        "sources": sources,
        "deps": deps,
        "built_at": previous["built_at"] if previous else time.time(),
    }
    text = json.dumps(manifest, indent=1)
    write_atomically(os.path.join(entry, MANIFEST_FILE), text.encode())


def read_failure(entry: str) -> "dict | None":
    """The entry's recorded build failure (:func:`record_failure`), if any."""
    import json

    try:
        with open(os.path.join(entry, FAILURE_FILE), "rb") as f:
            failure = json.loads(f.read())
        return failure if isinstance(failure.get("token"), str) else None
    except (OSError, ValueError, AttributeError):
        return None


def failure_token(entry: str) -> "str | None":
    failure = read_failure(entry)
    return None if failure is None else failure["token"]


def record_failure(entry: str, key: str, error: Exception, tools) -> None:
    """Keeps a failed build's diagnostics, so processes waiting for it get the same error
    instead of compiling again (see DESIGN.md: who honours a recorded failure)."""
    import json

    failure = {
        "token": os.urandom(8).hex(),
        "key": key,
        "class": type(error).__name__,
        "message": str(error),
        "tools": [t.identity for t in tools],
        "pid": os.getpid(),
        "time": time.time(),
    }
    try:
        write_atomically(os.path.join(entry, FAILURE_FILE), json.dumps(failure).encode())
    except OSError:
        pass  # then the waiting processes build it themselves


def clear_failure(entry: str) -> None:
    _unlink_quietly(os.path.join(entry, FAILURE_FILE))


@contextmanager
def locked(entry: str, name: str, key: "str | None" = None):
    """Holds the entry's lock (released by the OS if this process dies), creating the entry
    directory if needed; ``key`` marks it as a cache entry (``cache clean`` removes only
    those). Says once when it waits for another process."""
    lock = _acquire(entry, name, key)
    builder_file = os.path.join(entry, _BUILDER_FILE)
    try:
        try:
            write_atomically(builder_file, f"{os.getpid()} {_host()}".encode())
        except OSError:
            pass  # only names this process to the ones waiting for it
        yield
    finally:
        _unlink_quietly(builder_file)
        lock.release()


def _host() -> str:
    return os.uname().nodename  # socket.gethostname()'s answer, without importing socket


def _holder(entry: str) -> str:
    """``process 1234`` (``on host``, when elsewhere) building the entry, if it said so."""
    try:
        with open(os.path.join(entry, _BUILDER_FILE), encoding="utf-8") as f:
            pid, _, host = f.read().partition(" ")
        int(pid)
    except (OSError, ValueError):
        return "another process"
    return f"process {pid}" + ("" if host == _host() else f" on {host}")


def _acquire(entry: str, name: str, key: "str | None"):
    from .file_lock import FileLock, LockTimeout

    lock_path = os.path.join(entry, LOCK_FILE)
    said_waiting = False
    for _ in range(100):
        try:
            ensure_private_dir(entry)
            if key is not None and not os.path.exists(os.path.join(entry, ENTRY_MARKER)):
                write_atomically(os.path.join(entry, ENTRY_MARKER), f"{name} {key}\n".encode())
            lock = FileLock(lock_path)
        except FileNotFoundError:
            continue  # `cache clean` removed the entry while we created it
        except OSError as err:
            raise_unwritable(err, entry, name)
        try:
            try:
                lock.acquire(timeout=0.5)
            except LockTimeout:
                if not said_waiting:
                    said_waiting = True
                    what = f"module '{name}'" + (f" (key {key[:16]})" if key else "")
                    logger.warning(
                        "tvm_ffi_jit: waiting for %s to finish building %s in %s",
                        _holder(entry),
                        what,
                        entry,
                    )
                lock.acquire()
        except FileNotFoundError:
            continue  # `cache clean`/`prune` removed the entry meanwhile: recreate it
        except OSError as err:
            raise_unwritable(err, entry, name)
        if os.path.exists(lock_path):
            return lock
        lock.release()  # we locked a removed entry's lock file: start over on the new one
    raise RuntimeError(f"cannot lock {lock_path}: the entry keeps disappearing")


def raise_unwritable(err: OSError, path: str, name: str):
    """A build where nothing can be written (read-only or foreign cache): PermissionError
    naming the place and how to build elsewhere; other errors pass unchanged."""
    import errno

    if err.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
        raise err
    raise PermissionError(
        err.errno,
        f"cannot build module '{name}': {path} is not writable ({os.strerror(err.errno)}); "
        "point TVM_FFI_JIT_CACHE_DIR at a writable directory of your own (or pass "
        "build_directory=)",
    ) from None


def new_build_dir(entry: str) -> str:
    """A fresh private build directory seeded with the last successful build (so ninja only
    recompiles what changed). Call with the entry's lock held."""
    import shutil
    import tempfile

    for file_name in os.listdir(entry):
        if file_name.startswith(_TMP_BUILD_PREFIX):
            # Left by a builder that died; nobody else can be using it while we hold the lock.
            logger.info("tvm_ffi_jit: removing the abandoned build directory %s", file_name)
            shutil.rmtree(os.path.join(entry, file_name), ignore_errors=True)
    build_dir = tempfile.mkdtemp(prefix=_TMP_BUILD_PREFIX, dir=entry)
    previous = os.path.join(entry, _BUILD)
    try:
        if os.path.isdir(previous):
            # copy2 keeps mtimes, which ninja compares against its logs.
            shutil.copytree(previous, build_dir, symlinks=True, dirs_exist_ok=True)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    return build_dir


def keep_build_dir(entry: str, build_dir: str, failed: bool) -> str:
    """Moves a finished build directory to ``build/`` (or ``failed-build/``); returns it."""
    import shutil
    import tempfile

    target = os.path.join(entry, FAILED_BUILD_DIR if failed else _BUILD)
    if os.path.isdir(target):
        trash = tempfile.mkdtemp(prefix=_TMP_BUILD_PREFIX, dir=entry)
        os.replace(target, os.path.join(trash, "old"))
        shutil.rmtree(trash, ignore_errors=True)
    os.replace(build_dir, target)
    return target


def publish(entry: str, built: str, name: str) -> str:
    """Copies the freshly linked library into the entry under a new name, atomically."""
    import shutil

    final = os.path.join(entry, f"{name}.{os.urandom(6).hex()}.so")
    tmp = final + ".tmp"
    try:
        shutil.copyfile(built, tmp)
        os.replace(tmp, final)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return final


def publish_as(entry: str, built: str, file_name: str, link: bool = False) -> str:
    """Places ``built`` in the entry as ``file_name`` (``output=``), replacing any previous
    file atomically; ``link`` makes it a hard link to ``built`` where the filesystem allows."""
    import shutil

    final = os.path.join(entry, file_name)
    tmp = final + ".tmp"  # the entry's lock is held: no other writer
    if os.path.lexists(tmp):
        os.unlink(tmp)
    try:
        try:
            if not link:
                raise OSError
            os.link(built, tmp)
        except OSError:
            shutil.copyfile(built, tmp)
        os.replace(tmp, final)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return final


def remove_old_artifacts(entry: str, name: str, keep: "list[str]") -> None:
    """Deletes superseded libraries (unlinking never disturbs a process that has one loaded)."""
    keep_names = {os.path.basename(p) for p in keep if p}
    prefix = name + "."
    for file_name in os.listdir(entry):
        superseded = file_name.startswith(prefix) and file_name.endswith((".so", ".so.tmp"))
        if superseded and file_name not in keep_names:
            try:
                os.unlink(os.path.join(entry, file_name))
            except OSError:
                pass


def current_artifact(entry: str) -> "str | None":
    """The library the manifest points at, whether or not it is still current."""
    manifest = read_manifest(entry)
    try:
        name = manifest["artifact"]
        return os.path.join(entry, name) if is_plain_name(name) else None
    except (KeyError, TypeError):
        return None


_version_memo: "dict[str, str]" = {}


def package_version() -> str:
    """tvm_ffi_jit's version (``__version__`` when the package defines it)."""
    if "package" not in _version_memo:
        version = getattr(sys.modules.get("tvm_ffi_jit"), "__version__", None)
        if version is None:
            try:
                from importlib.metadata import version as distribution_version

                version = distribution_version("tvm_ffi_jit")
            except Exception:
                version = "unknown"
        _version_memo["package"] = str(version)
    return _version_memo["package"]


def abi_version(include_dir: str) -> str:
    """``MAJOR.MINOR.PATCH`` from the TVM_FFI_VERSION_* macros of the shipped c_api.h."""
    if "abi" not in _version_memo:
        with open(os.path.join(include_dir, "tvm", "ffi", "c_api.h"), encoding="utf-8") as f:
            header = f.read()
        numbers = []
        for part in ("MAJOR", "MINOR", "PATCH"):
            macro = f"#define TVM_FFI_VERSION_{part}"
            start = header.find(macro)
            words = header[start + len(macro) : start + len(macro) + 32].split()
            numbers.append(words[0] if start >= 0 and words else "?")
        _version_memo["abi"] = ".".join(numbers)
    return _version_memo["abi"]
