"""The JIT cache: keys, warm loads without subprocesses, rebuilds, processes, crashes."""

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import builder
from tvm_ffi_jit.cpp import ninja as ninja_build

ADD_ONE = r"""
#include <tvm/ffi/tvm_ffi.h>

int add_one(int x) { return x + 1; }
"""
# Where this tvm_ffi_jit was imported from, for the child processes some tests start.
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    return path


def inline_key(cpp_sources=ADD_ONE, functions=("add_one",), name="keyed", **options):
    job = builder.prepare(
        name, inline=True, cpp=cpp_sources, cuda=None, functions=list(functions), **options
    )
    return job.key


def file_key(path, **options):
    return builder.prepare("keyed", inline=False, cpp=path, cuda=None, functions=[], **options).key


def forbid_subprocesses(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a warm load started a subprocess: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(ninja_build, "run", refuse)


def fake_compiler(directory, name: str, body: str) -> str:
    """A CXX wrapper script: ``body`` runs first, then the real g++ takes over."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\n{textwrap.dedent(body)}\nexec g++ "$@"\n')
    os.chmod(path, 0o755)
    return path


def test_cache_dir_is_created_private(cache_dir):
    cpp.build_inline("private", cpp_sources=ADD_ONE, functions=["add_one"])
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700


def test_entry_directory_is_named_after_the_module_and_key(cache_dir):
    path = cpp.build_inline("named", cpp_sources=ADD_ONE, functions=["add_one"])
    key = inline_key(name="named")
    assert os.path.dirname(path) == os.path.join(str(cache_dir), f"named_{key[:16]}")


def test_warm_load_returns_the_same_path_without_a_subprocess(monkeypatch):
    first = cpp.build_inline("warm", cpp_sources=ADD_ONE, functions=["add_one"])
    forbid_subprocesses(monkeypatch)
    assert cpp.build_inline("warm", cpp_sources=ADD_ONE, functions=["add_one"]) == first
    mod = cpp.load_inline("warm", cpp_sources=ADD_ONE, functions=["add_one"])
    assert mod.add_one(41) == 42


def test_warm_load_in_a_fresh_process_starts_no_subprocess(cache_dir):
    first = cpp.build_inline("fresh", cpp_sources=ADD_ONE, functions=["add_one"])
    script = textwrap.dedent(
        f"""
        import subprocess, sys
        def refuse(*args, **kwargs):
            raise AssertionError("subprocess started: %r" % (args,))
        subprocess.Popen = subprocess.run = refuse
        import tvm_ffi_jit.cpp as cpp
        print(cpp.build_inline("fresh", cpp_sources={ADD_ONE!r}, functions=["add_one"]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == first


def test_warm_load_imports_nothing_heavy(cache_dir):
    cpp.build_inline("lean", cpp_sources=ADD_ONE, functions=["add_one"])
    script = textwrap.dedent(
        f"""
        import sys
        import tvm_ffi_jit.cpp as cpp
        before = set(sys.modules)
        cpp.load_inline("lean", cpp_sources={ADD_ONE!r}, functions=["add_one"])
        print(" ".join(sorted(set(sys.modules) - before)))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    # What the cold path needs costs milliseconds to import; a warm load must not pay for it.
    heavy = {"json", "logging", "hashlib", "subprocess", "filelock", "shutil", "tempfile"}
    assert not heavy & set(out.stdout.split())


def test_source_edit_changes_the_key():
    assert inline_key(ADD_ONE) != inline_key(ADD_ONE.replace("x + 1", "x + 2"))
    assert inline_key(ADD_ONE) != inline_key(ADD_ONE + "\n")


def test_function_list_changes_the_key():
    assert inline_key(functions=["add_one"]) != inline_key(functions=[])


def test_flag_changes_change_the_key(tmp_path):
    keys = [
        inline_key(),
        inline_key(extra_cflags=["-O3"]),
        inline_key(extra_cflags=["-DFOO=1"]),
        inline_key(extra_ldflags=["-lm"]),
        inline_key(extra_include_paths=[str(tmp_path)]),
    ]
    assert len(set(keys)) == len(keys)
    # CUDA flags cannot change a library built without CUDA sources.
    assert inline_key(extra_cuda_cflags=["-lineinfo"]) == keys[0]


def test_cuda_flags_and_archs_change_the_key_of_cuda_sources(monkeypatch):
    if builder.toolchain.cuda_home() is None:
        pytest.skip("no CUDA toolkit")

    def cuda_key(**options):
        job = builder.prepare(
            "cuda_keyed",
            inline=True,
            cpp=None,
            cuda="__global__ void k() {}",
            functions=[],
            **options,
        )
        return job.key

    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    base = cuda_key()
    assert cuda_key(extra_cuda_cflags=["-lineinfo"]) != base
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0;9.0+PTX")
    assert cuda_key() != base


def test_same_inputs_from_different_directories_share_a_key(tmp_path, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    inline_from_one = inline_key()
    (one / "ops.cpp").write_text(ADD_ONE)
    file_from_one = file_key("ops.cpp")
    monkeypatch.chdir(two)
    assert inline_key() == inline_from_one
    assert file_key(str(one / "ops.cpp")) == file_from_one
    # Keys hash contents, not paths: the same bytes elsewhere give the same key...
    (two / "ops.cpp").write_text(ADD_ONE)
    assert file_key("ops.cpp") == file_from_one
    # ...and different bytes a different one.
    (two / "ops.cpp").write_text(ADD_ONE + "// edited\n")
    assert file_key("ops.cpp") != file_from_one


def test_compiler_version_change_changes_the_key(tmp_path, monkeypatch):
    old = fake_compiler(
        tmp_path, "cxx-old", 'if [ "$1" = --version ]; then echo "g++ 1.0"; exit 0; fi'
    )
    new = fake_compiler(
        tmp_path, "cxx-new", 'if [ "$1" = --version ]; then echo "g++ 2.0"; exit 0; fi'
    )
    monkeypatch.setenv("CXX", old)
    old_key = inline_key()
    monkeypatch.setenv("CXX", new)
    assert inline_key() != old_key


def reports_version(version: str) -> str:
    return f'if [ "$1" = --version ]; then echo "g++ {version}"; exit 0; fi'


def build_in_fresh_process(name: str, env=None, prelude: str = "") -> str:
    """build_inline(ADD_ONE) in a new interpreter; returns the library path it printed."""
    script = prelude + (
        "import tvm_ffi_jit.cpp as cpp\n"
        f"print(cpp.build_inline({name!r}, cpp_sources={ADD_ONE!r}, functions=['add_one']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(env or os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_compiler_replaced_in_place_triggers_a_rebuild(tmp_path, monkeypatch):
    cxx = fake_compiler(tmp_path, "cxx", reports_version("1.0"))
    monkeypatch.setenv("CXX", cxx)
    first = cpp.build_inline("upgraded", cpp_sources=ADD_ONE, functions=["add_one"])
    assert build_in_fresh_process("upgraded") == first  # the records on disk are used...
    fake_compiler(tmp_path, "cxx", reports_version("2.0"))  # same path, same size
    stat_before = os.stat(cxx)
    os.utime(cxx, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns + 10**9))
    # ...but neither this process nor a new one trusts them once the compiler changed.
    second = cpp.build_inline("upgraded", cpp_sources=ADD_ONE, functions=["add_one"])
    assert os.path.dirname(second) != os.path.dirname(first)
    assert build_in_fresh_process("upgraded") == second


def test_a_compiler_appearing_earlier_on_path_triggers_a_rebuild(tmp_path, monkeypatch):
    early = tmp_path / "early-bin"
    early.mkdir()
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setenv("PATH", f"{early}{os.pathsep}{os.environ['PATH']}")
    first = cpp.build_inline("shadowed", cpp_sources=ADD_ONE, functions=["add_one"])
    assert build_in_fresh_process("shadowed") == first
    fake_compiler(str(early), "c++", reports_version("9.9-shadowing"))
    second = cpp.build_inline("shadowed", cpp_sources=ADD_ONE, functions=["add_one"])
    assert os.path.dirname(second) != os.path.dirname(first)
    assert build_in_fresh_process("shadowed") == second


def test_a_fresh_warm_load_is_answered_by_the_request_index(cache_dir):
    first = cpp.build_inline("indexed", cpp_sources=ADD_ONE, functions=["add_one"])
    records = os.listdir(cache_dir / "index")
    assert len(records) == 1 and records[0].startswith("indexed.")
    # Planning the build (tools, key) and reading the manifest are what the index skips.
    prelude = textwrap.dedent(
        """
        from tvm_ffi_jit.cpp import builder, cache
        def refuse(*args, **kwargs):
            raise AssertionError("the warm path left the request index")
        builder.plan = cache.read_manifest = refuse
        """
    )
    assert build_in_fresh_process("indexed", prelude=prelude) == first


def test_a_corrupt_index_record_falls_back_to_the_manifest(cache_dir):
    first = cpp.build_inline("corrupt_record", cpp_sources=ADD_ONE, functions=["add_one"])
    (record,) = (cache_dir / "index").iterdir()
    record.write_bytes(b"\x00garbage")
    assert cpp.build_inline("corrupt_record", cpp_sources=ADD_ONE, functions=["add_one"]) == first
    assert record.read_bytes() != b"\x00garbage"  # rewritten


def test_header_edit_triggers_a_rebuild(tmp_path):
    header = tmp_path / "value.h"
    header.write_text("#pragma once\nconstexpr int kValue = 1;\n")
    source = tmp_path / "value.cpp"
    source.write_text(
        '#include <tvm/ffi/tvm_ffi.h>\n#include "value.h"\n'
        "static int Value() { return kValue; }\n"
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(value, Value);\n"
    )
    first = cpp.build("header_dep", str(source))
    assert cpp.build("header_dep", str(source)) == first
    header.write_text("#pragma once\nconstexpr int kValue = 2;\n")
    second = cpp.build("header_dep", str(source))
    assert second != first and os.path.dirname(second) == os.path.dirname(first)
    assert cpp.load("header_dep", str(source)).value() == 2


def test_truncated_library_is_rebuilt_not_loaded():
    first = cpp.build_inline("truncated", cpp_sources=ADD_ONE, functions=["add_one"])
    with open(first, "r+b") as f:
        f.truncate(64)
    second = cpp.build_inline("truncated", cpp_sources=ADD_ONE, functions=["add_one"])
    assert second != first
    with open(second, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    assert os.path.getsize(second) > 64


def test_rebuilds_publish_fresh_names_and_drop_superseded_libraries():
    paths = [cpp.build_inline("gens", cpp_sources=ADD_ONE, functions=["add_one"])]
    for _ in range(2):
        os.utime(paths[-1], ns=(0, 0))  # looks rewritten: forces a rebuild
        paths.append(cpp.build_inline("gens", cpp_sources=ADD_ONE, functions=["add_one"]))
    assert len(set(paths)) == 3
    entry = os.path.dirname(paths[0])
    libraries = sorted(f for f in os.listdir(entry) if f.endswith(".so"))
    # The current library and the one before it (maybe loaded elsewhere) are kept.
    assert libraries == sorted(os.path.basename(p) for p in paths[1:])


def test_refuses_an_entry_other_users_can_write():
    path = cpp.build_inline("shared_perm", cpp_sources=ADD_ONE, functions=["add_one"])
    entry = os.path.dirname(path)
    os.chmod(entry, 0o777)
    with pytest.raises(PermissionError, match="chmod go-w"):
        cpp.build_inline("shared_perm", cpp_sources=ADD_ONE, functions=["add_one"])


def test_refuses_a_cache_root_other_users_can_write(cache_dir):
    cache_dir.mkdir()
    os.chmod(cache_dir, 0o777)
    with pytest.raises(PermissionError, match="chmod go-w"):
        cpp.build_inline("shared_root", cpp_sources=ADD_ONE, functions=["add_one"])


def spawn_loader(name: str, env: dict, ready_dir, go_file) -> subprocess.Popen:
    """A process that imports the JIT, reports ready, waits for ``go_file``, then loads."""
    script = textwrap.dedent(
        f"""
        import os, time
        import tvm_ffi_jit.cpp as cpp
        open(os.path.join({str(ready_dir)!r}, str(os.getpid())), "w").close()
        while not os.path.exists({str(go_file)!r}):
            time.sleep(0.001)
        mod = cpp.load_inline({name!r}, cpp_sources={ADD_ONE!r}, functions=["add_one"])
        print(mod.add_one(41))
        print(cpp.build_inline({name!r}, cpp_sources={ADD_ONE!r}, functions=["add_one"]))
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_eight_processes_loading_together_compile_once(tmp_path):
    log = tmp_path / "compiler-calls.log"
    cxx = fake_compiler(tmp_path, "counting-cxx", f'echo "$*" >> "{log}"')
    env = dict(os.environ, CXX=cxx, PYTHONPATH=PACKAGE_PARENT)
    ready, go = tmp_path / "ready", tmp_path / "go"
    ready.mkdir()
    processes = [spawn_loader("together", env, ready, go) for _ in range(8)]
    try:
        deadline = time.monotonic() + 120
        while len(os.listdir(ready)) < len(processes):  # all imported, none started loading
            assert all(p.poll() is None for p in processes), "a loader died before the start"
            assert time.monotonic() < deadline, "the loaders never became ready"
            time.sleep(0.01)
        go.touch()
        results = [p.communicate(timeout=300) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for process, (_, err) in zip(processes, results):
        assert process.returncode == 0, err
    outputs = {tuple(out.split()) for out, _ in results}
    assert len(outputs) == 1
    answer, path = outputs.pop()
    assert answer == "42" and os.path.isfile(path)
    compiles = [line for line in log.read_text().splitlines() if " -c " in f" {line} "]
    assert len(compiles) == 1, compiles


def test_a_build_killed_mid_compile_does_not_block_the_next(tmp_path, monkeypatch):
    slow, started = tmp_path / "slow", tmp_path / "started"
    slow.touch()
    cxx = fake_compiler(
        tmp_path,
        "slow-cxx",
        f"""
        case " $* " in *" -c "*)
          if [ -f "{slow}" ]; then echo $$ > "{started}"; exec sleep 60; fi;;
        esac
        """,
    )
    env = dict(os.environ, CXX=cxx, PYTHONPATH=PACKAGE_PARENT)
    victim = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import tvm_ffi_jit.cpp as cpp; "
            f"cpp.build_inline('killed', cpp_sources={ADD_ONE!r}, functions=['add_one'])",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert victim.poll() is None, "the build finished before it could be killed"
            assert time.monotonic() < deadline, "the compiler never started"
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)  # only Python dies: ninja and the compiler live on
        victim.wait()
        slow.unlink()
        monkeypatch.setenv("CXX", cxx)
        path = cpp.build_inline("killed", cpp_sources=ADD_ONE, functions=["add_one"])
        mod = tvm_ffi_jit.load_module(path)
        assert mod.add_one(1) == 2
        entry = os.path.dirname(path)
        with open(os.path.join(entry, "manifest.json")) as f:
            assert json.load(f)["artifact"] == os.path.basename(path)
    finally:
        # ninja runs each command in its own process group: stop the sleeping "compiler" too.
        sleeper = started.read_text().strip() if started.exists() else ""
        for kill, pid in [(os.killpg, victim.pid), (os.kill, int(sleeper or 0))]:
            try:
                if pid:
                    kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
