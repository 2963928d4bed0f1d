"""``python -m tvm_ffi_jit cache list|clean|prune`` and the cache_admin operations under it."""

import argparse
import os
import subprocess
import sys
import textwrap
import time

import pytest
from test_file_lock import lock_holder

import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import cache_admin, cache_cli

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))
# A plain C kernel: it compiles in a fraction of a second, which keeps these tests quick.
KERNEL = """
#include <tvm/ffi/c_api.h>
int __tvm_ffi_value(void* h, const TVMFFIAny* a, int32_t n, TVMFFIAny* r) {
  r->type_index = kTVMFFIInt; r->v_int64 = VALUE; return 0;
}
"""
DAY = 86400


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    return path


def build(tmp_path, name: str, value: int = 1) -> str:
    """Builds a one-function module; returns its entry directory."""
    source = tmp_path / f"{name}_{value}.c"
    source.write_text(KERNEL.replace("VALUE", str(value)))
    return os.path.dirname(cpp.build(name, cpp_files=str(source)))


def age(entry: str, cache_dir, seconds: float) -> None:
    """Makes an entry look last used ``seconds`` ago (entry, manifest and index records)."""
    when = time.time() - seconds
    paths = [entry, os.path.join(entry, "manifest.json")]
    index = cache_dir / "index"
    paths += [
        str(index / f)
        for f in os.listdir(index)
        if cache_admin.request_index.entry_of(str(index / f)) == os.path.basename(entry)
    ]
    for path in paths:
        os.utime(path, (when, when))


def run_cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit", *args],
        env=dict(env or os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "text, size",
    [("123", 123), ("1K", 1024), ("500M", 500 << 20), ("2G", 2 << 30), ("1.5g", 3 << 29)]
    + [("10MB", 10 << 20), ("3GiB", 3 << 30), ("1T", 1 << 40)],
)
def test_parse_size(text, size):
    assert cache_cli.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "-1G", "5X", "1.2.3M", "2 gigabytes"])
def test_bad_sizes_say_what_is_accepted(text):
    with pytest.raises(argparse.ArgumentTypeError, match=r"invalid size .*e\.g\. 500M or 2G"):
        cache_cli.parse_size(text)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("30s", 30),
        ("5m", 300),
        ("12h", 43200),
        ("7d", 7 * DAY),
        ("2w", 14 * DAY),
        ("1.5d", 1.5 * DAY),
    ],
)
def test_parse_age(text, seconds):
    assert cache_cli.parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "7", "d", "-1d", "7y", "1d12h"])
def test_bad_ages_say_what_is_accepted(text):
    with pytest.raises(argparse.ArgumentTypeError, match=r"invalid age .*e\.g\. 12h or 7d"):
        cache_cli.parse_age(text)


def test_format_size():
    assert [cache_cli.format_size(n) for n in (0, 999, 1536, 5 << 20, 3 << 30)] == [
        "0B",
        "999B",
        "1.5K",
        "5.0M",
        "3.0G",
    ]


def test_list_shows_name_key_size_and_last_used(tmp_path, cache_dir):
    old = build(tmp_path, "old_module")
    new = build(tmp_path, "new_module")
    age(old, cache_dir, 3 * DAY)
    out = run_cli("cache", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KEY", "SIZE", "LAST", "USED", "STATE"]
    rows = [line.split() for line in lines[1:3]]
    # Most recently used first.
    assert [r[0] for r in rows] == ["new_module", "old_module"]
    for row, entry in zip(rows, [new, old]):
        assert os.path.basename(entry) == f"{row[0]}_{row[1]}"
        assert row[2] == cache_cli.format_size(cache_admin.tree_size(entry))
        assert row[5] == "ready"
    old_used = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.stat(old).st_mtime))
    assert " ".join(rows[1][3:5]) == old_used
    total = cache_admin.tree_size(old) + cache_admin.tree_size(new)
    assert lines[3] == f"2 entries, {cache_cli.format_size(total)} in {cache_dir}"


