"""What an exported function costs to compile: the error and metadata paths of
TVM_FFI_DLL_EXPORT_TYPED_FUNC are compiled once per module, not once per exported signature
(the per-signature templates only gather type names and schemas)."""

import subprocess

from native_build import INCLUDE_FLAGS

# Three exports with three signatures, the way load_inline generates them.
SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
namespace ffi = tvm::ffi;
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
double scale(ffi::TensorView t, double s) { return s * t.ndim(); }
ffi::String name(ffi::Map<ffi::String, int64_t> m, uint8_t k) { return "x"; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(add3, add3, "a", "b", "c");
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(scale, scale, "t", "s");
TVM_FFI_DLL_EXPORT_TYPED_FUNC(name, name);
"""

ONCE_PER_MODULE = [
    "ThrowArgTypeError",
    "ThrowArgCountError",
    "ThrowArgRangeError",
    "SignatureFromNames",
    "FunctionSchemaFromParts",
    "ExportMetadataJSON",
    "AppendEscapedJSON",
]


def test_error_and_metadata_code_is_compiled_once_per_module(tmp_path):
    source = tmp_path / "exports.cc"
    source.write_text(SOURCE)
    obj = tmp_path / "exports.o"
    flags = ["-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", *INCLUDE_FLAGS]
    subprocess.run(["c++", *flags, "-c", str(source), "-o", str(obj)], check=True)
    symbols = subprocess.run(
        ["nm", "-C", "--defined-only", str(obj)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    functions = [line.split(" ", 2)[2] for line in symbols if line.split(" ")[1] in "TtWw"]
    counts = {
        helper: sum(f"details::{helper}(" in f and "[clone" not in f for f in functions)
        for helper in ONCE_PER_MODULE
    }
    assert counts == dict.fromkeys(ONCE_PER_MODULE, 1)
    globals_ = [line.split(" ", 2)[2] for line in symbols if line.split(" ")[1] == "T"]
    exports = sorted(name for name in globals_ if name.startswith("__tvm_ffi_"))
    assert exports == [
        "__tvm_ffi__metadata_add3",
        "__tvm_ffi__metadata_name",
        "__tvm_ffi__metadata_scale",
        "__tvm_ffi_add3",
        "__tvm_ffi_name",
        "__tvm_ffi_scale",
    ]
