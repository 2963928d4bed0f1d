"""Instructions per call on tvm_ffi_jit's call path, and who spends them (valgrind's callgrind).

    python benchmarks/profile_calls.py [--calls 20000] [--cases noop_held,nop3_torch_held]

Wall-clock figures on a shared 2-core machine move by 2x between runs; instruction counts do not.
Each case runs twice under callgrind, with 0 calls and with --calls calls of the function, so
the call made before the loop cancels out: per call = (count with N calls - count with 0) / N,
for each function listed in PARTS (inclusive of what it calls), counting only instructions run
inside a Function call (callgrind's --toggle-collect; Python's own loop is left out).
Needs valgrind on PATH; torch and numpy for the tensor cases.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# (case, function, release_gil, argument kind, argument count)
CASES = {
    "noop_held": ("noop", False, None, 0),
    "noop_released": ("noop", True, None, 0),
    "add3_held": ("add3", False, "int", 3),
    "nop3_torch_held": ("nop3", False, "torch", 3),
    "nop8_torch_held": ("nop8", False, "torch", 8),
    "nop3_numpy_held": ("nop3", False, "numpy", 3),
    "alloc_torch_held": ("alloc_like", False, "torch", 1),
}
# Column name -> a regular expression on callgrind_annotate's function names; a column sums the
# functions it matches, each counted once (the largest of the lines listing it).
PARTS = {
    "our call path": r"tvm_ffi_jit::\(anonymous namespace\)::FunctionVectorcall\(",
    "GIL release (CPython)": r"ceval\.c:PyEval_(SaveThread|RestoreThread) ",
    "torch is_neg": r"THPVariable_is_neg\(",
    "torch DLPack exchange": r"TorchDLPackExchangeAPI::DLTensorFromPyObjectNoSync\(",
    "the compiled function": r"\?\?\?:__tvm_ffi_\w+ ",
}

LOOP = """
import sys
sys.path.insert(0, {here!r})
from sources import FFI_CALLS, FFI_CALL_FUNCTIONS
import tvm_ffi_jit.cpp as jit
mod = jit.load_inline("bench_calls", cpp_sources=FFI_CALLS, functions=FFI_CALL_FUNCTIONS)
f = getattr(mod, {name!r})
f.release_gil = {release!r}
args = ()
if {kind!r} == "int":
    args = (1, 2, 3)[:{count}]
elif {kind!r} == "torch":
    import torch
    args = tuple(torch.zeros(4) for _ in range({count}))
elif {kind!r} == "numpy":
    import numpy
    args = tuple(numpy.zeros(4, dtype=numpy.float32) for _ in range({count}))
f(*args)
for _ in range({calls}):
    f(*args)
"""


def _inclusive_counts(out_file: str) -> dict:
    """Per PARTS entry, the sum of its functions' inclusive counts."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    by_function = {}  # (part, matched name) -> the largest count listed for it
    for line in text.splitlines():
        match = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)$", line)
        if not match or "=>" in line:
            continue
        count, name = int(match.group(1).replace(",", "")), match.group(2)
        for part, pattern in PARTS.items():
            found = re.search(pattern, name)
            if found and "'2" not in name:  # '2: a recursive entry, already counted
                key = (part, found.group(0))
                by_function[key] = max(by_function.get(key, 0), count)
    parts = dict.fromkeys(PARTS, 0)
    for (part, _), count in by_function.items():
        parts[part] += count
    return parts


def _profile(case: str, calls: int, workdir: str) -> dict:
    name, release, kind, count = CASES[case]
    results = []
    for n in (0, calls):
        script = os.path.join(workdir, f"{case}_{n}.py")
        with open(script, "w") as f:
            f.write(
                LOOP.format(here=HERE, name=name, release=release, kind=kind, count=count, calls=n)
            )
        out_file = os.path.join(workdir, f"{case}_{n}.out")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--toggle-collect=*FunctionVectorcall*",  # only what runs inside our calls
                f"--callgrind-out-file={out_file}",
                sys.executable,
                script,
            ],
            capture_output=True,
            check=True,
        )
        results.append(_inclusive_counts(out_file))
    parts0, parts1 = results
    return {part: round((parts1[part] - parts0[part]) / calls) for part in PARTS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES)
    )
    options = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        print("valgrind (callgrind) is not on PATH", file=sys.stderr)
        return 2
    cases = [c for c in options.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    header = ["case", *PARTS]
    print("| " + " | ".join(header) + " |")
    print("| --- " * len(header) + "|")
    with tempfile.TemporaryDirectory(prefix="profile_calls_") as workdir:
        os.environ.setdefault("TVM_FFI_JIT_CACHE_DIR", os.path.join(workdir, "cache"))
        for case in cases:
            parts = _profile(case, options.calls, workdir)
            print(f"| {case} | " + " | ".join(f"{parts[p]:,}" for p in PARTS) + " |", flush=True)
    print(
        "\ninstructions per call (callgrind, inclusive); 'our call path' is everything from the "
        "Function's vectorcall on, the other columns are parts of it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
