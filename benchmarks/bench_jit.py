"""Warm load and cold build of a one-function JIT module: tvm_ffi_jit beside its peers.

    python benchmarks/bench_jit.py --peer-python /work/venv-peers/bin/python

Every figure comes from fresh processes, each with its own cache directory:

- warm load: the module is already built; time the ``load_inline`` call in a new process
  (after ``import`` of the package and of its JIT module, which are timed on their own), and
  count the subprocesses it starts. For tvm_ffi_jit, ``build_inline`` + ``load_module`` is
  also timed separately, as in the project's warm-path target.
- cold build: empty cache; time the ``load_inline`` call (compile, link, load).

The peers, apache-tvm-ffi (``tvm_ffi.cpp.load_inline``) and torch
(``torch.utils.cpp_extension.load_inline``), run in a separate Python environment given with
``--peer-python`` (or ``$TVM_FFI_JIT_PEER_PYTHON``); peers that are not installed there are
skipped, and the script says so.

Measured here (2 shared CPUs; tvm_ffi_jit/cpp/DESIGN.md has the table): warm load 0.41-0.54 ms
editable (0.26 ms installed), apache-tvm-ffi 4.8 ms, torch 9.9 ms; cold build 0.70 s, 1.18 s,
20.7 s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

SOURCE_TVM_FFI = """
#include <tvm/ffi/tvm_ffi.h>

int64_t add_one(int64_t x) { return x + 1; }
"""
SOURCE_TORCH = "int64_t add_one(int64_t x) { return x + 1; }\n"  # torch adds its own includes

# Each contender: how to import it and how to load the module, as lines of Python run in a
# child process. {name} and {source} are filled in per run.
CONTENDERS = {
    "tvm_ffi_jit": {
        "base": "import tvm_ffi_jit",
        "jit": "import tvm_ffi_jit.cpp as jit",
        "load": "mod = jit.load_inline({name!r}, cpp_sources={source!r}, functions=['add_one'])",
        "version": "tvm_ffi_jit.__version__",
        "cache_variable": "TVM_FFI_JIT_CACHE_DIR",
        "source": SOURCE_TVM_FFI,
    },
    "apache-tvm-ffi": {
        "base": "import tvm_ffi",
        "jit": "import tvm_ffi.cpp as jit",
        "load": "mod = jit.load_inline({name!r}, cpp_sources={source!r}, functions=['add_one'])",
        "version": "tvm_ffi.__version__",
        "cache_variable": "TVM_FFI_CACHE_DIR",
        "source": SOURCE_TVM_FFI,
    },
    "torch cpp_extension": {
        "base": "import torch",
        "jit": "import torch.utils.cpp_extension as jit",
        "load": "mod = jit.load_inline({name!r}, cpp_sources={source!r}, functions=['add_one'])",
        "version": "torch.__version__",
        "cache_variable": "TORCH_EXTENSIONS_DIR",
        "source": SOURCE_TORCH,
    },
}

# Runs in the child: times the import and the load, counts subprocesses started by the load.
CHILD = """
import json, subprocess, time
{base}
started = []
_init = subprocess.Popen.__init__
def _counting_init(self, *args, **kwargs):
    started.append(1)
    _init(self, *args, **kwargs)
subprocess.Popen.__init__ = _counting_init
t0 = time.perf_counter()
{jit}
t1 = time.perf_counter()
{load}
t2 = time.perf_counter()
assert mod.add_one(41) == 42
print(json.dumps({{"import_ms": (t1 - t0) * 1e3, "load_ms": (t2 - t1) * 1e3,
                  "subprocesses": len(started), "version": str({version})}}))
