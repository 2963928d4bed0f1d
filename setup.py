"""Build: the runtime shared library, then the CPython extension linked against it.

The runtime (src/ffi) becomes tvm_ffi_jit/lib/libtvm_ffi_jit.so; the extension
(src/python) finds it through an $ORIGIN rpath. Headers (include/, cuda/) ship as
package data so JIT builds work from an installed package.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent.resolve()
RUNTIME_NAME = "tvm_ffi_jit"
CXX_FLAGS = ["-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wno-unused-function"]


def _cxx():
    return os.environ.get("CXX") or (sysconfig.get_config_var("CXX") or "g++").split()[0]


def _compile_all(jobs):
    """Runs (command, output) compile jobs on every core; stops at the first failure."""
    workers = max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        for cmd, result in zip(jobs, pool.map(lambda c: subprocess.run(c), jobs)):
            if result.returncode != 0:
                sys.exit(f"compilation failed: {' '.join(cmd)}")


class BuildRuntimeThenExtension(build_ext):
    def build_extensions(self):
        ext_path = Path(self.get_ext_fullpath("tvm_ffi_jit._core")).resolve()
        lib_dir = ext_path.parent / "lib"
        lib_dir.mkdir(parents=True, exist_ok=True)
        self._build_runtime(lib_dir)
        for ext in self.extensions:
            ext.library_dirs.append(str(lib_dir))
        self.parallel = os.cpu_count() or 1
        super().build_extensions()

    def copy_extensions_to_source(self):
        # Editable installs: the runtime library goes next to the extension in the source tree.
        super().copy_extensions_to_source()
        built = Path(self.build_lib) / "tvm_ffi_jit" / "lib" / f"lib{RUNTIME_NAME}.so"
        target = ROOT / "tvm_ffi_jit" / "lib"
        target.mkdir(exist_ok=True)
        self.copy_file(str(built), str(target / built.name))

    def get_outputs(self):
        runtime = Path(self.build_lib) / "tvm_ffi_jit" / "lib" / f"lib{RUNTIME_NAME}.so"
        return [*super().get_outputs(), str(runtime)]

    def _build_runtime(self, lib_dir):
        obj_dir = Path(self.build_temp).resolve() / "runtime"
        obj_dir.mkdir(parents=True, exist_ok=True)
        sources = sorted((ROOT / "src" / "ffi").glob("*.cc"))
        objects, jobs = [], []
        includes = [f"-I{ROOT / 'include'}", f"-I{ROOT / 'src'}"]
        for src in sources:
            obj = obj_dir / (src.stem + ".o")
            objects.append(obj)
            jobs.append([_cxx(), *CXX_FLAGS, *includes, "-c", str(src), "-o", str(obj)])
        _compile_all(jobs)
        target = lib_dir / f"lib{RUNTIME_NAME}.so"
        link = [
            _cxx(),
            "-shared",
            "-o",
            str(target),
            *map(str, objects),
            f"-Wl,-soname,lib{RUNTIME_NAME}.so",
            "-ldl",
            "-lpthread",
        ]
        if subprocess.run(link).returncode != 0:
            sys.exit("linking the runtime library failed")


class BuildPyWithHeaders(build_py):
    """Copies include/ and cuda/ into the package so installed JIT builds find them."""

    def run(self):
        super().run()
        for folder in ("include", "cuda"):
            target = Path(self.build_lib) / "tvm_ffi_jit" / folder
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ROOT / folder, target)


core = Extension(
    "tvm_ffi_jit._core",
    sources=[str(p.relative_to(ROOT)) for p in sorted((ROOT / "src" / "python").glob("*.cc"))],
    include_dirs=[str(ROOT / "include"), str(ROOT / "src")],
    libraries=[RUNTIME_NAME],
    extra_compile_args=CXX_FLAGS,
    extra_link_args=["-Wl,-rpath,$ORIGIN/lib"],
    language="c++",
)

setup(
    ext_modules=[core],
    cmdclass={"build_ext": BuildRuntimeThenExtension, "build_py": BuildPyWithHeaders},
)
