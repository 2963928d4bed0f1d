"""benchmarks/compare.py --quick runs to the end and reports a figure on every row of ours."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPARE = os.path.join(ROOT, "benchmarks", "compare.py")


def _benchmark_rows():
    # By path, not on sys.path: the benchmark's module names would shadow others in this process.
    spec = importlib.util.spec_from_file_location(
        "_benchmark_rows", os.path.join(ROOT, "benchmarks", "rows.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
    reason="timings mean nothing under the sanitizers, and nvcc does not run there",
)
QUICK_SIZES = {"map": 500, "array": 10_000}


def _figure(cell: str) -> float:
    return float(cell.replace(",", ""))


def _rows_by_label(text: str) -> dict:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| row") and "---" not in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def _skipped_for_the_machine(row_key: str) -> bool:
    if row_key == "load.cuda_cold":
        return shutil.which("nvcc") is None
    if row_key == "load.nvrtc":
        # NVRTC needs libnvrtc (the test extra's nvidia-cuda-nvrtc wheel, or the toolkit's).
        import ctypes.util

        from tvm_ffi_jit.cpp import nvrtc

        return nvrtc.find_nvrtc() is None and ctypes.util.find_library("nvrtc") is None
    return False


def test_quick_run_reports_every_row_of_ours(tmp_path):
    output = tmp_path / "RESULTS.md"
    # apache-tvm-ffi (the test extra) runs only in the script's subprocesses.
    command = [
        sys.executable,
        COMPARE,
        "--quick",
        "--libraries",
        "tvm_ffi_jit,apache-tvm-ffi",
        "--upstream-python",
        sys.executable,
        "--output",
        str(output),
    ]
    env = dict(os.environ, TVM_FFI_JIT_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = output.read_text()
    assert text in result.stdout
    assert re.search(r"load average\s+[\d.]+, [\d.]+, [\d.]+", text)
    assert "commit " in text
    table = _rows_by_label(text)
    for row in _benchmark_rows().all_rows(QUICK_SIZES):
        cells = table[row.label]
        ours = cells[2]
        if ours == "skipped" and _skipped_for_the_machine(row.key):
            continue
        assert _figure(ours) > 0, (row.label, cells)
    # The ratio column is ours over upstream's where upstream ran.
    noop = table["call, no arguments (GIL held)"]
    if noop[3] not in ("-", "skipped"):
        expected = _figure(noop[2]) / _figure(noop[3])
        assert float(noop[4]) == pytest.approx(expected, rel=0.1, abs=0.02)
