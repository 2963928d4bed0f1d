"""What releasing the GIL costs per call, here and in apache-tvm-ffi, measured in the same run.

    python benchmarks/bench_call_gil.py [--peer-python PYTHON] [--runs 3]

Each library runs in its own fresh interpreters (alternating; best of --runs), on the same C++
source: no-op functions taking no arguments, 3 ints, and one tensor (torch CPU, else numpy).
Every shape is timed with ``release_gil`` on (the default of both) and off. The peer is
apache-tvm-ffi from the ``test`` extra (or another venv's python); never a dependency.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import timeit

SOURCE = r"""
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/function.h>
int64_t noop() { return 0; }
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
void nop1(tvm::ffi::TensorView a) {}
"""
FUNCTIONS = ["noop", "add3", "nop1"]
LIBRARIES = {"tvm_ffi_jit": "tvm_ffi_jit", "apache-tvm-ffi": "tvm_ffi"}
REPEATS = 150


def a_tensor():
    try:
        import torch

        return "torch", torch.zeros(4)
    except ImportError:
        import numpy as np

        return "numpy", np.zeros(4, dtype=np.float32)


def worker(package: str) -> dict:
    """Builds SOURCE with `package` and times each shape with the GIL released and held."""
    import importlib

    cpp = importlib.import_module(f"{package}.cpp")
    mod = cpp.load_inline(f"bench_call_gil_{package}", cpp_sources=SOURCE, functions=FUNCTIONS)
    kind, tensor = a_tensor()
    shapes = {
        "no arguments": (mod.noop, (), 20_000),
        "3 ints": (mod.add3, (1, 2, 3), 20_000),
        f"1 tensor ({kind})": (mod.nop1, (tensor,), 5_000),
    }
    results = {}
    for shape, (func, args, number) in shapes.items():
        scope = {"f": func, **{f"a{i}": arg for i, arg in enumerate(args)}}
        call = timeit.Timer(f"f({', '.join(f'a{i}' for i in range(len(args)))})", globals=scope)
        empty = timeit.Timer("pass", globals=scope)
        best = {True: float("inf"), False: float("inf"), "empty": float("inf")}
        # Many short repeats, alternating the setting: the best of each is the least disturbed
        # by the other processes on the machine.
        for _ in range(REPEATS):
            for release in (True, False):
                func.release_gil = release
                best[release] = min(best[release], call.timeit(number))
            best["empty"] = min(best["empty"], empty.timeit(number))
        for release in (True, False):
            results[f"{shape}|{release}"] = (best[release] - best["empty"]) / number * 1e9
    return results


def run_worker(python: str, package: str) -> dict | None:
    env = dict(os.environ)
    env.pop("TVM_FFI_JIT_RELEASE_GIL", None)
    env.pop("TVM_FFI_RELEASE_GIL_BY_DEFAULT", None)
    env["TVM_FFI_JIT_CACHE_DIR"] = env["TVM_FFI_CACHE_DIR"] = os.path.join(
        tempfile.gettempdir(), "bench_call_gil_cache"
    )
    proc = subprocess.run(
        [python, os.path.abspath(__file__), "--worker", package],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        print(f"[{package}] skipped: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(runs: list) -> dict:
    runs = [r for r in runs if r]
    return {key: min(r[key] for r in runs) for key in runs[0]} if runs else {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--peer-python",
        default=os.environ.get("TVM_FFI_JIT_PEER_PYTHON", sys.executable),
        help="python of a venv with apache-tvm-ffi installed (default: this one)",
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per library")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    pythons = {"tvm_ffi_jit": sys.executable, "apache-tvm-ffi": args.peer_python}
    runs = {name: [] for name in LIBRARIES}
    for _ in range(args.runs):
        for name, package in LIBRARIES.items():
            runs[name].append(run_worker(pythons[name], package))
    best = {name: best_of(r) for name, r in runs.items()}
    shapes = list(dict.fromkeys(key.split("|")[0] for r in best.values() for key in r))
    header = f"{'ns per call':<22}"
    for name in LIBRARIES:
        header += f"{name + ' released':>24}{'held':>8}{'cost':>8}"
    print(header)
    for shape in shapes:
        line = f"{shape:<22}"
        for name in LIBRARIES:
            released = best[name].get(f"{shape}|True")
            held = best[name].get(f"{shape}|False")
            if released is None or held is None:
                line += f"{'-':>24}{'-':>8}{'-':>8}"
            else:
                line += f"{released:>24.1f}{held:>8.1f}{released - held:>8.1f}"
        print(line)


if __name__ == "__main__":
    main()
