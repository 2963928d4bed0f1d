"""A cluster start-up with the remote cache: N simulated nodes x M processes each call
``load_inline`` on one C++ module at the same moment, every node with an empty local cache.

    python benchmarks/bench_remote.py [--nodes 8] [--procs 4] [--backends file,redis]

A node is a local cache directory of its own; all processes run on this machine. Rows:

- off: no remote cache: every node compiles (its processes share the node's entry lock);
- cold: the store is empty: one process in the cluster compiles, everyone else downloads;
- warm: the store already holds the library: every node downloads, nobody compiles;
- local hit: for scale, every node's own cache already holds it (no store involved).

Time = from the moment all processes are released (after their imports) until the last one
has called the loaded function. Compiles are counted by a wrapper around the C++ compiler.
The Redis row starts its own ``redis-server`` on a free loopback port (skipped when
``redis-server`` or the ``redis`` package is missing).

Measured here (2 shared cores at load averages of 10 to 28 from other work, so every "node"
competes for the same two cores; two runs): off 80-92 s and 8 compiles; cold 14-25 s and 1
compile; warm 6-18 s and 0 compiles; every node's own cache already warm 1-5.5 s.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
int64_t add_one(int64_t x) { return x + 1; }
"""
PROCESS = """
import os, sys, time
import tvm_ffi_jit.cpp as cpp
while not os.path.exists(sys.argv[1]):
    time.sleep(0.002)
mod = cpp.load_inline("bench_remote", cpp_sources=sys.argv[2], functions=["add_one"])
assert mod.add_one(41) == 42
"""
COUNTING_CXX = """#!/bin/sh
case " $* " in *" -c "*) echo x >> "$COMPILE_LOG";; esac
exec c++ "$@"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(directory: str):
    exe = shutil.which("redis-server")
    if exe is None:
        return None, "redis-server not installed (apt-get install -y redis-server)"
    try:
        import redis
    except ImportError:
        return None, "the redis package is not installed (pip install -e '.[remote]')"
    port = free_port()
    server = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            return (server, client, f"redis://127.0.0.1:{port}/0"), ""
        except redis.ConnectionError:
            time.sleep(0.01)
    server.kill()
    return None, "redis-server did not start"


def run_cluster(work: str, url, nodes: int, procs: int, caches=None) -> "tuple[float, int]":
    """Seconds until every process held a working module, and compiles in the cluster.
    ``caches``: the nodes' cache directories to reuse (default: new, empty ones)."""
    go = os.path.join(work, f"go-{time.monotonic_ns()}")
    log = os.path.join(work, "compiles.log")
    if os.path.exists(log):
        os.unlink(log)
    env = dict(os.environ, CXX=os.path.join(work, "counting-c++"), COMPILE_LOG=log)
    env.pop("TVM_FFI_JIT_REMOTE_CACHE", None)
    if url:
        env["TVM_FFI_JIT_REMOTE_CACHE"] = url
    processes = []
    for node in range(nodes):
        cache = caches[node] if caches else tempfile.mkdtemp(prefix=f"node{node}-", dir=work)
        for _ in range(procs):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", PROCESS, go, SOURCE],
                    env=dict(env, TVM_FFI_JIT_CACHE_DIR=cache),
                )
            )
    time.sleep(1.0 + 0.1 * len(processes))  # their imports, on shared cores
    start = time.perf_counter()
    open(go, "w").close()
    for p in processes:
        if p.wait() != 0:
            raise SystemExit(f"a process failed (exit {p.returncode})")
    elapsed = time.perf_counter() - start
    with open(log) if os.path.exists(log) else open(os.devnull) as f:
        return elapsed, len(f.read().split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=8)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--backends", default="file,redis")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench_remote_")
    wrapper = os.path.join(work, "counting-c++")
    with open(wrapper, "w") as f:
        f.write(COUNTING_CXX)
    os.chmod(wrapper, 0o755)
    rows = [("off", "-", *run_cluster(work, None, args.nodes, args.procs))]
    caches = sorted(os.path.join(work, d) for d in os.listdir(work) if d.startswith("node"))
    rows.append(("local hit", "-", *run_cluster(work, None, args.nodes, args.procs, caches)))
    redis_server = None
    for backend in args.backends.split(","):
        if backend == "file":
            store = os.path.join(work, "store")
            os.mkdir(store)
            url = "file://" + store
        else:
            redis_server, why = start_redis(work)
            if redis_server is None:
                print(f"redis: skipped: {why}")
                continue
            url = redis_server[2]
        rows.append(("cold", backend, *run_cluster(work, url, args.nodes, args.procs)))
        rows.append(("warm", backend, *run_cluster(work, url, args.nodes, args.procs)))
    if redis_server is not None:
        redis_server[0].terminate()
    print(f"{args.nodes} nodes x {args.procs} processes, load_inline of one C++ function:")
    print("| remote cache | store | all hold a working module | compiles |")
    print("|--------------|-------|--------------------------:|---------:|")
    for mode, backend, seconds, compiles in rows:
        print(f"| {mode:<12} | {backend:<5} | {seconds:>23.2f} s | {compiles:>8} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
