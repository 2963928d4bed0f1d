"""Compiling test sources against the shipped headers and linking them to the runtime."""

import subprocess

import pytest

from tvm_ffi_jit import libinfo

INCLUDE_FLAGS = [f"-I{d}" for d in libinfo.include_dirs()]
LINK_FLAGS = [
    f"-L{libinfo.library_dir()}",
    f"-l{libinfo.library_name()}",
    f"-Wl,-rpath,{libinfo.library_dir()}",
]


def build_all(commands):
    """Runs the compiler commands ({name: argv}) concurrently; fails with the diagnostics."""
    procs = {
        name: subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, argv in commands.items()
    }
    for name, proc in procs.items():
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            pytest.fail(f"building {name} failed:\n{' '.join(commands[name])}\n{stderr}")
