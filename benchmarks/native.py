"""Builds the hand-written extension modules the benchmark compares with (g++ -O2, cached).

pybind11 and nanobind come from the Python running compare.py (skipped when not installed);
the floor prototype from ../shared/floors beside the checkout. Each build lands in
`build_dir` under a name that carries a hash of its inputs, so later runs reuse it.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import subprocess
import sys
import sysconfig

from sources import NANOBIND, PYBIND11

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FLOOR_DIR = os.path.join(HERE, "..", "..", "shared", "floors")
CXXFLAGS = ["-O2", "-fPIC", "-shared", "-DNDEBUG", "-fvisibility=hidden"]


class Skip(Exception):
    """The module cannot be built here; the message says why."""


def _python_include() -> str:
    return sysconfig.get_paths()["include"]


def _suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX")


def _build(name: str, sources: list[str], flags: list[str], build_dir: str, text: str) -> str:
    digest = hashlib.sha256((text + repr(flags) + sys.version).encode()).hexdigest()[:12]
    out_dir = os.path.join(build_dir, f"{name}-{digest}")
    output = os.path.join(out_dir, name + _suffix())
    if os.path.exists(output):
        return output
    os.makedirs(out_dir, exist_ok=True)
    partial = output + ".partial"
    command = ["nice", os.environ.get("CXX", "g++"), *sources, *flags, "-o", partial]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise Skip(f"build failed: {result.stderr.strip()[-400:]}")
    os.replace(partial, output)
    return output


def _write(build_dir: str, name: str, text: str) -> str:
    os.makedirs(build_dir, exist_ok=True)
    path = os.path.join(build_dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def build_pybind11(build_dir: str) -> str:
    if importlib.util.find_spec("pybind11") is None:
        raise Skip("pybind11 is not installed (pip install pybind11)")
    import pybind11

    source = _write(build_dir, "bench_pybind11.cc", PYBIND11)
    flags = ["-std=c++17", *CXXFLAGS, f"-I{pybind11.get_include()}", f"-I{_python_include()}"]
    return _build("bench_pybind11", [source], flags, build_dir, PYBIND11)


def build_nanobind(build_dir: str) -> str:
    if importlib.util.find_spec("nanobind") is None:
        raise Skip("nanobind is not installed (pip install nanobind)")
    import nanobind

    source = _write(build_dir, "bench_nanobind.cc", NANOBIND)
    combined = os.path.join(nanobind.source_dir(), "nb_combined.cpp")
    robin_map = os.path.join(os.path.dirname(nanobind.include_dir()), "ext", "robin_map", "include")
    flags = ["-std=c++17", *CXXFLAGS, f"-I{nanobind.include_dir()}", f"-I{robin_map}"]
    flags += [f"-I{_python_include()}", "-fno-strict-aliasing"]
    return _build("bench_nanobind", [source, combined], flags, build_dir, NANOBIND)


def build_floor(build_dir: str, floor_dir: str) -> str:
    candidates = glob.glob(os.path.join(floor_dir, "floor_proto.c"))
    if not candidates:
        raise Skip(f"no floor_proto.c in {os.path.abspath(floor_dir)}")
    if importlib.util.find_spec("torch") is None:
        raise Skip("the floor prototype needs torch's headers")
    import torch.utils.cpp_extension as ext

    with open(candidates[0]) as f:
        text = f.read()
    includes = [f"-I{d}" for d in ext.include_paths()] + [f"-I{_python_include()}"]
    flags = ["-x", "c", *CXXFLAGS, *includes]
    return _build("proto", [candidates[0]], flags, build_dir, text)


def build(library: str, build_dir: str, floor_dir: str) -> tuple[str, str]:
    """(module name, path) of the library's prebuilt benchmark module; raises Skip."""
    if library == "pybind11":
        return "bench_pybind11", build_pybind11(build_dir)
    if library == "nanobind":
        return "bench_nanobind", build_nanobind(build_dir)
    return "proto", build_floor(build_dir, floor_dir)
