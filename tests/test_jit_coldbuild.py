"""What a cold build spends time on: the link step's Python starts without `site`, and the
module links with GNU gold when it is on PATH (its undefined-reference lines still name the
function and the symbol)."""

import os
import subprocess

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.cpp import builder, link, toolchain

# Only the C ABI: the cheapest module to compile, so the test times the link step's setup.
RAW_KERNEL = r"""
#include <tvm/ffi/c_api.h>
extern "C" int __tvm_ffi_plus_two(void*, const TVMFFIAny* args, int32_t, TVMFFIAny* out) {
  out->type_index = kTVMFFIInt;
  out->zero_padding = 0;
  out->v_int64 = args[0].v_int64 + 2;
  return 0;
}
"""

HAS_GOLD = toolchain.find_executable("ld.gold") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One module built with a PYTHONPATH whose sitecustomize leaves a marker when imported."""
    root = tmp_path_factory.mktemp("coldbuild")
    site_dir = root / "site"
    site_dir.mkdir()
    marker = root / "site-was-imported"
    (site_dir / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "TVM_FFI_JIT_CACHE_DIR")}
    os.environ["PYTHONPATH"] = str(site_dir)
    os.environ["TVM_FFI_JIT_CACHE_DIR"] = str(root / "cache")
    try:
        library = cpp.build_inline("coldbuild_raw", cpp_sources=RAW_KERNEL)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return library, marker


def test_the_link_step_python_skips_site_and_the_users_pythonpath(built):
    library, marker = built
    assert tvm_ffi_jit.load_module(library).plus_two(40) == 42
    assert not marker.exists()


@pytest.mark.skipif(not HAS_GOLD, reason="ld.gold is not on PATH")
def test_a_module_is_linked_by_gold_when_it_is_on_path(built):
    library, _ = built
    sections = subprocess.run(["readelf", "-SW", library], capture_output=True, text=True).stdout
    assert ".note.gnu.gold-version" in sections


def test_without_gold_the_default_linker_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path))

    def plan():
        job = builder.prepare(
            "coldbuild_plan", inline=True, cpp=RAW_KERNEL, cuda=None, functions=[]
        )
        return job.plan.ldflags, job.key

    with_gold, key_gold = plan()
    assert ("-fuse-ld=gold" in with_gold) == HAS_GOLD
    find = toolchain.find_executable
    monkeypatch.setattr(
        toolchain, "find_executable", lambda name: None if name == "ld.gold" else find(name)
    )
    without, key_plain = plan()
    assert not any(flag.startswith("-fuse-ld=") for flag in without)
    assert (key_gold != key_plain) == HAS_GOLD  # the linker is part of the cache key


def test_gold_undefined_references_name_the_function_and_the_line():
    without_debug_info = (
        "main.o:main.cpp:function twice(int): error: undefined reference to 'helper(int)'\n"
        "main.o:main.cpp:function twice(int): error: undefined reference to "
        "'ns::scale(char const*, double)'\n"
        "collect2: error: ld returned 1 exit status\n"
    )
    assert link.undefined_symbols(without_debug_info) == [
        ("helper(int)", "twice(int)", None),
        ("ns::scale(char const*, double)", "twice(int)", None),
    ]
    with_debug_info = "/src/kernel.cpp:3: error: undefined reference to 'helper(int)'\n"
    assert link.undefined_symbols(with_debug_info) == [("helper(int)", None, "/src/kernel.cpp:3")]
