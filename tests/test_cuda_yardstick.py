"""The yardstick (tests/yardstick/README.md): FlashInfer's TVM-FFI binding and kernel files
compile unchanged with nvcc against this package's headers, and the objects define the
functions they export. Compile only: no GPU needed."""

import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tvm_ffi_jit import libinfo

YARD = Path(__file__).resolve().parent / "yardstick" / "flashinfer"
SOURCES = sorted(p.name for p in (YARD / "csrc").glob("*.cu"))
FLAGS = [
    "-std=c++17",
    "--expt-relaxed-constexpr",
    "-static-global-template-stub=false",
    "-Xcompiler=-fPIC",
    "-DFLASHINFER_ENABLE_F16",
    "-DFLASHINFER_ENABLE_BF16",
    "-gencode=arch=compute_80,code=sm_80",
]
pytestmark = [
    pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed"),
    pytest.mark.skipif(
        bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
        reason="nvcc does not run with the sanitizer runtimes preloaded (.ci/sanitize)",
    ),
]


def _compile(source: str, out_dir: Path) -> subprocess.CompletedProcess:
    command = [
        "nvcc",
        "-c",
        *FLAGS,
        *(f"-I{d}" for d in libinfo.include_dirs()),
        f"-I{YARD / 'include'}",
        str(YARD / "csrc" / source),
        "-o",
        str(out_dir / (source + ".o")),
    ]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Every file compiled once, in parallel: {file name: (result, object path)}."""
    out_dir = tmp_path_factory.mktemp("yardstick")
    with ThreadPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        results = dict(zip(SOURCES, pool.map(lambda s: _compile(s, out_dir), SOURCES)))
    return {name: (result, out_dir / (name + ".o")) for name, result in results.items()}


def _errors(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    return "\n".join(lines[:20]) or result.stderr[-3000:]


def test_files_are_as_released():
    for line in (YARD / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((YARD / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("source", SOURCES)
def test_compiles_unchanged(compiled, source):
    result, _ = compiled[source]
    assert result.returncode == 0, f"{source} does not compile:\n{_errors(result)}"


@pytest.mark.parametrize("source", SOURCES)
def test_object_defines_the_exported_functions(compiled, source):
    result, obj = compiled[source]
    if result.returncode != 0:
        pytest.skip("does not compile (see test_compiles_unchanged)")
    text = (YARD / "csrc" / source).read_text()
    exported = re.findall(r"TVM_FFI_DLL_EXPORT_TYPED_FUNC\(\s*(\w+)", text)
    nm = subprocess.run(["nm", "--defined-only", str(obj)], capture_output=True, text=True)
    defined = {fields[-1] for fields in map(str.split, nm.stdout.splitlines()) if fields}
    assert [name for name in exported if f"__tvm_ffi_{name}" not in defined] == []
