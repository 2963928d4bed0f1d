"""One operator, alpha * x + y, built by torch.utils.cpp_extension.load_inline and by
tvm_ffi_jit.cpp.load_inline: build time, time per call, equal outputs, and the tvm_ffi_jit
version as a torch custom op under torch.compile(fullgraph=True).

    python examples/torch_extension/compare.py               # both (torch's build takes ~30-60 s)
    python examples/torch_extension/compare.py --skip-torch  # tvm_ffi_jit only (~10 s)

Both builds start from an empty cache (fresh TVM_FFI_JIT_CACHE_DIR and TORCH_EXTENSIONS_DIR).
"""

import argparse
import os
import pathlib
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent


def build_tvm_ffi_jit():
    import tvm_ffi_jit.cpp

    source = (HERE / "scale_add_tvm_ffi.cc").read_text()
    return tvm_ffi_jit.cpp.load_inline("scale_add", cpp_sources=source, functions=["scale_add"])


def build_torch():
    from torch.utils.cpp_extension import load_inline

    source = (HERE / "scale_add_torch.cpp").read_text()
    return load_inline("scale_add_torch", cpp_sources=source, functions=["scale_add"])


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def per_call_us(fn, args, calls):
    fn(*args)  # warm-up
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-torch", "--quick", action="store_true", help="skip torch's build")
    parser.add_argument("--size", type=int, default=1024, help="elements per tensor")
    parser.add_argument("--calls", type=int, default=2000, help="calls per timing")
    args = parser.parse_args()

    # Both caches start empty, so the build times are cold builds.
    os.environ["TVM_FFI_JIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="tvm_ffi_jit_cache_")
    os.environ["TORCH_EXTENSIONS_DIR"] = tempfile.mkdtemp(prefix="torch_extensions_")
    import torch

    import tvm_ffi_jit.torch

    ours, ours_build = timed(build_tvm_ffi_jit)
    print(f"tvm_ffi_jit  build: {ours_build:6.2f} s")
    theirs = None
    if not args.skip_torch:
        theirs, theirs_build = timed(build_torch)
        print(f"torch        build: {theirs_build:6.2f} s  ({theirs_build / ours_build:.0f}x)")

    x, y = torch.randn(args.size), torch.randn(args.size)
    ours_us = per_call_us(ours.scale_add, (x, y, 2.0), args.calls)
    print(f"tvm_ffi_jit  call:  {ours_us:6.2f} us  ({args.size} float32 elements)")
    if theirs is not None:
        theirs_us = per_call_us(theirs.scale_add, (x, y, 2.0), args.calls)
        print(f"torch        call:  {theirs_us:6.2f} us")

    for dtype in (torch.float32, torch.float64):
        a, b = torch.randn(1000, dtype=dtype), torch.randn(1000, dtype=dtype)
        expected = 2.0 * a + b if theirs is None else theirs.scale_add(a, b, 2.0)
        torch.testing.assert_close(ours.scale_add(a, b, 2.0), expected, rtol=0, atol=0)
    print(f"outputs equal ({'torch extension' if theirs else 'eager torch'}, float32 and float64)")

    try:
        ours.scale_add(torch.ones(3, dtype=torch.int32), torch.ones(3, dtype=torch.int32), 2.0)
    except TypeError as error:
        print(f"int32 input -> TypeError: {str(error).splitlines()[0]}")

    # One line makes it a torch operator: torch.compile keeps it in the graph.
    scale_add = tvm_ffi_jit.torch.custom_op(
        "torch_extension_example::scale_add",
        ours.scale_add,
        fake=lambda x, y, alpha: torch.empty_like(x),
    )
    compiled = torch.compile(
        lambda x, y: scale_add(x, y, 2.0).relu(), fullgraph=True, backend="aot_eager"
    )
    torch.testing.assert_close(compiled(x, y), (2.0 * x + y).relu(), rtol=0, atol=0)
    print("custom op under torch.compile(fullgraph=True): no graph break, same output")


if __name__ == "__main__":
    main()
