"""Ahead of time: a library from cpp.build() loads in another process, shipped in a wheel."""

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import tvm_ffi_jit.cpp as cpp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cpp.__file__))))
EXAMPLE = os.path.join(REPO, "examples", "aot_wheel", "build_wheel.py")


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("aot_wheel_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    return path


USE_ADD_OPS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import add_ops
    x = np.arange(4, dtype=np.float32)
    add_ops.add_scalar(x, 0.5)
    print(add_ops.add_one(41), x.tolist(), add_ops.__file__)
    print(sorted(m for m in sys.modules if m.startswith("tvm_ffi_jit.cpp")))
    """
)


def use_elsewhere(site_dir: str, tmp_path) -> None:
    """Imports and calls add_ops from ``site_dir`` in a fresh process, in another directory,
    with an empty cache and a compiler that fails: nothing may be compiled."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([site_dir, PACKAGE_PARENT]),
        TVM_FFI_JIT_CACHE_DIR=str(tmp_path / "empty-cache"),
        CXX="/bin/false",
    )
    out = subprocess.run(
        [sys.executable, "-c", USE_ADD_OPS], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    answer, rest = first.split(" ", 1)
    assert answer == "42"
    assert rest.startswith("[0.5, 1.5, 2.5, 3.5] ")  # the kernel wrote into the numpy array
    assert rest.endswith(os.path.join(site_dir, "add_ops", "__init__.py"))
    assert second == "[]"  # the JIT was never imported


def test_built_library_loads_from_a_copied_package_in_another_process(example, tmp_path):
    pytest.importorskip("numpy")
    staging = tmp_path / "staging"
    package = example.stage_project(str(staging))
    # "Install" the package somewhere else, and drop the build tree it came from.
    site = tmp_path / "site"
    shutil.copytree(package, site / "add_ops")
    shutil.rmtree(staging)
    use_elsewhere(str(site), tmp_path)


def test_wheel_installs_and_loads_without_a_compiler(example, tmp_path):
    pytest.importorskip("numpy")
    pytest.importorskip("setuptools.command.bdist_wheel")
    staging = tmp_path / "staging"
    example.stage_project(str(staging))
    wheel = example.build_wheel(str(staging), str(tmp_path / "dist"))
    assert os.path.basename(wheel) == "add_ops-0.1.0-py3-none-linux_x86_64.whl"
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
    )
    shutil.rmtree(staging)
    use_elsewhere(str(site), tmp_path)
