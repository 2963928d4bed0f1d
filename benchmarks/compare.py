"""tvm_ffi_jit beside apache-tvm-ffi, torch cpp_extension, pybind11 and nanobind, in one run.

    python benchmarks/compare.py [--upstream-python PY] [--turns 5] [--cold-turns 3] [--quick]

Every library runs in processes of its own (worker.py), one library after another in each turn
(A B C A B C ...); a figure is the median over turns of the best of a few repeats inside one
process. Ratios are against apache-tvm-ffi, which runs under its own Python (--upstream-python
or $TVM_FFI_JIT_BENCH_UPSTREAM_PYTHON, a venv with apache-tvm-ffi, torch and numpy; it is never
a dependency of this project). torch cpp_extension, pybind11 and nanobind (built at -O2) and the
floor prototype (../shared/floors) run under this Python; a library that is not there is
reported as skipped, with the reason. The table goes to stdout and to --output
(benchmarks/RESULTS.md), with a bar chart of the ratios beside it (matplotlib, when installed).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import native
import report
from rows import OURS, UPSTREAM, all_rows

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "worker.py")
DEFAULT_UPSTREAM_PYTHON = "/work/venv-bench-up/bin/python"
DEFAULT_CUDA_HOME = "/usr/local/cuda"
LIBRARY_ORDER = [OURS, UPSTREAM, "torch cpp_extension", "pybind11", "nanobind", "floor"]
# Where each JIT keeps its cache: every cold build gets an empty one.
CACHE_VARIABLES = {
    OURS: "TVM_FFI_JIT_CACHE_DIR",
    UPSTREAM: "TVM_FFI_CACHE_DIR",
    "torch cpp_extension": "TORCH_EXTENSIONS_DIR",
}
FFI_LIBRARIES = (OURS, UPSTREAM)
JIT_LIBRARIES = (OURS, UPSTREAM, "torch cpp_extension")


class Library:
    """One contender: its Python, its caches, and what it measured."""

    def __init__(self, name: str, python: str, scratch: str):
        self.name, self.python = name, python
        self.scratch = os.path.join(scratch, name.replace(" ", "_"))
        self.module: tuple[str, str] | None = None  # prebuilt (name, path) for bindings
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.skipped: dict[str, str] = {}
        self.failures: list[str] = []
        self.notes: dict = {}

    def env(self, cache: str) -> dict:
        env = dict(os.environ)
        for variable in ("TVM_FFI_JIT_RELEASE_GIL", "TVM_FFI_RELEASE_GIL_BY_DEFAULT", "PYTHONPATH"):
            env.pop(variable, None)
        if self.name in CACHE_VARIABLES:
            env[CACHE_VARIABLES[self.name]] = os.path.join(self.scratch, cache)
        # Tools installed beside that Python (ninja for torch) come first on PATH.
        env["PATH"] = os.path.dirname(self.python) + os.pathsep + env.get("PATH", "")
        # No GPU here: name an architecture for nvcc and NVRTC.
        env.setdefault("TVM_FFI_CUDA_ARCH_LIST", "8.0")
        # apache-tvm-ffi takes the CUDA home from nvcc's path, a wrapper in /usr/local/bin here.
        if "CUDA_HOME" not in env and "CUDA_PATH" not in env and os.path.isdir(DEFAULT_CUDA_HOME):
            env["CUDA_HOME"] = DEFAULT_CUDA_HOME
        return env

    def run(self, request: dict, cache: str = "warm") -> dict | None:
        request = dict(request, library=self.name)
        if self.module:
            request["module_name"], request["module_path"] = self.module
        start = time.perf_counter()
        proc = subprocess.run(
            [self.python, WORKER, json.dumps(request)],
            capture_output=True,
            text=True,
            env=self.env(cache),
        )
        seconds = time.perf_counter() - start
        print(f"  {self.name}: {request['task']} {seconds:.1f} s", file=sys.stderr, flush=True)
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines() or ["(no output)"]
            self.failures.append(f"{request['task']}: {lines[-1][:300]}")
            return None
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        for row, value in answer.get("values", {}).items():
            self.samples[row].append(value)
        self.skipped.update(answer.get("skipped", {}))
        self.notes.update(answer.get("notes", {}))
        return answer


def has_module(python: str, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def upstream_python(option: str | None) -> str:
    chosen = option or os.environ.get("TVM_FFI_JIT_BENCH_UPSTREAM_PYTHON")
    if chosen:
        return chosen
    return DEFAULT_UPSTREAM_PYTHON if os.path.exists(DEFAULT_UPSTREAM_PYTHON) else sys.executable


def plan(args, scratch: str) -> tuple[list[Library], dict[str, str]]:
    """The libraries that can run here, and a reason for each one that cannot."""
    libraries, skipped = [], {}
    for name in args.libraries:
        python = args.upstream_python if name == UPSTREAM else sys.executable
        library = Library(name, python, scratch)
        if not os.path.exists(python):
            skipped[name] = f"no Python at {python} (--upstream-python)"
        elif name == UPSTREAM and not has_module(python, "tvm_ffi"):
            skipped[name] = f"apache-tvm-ffi is not installed for {python}"
        elif name == "torch cpp_extension" and not has_module(python, "torch"):
            skipped[name] = "torch is not installed"
        elif name == "torch cpp_extension" and not (
            shutil.which("ninja") or os.path.exists(os.path.join(os.path.dirname(python), "ninja"))
        ):
            skipped[name] = "ninja (needed by torch cpp_extension) is not installed"
        elif name in ("pybind11", "nanobind", "floor"):
            try:
                library.module = native.build(name, args.build_dir, args.floor_dir)
            except native.Skip as reason:
                skipped[name] = str(reason)
        if name not in skipped:
            libraries.append(library)
    return libraries, skipped


def header_compile_seconds(library: Library, scratch: str) -> None:
    """The umbrella header compiled by the command each JIT runs for a C++ unit."""
    if "compile_command" not in library.notes:
        answer = library.run({"task": "compile_command"})
        if not answer:
            return
        library.notes["compile_command"] = answer["command"]
    source = os.path.join(scratch, "only_header.cc")
    with open(source, "w") as f:
        f.write("#include <tvm/ffi/tvm_ffi.h>\nint main() { return 0; }\n")
    command = [*library.notes["compile_command"], "-c", source, "-o", source + ".o"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        library.failures.append(f"header compile: {result.stderr.strip()[-300:]}")
        return
    library.samples["load.header"].append(time.perf_counter() - start)


def cold_turn(libraries: list[Library], turn: int, scratch: str, options) -> None:
    for library in libraries:
        if options.quick and library.name != OURS:
            continue  # the peers' builds are most of a run's time: --quick times ours only
        # The first cold build fills the cache the warm loads read; torch's takes minutes
        # under load (most of a run), so it is built once.
        if library.name in JIT_LIBRARIES and (turn == 0 or library.name in FFI_LIBRARIES):
            cache = "warm" if turn == 0 else f"cold-{turn}"
            library.run({"task": "load", "row": "load.cold"}, cache=cache)
        if library.name in FFI_LIBRARIES:
            header_compile_seconds(library, scratch)
            if options.has_nvcc:
                library.run({"task": "cuda_cold"}, cache=f"cuda-{turn}")
            if "load.nvrtc" not in library.skipped:  # a skip (no libnvrtc) stays one
                library.run({"task": "nvrtc"})


def load_rows(libraries: list[Library], options) -> None:
    for library in libraries:
        if library.name in FFI_LIBRARIES:
            library.run({"task": "import"})
        if library.name in JIT_LIBRARIES and (library.name == OURS or not options.quick):
            library.run({"task": "load", "row": "load.warm"})


def call_rows(libraries: list[Library], settings: dict) -> None:
    for library in libraries:
        library.run({"task": "calls", **settings})


def turn(libraries: list[Library], settings: dict, options) -> None:
    load_rows(libraries, options)
    call_rows(libraries, settings)


def quick_run(libraries: list[Library], settings: dict, scratch: str, options) -> None:
    """One turn, the builds of the cold rows beside the calls' (their figures mean little
    then: --quick checks that every row runs, on two cores in about half the time)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        builds = pool.submit(cold_turn, libraries, 0, scratch, options)
        calls = pool.submit(call_rows, libraries, settings)
        builds.result()
        calls.result()
    load_rows(libraries, options)  # the warm loads read what the cold turn built


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-python", help="Python of a venv with apache-tvm-ffi")
    parser.add_argument("--turns", type=int, help="turns of the call and load rows (default 5)")
    parser.add_argument("--cold-turns", type=int, help="cold builds per library (default 3)")
    parser.add_argument("--repeat", type=int, help="best-of repeats inside a process (default 7)")
    parser.add_argument("--number", type=int, help="most calls a repeat (default 200000)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: one turn, tiny sizes, builds in parallel"
    )
    parser.add_argument(
        "--libraries",
        default=",".join(LIBRARY_ORDER),
        help=f"comma-separated subset of: {', '.join(LIBRARY_ORDER)}",
    )
    parser.add_argument(
        "--output", default=os.path.join(HERE, "RESULTS.md"), help="RESULTS.md path"
    )
    parser.add_argument("--chart", help="PNG path (default: results.png beside --output)")
    parser.add_argument(
        "--build-dir",
        default=os.path.join(tempfile.gettempdir(), "tvm_ffi_jit_bench_build"),
        help="where the pybind11/nanobind/floor modules are built (reused across runs)",
    )
    parser.add_argument(
        "--floor-dir", default=native.DEFAULT_FLOOR_DIR, help="floor_proto.c's folder"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.turns = args.turns or (1 if quick else 5)
    args.cold_turns = max(1, args.cold_turns or (1 if quick else 3))  # turn 0 fills the warm cache
    args.repeat = args.repeat or (2 if quick else 7)
    args.number = args.number or (2_000 if quick else 200_000)
    args.seconds = 0.002 if quick else 0.02  # per repeat; slow calls run fewer loops
    args.sizes = {"map": 500, "array": 10_000} if quick else {"map": 50_000, "array": 1_000_000}
    args.libraries = [name.strip() for name in args.libraries.split(",") if name.strip()]
    unknown = set(args.libraries) - set(LIBRARY_ORDER)
    if unknown:
        parser.error(f"unknown libraries: {', '.join(sorted(unknown))}")
    args.upstream_python = upstream_python(args.upstream_python)
    args.chart = args.chart or os.path.join(
        os.path.dirname(os.path.abspath(args.output)), "results.png"
    )
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.time()
    context = report.machine_context()
    scratch = tempfile.mkdtemp(prefix="tvm_ffi_jit_compare_")
    try:
        libraries, skipped = plan(args, scratch)
        for name, reason in skipped.items():
            print(f"skipped {name}: {reason}", file=sys.stderr)
        versions = {}
        for library in libraries:
            if library.python not in versions:
                answer = library.run({"task": "versions"})
                versions[library.python] = answer["versions"] if answer else {}
        args.has_nvcc = shutil.which("nvcc") is not None
        settings = {
            "number": args.number,
            "repeat": args.repeat,
            "seconds": args.seconds,
            "sizes": args.sizes,
        }
        if args.quick:
            quick_run(libraries, settings, scratch, args)
        else:
            for i in range(args.cold_turns):
                print(f"cold turn {i + 1}/{args.cold_turns}", file=sys.stderr, flush=True)
                cold_turn(libraries, i, scratch, args)
            for i in range(args.turns):
                print(f"turn {i + 1}/{args.turns}", file=sys.stderr, flush=True)
                turn(libraries, settings, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    context["load_after"] = os.getloadavg()
    context["seconds"] = time.time() - started
    context["versions"] = versions
    context["command"] = " ".join(["python", "benchmarks/compare.py", *(argv or sys.argv[1:])])
    context["settings"] = (
        f"{args.turns} turns, {args.cold_turns} cold turns, best of {args.repeat} repeats "
        f"in a process, each repeat ~{args.seconds * 1e3:g} ms and at most {args.number:,} calls"
    )
    if not args.has_nvcc:
        for library in libraries:
            if library.name in FFI_LIBRARIES:
                library.skipped["load.cuda_cold"] = "nvcc is not on PATH"
    rows = all_rows(args.sizes)
    text = report.render(rows, libraries, skipped, context, args.chart)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text)
    print(report.chart(rows, libraries, args.chart), file=sys.stderr)
    ours = next((lib for lib in libraries if lib.name == OURS), None)
    return 1 if ours is not None and ours.failures else 0


if __name__ == "__main__":
    sys.exit(main())
