"""Starts 4 training processes that load the same JIT-compiled op at the same moment, twice:
first with an empty cache (one of them builds, the others wait for that build), then again
from the cache.

    python examples/training/launch.py [--workers 4] [--cache-dir DIR]
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent


def launch(workers, cache_dir):
    env = dict(os.environ, TVM_FFI_JIT_CACHE_DIR=cache_dir)
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), str(rank)],
            cwd=HERE,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for rank in range(workers)
    ]
    for proc in procs:  # each has imported torch and is waiting
        if proc.stdout.readline().strip() != "ready":
            sys.exit("a worker failed to start")
    start = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    summaries = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"a worker failed (exit code {proc.returncode})")
        lines = out.strip().splitlines()
        print("  " + "\n  ".join(lines[:-1]))
        summaries.append(json.loads(lines[-1]))
    return summaries, time.perf_counter() - start


def report(summaries, wall):
    for s in summaries:
        role = "built it" if s["built"] else "loaded it"
        print(f"  rank {s['rank']}: {role}, load {s['load_s']:.2f} s, train {s['train_s']:.2f} s")
    builds = sum(s["built"] for s in summaries)
    falling = all(s["losses"][-1] < s["losses"][0] for s in summaries)
    print(f"  builds: {builds}; all losses falling: {falling}; wall time from go: {wall:.2f} s")
    return builds, falling


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cache-dir", help="default: a new empty directory")
    args = parser.parse_args()
    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="tvm_ffi_jit_training_cache_")

    print(f"launch 1: {args.workers} workers, empty cache {cache_dir}")
    cold = report(*launch(args.workers, cache_dir))
    print(f"launch 2: {args.workers} workers, same cache")
    warm = report(*launch(args.workers, cache_dir))
    if cold != (1, True) or warm != (0, True):
        sys.exit("expected one build in launch 1, none in launch 2, and every loss falling")


if __name__ == "__main__":
    main()
