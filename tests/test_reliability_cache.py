"""Hostile inputs to the JIT cache: forged index records, libraries corrupted in place, link
inputs changed behind the key, entries removed mid-load, a full disk, shared or read-only
cache directories, foreign directories in the cache, and many ranks on a broken source."""

import errno
import marshal
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import builder, cache, cache_admin

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))
# Plain C kernels compile in a fraction of a second.
KERNEL = """
#include <tvm/ffi/c_api.h>
int __tvm_ffi_value(void* h, const TVMFFIAny* a, int32_t n, TVMFFIAny* r) {
  r->type_index = kTVMFFIInt; r->v_int64 = VALUE; return 0;
}
"""
# Takes its answer from val(), defined in a library given in extra_ldflags.
LINKED_KERNEL = KERNEL.replace("VALUE", "val()").replace("int __tvm", "int val(void);\nint __tvm")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    return path


def source_file(tmp_path, name: str, value) -> str:
    path = tmp_path / f"{name}_{value}.c"
    path.write_text(KERNEL.replace("VALUE", str(value)))
    return str(path)


def build(tmp_path, name: str, value=1, **options) -> str:
    return cpp.build(name, cpp_files=source_file(tmp_path, name, value), **options)


def the_record(cache_dir) -> str:
    (name,) = [f for f in os.listdir(cache_dir / "index") if f.endswith(".rec")]
    return str(cache_dir / "index" / name)


def rewrite_record(path: str, **changes) -> None:
    with open(path, "rb") as f:
        record = marshal.loads(f.read())
    record.update(changes)
    with open(path, "wb") as f:
        f.write(marshal.dumps(record))


def forbid_subprocesses(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a warm load started a subprocess: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)


# --- 1. request-index records are trusted like entries ------------------------------------


@pytest.fixture
def genuine_and_evil(tmp_path, cache_dir):
    """The victim's library (value 1) and another library of the cache (value 666)."""
    evil = build(tmp_path, "evil", 666)
    shutil.rmtree(cache_dir / "index")
    genuine = build(tmp_path, "victim", 1)
    return genuine, evil


@pytest.mark.parametrize(
    "forge",
    [
        "absolute artifact",
        "artifact with ..",
        "absolute entry",
        "entry with ..",
        "record of another user",
        "world-writable record",
        "group-writable record",
    ],
)
def test_a_forged_index_record_is_ignored_with_a_warning(
    tmp_path, cache_dir, genuine_and_evil, forge, caplog
):
    genuine, evil = genuine_and_evil
    record = the_record(cache_dir)
    evil_entry, evil_file = os.path.basename(os.path.dirname(evil)), os.path.basename(evil)
    changes = {
        "absolute artifact": {"artifact": evil},
        "artifact with ..": {"artifact": f"../{evil_entry}/{evil_file}"},
        "absolute entry": {"entry": os.path.dirname(evil), "artifact": evil_file},
        "entry with ..": {"entry": f"../cache/{evil_entry}", "artifact": evil_file},
    }.get(forge, {"entry": evil_entry, "artifact": evil_file})
    rewrite_record(record, **changes)
    if forge == "record of another user":
        os.chown(record, 4321, 4321)
    elif forge == "world-writable record":
        os.chmod(record, 0o606)
    elif forge == "group-writable record":
        os.chmod(record, 0o660)
    path = cpp.build("victim", cpp_files=source_file(tmp_path, "victim", 1))
    assert path == genuine
    assert tvm_ffi_jit.load_module(path).value() == 1
    assert "ignoring the request index record" in caplog.text
    # The full path rewrote the record: this user's, private, answering the genuine library.
    st = os.stat(record)
    assert st.st_uid == os.geteuid() and not st.st_mode & 0o022
    assert cpp.build("victim", cpp_files=source_file(tmp_path, "victim", 1)) == genuine


