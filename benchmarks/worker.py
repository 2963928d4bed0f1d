"""One measurement in one library's own process; compare.py starts it and reads its JSON.

    python worker.py '{"library": "tvm_ffi_jit", "task": "calls", ...}'

Runs under the library's Python (the peer venv for apache-tvm-ffi), so it needs only the
standard library, the library under test, and torch/numpy where a row uses them.
Prints one JSON line: {"values": {row: number}, "skipped": {row: reason}}.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import tempfile
import time

from sources import (
    FFI_CALL_FUNCTIONS,
    FFI_CALLS,
    FFI_CUDA,
    FFI_ONE_FUNCTION,
    NVRTC_KERNEL,
    TORCH_CALLS,
    TORCH_ONE_FUNCTION,
)
from timing import best_ns

# How each library is imported and loads a JIT module ("module" kinds import a prebuilt file).
LIBRARIES = {
    "tvm_ffi_jit": {"kind": "ffi", "package": "tvm_ffi_jit", "jit": "tvm_ffi_jit.cpp"},
    "apache-tvm-ffi": {"kind": "ffi", "package": "tvm_ffi", "jit": "tvm_ffi.cpp"},
    "torch cpp_extension": {
        "kind": "torch",
        "package": "torch",
        "jit": "torch.utils.cpp_extension",
    },
    "pybind11": {"kind": "module"},
    "nanobind": {"kind": "module"},
    "floor": {"kind": "module"},
}
# Functions a prebuilt module names differently (the floor prototype is not ours to edit).
RENAMES = {"floor": {"noop": "noop0", "nop3": "t3"}}
# Rows a binding could run only by converting, not as the same call: skipped, with the reason.
NOT_COMPARABLE = {
    "pybind11": {
        "torch": "plain pybind11 has no torch tensor caster (torch cpp_extension is that row)",
    },
    "floor": {"numpy": "the floor prototype takes torch tensors only"},
}


def _load_calls_module(spec: dict):
    library = LIBRARIES[spec["library"]]
    if library["kind"] == "module":
        name = spec["module_name"]
        file_spec = importlib.util.spec_from_file_location(name, spec["module_path"])
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
        return module
    jit = importlib.import_module(library["jit"])
    if library["kind"] == "torch":
        functions = FFI_CALL_FUNCTIONS
        return jit.load_inline("bench_calls_torch", cpp_sources=TORCH_CALLS, functions=functions)
    return jit.load_inline("bench_calls", cpp_sources=FFI_CALLS, functions=FFI_CALL_FUNCTIONS)


def _function(module, library: str, name: str):
    return getattr(module, RENAMES.get(library, {}).get(name, name), None)


def _gil_variants(func, kind: str) -> list:
    """(row suffix, setup) pairs: both GIL settings where the binding has the switch."""
    if kind != "ffi":

        def nothing():
            pass

        return [("held", nothing)]

    def setter(value):
        def set_release():
            func.release_gil = value

        return set_release

    return [("released", setter(True)), ("held", setter(False))]


def _call_shapes() -> list:
    """(row, function name, argument kind, argument count, timeit statement)."""
    eight = "f(" + ", ".join(f"a{i}" for i in range(8)) + ")"
    return [
        ("noop", "noop", None, 0, "f()"),
        ("add3", "add3", "int", 3, "f(a0, a1, a2)"),
        ("nop3_torch", "nop3", "torch", 3, "f(a0, a1, a2)"),
        ("nop3_numpy", "nop3", "numpy", 3, "f(a0, a1, a2)"),
        ("nop8_torch", "nop8", "torch", 8, eight),
        ("alloc_torch", "alloc_like", "torch", 1, None),
        ("error", "fail", None, 0, "try:\n    f()\nexcept Exception:\n    pass"),
    ]


def _arguments(kind: str | None, count: int) -> list:
    if kind == "int":
        return [1, 2, 3][:count]
    if kind == "torch":
        import torch

        return [torch.zeros(4) for _ in range(count)]
    if kind == "numpy":
        import numpy as np

        return [np.zeros(4, dtype=np.float32) for _ in range(count)]
    return []


def _to_torch_statement(func, args) -> str:
    """Returning a new tensor to torch: the call, plus torch.from_dlpack where the binding
    hands back its own tensor type."""
    import torch

    return "f(a0)" if isinstance(func(*args), torch.Tensor) else "torch.from_dlpack(f(a0))"


def _scaling(func, make, sizes: list, repeat: int) -> list:
    """Milliseconds of one call on a container of each size (best of `repeat`, one if slow)."""
    seconds = []
    for size in sizes:
        container = make(size)
        assert func(container) == size
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            func(container)
            best = min(best, time.perf_counter() - start)
            if best > 1.0:
                break
        seconds.append(best * 1e3)
    return seconds


def task_calls(spec: dict) -> dict:
    library = spec["library"]
    kind = LIBRARIES[library]["kind"]
    module = _load_calls_module(spec)
    values, skipped = {}, {}
    for row, name, arg_kind, count, stmt in _call_shapes():
        func = _function(module, library, name)
        reason = NOT_COMPARABLE.get(library, {}).get(arg_kind)
        if func is None:
            reason = reason or f"the {library} module has no {name}"
        if reason:
            skipped[f"call.{row}"] = reason
            continue
        try:
            args = _arguments(arg_kind, count)
        except ImportError as error:
            skipped[f"call.{row}"] = f"not installed: {error.name}"
            continue
        try:
            if row != "error":
                func(*args)
        except TypeError:
            skipped[f"call.{row}"] = f"{library}'s {name} does not take {arg_kind} arguments"
            continue
        if stmt is None:
            stmt = _to_torch_statement(func, args)
        scope = {"f": func, **{f"a{i}": a for i, a in enumerate(args)}}
        if "torch" in stmt:
            import torch

            scope["torch"] = torch
        budget = {"repeat": spec["repeat"], "seconds": spec["seconds"], "number": spec["number"]}
        timings = best_ns(stmt, scope, budget, _gil_variants(func, kind))
        for gil, ns in timings.items():
            values[f"call.{row}.{gil}"] = ns
    sizes = spec["sizes"]
    containers = {
        "map": ("map_size", lambda n: {f"k{i}": i for i in range(n)}),
        "array": ("array_size", lambda n: list(range(n))),
    }
    for row, (name, make) in containers.items():
        func = _function(module, library, name)
        if func is None:
            skipped[f"scale.{row}"] = f"the {library} module has no {name}"
            continue
        full, tenth = _scaling(func, make, [sizes[row], sizes[row] // 10], spec["repeat"])
        values[f"scale.{row}"] = full
        values[f"scale.{row}.tenth"] = tenth
    return {"values": values, "skipped": skipped}


def _timed_import(module_name: str):
    start = time.perf_counter()
    module = importlib.import_module(module_name)
    return module, time.perf_counter() - start


def task_import(spec: dict) -> dict:
    library = LIBRARIES[spec["library"]]
    _, seconds = _timed_import(library["package"])
    heavy = sorted({"torch", "numpy"} & set(sys.modules))
    return {"values": {"load.import": seconds * 1e3}, "notes": {"imported": heavy}}


def task_load(spec: dict) -> dict:
    """A one-function load_inline: cold (empty cache) or warm (cached), after the import."""
    library = LIBRARIES[spec["library"]]
    jit = importlib.import_module(library["jit"])
    source = TORCH_ONE_FUNCTION if library["kind"] == "torch" else FFI_ONE_FUNCTION
    start = time.perf_counter()
    module = jit.load_inline("bench_add_one", cpp_sources=source, functions=["add_one"])
    seconds = time.perf_counter() - start
    assert module.add_one(41) == 42
    row = spec["row"]
    return {"values": {row: seconds if row == "load.cold" else seconds * 1e3}}


def task_cuda_cold(spec: dict) -> dict:
    """Compile and link a .cu module (nothing runs it: no GPU needed)."""
    jit = importlib.import_module(LIBRARIES[spec["library"]]["jit"])
    start = time.perf_counter()
    path = jit.build_inline("bench_cuda", cuda_sources=FFI_CUDA, functions=["add_one"])
    seconds = time.perf_counter() - start
    assert path
    return {"values": {"load.cuda_cold": seconds}}


def task_nvrtc(spec: dict) -> dict:
    package = LIBRARIES[spec["library"]]["package"]
    try:
        nvrtc = importlib.import_module(f"{package}.cpp.nvrtc")
    except ImportError as error:
        return {"skipped": {"load.nvrtc": f"{package}.cpp.nvrtc does not import: {error}"}}
    start = time.perf_counter()
    try:
        cubin = nvrtc.nvrtc_compile(NVRTC_KERNEL, arch="sm_80")
    except Exception as error:  # a missing libnvrtc or cuda-python is a skip, not a failure
        return {"skipped": {"load.nvrtc": f"{type(error).__name__}: {str(error)[:160]}"}}
    seconds = time.perf_counter() - start
    assert bytes(cubin)[:4] == b"\x7fELF"
    return {"values": {"load.nvrtc": seconds}}


# apache-tvm-ffi's load_inline compiles C++ with these (its cpp/extension.py defaults).
_PLAIN_CXX_FLAGS = ["-std=c++17", "-fPIC", "-O2"]


def task_compile_command(spec: dict) -> dict:
    """The command each JIT runs for a C++ unit, without the unit and the output."""
    package = LIBRARIES[spec["library"]]["package"]
    if package == "tvm_ffi_jit":  # its own flags and its precompiled header, as a build plans them
        from tvm_ffi_jit.cpp import builder

        with tempfile.TemporaryDirectory() as scratch:
            unit = os.path.join(scratch, "unit.cc")
            with open(unit, "w") as f:
                f.write("#include <tvm/ffi/tvm_ffi.h>\n")
            job = builder.prepare(
                "compile_command", inline=False, cpp=[unit], cuda=[], functions=[]
            )
        return {"command": [*job.plan.cxx, *job.plan.cxx_compile_flags()]}
    libinfo = importlib.import_module(f"{package}.libinfo")
    dirs = libinfo.include_dirs() if hasattr(libinfo, "include_dirs") else libinfo.include_paths()
    return {"command": ["g++", *_PLAIN_CXX_FLAGS, *(f"-I{d}" for d in dirs)]}


def task_versions(spec: dict) -> dict:
    versions = {"python": sys.version.split()[0]}
    for name in ("torch", "numpy", "tvm_ffi_jit", "tvm_ffi", "pybind11", "nanobind"):
        if importlib.util.find_spec(name) is not None:
            from importlib import metadata

            dist = {"tvm_ffi": "apache-tvm-ffi"}.get(name, name)
            try:
                versions[name] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                versions[name] = "?"
    return {"versions": versions}


TASKS = {
    "calls": task_calls,
    "import": task_import,
    "load": task_load,
    "cuda_cold": task_cuda_cold,
    "nvrtc": task_nvrtc,
    "compile_command": task_compile_command,
    "versions": task_versions,
}

if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    print(json.dumps(TASKS[request["task"]](request)))
