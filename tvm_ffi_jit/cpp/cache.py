"""The on-disk cache: keys, entry directories, the per-key lock, manifests and publishing.

An entry ``<cache>/<name>_<key[:16]>/`` holds:

- ``build/``: the last successful ninja build directory (objects, deps log, ``build.log``);
  each build runs in a fresh private ``tmp-build-*`` copy of it and replaces it on success;
- ``failed-build/``: the directory of the last failed build, with its ``build.log``;
- ``<name>.<token>.so``: published libraries, each under a fresh name, so a library that
  another process has loaded is never rewritten in place;
- ``manifest.json``: the current library plus every header the compiler reported, with size
  and mtime, so the warm path can tell (with a few ``stat`` calls) whether it is still valid.

Next to the entries, ``<cache>/toolchain/`` holds what was learned about each compiler and
``<cache>/index/`` the request index (see request_index.py).
"""

import os
import stat
import sys
import time
from contextlib import contextmanager

from .digest import sha256_hex
from .log import logger

KEY_FORMAT = 1  # bump whenever what goes into a key or how a build is laid out changes
_MANIFEST_FORMAT = 1
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
_BUILD = "build"
FAILED_BUILD_DIR = "failed-build"
TOOLCHAIN_DIR = "toolchain"  # under the cache root: what toolchain.py learned about compilers
_TMP_BUILD_PREFIX = "tmp-build-"
BUILD_LOG = "build.log"


def cache_root() -> str:
    """``$TVM_FFI_JIT_CACHE_DIR``, else ``$TVM_FFI_CACHE_DIR`` (apache-tvm-ffi's variable),
    else ``~/.cache/tvm_ffi_jit``."""
    root = (
        os.environ.get("TVM_FFI_JIT_CACHE_DIR")
        or os.environ.get("TVM_FFI_CACHE_DIR")
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
            f"refusing to use {path}: it is owned by uid {st.st_uid}, not by you; point "
            "TVM_FFI_JIT_CACHE_DIR at a directory of your own (or `chown` this one)"
        )
    if st.st_mode & 0o022:
        raise PermissionError(
            f"refusing to use {path}: other users can write to it (mode "
            f"{stat.S_IMODE(st.st_mode):o}); fix with `chmod go-w {path}`"
        )


def compute_key(parts: dict) -> str:
    """sha256 over a canonical JSON rendering of everything that determines the library."""
    import json  # slow path only: warm loads skip importing json

    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return sha256_hex(text.encode())


def entry_dir(root: str, name: str, key: str) -> str:
    return os.path.join(root, f"{name}_{key[:16]}")


def read_manifest(entry: str) -> "dict | None":
    import json

    try:
        with open(os.path.join(entry, MANIFEST_FILE), "rb") as f:
            manifest = json.loads(f.read())
        return manifest if manifest.get("format") == _MANIFEST_FORMAT else None
    except (OSError, ValueError, AttributeError):
        return None


def stamps_match(stamps) -> bool:
    """Whether each ``[path, size, mtime_ns]`` still describes its file."""
    for path, size, mtime_ns in stamps:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            logger.debug("%s changed since it was recorded", path)
            return False
    return True


def lookup(entry: str, key: str, sources: "list[str]", report: bool = True) -> "str | None":
    """The published library if the manifest says it is current, else None. Only ``stat``s."""
    manifest = read_manifest(entry)
    try:
        if manifest is None or manifest["key"] != key or manifest["sources"] != sources:
            return None
        if not stamps_match(manifest["deps"]):
            return None
        artifact = os.path.join(entry, manifest["artifact"])
        # A truncated or rewritten library must never reach dlopen.
        if not stamps_match([[artifact, manifest["artifact_size"], manifest["artifact_mtime_ns"]]]):
            if report and os.path.exists(artifact):
                logger.warning("%s was modified after it was built; rebuilding", artifact)
            return None
        return artifact
    except (KeyError, TypeError, ValueError):
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


def write_manifest(entry: str, key: str, sources: "list[str]", deps, artifact: str) -> None:
    import json

    st = os.stat(artifact)
    manifest = {
        "format": _MANIFEST_FORMAT,
        "key": key,
        "artifact": os.path.basename(artifact),
        "artifact_size": st.st_size,
        "artifact_mtime_ns": st.st_mtime_ns,
        "sources": sources,
        "deps": deps,
        "built_at": time.time(),
    }
    path = os.path.join(entry, MANIFEST_FILE)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    os.replace(tmp, path)


@contextmanager
def locked(entry: str, name: str):
    """Holds the entry's lock (released by the OS if this process dies), creating the entry
    directory if needed."""
    lock = _acquire(entry, name)
    try:
        yield
    finally:
        lock.release()


def _acquire(entry: str, name: str):
    from filelock import FileLock, Timeout

    lock_path = os.path.join(entry, LOCK_FILE)
    for _ in range(100):
        ensure_private_dir(entry)
        lock = FileLock(lock_path)
        try:
            try:
                lock.acquire(timeout=1)
            except Timeout:
                logger.info("waiting for another process that is building %s (%s)", name, entry)
                lock.acquire()
        except FileNotFoundError:
            continue  # `cache clean`/`prune` removed the entry meanwhile: recreate it
        if os.path.exists(lock_path):
            return lock
        lock.release()  # we locked a removed entry's lock file: start over on the new one
    raise RuntimeError(f"cannot lock {lock_path}: the entry keeps disappearing")


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
    if os.path.isdir(previous):
        # copy2 keeps mtimes, which ninja compares against its logs.
        shutil.copytree(previous, build_dir, symlinks=True, dirs_exist_ok=True)
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
    shutil.copyfile(built, tmp)
    os.replace(tmp, final)
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
        if not link:
            raise OSError
        os.link(built, tmp)
    except OSError:
        shutil.copyfile(built, tmp)
    os.replace(tmp, final)
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
        return os.path.join(entry, manifest["artifact"])
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
