"""Per-call overhead of this project beside apache-tvm-ffi, measured in the same run.

    python benchmarks/bench_call.py [--peer-python /work/venv-peers/bin/python]

Each library runs in its own interpreters (alternating; best of --runs), the peer from a
separate venv (never a dependency of this project), on the same C++ source: a no-argument function,
add(int, int, int), and a no-op taking 3 tensors (torch CPU and numpy).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from timing import per_call_ns

SOURCE = r"""
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/function.h>
int64_t noop() { return 0; }
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
void nop3(tvm::ffi::TensorView a, tvm::ffi::TensorView b, tvm::ffi::TensorView c) {}
"""
FUNCTIONS = ["noop", "add3", "nop3"]


def worker(library: str) -> dict:
    """Builds the source with `library` and times each call; returns name -> ns."""
    if library == "tvm_ffi_jit":
        import tvm_ffi_jit.cpp as cpp
    else:
        import tvm_ffi.cpp as cpp
    mod = cpp.load_inline(f"bench_call_{library}", cpp_sources=SOURCE, functions=FUNCTIONS)
    import numpy as np

    results = {
        "no arguments": per_call_ns(mod.noop, number=500_000),
        "add(int, int, int)": per_call_ns(mod.add3, 1, 2, 3, number=500_000),
        "no-op, 3 numpy arrays": per_call_ns(
            mod.nop3, *[np.zeros(4, dtype=np.float32) for _ in range(3)], number=50_000
        ),
    }
    try:
        import torch

        tensors = [torch.zeros(4) for _ in range(3)]
        results["no-op, 3 torch tensors"] = per_call_ns(mod.nop3, *tensors, number=200_000)
    except ImportError:
        pass
    return results


def run_worker(python: str, library: str) -> dict | None:
    env = dict(os.environ, TVM_FFI_JIT_CACHE_DIR=tempfile.mkdtemp(prefix="bench_call_"))
    proc = subprocess.run(
        [python, os.path.abspath(__file__), "--worker", library],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        print(f"[{library}] skipped: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(runs: list) -> dict | None:
    runs = [r for r in runs if r]
    return {name: min(r[name] for r in runs) for name in runs[0]} if runs else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--peer-python",
        default=os.environ.get("TVM_FFI_JIT_PEER_PYTHON", "/work/venv-peers/bin/python"),
        help="python of a venv with apache-tvm-ffi (and torch, numpy) installed",
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per library")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    # Workers alternate and each figure is the best of the runs: a fair floor for both.
    ours_runs, peer_runs = [], []
    for _ in range(args.runs):
        ours_runs.append(run_worker(sys.executable, "tvm_ffi_jit"))
        if os.path.exists(args.peer_python):
            peer_runs.append(run_worker(args.peer_python, "tvm_ffi"))
    ours = best_of(ours_runs)
    peer = best_of(peer_runs)
    if peer is None:
        print(f"(apache-tvm-ffi not measured: no working peer python at {args.peer_python})")
    print(f"{'per-call time (ns)':<28}{'tvm_ffi_jit':>12}{'apache-tvm-ffi':>16}{'ratio':>8}")
    for name, ns in (ours or {}).items():
        theirs = (peer or {}).get(name)
        ratio = f"{ns / theirs:.2f}" if theirs else "-"
        theirs_text = f"{theirs:.1f}" if theirs else "-"
        print(f"{name:<28}{ns:>12.1f}{theirs_text:>16}{ratio:>8}")


if __name__ == "__main__":
    main()
