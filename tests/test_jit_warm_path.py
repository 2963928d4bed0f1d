"""The shape of a warm load in a fresh process: what it imports, raises, reads and stats.

Each rule keeps out a cost that once made the warm load several times slower (benchmarks'
"warm `load_inline`, fresh process" row): a lazy import of a cold-path module, an exception
per unset environment variable, the library read byte by byte, a walk over the headers.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit import libinfo

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
int64_t add_one(int64_t x) { return x + 1; }
"""
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))

# Runs one warm load in a fresh process and prints what it did, as JSON.
PROBE = textwrap.dedent(
    """
    import builtins, json, os, sys
    import tvm_ffi_jit.cpp as cpp

    SOURCE = {source!r}
    calls = {{"stat": [], "access": [], "open": [], "listdir": 0}}

    def counting(kind, function):
        def wrapper(path, *args, **kwargs):
            calls[kind].append(os.fspath(path) if isinstance(path, (str, os.PathLike)) else path)
            return function(path, *args, **kwargs)
        return wrapper

    def listing(function):
        def wrapper(*args, **kwargs):
            calls["listdir"] += 1
            return function(*args, **kwargs)
        return wrapper

    def read_syscalls(fd=os.open("/proc/self/io", os.O_RDONLY)):
        text = os.pread(fd, 4096, 0).decode()
        return int(text.split("syscr:")[1].split()[0])

    exceptions = []

    def trace(frame, event, arg):
        if event == "exception":
            exceptions.append(f"{{arg[0].__name__}} in {{frame.f_code.co_name}}")
        return trace

    before = set(sys.modules)
    read_syscalls()
    idle = -read_syscalls() + read_syscalls()  # what one reading of the counter adds
    reads_before = read_syscalls()
    os.stat = counting("stat", os.stat)
    os.lstat = counting("stat", os.lstat)
    os.access = counting("access", os.access)
    os.open = counting("open", os.open)
    builtins.open = counting("open", builtins.open)
    os.listdir = listing(os.listdir)
    os.scandir = listing(os.scandir)
    sys.settrace(trace)
    module = cpp.load_inline("warm_shape", cpp_sources=SOURCE, functions=["add_one"])
    sys.settrace(None)
    reads = read_syscalls() - reads_before - idle
    assert module.add_one(1) == 2
    print(json.dumps({{
        "imported": sorted(set(sys.modules) - before),
        "exceptions": exceptions,
        "read_syscalls": reads,
        **calls,
    }}))
    """
)


@pytest.fixture(scope="module")
def warm_load(tmp_path_factory):
    """What a warm load of a cached one-function module did in a fresh process."""
    cache_dir = tmp_path_factory.mktemp("warm_cache")
    env = dict(os.environ, TVM_FFI_JIT_CACHE_DIR=str(cache_dir), PYTHONPATH=PACKAGE_PARENT)
    env.pop("TVM_FFI_JIT_VERBOSE", None)
    script = PROBE.format(source=SOURCE)
    runs = []
    for _ in range(2):  # the first builds and fills the cache, the second is the warm load
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
        assert out.returncode == 0, out.stderr.decode()
        runs.append(json.loads(out.stdout.decode().strip().splitlines()[-1]))
    return {"cache_dir": str(cache_dir), **runs[1]}


def test_a_warm_load_imports_no_module(warm_load):
    # Everything the warm path uses comes with `import tvm_ffi_jit.cpp`; the cold path's
    # modules (json, filelock, subprocess, ninja, the remote cache, signatures) stay unloaded.
    assert warm_load["imported"] == []


def test_a_warm_load_raises_no_exception(warm_load):
    # A raised-and-caught exception (os.environ.get of an unset variable is one) costs as
    # much as a stat call; a warm load asks for about ten unset variables.
    assert warm_load["exceptions"] == []


def test_a_warm_load_opens_only_its_index_record_and_lists_no_directory(warm_load):
    index_dir = os.path.join(warm_load["cache_dir"], "index")
    (opened,) = warm_load["open"]
    assert os.path.dirname(opened) == index_dir and opened.endswith(".rec")
    assert warm_load["listdir"] == 0


def test_a_warm_load_makes_three_read_calls(warm_load):
    # The index record, the library's ELF headers (read in one call, not byte-wise through a
    # stream) and the loader's own read of the library.
    if not os.path.exists("/proc/self/io"):
        pytest.skip("/proc/self/io is not available")
    assert warm_load["read_syscalls"] <= 3


def test_a_warm_load_stats_installed_headers_not_at_all(warm_load):
    stats = warm_load["stat"]
    installed = libinfo.installed_include_dirs()
    headers = [p for p in stats if p.endswith(".h")]
    if installed:
        # One stat of the runtime library stands for the headers installed with it.
        assert headers == []
    else:
        # A source checkout: each header the module read, once (they may be edited).
        assert len(headers) == len(set(headers))
    others = [p for p in stats if not p.endswith(".h")]
    # The cache root, the entry, the library, the runtime library, the compiler (two).
    assert len(others) <= 6, others
