"""Builds add_ops.so ahead of time with tvm_ffi_jit.cpp.build() and packs it into a wheel.

    python examples/aot_wheel/build_wheel.py --out dist
    pip install dist/add_ops-0.1.0-py3-none-linux_x86_64.whl
    python -c "import add_ops; print(add_ops.add_one(41))"   # no compiler runs here

The project is staged in a scratch directory, so the example folder itself stays clean.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import tvm_ffi_jit.cpp

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_FILES = ["pyproject.toml", "setup.py", os.path.join("add_ops", "__init__.py")]


def build_library(build_directory: str) -> str:
    """Compiles kernels/add_ops.cpp; returns the path of the shared library."""
    return tvm_ffi_jit.cpp.build(
        "add_ops",
        cpp_files=[os.path.join(HERE, "kernels", "add_ops.cpp")],
        build_directory=build_directory,
    )


def stage_project(staging: str) -> str:
    """Copies the project into ``staging`` with add_ops.so inside the package; returns the
    package directory."""
    for relative in PROJECT_FILES:
        target = os.path.join(staging, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(HERE, relative), target)
    library = build_library(os.path.join(staging, "build"))
    package = os.path.join(staging, "add_ops")
    shutil.copyfile(library, os.path.join(package, "add_ops.so"))
    return package


def build_wheel(staging: str, out_dir: str) -> str:
    """Runs ``pip wheel`` on the staged project; returns the wheel's path."""
    os.makedirs(out_dir, exist_ok=True)
    before = set(os.listdir(out_dir))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--wheel-dir", out_dir, staging],
        check=True,
    )
    (wheel,) = [f for f in set(os.listdir(out_dir)) - before if f.endswith(".whl")]
    return os.path.join(out_dir, wheel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="dist", help="where to put the wheel (default: dist)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="add_ops-") as staging:
        stage_project(staging)
        print(build_wheel(staging, os.path.abspath(args.out)))


if __name__ == "__main__":
    main()