def test_list_of_an_empty_cache(cache_dir):
    out = run_cli("cache", "list")
    assert out.returncode == 0 and out.stdout.strip() == f"the cache is empty ({cache_dir})"


def test_a_warm_load_marks_the_entry_used(tmp_path, cache_dir):
    entry = build(tmp_path, "touched")
    age(entry, cache_dir, 3 * DAY)
    (listed,) = cache_admin.scan(str(cache_dir))
    assert time.time() - listed.last_used > 2 * DAY
    build(tmp_path, "touched")  # warm: answered by the request index
    (listed,) = cache_admin.scan(str(cache_dir))
    assert time.time() - listed.last_used < 60


def test_clean_name_removes_only_that_modules_entries(tmp_path, cache_dir):
    first = build(tmp_path, "doomed", value=1)
    second = build(tmp_path, "doomed", value=2)
    kept = build(tmp_path, "doomed_not")  # a name that merely starts the same way
    out = run_cli("cache", "clean", "doomed")
    assert out.returncode == 0, out.stderr
    assert not os.path.exists(first) and not os.path.exists(second)
    assert os.path.isdir(kept)
    assert out.stdout.count("removed doomed ") == 2
    assert out.stdout.splitlines()[-1].startswith("removed 2 entries")
    assert [e.name for e in cache_admin.scan(str(cache_dir))] == ["doomed_not"]
    # Their request-index records went with them; the other module's stayed.
    records = os.listdir(cache_dir / "index")
    assert len(records) == 1 and records[0].startswith("doomed_not.")


def test_clean_removes_everything(tmp_path, cache_dir):
    build(tmp_path, "one")
    build(tmp_path, "two")
    out = run_cli("cache", "clean")
    assert out.returncode == 0, out.stderr
    assert cache_admin.scan(str(cache_dir)) == []
    assert os.listdir(cache_dir / "index") == []
    assert not (cache_dir / "toolchain").exists()
    # ...and the next build just works.
    assert os.path.isdir(build(tmp_path, "one"))


def test_clean_dry_run_removes_nothing(tmp_path, cache_dir):
    entry = build(tmp_path, "spared")
    out = run_cli("cache", "clean", "--dry-run")
    assert out.returncode == 0 and "would remove spared" in out.stdout
    assert os.path.isdir(entry)


def test_prune_older_than(tmp_path, cache_dir):
    stale = build(tmp_path, "stale")
    recent = build(tmp_path, "recent")
    age(stale, cache_dir, 10 * DAY)
    age(recent, cache_dir, 2 * DAY)
    out = run_cli("cache", "prune", "--older-than", "7d")
    assert out.returncode == 0, out.stderr
    assert not os.path.exists(stale) and os.path.isdir(recent)
    assert "removed stale" in out.stdout and "recent" not in out.stdout


def test_prune_max_size_removes_least_recently_used_first(tmp_path, cache_dir):
    entries = [build(tmp_path, f"sized{i}") for i in range(3)]
    for i, entry in enumerate(entries):
        age(entry, cache_dir, (3 - i) * 3600)  # sized0 is the least recently used
    sizes = [cache_admin.tree_size(e) for e in entries]
    limit = sizes[1] + sizes[2] + 100  # room for the two most recent only
    out = run_cli("cache", "prune", "--max-size", str(limit))
    assert out.returncode == 0, out.stderr
    assert [os.path.isdir(e) for e in entries] == [False, True, True]
    assert sum(e.size for e in cache_admin.scan(str(cache_dir))) <= limit


def test_prune_needs_a_limit_and_rejects_bad_values():
    out = run_cli("cache", "prune")
    assert out.returncode == 2 and "--max-size SIZE and/or --older-than AGE" in out.stderr
    out = run_cli("cache", "prune", "--max-size", "lots")
    assert out.returncode == 2 and "invalid size 'lots'" in out.stderr
    out = run_cli("cache", "prune", "--older-than", "old")
    assert out.returncode == 2 and "invalid age 'old'" in out.stderr
    out = run_cli("cache", "shrink")
    assert out.returncode == 2 and "invalid choice: 'shrink'" in out.stderr


