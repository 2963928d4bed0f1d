"""`python -m tvm_ffi_jit.config` prints what a C program needs to build against the runtime."""

import os
import shlex
import subprocess
import sys

import pytest

from tvm_ffi_jit import config, libinfo


def run_config(*flags: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit.config", *flags],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_include_dir_holds_the_c_api_and_dlpack():
    include_dir = libinfo.include_dir()
    assert os.path.isfile(os.path.join(include_dir, "tvm", "ffi", "c_api.h"))
    assert os.path.isfile(os.path.join(include_dir, "dlpack", "dlpack.h"))
    assert libinfo.include_dirs()[0] == include_dir


def test_library_names():
    assert libinfo.library_name() == "tvm_ffi_jit"
    assert os.path.basename(libinfo.library_dir()) == "lib"
    assert libinfo.runtime_library_path() == os.path.join(
        libinfo.library_dir(), "libtvm_ffi_jit.so"
    )


def test_each_flag_prints_its_value(capsys):
    lib_dir = libinfo.library_dir()
    expected = {
        "--includedir": libinfo.include_dir(),
        "--libdir": lib_dir,
        "--cflags": " ".join(f"-I{d}" for d in libinfo.include_dirs()),
        "--ldflags": f"-L{lib_dir} -Wl,-rpath,{lib_dir}",
        "--libs": "-ltvm_ffi_jit",
    }
    for flag, value in expected.items():
        assert config.main([flag]) == 0
        assert capsys.readouterr().out == value + "\n"


def test_several_flags_print_on_one_line_in_order():
    lib_dir = libinfo.library_dir()
    assert run_config("--libs", "--libdir") == f"-ltvm_ffi_jit {lib_dir}"
    assert run_config("--ldflags", "--libs") == f"-L{lib_dir} -Wl,-rpath,{lib_dir} -ltvm_ffi_jit"


def test_unknown_flag_is_an_error(capsys):
    assert config.main(["--bogus"]) == 2
    assert "--bogus" in capsys.readouterr().err


C_PROGRAM = r"""
#include <stdio.h>
#include <tvm/ffi/c_api.h>

int main(void) {
  TVMFFIVersion version;
  TVMFFIGetVersion(&version);
  printf("%u.%u.%u %d.%d.%d\n", version.major, version.minor, version.patch,
         TVM_FFI_VERSION_MAJOR, TVM_FFI_VERSION_MINOR, TVM_FFI_VERSION_PATCH);
  return 0;
}
"""


def test_plain_c_program_compiles_and_links_with_the_printed_flags(tmp_path):
    if not os.path.isfile(os.path.join(libinfo.library_dir(), "libtvm_ffi_jit.so")):
        pytest.fail("the runtime library is not built; run `pip install -e .`")
    source = tmp_path / "prog.c"
    source.write_text(C_PROGRAM)
    program = tmp_path / "prog"
    command = (
        f"gcc -std=c99 {run_config('--cflags')} {shlex.quote(str(source))} "
        f"-o {shlex.quote(str(program))} {run_config('--ldflags', '--libs')}"
    )
    subprocess.run(command, shell=True, check=True)
    output = subprocess.run([str(program)], capture_output=True, text=True, check=True).stdout
    runtime_version, header_version = output.split()
    assert runtime_version == header_version
