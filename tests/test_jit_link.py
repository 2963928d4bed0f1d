"""How JIT modules link: raw C ABI functions export from C++ files, nothing else does, and a
function declared but never defined is a BuildError naming it."""

import ctypes
import os

import pytest

import tvm_ffi_jit.cpp as cpp
from tvm_ffi_jit.build_error import BuildError
from tvm_ffi_jit.cpp import builder, link

RAW_KERNEL = r"""
#include <tvm/ffi/c_api.h>

static int private_helper(int x) { return x + 1; }
extern "C" int visible_helper(int x) { return x * 3; }
// Exported on purpose: a slot another runtime or library fills (e.g. a context symbol).
TVM_FFI_DLL_EXPORT void* exported_slot = nullptr;
extern "C" TVM_FFI_DLL_EXPORT int exported_helper(int x) { return x - 1; }

extern "C" int __tvm_ffi_my_kernel(void*, const TVMFFIAny* args, int32_t, TVMFFIAny* out) {
  out->type_index = kTVMFFIInt;
  out->zero_padding = 0;
  out->v_int64 = private_helper(visible_helper(static_cast<int>(args[0].v_int64)));
  return 0;
}
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    return path


def test_raw_c_abi_function_in_a_cpp_file_is_exported():
    mod = cpp.load_inline("raw_kernel", cpp_sources=RAW_KERNEL)
    assert mod.list_functions() == ["my_kernel"]
    assert mod.my_kernel(4) == 13


def test_only_tvm_ffi_symbols_are_exported(tmp_path):
    source = tmp_path / "raw_kernel.cc"
    source.write_text(RAW_KERNEL)
    library = ctypes.CDLL(cpp.build("raw_kernel_file", cpp_files=[str(source)]))
    assert hasattr(library, "__tvm_ffi_my_kernel")
    # extern "C", but not marked for export: it stays in the module.
    assert not hasattr(library, "visible_helper")
    # Marked with TVM_FFI_DLL_EXPORT: exported as written.
    assert library.exported_helper(5) == 4
    assert ctypes.c_void_p.in_dll(library, "exported_slot").value is None


def test_export_rules_are_part_of_the_cache_key(monkeypatch):
    job = builder.prepare(
        "keyed", inline=True, cpp=RAW_KERNEL, cuda=None, functions=[], build_directory=None
    )
    monkeypatch.setattr(link, "EXPORTS_RULES", "export everything; v0")
    again = builder.prepare(
        "keyed", inline=True, cpp=RAW_KERNEL, cuda=None, functions=[], build_directory=None
    )
    assert job.key != again.key


def test_declared_but_undefined_function_is_a_build_error_naming_it():
    source = r"""
    #include <tvm/ffi/tvm_ffi.h>
    int helper(int x);
    namespace ns { double scale(const char* text, double factor); }
    int twice(int x) { return helper(x) * 2 + static_cast<int>(ns::scale("a", 1.0)); }
    """
    with pytest.raises(BuildError) as info:
        cpp.load_inline("undefined_helper", cpp_sources=source, functions=["twice"])
    message = str(info.value)
    summary = message.split("\n", 1)[1]  # after the "building module ... failed" line
    assert summary.startswith("declared and used, but defined in no source file")
    assert "`helper(int)`, used in `twice(int)`" in summary
    assert "`ns::scale(char const*, double)`, used in `twice(int)`" in summary


def test_undefined_reference_line_is_reported_when_the_linker_gives_one():
    gnu_with_debug_info = (
        "/usr/bin/ld: main.o: in function `user(int)':\n"
        "/src/kernel.cpp:12: undefined reference to `foo(int)'\n"
        "/usr/bin/ld: /src/kernel.cpp:13: undefined reference to `c_missing'\n"
    )
    assert link.undefined_symbols(gnu_with_debug_info) == [
        ("foo(int)", "user(int)", "/src/kernel.cpp:12"),
        ("c_missing", "user(int)", "/src/kernel.cpp:13"),
    ]
    lld = "ld.lld: error: undefined symbol: bar(int)\n>>> referenced by x.cpp:7\n"
    assert link.undefined_symbols(lld) == [("bar(int)", None, "x.cpp:7")]
    assert link.undefined_symbols_summary("error: expected ';'") == ""


def test_the_link_step_reads_each_symbol_of_an_object_exactly_once(tmp_path):
    import glob
    import subprocess

    library = cpp.build_inline("symbol_walk", cpp_sources=RAW_KERNEL)
    (obj,) = glob.glob(os.path.join(os.path.dirname(library), "build", "*.o"))
    table = subprocess.run(["readelf", "-sW", obj], capture_output=True, text=True).stdout
    rows = [
        line.split()
        for line in table.splitlines()
        if line.split()[:1] and line.split()[0][:-1].isdigit()
    ]
    # readelf shows section symbols (which have no name) under their section's name.
    expected = [row[7] if len(row) > 7 and row[3] != "SECTION" else "" for row in rows]
    with open(obj, "rb") as f:
        data = bytearray(f.read())
    found = [name.decode() for _, name, _, _, _ in link._object_symbols(data)]
    # Entries are sh_entsize (24 bytes) apart; reading any other stride invents symbols.
    assert found == expected