@pytest.mark.parametrize("artifact", ["absolute", "parent", "empty"])
def test_a_manifest_naming_a_library_outside_its_entry_is_not_trusted(
    tmp_path, cache_dir, genuine_and_evil, artifact
):
    import json

    genuine, evil = genuine_and_evil
    shutil.rmtree(cache_dir / "index")  # the next load reads the manifest
    manifest_path = os.path.join(os.path.dirname(genuine), "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    evil_relative = os.path.join("..", *evil.split(os.sep)[-2:])
    manifest["artifact"] = {"absolute": evil, "parent": evil_relative, "empty": ""}[artifact]
    manifest["artifact_stamp"] = cache.strong_stamp(evil)[1:]  # a forger would match it
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    path = cpp.build("victim", cpp_files=source_file(tmp_path, "victim", 1))
    assert os.path.dirname(path) == os.path.dirname(genuine) and path != evil
    assert tvm_ffi_jit.load_module(path).value() == 1


def test_a_library_replaced_by_a_symlink_is_not_followed_elsewhere(tmp_path, genuine_and_evil):
    genuine, evil = genuine_and_evil
    os.unlink(genuine)
    os.symlink(evil, genuine)  # the file is identified by device and inode, not by its name
    path = cpp.build("victim", cpp_files=source_file(tmp_path, "victim", 1))
    assert path != genuine and not os.path.islink(path)
    assert tvm_ffi_jit.load_module(path).value() == 1


# --- 2. a library corrupted in place ------------------------------------------------------


def corrupt_in_place(path: str) -> None:
    """Overwrites the library's code, keeping its size and its mtime."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(64)
        f.write(b"\xcc" * (st.st_size - 128))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns


def test_a_library_corrupted_in_place_is_rebuilt_not_loaded(tmp_path):
    source = source_file(tmp_path, "corrupted", 3)
    first = cpp.build("corrupted", cpp_files=source)
    corrupt_in_place(first)
    code = f"""
        import tvm_ffi_jit.cpp as cpp
        mod = cpp.load("corrupted", cpp_files={source!r})
        print(mod.value(), mod.path)
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    value, path = result.stdout.split()
    assert value == "3" and path != first
    assert "was modified after it was built; rebuilding" in result.stderr


def test_a_library_replaced_by_rename_with_the_same_size_and_mtime_is_rebuilt(tmp_path):
    source = source_file(tmp_path, "renamed", 4)
    first = cpp.build("renamed", cpp_files=source)
    st = os.stat(first)
    forged = first + ".forged"
    with open(forged, "wb") as f:
        f.write(b"\0" * st.st_size)
    os.utime(forged, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(forged, first)
    second = cpp.build("renamed", cpp_files=source)
    assert second != first
    assert tvm_ffi_jit.load_module(second).value() == 4


def test_a_chmod_or_hard_link_is_verified_by_content_not_rebuilt(tmp_path, monkeypatch):
    source = source_file(tmp_path, "relinked", 5)
    first = cpp.build("relinked", cpp_files=source)
    os.chmod(first, 0o700)
    os.link(first, str(tmp_path / "elsewhere.so"))  # changes the inode's ctime
    forbid_subprocesses(monkeypatch)
    assert cpp.build("relinked", cpp_files=source) == first
    # Re-stamped: the next load is warm again, without hashing the library.
    monkeypatch.setattr(cache, "file_digest", lambda path: pytest.fail("hashed on a warm load"))
    assert cpp.build("relinked", cpp_files=source) == first


# --- 3. files named in extra_ldflags are part of the key ----------------------------------


def make_archive(directory, value: int, name: str = "libval.a") -> str:
    directory.mkdir(exist_ok=True)
    source = directory / "val.c"
    source.write_text(f"int val(void) {{ return {value}; }}\n")
    obj, archive = directory / "val.o", directory / name
    subprocess.run(["cc", "-fPIC", "-c", str(source), "-o", str(obj)], check=True)
    if archive.exists():
        archive.unlink()
    subprocess.run(["ar", "rcs", str(archive), str(obj)], check=True)
    return str(archive)


def test_a_changed_static_library_in_extra_ldflags_rebuilds_the_module(tmp_path):
    libs = tmp_path / "libs"
    archive = make_archive(libs, 10)
    source = tmp_path / "linked.c"
    source.write_text(LINKED_KERNEL)
    first = cpp.load("linked", cpp_files=str(source), extra_ldflags=[archive])
    assert first.value() == 10
    make_archive(libs, 20)
    second = cpp.load("linked", cpp_files=str(source), extra_ldflags=[archive])
    assert second.value() == 20 and second.path != first.path
    # -L + -l finds the same archive: in the key as well.
    third = cpp.load("linked", cpp_files=str(source), extra_ldflags=[f"-L{libs}", "-lval"])
    assert third.value() == 20
    make_archive(libs, 30)
    fourth = cpp.load("linked", cpp_files=str(source), extra_ldflags=[f"-L{libs}", "-lval"])
    assert fourth.value() == 30


def key_with(tmp_path, ldflags) -> str:
    source = source_file(tmp_path, "keyed", 1)
    return builder.prepare(
        "keyed", inline=False, cpp=source, cuda=None, functions=[], extra_ldflags=ldflags
    ).key


@pytest.mark.parametrize(
    "spelling",
    [
        "{path}",
        "-Wl,--whole-archive,{path},--no-whole-archive",
        "-Xlinker {path}",
        "-L{dir} -l:libval.a",
        "-L {dir} -lval",
        "-Wl,-L,{dir} -Wl,-lval",
        "-Wl,--library-path={dir} -Wl,--library=val",
        "@{rsp}",
        "-Wl,--version-script={map}",
        "{obj}",
    ],
)
def test_every_spelling_of_a_linked_file_puts_its_content_in_the_key(tmp_path, spelling):
    libs = tmp_path / "libs"
    archive = make_archive(libs, 1)
    rsp, version_map = libs / "link.rsp", libs / "exports.map"
    rsp.write_text(archive)
    version_map.write_text("{ global: *; };\n")
    flags = spelling.format(
        path=archive, dir=libs, rsp=rsp, map=version_map, obj=libs / "val.o"
    ).split()
    before = key_with(tmp_path, flags)
    assert key_with(tmp_path, flags) == before
    for path in (archive, rsp, version_map, libs / "val.o"):
        with open(path, "ab") as f:
            f.write(b"\n")
    assert key_with(tmp_path, flags) != before, spelling


def test_a_shared_library_found_by_dash_l_stays_out_of_the_key(tmp_path):
    libs = tmp_path / "libs"
    make_archive(libs, 1)
    (libs / "libval.so").write_bytes(b"v1")
    before = key_with(tmp_path, [f"-L{libs}", "-lval"])
    (libs / "libval.so").write_bytes(b"v22")  # loaded at run time: no rebuild needed
    assert key_with(tmp_path, [f"-L{libs}", "-lval"]) == before


def test_link_flag_parsing_survives_random_flags(tmp_path):
    import random

    from tvm_ffi_jit.cpp import link_inputs

    libs = tmp_path / "libs"
    archive = make_archive(libs, 1)
    pieces = ["-L", "-l", "-l:", "-Wl,", ",", "=", "@", "-Xlinker", "--library=", str(libs)]
    pieces += [archive, "libval.a", "val", ":libval.a", "", "\0", "..", "/", "-", " ", "é"]
    rng = random.Random(9)
    for _ in range(3000):
        flags = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(4)]
        found = link_inputs.named_files(flags)
        assert all(os.path.isabs(p) and os.path.isfile(p) for p in found), flags


# --- 4. an entry removed between the lookup and dlopen ------------------------------------


def test_a_clean_between_the_manifest_check_and_the_load_rebuilds(tmp_path, cache_dir, monkeypatch):
    source = source_file(tmp_path, "cleaned", 6)
    cpp.build("cleaned", cpp_files=source)
    shutil.rmtree(cache_dir / "index")  # the next load goes through the manifest
    real_lookup = cache.lookup
    calls = []

    def lookup_then_clean(*args, **kwargs):
        found = real_lookup(*args, **kwargs)
        if not calls:
            cache_admin.clean(str(cache_dir))
        calls.append(found)
        return found

    monkeypatch.setattr(cache, "lookup", lookup_then_clean)
    mod = cpp.load("cleaned", cpp_files=source)
    assert mod.value() == 6 and calls[0] is not None and calls[0] != mod.path


def test_a_library_vanishing_before_every_load_raises_after_one_retry(tmp_path, monkeypatch):
    from tvm_ffi_jit import registry

    source = source_file(tmp_path, "vanishing", 7)
    cpp.build("vanishing", cpp_files=source)
    real_load_module = registry.load_module
    calls = []

    def clean_then_load(path, **options):
        calls.append(path)
        cache_admin.clean(os.environ["TVM_FFI_JIT_CACHE_DIR"])
        return real_load_module(path, **options)

    monkeypatch.setattr(registry, "load_module", clean_then_load)
    with pytest.raises(FileNotFoundError, match="no such shared library"):
        cpp.load("vanishing", cpp_files=source)
    assert len(calls) == 2


# --- 5. a full disk leaves no temporary file ----------------------------------------------


class _FullDiskFile:
    def __init__(self, real):
        self._real = real

    def write(self, data):
        self._real.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()


def fill_disk_for(monkeypatch, matches) -> None:
    """Writes to temporary files whose path ``matches`` fail half-way with ENOSPC."""
    import builtins

    real_open, real_copyfile = builtins.open, shutil.copyfile

    def full_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if isinstance(file, str) and ("w" in mode or "a" in mode) and matches(file):
            return _FullDiskFile(f)
        return f

    def full_copyfile(src, dst, **kwargs):
        if matches(str(dst)):
            with real_open(dst, "wb") as f:
                f.write(b"partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_copyfile(src, dst, **kwargs)

    monkeypatch.setattr(builtins, "open", full_open)
    monkeypatch.setattr(shutil, "copyfile", full_copyfile)


def leftovers(cache_dir) -> "list[str]":
    found = []
    for directory, dirs, files in os.walk(cache_dir):
        found += [os.path.join(directory, f) for f in files + dirs if ".tmp" in f]
        found += [os.path.join(directory, d) for d in dirs if d.startswith("tmp-build-")]
    return found


@pytest.mark.parametrize(
    "full", ["every temporary file", "library copy", "manifest", "index record"]
)
def test_a_full_disk_leaves_no_temporary_file(tmp_path, cache_dir, monkeypatch, full):
    source = source_file(tmp_path, "full", 8)
    matches = {
        "every temporary file": lambda p: p.endswith(".tmp"),
        "library copy": lambda p: p.endswith(".so.tmp"),
        "manifest": lambda p: os.path.basename(p).startswith("manifest.json."),
        "index record": lambda p: f"{os.sep}index{os.sep}" in p and p.endswith(".tmp"),
    }[full]
    with monkeypatch.context() as patch:
        fill_disk_for(patch, matches)
        if full == "index record":
            cpp.build("full", cpp_files=source)  # the index is an optimization only
        else:
            with pytest.raises(OSError) as info:
                cpp.build("full", cpp_files=source)
            assert info.value.errno == errno.ENOSPC
        assert leftovers(cache_dir) == []
    assert tvm_ffi_jit.load_module(cpp.build("full", cpp_files=source)).value() == 8
    assert leftovers(cache_dir) == []


# --- 6. advice for a cache in a shared or foreign directory -------------------------------


@pytest.mark.parametrize("where", ["/tmp", "/dev/shm", "sticky", "foreign", "/"])
def test_a_shared_directory_is_never_advised_to_change(tmp_path, monkeypatch, where):
    if where == "sticky":
        path = tmp_path / "shared"
        path.mkdir()
        os.chmod(path, 0o1777)
    elif where == "foreign":
        path = tmp_path / "theirs"
        path.mkdir()
        os.chown(path, 4321, 4321)
    else:
        path = where
    if not os.path.isdir(path):
        pytest.skip(f"no {path} here")
    st = os.stat(path)
    if st.st_uid == os.geteuid() and not st.st_mode & 0o022:
        pytest.skip(f"{path} is private here")
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    with pytest.raises(PermissionError) as info:
        build(tmp_path, "shared_place")
    message = str(info.value)
    assert "chmod" not in message and "chown" not in message
    assert "TVM_FFI_JIT_CACHE_DIR=" in message and "private directory of your own" in message
    if where != "foreign":
        assert f"TVM_FFI_JIT_CACHE_DIR={os.path.join(path, 'tvm_ffi_jit-')}" in message


def test_a_directory_of_ones_own_gets_the_chmod_advice(tmp_path, monkeypatch):
    path = tmp_path / "mine"
    path.mkdir()
    os.chmod(path, 0o777)
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    with pytest.raises(PermissionError, match=f"chmod go-w {path}"):
        build(tmp_path, "own_place")


# --- 7. read-only caches and directories the cache did not create -------------------------


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit", *args],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_only(cache_dir, code: str) -> subprocess.CompletedProcess:
    """Runs ``code`` with the cache bind-mounted read-only in a private mount namespace."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    script = f"mount --bind {cache_dir} {cache_dir} && mount -o remount,bind,ro {cache_dir} && "
    script += f"{sys.executable} -c {shlex_quote(textwrap.dedent(code))}"
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "mount:" in result.stderr or "unshare:" in result.stderr:
        pytest.skip(f"cannot mount read-only here: {result.stderr.strip()}")
    return result


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def test_list_and_warm_loads_work_on_a_read_only_cache(tmp_path, cache_dir):
    source = source_file(tmp_path, "frozen", 9)
    library = cpp.build("frozen", cpp_files=source)
    os.unlink(os.path.join(os.path.dirname(library), ".lock"))  # listing must not create it
    result = read_only(
        cache_dir,
        f"""
        import sys
        from tvm_ffi_jit.__main__ import main
        from tvm_ffi_jit import cpp
        assert main(["cache", "list"]) == 0
        print(cpp.load("frozen", cpp_files={source!r}).value())
        assert main(["cache", "clean", "--dry-run"]) == 0
        try:
            cpp.build("thawed", cpp_files={source!r})
        except PermissionError as err:
            print("PermissionError:", err)
        """,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("frozen ") and lines[1].split()[-1] == "ready"
    assert lines[3] == "9"
    assert lines[4].startswith("would remove frozen ") and lines[5].startswith("would remove 1 ")
    assert lines[6].startswith("PermissionError: ")
    assert str(cache_dir) in lines[6] and "TVM_FFI_JIT_CACHE_DIR" in lines[6]
    assert "Read-only file system" in lines[6]


def test_list_creates_no_lock_file(tmp_path, cache_dir):
    entry = os.path.dirname(build(tmp_path, "unlocked"))
    os.unlink(os.path.join(entry, ".lock"))
    listing = run_cli("cache", "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[1].split()[0] == "unlocked"
    assert not os.path.exists(os.path.join(entry, ".lock"))


def test_a_build_in_an_unwritable_place_is_a_permission_error_naming_it(tmp_path, monkeypatch):
    parent = tmp_path / "readonly"
    parent.mkdir()
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(parent / "cache"))
    real_makedirs = os.makedirs

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(parent)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_makedirs(path, *args, **kwargs)

    monkeypatch.setattr(os, "makedirs", refuse)
    with pytest.raises(PermissionError, match="TVM_FFI_JIT_CACHE_DIR") as info:
        build(tmp_path, "nowhere")
    assert str(parent / "cache") in str(info.value)


def test_clean_touches_only_what_the_cache_created(tmp_path, cache_dir):
    ours = os.path.dirname(build(tmp_path, "ours"))
    photos = cache_dir / "photos_0123456789abcdef"
    photos.mkdir()
    (photos / "holiday.jpg").write_bytes(b"jpeg")
    with_lock = cache_dir / "notes_fedcba9876543210"  # a lock file alone proves nothing
    with_lock.mkdir()
    (with_lock / ".lock").write_text("")
    (with_lock / "notes.txt").write_text("mine")
    trash_like = cache_dir / ".trash-mine"
    trash_like.mkdir()
    (trash_like / "keep.txt").write_text("mine")
    note = cache_dir / "index" / "README.txt"
    note.write_text("mine")

    listing = run_cli("cache", "list")
    assert listing.returncode == 0, listing.stderr
    assert "photos" not in listing.stdout and "notes" not in listing.stdout
    dry = run_cli("cache", "clean", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove ours" in dry.stdout and "photos" not in dry.stdout
    assert "would remove 1 entry" in dry.stdout
    out = run_cli("cache", "clean")
    assert out.returncode == 0, out.stderr
    assert not os.path.exists(ours)
    assert (photos / "holiday.jpg").read_bytes() == b"jpeg"
    assert (with_lock / "notes.txt").read_text() == "mine"
    assert (trash_like / "keep.txt").read_text() == "mine"
    assert note.read_text() == "mine"
    assert run_cli("cache", "prune", "--max-size", "0").returncode == 0
    assert photos.is_dir() and with_lock.is_dir() and trash_like.is_dir()


def test_entries_from_before_the_marker_are_still_recognized(tmp_path, cache_dir):
    entry = os.path.dirname(build(tmp_path, "legacy"))
    os.unlink(os.path.join(entry, cache.ENTRY_MARKER))
    (only,) = cache_admin.scan(str(cache_dir))
    assert only.path == entry and only.state == "ready"


# --- 8. many ranks and a broken source ----------------------------------------------------


def counting_compiler(tmp_path, log, delay: float) -> str:
    """A CC that logs each compile and takes ``delay`` seconds before the real one runs."""
    path = tmp_path / "counting-cc"
    path.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" -c "*) echo "$$ $*" >> "{log}"; sleep {delay};; esac\n'
        'exec cc "$@"\n'
    )
    os.chmod(path, 0o755)
    return str(path)


RANK = """
import os, sys, time
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.error import BuildError
open(os.path.join({ready!r}, str(os.getpid())), "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.001)
try:
    cpp.load("broken", cpp_files={source!r})
except BuildError as err:
    print(type(err).__name__, time.time())
    print(err)
"""


def test_ranks_on_a_broken_source_compile_once_and_share_the_error(tmp_path):
    log, ready, go = tmp_path / "compiles.log", tmp_path / "ready", tmp_path / "go"
    ready.mkdir()
    source = tmp_path / "broken.c"
    source.write_text("int __tvm_ffi_broken(void) { return missing_symbol + ; }\n")
    delay = 1.5
    env = dict(os.environ, CC=counting_compiler(tmp_path, log, delay), PYTHONPATH=PACKAGE_PARENT)
    script = RANK.format(ready=str(ready), go=str(go), source=str(source))
    ranks = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(os.listdir(ready)) < len(ranks):
            assert all(r.poll() is None for r in ranks), "a rank died before the start"
            assert time.monotonic() < deadline, "the ranks never became ready"
            time.sleep(0.01)
        start = time.time()
        go.touch()
        results = [r.communicate(timeout=300) for r in ranks]
    finally:
        for r in ranks:
            if r.poll() is None:
                r.kill()
    compiles = log.read_text().splitlines()
    assert len(compiles) == 1, compiles
    messages, finished = set(), []
    for rank, (out, err) in zip(ranks, results):
        assert rank.returncode == 0, err
        first, _, message = out.partition("\n")
        kind, when = first.split()
        assert kind == "BuildError"
        finished.append(float(when))
        messages.add(message)
    assert len(messages) == 1
    (message,) = messages
    assert "building module 'broken' failed" in message and "missing_symbol" in message
    # One compile, not eight in turn.
    assert max(finished) - start < delay + 6, finished
    # The waiting ranks said so, once each, naming the rank that built.
    builder_pids = {str(r.pid) for r, (_, err) in zip(ranks, results) if "waiting" not in err}
    assert len(builder_pids) == 1
    (builder_pid,) = builder_pids
    for rank, (_, err) in zip(ranks, results):
        if str(rank.pid) != builder_pid:
            assert err.count("waiting for") == 1, err
            assert f"waiting for process {builder_pid} to finish building module 'broken'" in err


def test_a_recorded_failure_is_retried_by_a_later_request(tmp_path, cache_dir, monkeypatch):
    log = tmp_path / "compiles.log"
    monkeypatch.setenv("CC", counting_compiler(tmp_path, log, 0))
    header = tmp_path / "value.h"
    header.write_text("#define VALUE (\n")  # a transient break outside the key
    source = tmp_path / "retried.c"
    source.write_text('#include "value.h"\n' + KERNEL)
    flags = [f"-I{tmp_path}"]
    with pytest.raises(tvm_ffi_jit.error.BuildError) as first:
        cpp.build("retried", cpp_files=str(source), extra_cflags=flags)
    entry = [d for d in os.listdir(cache_dir) if d.startswith("retried_")][0]
    failure = cache.read_failure(str(cache_dir / entry))
    assert failure["message"] == str(first.value) and failure["pid"] == os.getpid()
    header.write_text("#define VALUE 11\n")
    library = cpp.build("retried", cpp_files=str(source), extra_cflags=flags)
    assert tvm_ffi_jit.load_module(library).value() == 11
    assert len(log.read_text().splitlines()) == 2
    assert cache.read_failure(str(cache_dir / entry)) is None  # a success clears it


def test_a_waiter_gets_the_failure_recorded_while_it_waited(tmp_path, cache_dir, monkeypatch):
    source = tmp_path / "waited.c"
    source.write_text("int broken( {\n")
    job = builder.prepare("waited", inline=False, cpp=str(source), cuda=None, functions=[])
    real_locked = cache.locked

    def another_process_fails_meanwhile(entry, name, key=None):
        error = tvm_ffi_jit.error.BuildError("building module 'waited' failed: recorded")
        os.makedirs(entry, exist_ok=True)
        cache.record_failure(entry, job.key, error, job.plan.tools)
        return real_locked(entry, name, key)

    monkeypatch.setattr(cache, "locked", another_process_fails_meanwhile)
    monkeypatch.setattr(builder, "_build_locked", lambda *a: pytest.fail("compiled again"))
    with pytest.raises(tvm_ffi_jit.error.BuildError, match="failed: recorded"):
        cpp.build("waited", cpp_files=str(source))


def test_a_compiler_probe_record_others_can_write_is_not_trusted(tmp_path):
    from tvm_ffi_jit.cpp import toolchain

    probe_dir = str(tmp_path / "toolchain")
    command = toolchain.locate("cxx")
    toolchain._identify("cxx", command, probe_dir)
    (record_path,) = [os.path.join(probe_dir, f) for f in os.listdir(probe_dir)]
    assert toolchain._read_record(record_path, command) is not None
    # Another user could then choose the compiler identity that goes into cache keys.
    os.chmod(record_path, 0o666)
    assert toolchain._read_record(record_path, command) is None
