"""The precompiled <tvm/ffi/tvm_ffi.h>: used only while it matches, never changes an object."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tvm_ffi_jit import libinfo
from tvm_ffi_jit.cpp import builder, precompiled_header, toolchain

UMBRELLA_FIRST = "#include <tvm/ffi/tvm_ffi.h>\nint64_t add_one(int64_t x) { return x + 1; }\n"
# An error thrown from a header's inline code carries that header's __FILE__.
THROWS_IN_HEADER = (
    "#include <tvm/ffi/tvm_ffi.h>\n"
    "int64_t bad_dtype() {\n"
    "  return *tvm::ffi::details::DLDataTypeCodeAsCStr(static_cast<DLDataTypeCode>(99));\n"
    "}\n"
)


def _compiler():
    return toolchain.cxx()


def _expects_package_pch():
    if os.environ.get("TVM_FFI_JIT_SANITIZE"):
        pytest.skip("a sanitizer build ships no precompiled header (see setup.py)")
    if not precompiled_header._is_gcc(_compiler().identity):
        pytest.skip("the precompiled header is for g++")


def _entry(cache_dir):
    (name,) = [d for d in os.listdir(cache_dir) if d.startswith("pch_")]
    return os.path.join(cache_dir, name)


def _build(cache_dir, monkeypatch, source=UMBRELLA_FIRST, functions=("add_one",), **env):
    import tvm_ffi_jit.cpp as cpp

    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(cache_dir))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cpp.load_inline("pch_probe", cpp_sources=source, functions=list(functions))


def _ninja_deps(build_dir):
    result = subprocess.run(
        [sys.executable, "-m", "ninja", "-C", build_dir, "-t", "deps"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_the_package_ships_a_usable_precompiled_header():
    _expects_package_pch()
    reason = precompiled_header.why_unusable(
        precompiled_header.default_dir(), libinfo.include_dirs(), _compiler().identity
    )
    assert reason is None
    status = subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit", "pch", "status"], capture_output=True, text=True
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.strip() == f"used: {precompiled_header.default_dir()}"


def test_a_build_uses_it_and_gets_the_same_object(tmp_path, monkeypatch):
    _expects_package_pch()
    with_pch = _build(tmp_path / "with", monkeypatch)
    assert with_pch.add_one(41) == 42
    build_dir = os.path.join(_entry(tmp_path / "with"), "build")
    pch_dir = precompiled_header.default_dir()
    with open(os.path.join(build_dir, "build.ninja")) as f:
        assert f"-I{pch_dir} -I{libinfo.include_dirs()[0]}" in f.read()
    # Used, not merely offered: the unit read the header's copy beside the .gch, not any.h.
    deps = _ninja_deps(build_dir)
    assert os.path.join(pch_dir, precompiled_header.HEADER) in deps
    assert os.path.join("tvm", "ffi", "any.h") not in deps
    # The manifest watches the real headers the precompiled header was made of.
    with open(os.path.join(_entry(tmp_path / "with"), "manifest.json")) as f:
        watched = [d[0] for d in json.load(f)["deps"]]
    assert os.path.join(libinfo.include_dirs()[0], "tvm", "ffi", "any.h") in watched
    assert not [p for p in watched if p.startswith(pch_dir)]

    without = _build(tmp_path / "without", monkeypatch, TVM_FFI_JIT_PCH="0")
    assert without.add_one(1) == 2
    other_dir = os.path.join(_entry(tmp_path / "without"), "build")
    with open(os.path.join(other_dir, "build.ninja")) as f:
        assert pch_dir not in f.read()
    with open(os.path.join(build_dir, "main.o"), "rb") as a:
        with open(os.path.join(other_dir, "main.o"), "rb") as b:
            assert a.read() == b.read()
    # Same key with and without it: one cache entry name.
    assert os.path.basename(_entry(tmp_path / "with")) == os.path.basename(
        _entry(tmp_path / "without")
    )


def test_a_unit_that_includes_nothing_itself_still_watches_the_headers(tmp_path, monkeypatch):
    _expects_package_pch()
    # The inline prelude is the only include: the compiler's deps then name no header at all.
    module = _build(tmp_path, monkeypatch, "int64_t add_one(int64_t x) { return x + 1; }\n")
    assert module.add_one(1) == 2
    build_dir = os.path.join(_entry(tmp_path), "build")
    assert os.path.join("tvm", "ffi", "any.h") not in _ninja_deps(build_dir)
    with open(os.path.join(_entry(tmp_path), "manifest.json")) as f:
        watched = [d[0] for d in json.load(f)["deps"]]
    assert os.path.join(libinfo.include_dirs()[0], "tvm", "ffi", "any.h") in watched


def test_header_file_names_do_not_depend_on_where_the_package_is(tmp_path, monkeypatch):
    module = _build(tmp_path, monkeypatch, THROWS_IN_HEADER, ("bad_dtype",))
    with pytest.raises(ValueError) as info:
        module.bad_dtype()
    text = "".join(getattr(info.value, "__notes__", [])) + str(info.value)
    assert "tvm/ffi/dtype.h" in text
    assert libinfo.include_dirs()[0] not in text


def _plan(tmp_path, **options):
    unit = tmp_path / "unit.cc"
    unit.write_text(UMBRELLA_FIRST)
    return builder.prepare(
        "pch_plan", inline=False, cpp=[str(unit)], cuda=[], functions=[], **options
    )


def test_builds_with_flags_of_their_own_do_without_it(tmp_path, monkeypatch):
    _expects_package_pch()
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "cache"))
    assert _plan(tmp_path).plan.pch_dir == precompiled_header.default_dir()
    assert _plan(tmp_path, extra_cflags=["-DX=1"]).plan.pch_dir is None
    assert _plan(tmp_path, extra_cflags=["-O3"]).plan.pch_dir is None
    monkeypatch.setenv("TVM_FFI_JIT_PCH", "0")
    assert _plan(tmp_path).plan.pch_dir is None


def test_a_user_include_dir_holding_one_of_our_headers_turns_it_off(tmp_path, monkeypatch):
    _expects_package_pch()
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "cache"))
    harmless = tmp_path / "harmless"
    harmless.mkdir()
    (harmless / "mine.h").write_text("#pragma once\n")
    assert _plan(tmp_path, extra_include_paths=[str(harmless)]).plan.pch_dir is not None
    shadowing = tmp_path / "shadowing"
    (shadowing / "dlpack").mkdir(parents=True)
    (shadowing / "dlpack" / "dlpack.h").write_text("#pragma once\n")
    assert _plan(tmp_path, extra_include_paths=[str(shadowing)]).plan.pch_dir is None


def test_an_edited_header_or_another_compiler_makes_it_unusable(tmp_path):
    _expects_package_pch()
    pch_dir = precompiled_header.default_dir()
    copies = []
    for i, directory in enumerate(libinfo.include_dirs()):
        copies.append(str(tmp_path / f"root{i}"))
        shutil.copytree(directory, copies[-1])
    identity = _compiler().identity
    assert precompiled_header.why_unusable(pch_dir, copies, identity) is None
    assert "another compiler" in precompiled_header.why_unusable(pch_dir, copies, identity + "x")
    # The same binary called by another name (CXX=g++ where the install used c++) is the same.
    command, files, version = identity.split("\n", 2)
    renamed = f"/usr/bin/other-name\n{files}\nother-name {version.split(' ', 1)[1]}"
    assert precompiled_header.why_unusable(pch_dir, copies, renamed) is None
    moved = f"{command}\n{files}0\n{version}"  # another file behind the command
    assert "another compiler" in precompiled_header.why_unusable(pch_dir, copies, moved)
    edited = os.path.join(copies[0], "tvm", "ffi", "any.h")
    with open(edited, "a") as f:
        f.write("// edited\n")
    assert precompiled_header.why_unusable(pch_dir, copies, identity) == (
        f"{edited} changed since it was built"
    )


def test_a_failed_build_leaves_what_was_there(tmp_path):
    if not precompiled_header._is_gcc(_compiler().identity):
        pytest.skip("the precompiled header is for g++")
    target = tmp_path / "pch"
    target.mkdir()
    (target / "kept").write_text("old")
    broken = tmp_path / "include"
    (broken / "tvm" / "ffi").mkdir(parents=True)
    (broken / "tvm" / "ffi" / "tvm_ffi.h").write_text("#include <tvm/ffi/missing.h>\n")
    with pytest.raises(RuntimeError, match="missing.h"):
        precompiled_header.build(str(target), [str(broken)])
    assert (target / "kept").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["include", "pch"]


def test_only_gcc_builds_one():
    assert precompiled_header._is_gcc(
        "/usr/bin/c++\nc++ (Debian 12.2.0-14) 12.2.0\nCopyright (C) 2022 Free Software Foundation"
    )
    assert not precompiled_header._is_gcc("/usr/bin/clang++\nDebian clang version 14.0.6")


@pytest.mark.parametrize(
    "version, expected",
    [
        ("c++ (Debian 12.2.0-14) 12.2.0\nCopyright (C) 2022 Free Software Foundation, Inc.", True),
        ("g++ (GCC) 8.5.0 20210514\nCopyright (C) 2018 Free Software Foundation, Inc.", True),
        ("g++ (GCC) 7.3.1 20180303\nCopyright (C) 2017 Free Software Foundation, Inc.", False),
        ("Ubuntu clang version 14.0.0-1ubuntu1\nTarget: x86_64-pc-linux-gnu", True),
        ("clang version 9.0.1\nTarget: x86_64-pc-linux-gnu", False),
        ("some compiler 1.0", False),
    ],
)
def test_file_names_are_mapped_only_by_compilers_that_can(version, expected):
    identity = f"/usr/bin/c++\n/usr/bin/real:1:2:3\n{version}"
    flags = precompiled_header.macro_prefix_flags(["/opt/pkg/include"], identity)
    assert flags == (["-fmacro-prefix-map=/opt/pkg/include/="] if expected else [])
