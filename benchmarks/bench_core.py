"""Measures the figures the core promises, on this machine, and prints them.

    python benchmarks/bench_core.py

- import time of `import tvm_ffi_jit` (fresh interpreter, best of 5)
- cold `load_inline` of a one-function module (empty cache) and warm `load_inline` in a
  fresh process (artifact cached)
- per-call time: no arguments, add(int, int, int), a no-op on 3 torch CPU tensors and on
  3 numpy arrays
- compile time of a file that includes only <tvm/ffi/tvm_ffi.h>
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import timeit

from timing import per_call_ns

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
int64_t noop() { return 0; }
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
void nop3(tvm::ffi::TensorView a, tvm::ffi::TensorView b, tvm::ffi::TensorView c) {}
"""
FUNCTIONS = ["noop", "add3", "nop3"]

LOAD_SNIPPET = textwrap.dedent(
    f"""
    import time
    start = time.perf_counter()
    import tvm_ffi_jit.cpp
    imported = time.perf_counter()
    mod = tvm_ffi_jit.cpp.load_inline("bench_core", cpp_sources={SOURCE!r}, functions={FUNCTIONS!r})
    loaded = time.perf_counter()
    assert mod.add3(1, 2, 3) == 6
    print(imported - start, loaded - imported)
    """
)


def run_python(code: str, env: dict) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


def import_time(env) -> float:
    code = (
        "import time; s = time.perf_counter(); import tvm_ffi_jit; print(time.perf_counter() - s)"
    )
    return min(run_python(code, env)[0] for _ in range(5))


def header_compile_seconds(include_dir: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "only_header.cc")
        with open(src, "w") as f:
            f.write("#include <tvm/ffi/tvm_ffi.h>\nint main() { return 0; }\n")
        cmd = ["g++", "-std=c++17", "-O2", "-fPIC", f"-I{include_dir}", "-c", src, "-o", src + ".o"]

        def compile_once():
            subprocess.run(cmd, check=True)

        return min(timeit.repeat(compile_once, number=1, repeat=3))


def main():
    cache = tempfile.mkdtemp(prefix="tvm_ffi_jit_bench_")
    env = dict(os.environ, TVM_FFI_JIT_CACHE_DIR=cache)
    print(f"import tvm_ffi_jit:                  {import_time(env) * 1e3:8.1f} ms")
    print(f"cold load_inline (empty cache):      {run_python(LOAD_SNIPPET, env)[1] * 1e3:8.1f} ms")
    runs = [run_python(LOAD_SNIPPET, env) for _ in range(5)]
    print(f"import tvm_ffi_jit.cpp:               {min(r[0] for r in runs) * 1e3:8.1f} ms")
    warm_ms = min(r[1] for r in runs) * 1e3
    print(f"warm load_inline (fresh process):    {warm_ms:8.2f} ms  (after the import)")

    os.environ["TVM_FFI_JIT_CACHE_DIR"] = cache
    import numpy as np

    import tvm_ffi_jit.cpp
    from tvm_ffi_jit import libinfo

    mod = tvm_ffi_jit.cpp.load_inline("bench_core", cpp_sources=SOURCE, functions=FUNCTIONS)
    print(f"per call, no arguments:              {per_call_ns(mod.noop):8.1f} ns")
    print(f"per call, add(int, int, int):        {per_call_ns(mod.add3, 1, 2, 3):8.1f} ns")
    arrays = [np.zeros(4, dtype=np.float32) for _ in range(3)]
    print(
        "per call, no-op on 3 numpy arrays:   "
        f"{per_call_ns(mod.nop3, *arrays, number=50_000):8.1f} ns"
    )
    try:
        import torch

        tensors = [torch.zeros(4) for _ in range(3)]
        ns = per_call_ns(mod.nop3, *tensors, number=50_000)
        print(f"per call, no-op on 3 torch tensors:  {ns:8.1f} ns")
    except ImportError:
        print("per call, no-op on 3 torch tensors:  (torch not installed)")
    seconds = header_compile_seconds(libinfo.include_dirs()[0])
    print(f"compile of only <tvm/ffi/tvm_ffi.h>: {seconds * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
