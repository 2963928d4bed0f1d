"""The remote cache (TVM_FFI_JIT_REMOTE_CACHE) on both backends: a shared directory and a real
redis-server started on a loopback port. Nodes are separate local cache directories; compiles
are counted by a compiler wrapper (CC) that logs each ``-c`` it runs."""

import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import builder, remote, remote_store

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))
# A plain C kernel: it compiles in a fraction of a second.
KERNEL = """
#include <tvm/ffi/c_api.h>
int __tvm_ffi_value(void* h, const TVMFFIAny* a, int32_t n, TVMFFIAny* r) {
  r->type_index = kTVMFFIInt; r->v_int64 = VALUE; return 0;
}
"""
COUNTING_CC = """#!/bin/sh
case " $* " in
  *" -c "*) echo "$$" >> "$COMPILE_LOG"; [ -n "$COMPILE_SLEEP" ] && sleep "$COMPILE_SLEEP";;
esac
exec cc "$@"
"""
# One "process of a node": imports, waits for the go file (so all start together), builds.
NODE = """
import os, sys, time
import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
print(tvm_ffi_jit.load_module(cpp.build("clustered", cpp_files=sys.argv[2])).value())
"""
REMOTE_WARNING = "tvm_ffi_jit: remote cache"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on a free loopback port, data in ``directory``."""

    def __init__(self, directory):
        if importlib.util.find_spec("redis") is None:
            pytest.skip("the redis client is not installed (pip install -e '.[remote]')")
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
        import redis

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(directory)]
        # Not under the sanitizer runtimes (.ci/sanitize preloads them): redis is not ours.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    pytest.fail("redis-server did not start")
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(params=["file", "redis"])
def store_url(request, tmp_path):
    if request.param == "file":
        (tmp_path / "store").mkdir()
        return f"file://{tmp_path}/store"
    server = request.getfixturevalue("redis_server")
    server.client.flushdb()
    return server.url


@pytest.fixture(autouse=True)
def node_env(tmp_path, monkeypatch):
    """The counting compiler, short leases and timeouts; no store remembered between tests."""
    wrapper = tmp_path / "counting-cc"
    wrapper.write_text(COUNTING_CC)
    wrapper.chmod(0o755)
    monkeypatch.setenv("CC", str(wrapper))
    monkeypatch.setenv("COMPILE_LOG", str(tmp_path / "compiles.log"))
    # Long enough that a builder on a loaded machine keeps it (the take-over test shortens it).
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_LEASE", "10")
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_TIMEOUT", "2")
    monkeypatch.delenv("TVM_FFI_JIT_REMOTE_CACHE", raising=False)
    monkeypatch.delenv("COMPILE_SLEEP", raising=False)
    (tmp_path / "kernel.c").write_text(KERNEL.replace("VALUE", "42"))
    remote._stores.clear()
    yield
    remote._stores.clear()


def compiles(tmp_path) -> int:
    try:
        return len((tmp_path / "compiles.log").read_text().split())
    except FileNotFoundError:
        return 0


def build_on(node: str, tmp_path, monkeypatch, name="clustered") -> str:
    """Builds the kernel in this process as node ``node`` (its own local cache)."""
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / node))
    path = cpp.build(name, cpp_files=str(tmp_path / "kernel.c"))
    assert tvm_ffi_jit.load_module(path).value() == 42
    return path


def remote_warnings(caplog) -> "list[str]":
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tvm_ffi_jit" and r.levelno >= logging.WARNING
    ]


def node_env_for(tmp_path, node: str, url: "str | None", **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT, TVM_FFI_JIT_CACHE_DIR=str(tmp_path / node))
    if url is not None:
        env["TVM_FFI_JIT_REMOTE_CACHE"] = url
    env.update(extra)
    return env


def start_node(tmp_path, node: str, url, go, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", NODE, str(go), str(tmp_path / "kernel.c")],
        env=node_env_for(tmp_path, node, url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_cluster(tmp_path, url, nodes: int, per_node: int, prefix="node"):
    go = tmp_path / f"go-{prefix}"
    processes = [
        start_node(tmp_path, f"{prefix}{n}", url, go) for n in range(nodes) for _ in range(per_node)
    ]
    time.sleep(0.3)  # let them import
    go.touch()
    return [(p, *p.communicate(timeout=120)) for p in processes]


# 1. The interface and the backends.


def test_store_records_and_leases(store_url):
    store = remote_store.open_store(store_url)
    assert store.get("ab12") is None and store.keys() == []
    header = {"name": "m", "size": 3, "digest": "d", "headers": []}
    store.put("ab12", remote_store.make_record(header, b"lib"))
    assert remote_store.split_record(store.get("ab12")) == (header, b"lib")
    assert store.keys() == ["ab12"] and store.header("ab12")["name"] == "m"

    assert store.acquire("ab12", "a", 30)
    assert not store.acquire("ab12", "b", 30)
    assert not store.renew("ab12", "b", 30) and store.renew("ab12", "a", 30)
    store.release("ab12", "b")  # not b's: stays
    assert not store.acquire("ab12", "c", 30)
    store.release("ab12", "a")
    assert store.acquire("ab12", "c", 30)

    assert store.acquire("cd34", "a", 0.2)
    time.sleep(0.4)  # a's lease expires: b takes over, a can no longer renew or release it
    assert store.acquire("cd34", "b", 30)
    assert not store.renew("cd34", "a", 30)
    store.release("cd34", "a")
    assert not store.acquire("cd34", "c", 30)


def test_download_is_published_like_a_local_build(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", store_url)
    built = build_on("node0", tmp_path, monkeypatch)
    downloaded = build_on("node1", tmp_path, monkeypatch)
    assert compiles(tmp_path) == 1
    with open(built, "rb") as a, open(downloaded, "rb") as b:
        assert a.read() == b.read()
    entry = os.path.dirname(downloaded)
    manifest = remote.cache.read_manifest(entry)
    assert manifest["artifact"] == os.path.basename(downloaded)
    assert any(dep[0].endswith("c_api.h") for dep in manifest["deps"])  # headers watched
    # Now local: a later load of node1 is a plain warm hit, also with the store gone.
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", "file:///nonexistent/store")
    remote._stores.clear()
    assert build_on("node1", tmp_path, monkeypatch) == downloaded


def test_warm_loads_never_touch_the_store(tmp_path, monkeypatch):
    """A local hit (request index, or manifest after the index is gone) opens no connection,
    imports neither the remote module nor redis, and says nothing."""
    build_on("node0", tmp_path, monkeypatch)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    kernel = str(tmp_path / "kernel.c")
    probe = (
        "import sys, tvm_ffi_jit, tvm_ffi_jit.cpp as cpp\n"
        f"m = tvm_ffi_jit.load_module(cpp.build('clustered', cpp_files={kernel!r}))\n"
        "print(m.value(), 'tvm_ffi_jit.cpp.remote' in sys.modules, 'redis' in sys.modules)\n"
    )
    try:
        for drop_index in (False, True):
            if drop_index:
                shutil.rmtree(tmp_path / "node0" / "index")
            start = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-c", probe],
                env=node_env_for(tmp_path, "node0", url),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert out.returncode == 0, out.stderr
            assert out.stdout.split() == ["42", "False", "False"]
            assert out.stderr == ""
            assert time.monotonic() - start < 10
        listener.settimeout(0.01)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()
    assert compiles(tmp_path) == 1


def test_remote_key_covers_the_toolchain_but_not_node_local_stamps(tmp_path, monkeypatch):
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "node0"))

    def keys():
        job = builder.prepare(
            "clustered", inline=False, cpp=[str(tmp_path / "kernel.c")], cuda=None, functions=[]
        )
        return job.key, remote.remote_key(job.plan)

    local, portable = keys()
    wrapper = tmp_path / "counting-cc"
    later = time.time() + 100
    os.utime(wrapper, (later, later))  # another node: same compiler, other mtime
    local_touched, portable_touched = keys()
    assert local_touched != local and portable_touched == portable
    wrapper.write_text(COUNTING_CC.replace("exec cc", "exec  cc"))  # another toolchain
    assert keys()[1] != portable


# 4. Nodes together (separate processes).


def test_cluster_compiles_once(store_url, tmp_path):
    results = run_cluster(tmp_path, store_url, nodes=3, per_node=2)
    for process, out, err in results:
        assert process.returncode == 0, err
        assert out.split() == ["42"]
        assert REMOTE_WARNING not in err
    assert compiles(tmp_path) == 1
    # Warm store: a new node downloads.
    ((process, out, err),) = run_cluster(tmp_path, store_url, 1, 1, prefix="late")
    assert out.split() == ["42"] and compiles(tmp_path) == 1


def test_dead_builder_is_taken_over_after_its_lease_expires(store_url, tmp_path):
    go = tmp_path / "go"
    go.touch()
    dying = start_node(
        tmp_path, "dying", store_url, go, COMPILE_SLEEP="60", TVM_FFI_JIT_REMOTE_LEASE="1"
    )
    deadline = time.monotonic() + 30
    while compiles(tmp_path) == 0:  # it holds the lease and compiles
        assert time.monotonic() < deadline and dying.poll() is None, dying.communicate()
        time.sleep(0.02)
    os.killpg(dying.pid, 9)
    dying.communicate()
    start = time.monotonic()
    survivor = start_node(tmp_path, "survivor", store_url, go, TVM_FFI_JIT_REMOTE_LEASE="1")
    out, err = survivor.communicate(timeout=60)
    assert survivor.returncode == 0, err
    assert out.split() == ["42"] and REMOTE_WARNING not in err
    assert compiles(tmp_path) == 2
    assert time.monotonic() - start < 20
    store = remote_store.open_store(store_url)
    assert len(store.keys()) == 1


def test_store_stopped_mid_run_builds_locally_with_one_warning(tmp_path, monkeypatch, request):
    for backend in ("file", "redis"):
        remote._stores.clear()
        if backend == "redis":
            server = RedisServer(tmp_path)
            request.addfinalizer(server.stop)
            url = server.url
        else:
            (tmp_path / "store").mkdir()
            url = f"file://{tmp_path}/store"
        store = remote_store.open_store(url)
        job_key = _remote_key(tmp_path, monkeypatch)
        assert store.acquire(job_key, "ghost", 60)  # a builder that takes its time
        go = tmp_path / f"go-{backend}"
        go.touch()
        node = start_node(tmp_path, f"node-{backend}", url, go)
        time.sleep(1.0)  # it polls the store, waiting for the ghost
        assert node.poll() is None
        if backend == "redis":
            server.stop()
        else:
            os.rename(tmp_path / "store", tmp_path / "store-unmounted")
        out, err = node.communicate(timeout=60)
        assert node.returncode == 0, err
        assert out.split() == ["42"]
        warnings = [line for line in err.splitlines() if "tvm_ffi_jit" in line]
        assert len(warnings) == 1 and REMOTE_WARNING in warnings[0], err
    assert compiles(tmp_path) == 2


def _remote_key(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "keys"))
    job = builder.prepare(
        "clustered", inline=False, cpp=[str(tmp_path / "kernel.c")], cuda=None, functions=[]
    )
    return remote.remote_key(job.plan)


# 2. Faults: one warning, a local build, never a hang.


@pytest.mark.parametrize("damage", ["tampered", "truncated"])
def test_damaged_artifact_is_rejected_and_replaced(
    store_url, tmp_path, monkeypatch, caplog, damage
):
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", store_url)
    build_on("node0", tmp_path, monkeypatch)
    store = remote_store.open_store(store_url)
    (key,) = store.keys()
    record = store.get(key)
    if damage == "tampered":
        record = record[:-64] + bytes(b ^ 0x5A for b in record[-64:])
    else:
        record = record[: len(record) - 4096]
    store.put(key, record)
    with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
        build_on("node1", tmp_path, monkeypatch)
    (warning,) = remote_warnings(caplog)
    assert "rejected the library of clustered" in warning and "digest" in warning
    assert compiles(tmp_path) == 2
    header, data = remote_store.split_record(store.get(key))
    assert remote.intact(header, data)  # replaced by node1's upload
    build_on("node2", tmp_path, monkeypatch)
    assert compiles(tmp_path) == 2


def test_garbage_from_the_store_builds_locally_with_one_warning(
    store_url, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", store_url)
    store = remote_store.open_store(store_url)
    store.put(_remote_key(tmp_path, monkeypatch), b"\x00garbage\xff" * 100)
    with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
        build_on("node0", tmp_path, monkeypatch)
        build_on("node0", tmp_path, monkeypatch, name="another")
    (warning,) = remote_warnings(caplog)
    assert "is unavailable" in warning and "not a tvm_ffi_jit record" in warning
    assert compiles(tmp_path) == 2


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_store_down_builds_locally_with_one_warning(backend, tmp_path, monkeypatch, caplog):
    url = f"redis://127.0.0.1:{free_port()}/0" if backend == "redis" else "file:///nonexistent/x"
    if backend == "redis" and importlib.util.find_spec("redis") is None:
        pytest.skip("the redis client is not installed (pip install -e '.[remote]')")
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", url)
    with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
        build_on("node0", tmp_path, monkeypatch)
        build_on("node0", tmp_path, monkeypatch, name="another")  # the store is not asked again
    (warning,) = remote_warnings(caplog)
    assert warning.startswith(f"{REMOTE_WARNING} {url} is unavailable")
    assert compiles(tmp_path) == 2


def test_slow_store_times_out(tmp_path, monkeypatch, caplog):
    """A server that accepts and never answers costs one timeout, then a local build."""
    if importlib.util.find_spec("redis") is None:
        pytest.skip("the redis client is not installed (pip install -e '.[remote]')")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", f"redis://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_TIMEOUT", "0.5")
    start = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
            build_on("node0", tmp_path, monkeypatch)
    finally:
        listener.close()
    (warning,) = remote_warnings(caplog)
    assert "Timeout" in warning
    assert time.monotonic() - start < 8
    assert compiles(tmp_path) == 1


def test_full_store_keeps_the_local_build(store_url, tmp_path, monkeypatch, caplog, request):
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", store_url)
    if store_url.startswith("redis"):
        client = request.getfixturevalue("redis_server").client
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)  # every write: OOM command not allowed
        request.addfinalizer(lambda: client.config_set("maxmemory", 0))
    else:
        import errno

        def no_space(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", no_space)
    with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
        build_on("node0", tmp_path, monkeypatch)
    (warning,) = remote_warnings(caplog)
    assert "is unavailable" in warning
    assert ("maxmemory" in warning) if store_url.startswith("redis") else ("No space" in warning)
    assert compiles(tmp_path) == 1


def test_credentials_never_appear(tmp_path, monkeypatch, caplog, redis_server):
    secret = "s3cret-Pa55"
    urls = (
        f"redis://alice:{secret}@127.0.0.1:{free_port()}/0",  # down
        f"redis://alice:{secret}@127.0.0.1:{redis_server.port}/0",  # wrong user and password
    )
    for attempt, url in enumerate(urls):
        remote._stores.clear()
        caplog.clear()
        monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", url)
        with caplog.at_level(logging.DEBUG, logger="tvm_ffi_jit"):
            build_on("node0", tmp_path, monkeypatch, name=f"m{attempt}")
        (warning,) = remote_warnings(caplog)
        assert "redis://***@127.0.0.1:" in warning
        assert all(secret not in r.getMessage() for r in caplog.records)
        out = subprocess.run(
            [sys.executable, "-m", "tvm_ffi_jit", "cache", "list", "--remote"],
            env=node_env_for(tmp_path, "node0", url),
            capture_output=True,
            text=True,
        )
        assert out.returncode == 1 and "***@127.0.0.1" in out.stderr
        assert secret not in out.stdout + out.stderr


# 5. The command line.


def test_push_list_pull(tmp_path, monkeypatch, store_url):
    build_on("ci", tmp_path, monkeypatch)  # no store configured: as in CI after cpp.build
    env = node_env_for(tmp_path, "ci", None)

    def cli(*args, node="ci"):
        env["TVM_FFI_JIT_CACHE_DIR"] = str(tmp_path / node)
        out = subprocess.run(
            [sys.executable, "-m", "tvm_ffi_jit", "cache", *args, "--url", store_url],
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "pushed 1 entry to" in cli("push")
    listing = cli("list", "--remote").splitlines()
    assert listing[0].split() == ["NAME", "KEY", "SIZE", "UPLOADED", "BY"]
    assert listing[1].split()[0] == "clustered" and "1 entry" in listing[2]
    assert "pulled 1 entry" in cli("pull", node="node1")
    # node1 loads without a store configured and without compiling: from what it pulled.
    build_on("node1", tmp_path, monkeypatch)
    assert compiles(tmp_path) == 1


def test_password_from_the_environment(tmp_path, monkeypatch, caplog, redis_server):
    secret = "env-Secret-77"
    redis_server.client.config_set("requirepass", secret)
    redis_server.client.auth(secret)

    def reset():
        redis_server.client.config_set("requirepass", "")

    try:
        monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", redis_server.url)
        monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE_PASSWORD", secret)
        build_on("node0", tmp_path, monkeypatch)
        remote._stores.clear()
        build_on("node1", tmp_path, monkeypatch)  # downloaded: the password was accepted
        assert compiles(tmp_path) == 1
        monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE_PASSWORD", secret + "-wrong")
        remote._stores.clear()
        with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
            build_on("node2", tmp_path, monkeypatch)
        (warning,) = remote_warnings(caplog)
        assert "is unavailable" in warning and secret not in warning
        assert compiles(tmp_path) == 2
    finally:
        reset()


def test_unreadable_lease_file_does_not_block_for_good(tmp_path):
    (tmp_path / "store").mkdir()
    store = remote_store.open_store(f"file://{tmp_path}/store")
    assert store.acquire("ab12", "a", 60)
    lease = tmp_path / "store" / "leases" / "ab12.lease"
    lease.write_bytes(b"\xff\x00 not a lease")
    assert not store.acquire("ab12", "b", 60)  # fresh: it may be a writer of another version
    os.utime(lease, (time.time() - 120, time.time() - 120))
    assert store.acquire("ab12", "b", 60)


def test_library_built_against_other_headers_is_not_installed(
    store_url, tmp_path, monkeypatch, caplog
):
    """A header the library was compiled against differs on this node (the key does not see
    #include'd files): build here, say nothing, and leave the store's record alone."""
    monkeypatch.setenv("TVM_FFI_JIT_REMOTE_CACHE", store_url)
    build_on("node0", tmp_path, monkeypatch)
    store = remote_store.open_store(store_url)
    (key,) = store.keys()
    header, data = remote_store.split_record(store.get(key))
    assert any(path.endswith("c_api.h") for path, _ in header["headers"])
    header["headers"] = [
        [p, "0" * 64 if p.endswith("c_api.h") else d] for p, d in header["headers"]
    ]
    other_node = remote_store.make_record(header, data)
    store.put(key, other_node)
    with caplog.at_level(logging.WARNING, logger="tvm_ffi_jit"):
        build_on("node1", tmp_path, monkeypatch)
    assert remote_warnings(caplog) == []
    assert compiles(tmp_path) == 2
    assert store.get(key) == other_node