"""

# tvm_ffi_jit's warm-path target: build_inline + load_module in a fresh process
# (imports as in CHILD, so that only the timed calls differ).
CHILD_SPLIT = """
import json, subprocess, time
import tvm_ffi_jit
import tvm_ffi_jit.cpp as jit
t0 = time.perf_counter()
path = jit.build_inline({name!r}, cpp_sources={source!r}, functions=['add_one'])
t1 = time.perf_counter()
mod = tvm_ffi_jit.load_module(path)
t2 = time.perf_counter()
assert mod.add_one(41) == 42
print(json.dumps({{"build_inline_ms": (t1 - t0) * 1e3, "load_module_ms": (t2 - t1) * 1e3}}))
"""


def run_child(python: str, code: str, env: dict) -> dict:
    out = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_code(template: str, contender: dict, name: str) -> str:
    fields = dict(contender)
    fields["load"] = contender["load"].format(name=name, source=contender["source"])
    code = textwrap.dedent(template).format(
        name=name, source=contender["source"], **{k: v for k, v in fields.items() if k != "source"}
    )
    return code


def child_env(python: str, cache_variable: str, cache_dir: str) -> dict:
    env = dict(os.environ)
    env[cache_variable] = cache_dir
    # Tools installed beside that Python (ninja for torch) must be on PATH.
    env["PATH"] = os.path.dirname(python) + os.pathsep + env.get("PATH", "")
    return env


def is_installed(python: str, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


class Contender:
    """One implementation under test: its Python, child scripts and cache directories."""

    def __init__(self, label: str, python: str, scratch: str):
        self.label, self.python = label, python
        self.spec = CONTENDERS[label]
        self.scratch = os.path.join(scratch, label.replace(" ", "_"))
        self.warm_env = self.env("warm")
        self.samples = {"cold": [], "warm": [], "split": []}

    def env(self, cache_name: str) -> dict:
        cache_dir = os.path.join(self.scratch, cache_name)
        return child_env(self.python, self.spec["cache_variable"], cache_dir)

    def run(self, template: str, env: dict) -> dict:
        return run_child(self.python, child_code(template, self.spec, "bench_add_one"), env)

    def cold(self, i: int) -> None:
        self.samples["cold"].append(self.run(CHILD, self.env(f"cold-{i}")))

    def fill_warm_cache(self) -> None:
        self.version = self.run(CHILD, self.warm_env)["version"]

    def probes(self) -> list:
        """The warm measurements, each a callable taking one fresh process."""
        probes = [lambda: self.samples["warm"].append(self.run(CHILD, self.warm_env))]
        if self.label == "tvm_ffi_jit":
            probes.append(
                lambda: self.samples["split"].append(self.run(CHILD_SPLIT, self.warm_env))
            )
        return probes

    def summary(self) -> dict:
        warms, colds, splits = (self.samples[k] for k in ("warm", "cold", "split"))
        result = {
            "version": self.version,
            "import_ms": statistics.median(w["import_ms"] for w in warms),
            "warm_ms": statistics.median(w["load_ms"] for w in warms),
            "warm_min_ms": min(w["load_ms"] for w in warms),
            "subprocesses": max(w["subprocesses"] for w in warms),
            "cold_s": statistics.median(c["load_ms"] for c in colds) / 1e3 if colds else None,
        }
        if splits:
            result["build_inline_ms"] = statistics.median(s["build_inline_ms"] for s in splits)
            result["load_module_ms"] = statistics.median(s["load_module_ms"] for s in splits)
            result["split_total_ms"] = statistics.median(
                s["build_inline_ms"] + s["load_module_ms"] for s in splits
            )
        return result


def measure(contenders: "list[Contender]", warm_runs: int, cold_runs: int) -> dict:
    """Cold builds, then warm loads taken in turns, starting each round one place further
    along, with a pause between processes: whatever else the machine does (such as reclaiming
    the memory of a big process that just exited) weighs on every contender alike."""
    for contender in contenders:
        print(f"cold builds: {contender.label} ...", file=sys.stderr, flush=True)
        for i in range(cold_runs):
            contender.cold(i)
        contender.fill_warm_cache()
    print("warm loads ...", file=sys.stderr, flush=True)
    probes = [probe for contender in contenders for probe in contender.probes()]
    for round_number in range(warm_runs):
        start = round_number % len(probes)
        for probe in probes[start:] + probes[:start]:
            time.sleep(0.2)
            probe()
    return {c.label: c.summary() for c in contenders}


def print_table(results: dict, warm_runs: int, cold_runs: int) -> None:
    print(
        f"one-function module, {os.cpu_count()} CPUs; warm: median of {warm_runs} fresh "
        f"processes (taken in turns); cold: median of {cold_runs} empty caches"
    )
    header = ("", "version", "import JIT", "warm load", "(min)", "subprocs", "cold build")
    rows = [header]
    for label, r in results.items():
        cold = f"{r['cold_s']:.2f} s" if r["cold_s"] is not None else "-"
        rows.append(
            (
                label,
                r["version"],
                f"{r['import_ms']:.1f} ms",
                f"{r['warm_ms']:.3f} ms",
                f"{r['warm_min_ms']:.3f}",
                str(r["subprocesses"]),
                cold,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths))
            )
        )
    ours = results.get("tvm_ffi_jit")
    if ours and "build_inline_ms" in ours:
        print(
            f"tvm_ffi_jit warm build_inline + load_module: {ours['split_total_ms']:.3f} ms "
            f"(build_inline {ours['build_inline_ms']:.3f} ms, "
            f"load_module {ours['load_module_ms']:.3f} ms; medians)"
        )
    for label, r in results.items():
        if ours and label != "tvm_ffi_jit":
            print(f"warm load, {label} / tvm_ffi_jit: {r['warm_ms'] / ours['warm_ms']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peer-python",
        default=os.environ.get("TVM_FFI_JIT_PEER_PYTHON"),
        help="Python of the environment holding the peers ($TVM_FFI_JIT_PEER_PYTHON)",
    )
    parser.add_argument("--warm-runs", type=int, default=15, help="fresh processes per warm figure")
    parser.add_argument("--cold-runs", type=int, default=3, help="empty-cache builds per contender")
    parser.add_argument(
        "--only", action="append", choices=sorted(CONTENDERS), help="measure only these"
    )
    args = parser.parse_args()

    plan, skipped = [], []
    for label in args.only or list(CONTENDERS):
        module = CONTENDERS[label]["jit"].split()[1]
        python = sys.executable if label == "tvm_ffi_jit" else args.peer_python
        if python is None:
            skipped.append(f"{label}: no peer environment (pass --peer-python)")
        elif not is_installed(python, module):
            skipped.append(f"{label}: {module} is not installed for {python}")
        else:
            plan.append((label, python))

    with tempfile.TemporaryDirectory(prefix="bench_jit-") as scratch:
        contenders = [Contender(label, python, scratch) for label, python in plan]
        results = measure(contenders, args.warm_runs, args.cold_runs)
    print_table(results, args.warm_runs, args.cold_runs)
    for reason in skipped:
        print(f"skipped {reason}")


if __name__ == "__main__":
    main()
