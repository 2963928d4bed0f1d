"""Shared machinery of the interop tests against apache-tvm-ffi (the reference runtime).

The test process never imports ``tvm_ffi``: loading its runtime here would put two runtimes
in the pytest process. Its location and documented flags come from ``python -m
tvm_ffi.config`` in a subprocess; every load happens in a process of its own, forked from a
server that has imported numpy and torch only (tests/interop/child.py). Builds and children
run in the background (``_WORKERS`` threads wait on them), each once per test session.
"""

import atexit
import concurrent.futures
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Optional

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
UPSTREAM_VERSION = "0.1.15.post2"
_WORKERS = max(2, (os.cpu_count() or 2) + 1)
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=_WORKERS)


@dataclass(frozen=True)
class Upstream:
    """How to compile and link against apache-tvm-ffi, as its config CLI reports it."""

    cxxflags: "list[str]"
    ldflags: "list[str]"
    libs: "list[str]"

    @property
    def include_dirs(self) -> "list[str]":
        return [flag[2:] for flag in self.cxxflags if flag.startswith("-I")]


def _config(flag: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "tvm_ffi.config", flag], capture_output=True, text=True
    )


@cache
def _find_upstream() -> "tuple[Optional[Upstream], str]":
    if importlib.util.find_spec("tvm_ffi") is None:
        return None, (
            f"apache-tvm-ffi is not installed (pip install '.[test]' installs "
            f"apache-tvm-ffi=={UPSTREAM_VERSION})"
        )
    flags = list(_EXECUTOR.map(_config, ["--cxxflags", "--ldflags", "--libs"]))
    for result in flags:
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"apache-tvm-ffi is not importable ({last_line})"
    cxxflags, ldflags, libs = (result.stdout.split() for result in flags)
    return Upstream(cxxflags, ldflags, libs), ""


def upstream() -> Upstream:
    """apache-tvm-ffi's flags; skips the calling test with the reason when it is unusable."""
    found, reason = _find_upstream()
    if found is None:
        pytest.skip(reason)
    return found


@cache
def workdir() -> Path:
    """A directory for this session's builds, removed at exit."""
    path = Path(tempfile.mkdtemp(prefix="tvm_ffi_jit_interop_"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def compiler() -> str:
    return os.environ.get("CXX", "g++")


def submit(fn, *args) -> concurrent.futures.Future:
    """Runs fn(*args) in the background pool."""
    return _EXECUTOR.submit(fn, *args)


def run_checked(argv: "list[str]", what: str) -> str:
    """Runs a build or probe command; raises with its diagnostics when it fails."""
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{' '.join(argv)}\n{result.stderr[-4000:]}")
    return result.stdout


_build_cache: "list[Path]" = []  # pytest's cache directory, when the cache plugin is on


def use_build_cache(config) -> None:
    """Keeps artifacts built against apache-tvm-ffi's headers (which change only with its
    version) in pytest's cache across sessions; call from a fixture with request.config."""
    if not _build_cache and getattr(config, "cache", None) is not None:
        _build_cache.append(Path(config.cache.mkdir("tvm_ffi_jit_interop")))


def build_against_upstream(argv: "list[str]", output: Path, sources: "list[Path]", what: str):
    """Runs the compiler command `argv` that writes `output`, unless pytest's cache holds its
    result for the same command, sources, compiler and apache-tvm-ffi version."""
    if not _build_cache:
        run_checked(argv, what)
        return
    digest = hashlib.sha256()
    version = subprocess.run([compiler(), "-dumpfullversion"], capture_output=True, text=True)
    for part in [*argv, version.stdout, importlib.metadata.version("apache-tvm-ffi")]:
        digest.update(part.replace(str(output), "<output>").encode() + b"\0")
    for source in sources:
        digest.update(source.read_bytes())
    cached = _build_cache[0] / f"{digest.hexdigest()[:24]}_{output.name}"
    if not cached.exists():
        run_checked(argv, what)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        shutil.copy2(output, partial)
        os.replace(partial, cached)  # readers never see a partial file
    else:
        shutil.copy2(cached, output)


@dataclass
class ChildResult:
    """What a child interpreter reported: one entry per check it ran, plus how it ended."""

    checks: "dict[str, dict]"
    returncode: int
    stderr: str

    def passed(self, expected: "list[str]") -> int:
        return sum(1 for name in expected if self.checks.get(name, {}).get("ok"))

    def failures(self, expected: "list[str]") -> "list[str]":
        problems = []
        for name in expected:
            check = self.checks.get(name)
            if check is None:
                problems.append(f"{name}: never ran")
            elif not check["ok"]:
                problems.append(f"{name}: {check['detail']}")
        if self.returncode != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-12:])
            problems.append(f"child exited with {self.returncode}:\n{tail}")
        return problems