def test_prune_refuses_a_cache_others_can_write(tmp_path, cache_dir):
    build(tmp_path, "shared")
    os.chmod(cache_dir, 0o777)
    try:
        out = run_cli("cache", "prune", "--max-size", "0")
    finally:
        os.chmod(cache_dir, 0o700)
    assert out.returncode == 1 and "chmod go-w" in out.stderr
    assert len(cache_admin.scan(str(cache_dir))) == 1


def hold_lock(entry: str) -> subprocess.Popen:
    """A process that holds the entry's lock (as a build would) until its stdin closes."""
    return lock_holder(os.path.join(entry, ".lock"))


def test_prune_never_removes_an_entry_another_process_holds(tmp_path, cache_dir):
    held = build(tmp_path, "held")
    free = build(tmp_path, "free")
    holder = hold_lock(held)
    try:
        listing = run_cli("cache", "list")
        row = next(line.split() for line in listing.stdout.splitlines() if line.startswith("held"))
        assert row[-1] == "building"
        out = run_cli("cache", "prune", "--max-size", "0")
        assert out.returncode == 0, out.stderr
        assert os.path.isdir(held) and not os.path.exists(free)
        assert f"kept held {os.path.basename(held)[-16:]}: another process" in out.stdout
        out = run_cli("cache", "clean", "held")
        assert os.path.isdir(held) and "kept held" in out.stdout
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    out = run_cli("cache", "prune", "--max-size", "0")
    assert not os.path.exists(held) and "removed held" in out.stdout


def test_a_build_waiting_on_a_removed_entry_starts_over(tmp_path, cache_dir):
    source = tmp_path / "raced.c"
    source.write_text(KERNEL.replace("VALUE", "7"))
    library = cpp.build("raced", cpp_files=str(source))
    entry = os.path.dirname(library)
    os.utime(library, ns=(0, 0))  # looks rewritten since it was built: the next load builds
    lock = cache_admin._lock(entry)
    script = textwrap.dedent(
        f"""
        import logging, sys
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
        import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
        mod = cpp.load("raced", cpp_files={str(source)!r})
        print(mod.value(), mod.path)
        """
    )
    builder = subprocess.Popen(
        [sys.executable, "-c", script],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in builder.stderr:  # wait until it is blocked on the lock we hold
            if "waiting for another process" in line:
                break
        else:
            pytest.fail("the builder never waited for the lock")
        cache_admin.remove_holding(entry, lock)
        out, err = builder.communicate(timeout=120)
    finally:
        if builder.poll() is None:
            builder.kill()
    assert builder.returncode == 0, err
    value, path = out.split()
    assert value == "7"
    assert os.path.dirname(path) == entry and os.path.isfile(path)  # rebuilt in a fresh entry


def test_load_builds_again_if_the_library_vanishes_before_loading(tmp_path, monkeypatch):
    from tvm_ffi_jit import registry

    source = tmp_path / "vanishing.c"
    source.write_text(KERNEL.replace("VALUE", "5"))
    cpp.build("vanishing", cpp_files=str(source))
    real_load_module = registry.load_module
    calls = []

    def prune_then_load(path):
        if not calls:  # a prune lands between the lookup and the load
            (entry,) = cache_admin.scan(os.environ["TVM_FFI_JIT_CACHE_DIR"])
            assert cache_admin.remove(entry)
        calls.append(path)
        return real_load_module(path)

    monkeypatch.setattr(registry, "load_module", prune_then_load)
    mod = cpp.load("vanishing", cpp_files=str(source))
    assert mod.value() == 5
    assert len(calls) == 2 and calls[0] != calls[1]