class _ForkServer:
    """tests/interop/child.py serve: one interpreter that has imported numpy and torch forks
    each child, so that a cell costs its own imports and calls, not torch's import again."""

    def __init__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        self._process = subprocess.Popen(
            [sys.executable, str(INTEROP_DIR / "child.py"), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_no_core_dumps,
        )
        ready = self._process.stdout.readline()
        if ready.strip() != "READY":
            raise RuntimeError(f"the interop fork server did not start: {ready!r}")
        self._lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, concurrent.futures.Future] = {}
        self._pids: dict[int, int] = {}
        threading.Thread(target=self._read_replies, daemon=True).start()
        atexit.register(self.close)

    def _read_replies(self):
        for line in self._process.stdout:
            kind, request_id, value = line.split()
            with self._lock:
                if kind == "STARTED":
                    self._pids[int(request_id)] = int(value)
                else:
                    self._waiting.pop(int(request_id)).set_result(int(value))
        # The server is gone: nothing will answer the requests still waiting.
        with self._lock:
            for waiting in self._waiting.values():
                waiting.set_exception(RuntimeError("the interop fork server exited"))
            self._waiting.clear()

    def run(self, argv: "list[str]", stdout: Path, stderr: Path, timeout: float) -> int:
        done: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._process.poll() is not None:
                raise RuntimeError("the interop fork server exited")
            request_id = self._next_id
            self._next_id += 1
            self._waiting[request_id] = done
            request = {"id": request_id, "argv": argv, "stdout": str(stdout), "stderr": str(stderr)}
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        try:
            return done.result(timeout)
        except concurrent.futures.TimeoutError:
            with self._lock:
                pid = self._pids.get(request_id)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
            done.result(30)
            raise

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait(60)


def _no_core_dumps():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@cache
def _fork_server() -> _ForkServer:
    return _ForkServer()


def _run_once(args: "list[str]", timeout: float) -> "tuple[int, list[str], str]":
    out_dir = Path(tempfile.mkdtemp(dir=workdir(), prefix="child_"))
    stdout, stderr = out_dir / "stdout", out_dir / "stderr"
    try:
        code, note = _fork_server().run(args, stdout, stderr, timeout), ""
    except concurrent.futures.TimeoutError:
        code, note = -9, f"timed out after {timeout} s\n"
    lines = stdout.read_text(errors="replace").splitlines()
    return code, lines, note + stderr.read_text(errors="replace")


def run_child(args: "list[str]", timeout: float = 240) -> ChildResult:
    """Runs tests/interop/child.py ARGS in a process of its own and collects its CHECK lines.
    When the process dies during a check, that check fails with the signal and a new process
    runs the checks that had not begun (ARGS plus the comma-separated names to skip)."""
    checks: dict[str, dict] = {}
    begun: list[str] = []
    while True:
        code, lines, stderr = _run_once(args + ([",".join(begun)] if begun else []), timeout)
        crashed = None
        for line in lines:
            if line.startswith("BEGIN "):
                crashed = line[len("BEGIN ") :]
                begun.append(crashed)
            elif line.startswith("CHECK "):
                record = json.loads(line[len("CHECK ") :])
                checks[record["name"]] = record
                crashed = None
        if code == 0 or crashed is None:
            return ChildResult(checks, code, stderr)
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        tail = "\n".join(stderr.strip().splitlines()[-6:])
        checks[crashed] = {
            "name": crashed,
            "ok": False,
            "detail": f"the process died ({how})\n{tail}",
        }
