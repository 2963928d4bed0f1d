"""The C functions of the ABI, by name: the runtime defines every one, and libraries built
with this project's headers need no other, so they load on any runtime of the same ABI."""

import subprocess
from pathlib import Path

import pytest

import tvm_ffi_jit.libinfo

# Every C function a TVM-FFI 0.1.16 runtime exports (c_api.h and extra/c_env_api.h).
ABI_FUNCTIONS = """
TVMFFIAnyViewToOwnedAny TVMFFIBacktrace TVMFFIBigIntFromByteArray TVMFFIBigIntGetContentByteArray
TVMFFIBytesFromByteArray TVMFFIDataTypeFromString TVMFFIDataTypeToString TVMFFIEnvCheckSignals
TVMFFIEnvGetDLPackManagedTensorAllocator TVMFFIEnvGetStream TVMFFIEnvModLookupFromImports
TVMFFIEnvModRegisterContextSymbol TVMFFIEnvModRegisterSystemLibSymbol TVMFFIEnvRegisterCAPI
TVMFFIEnvSetDLPackManagedTensorAllocator TVMFFIEnvSetStream TVMFFIEnvTensorAlloc TVMFFIErrorCreate
TVMFFIErrorCreateWithCauseAndExtraContext TVMFFIErrorMoveFromRaised TVMFFIErrorSetRaised
TVMFFIErrorSetRaisedFromCStr TVMFFIErrorSetRaisedFromCStrParts TVMFFIFunctionCall
TVMFFIFunctionCreate TVMFFIFunctionGetGlobal TVMFFIFunctionSetGlobal
TVMFFIFunctionSetGlobalFromMethodInfo TVMFFIGetCustomAllocator TVMFFIGetTypeAttrColumn
TVMFFIGetTypeInfo TVMFFIGetVersion TVMFFIHandleDeinitOnce TVMFFIHandleInitOnce
TVMFFIObjectCreateOpaque TVMFFIObjectDecRef TVMFFIObjectIncRef TVMFFISetCustomAllocator
TVMFFIStringFromByteArray TVMFFITensorCreateUnsafeView TVMFFITensorFromDLPack
TVMFFITensorFromDLPackVersioned TVMFFITensorToDLPack TVMFFITensorToDLPackVersioned
TVMFFITypeGetOrAllocIndex TVMFFITypeKeyToIndex TVMFFITypeRegisterAttr TVMFFITypeRegisterField
TVMFFITypeRegisterMetadata TVMFFITypeRegisterMethod
""".split()

# A module touching every public header: what it imports is what kernels built here import.
BROAD_SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/extra/module.h>
namespace ffi = tvm::ffi;

int64_t seq(ffi::Array<int64_t> a, ffi::List<int64_t> l) {
  l.push_back(static_cast<int64_t>(a.size()));
  return static_cast<int64_t>(l.size());
}
int64_t lookup(ffi::Map<ffi::String, int64_t> m, ffi::String k) { return m.at(k); }
ffi::Tensor alloc(int64_t n) {
  return ffi::Tensor::FromEnvAlloc(ffi::Shape({n}), DLDataType{kDLFloat, 32, 1},
                                   DLDevice{kDLCPU, 0});
}
void fail(ffi::String why) { TVM_FFI_THROW(ValueError) << why; }
int64_t call(ffi::Function f, ffi::Optional<ffi::String> s) {
  return f(s.has_value() ? 1 : 0).cast<int64_t>();
}
ffi::Any any_of(ffi::Any x) { return x; }
ffi::Optional<ffi::Function> from_module(ffi::Module m) { return m->GetFunction("f", true); }
TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("abi_symbols.twice", [](int64_t x) { return 2 * x; });
}
"""


def _dynamic_symbols(path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True, check=True)
    return {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}


def test_runtime_defines_every_abi_function():
    runtime = Path(tvm_ffi_jit.libinfo.runtime_library_path())
    exported = {
        name for name in _dynamic_symbols(runtime, defined=True) if name.startswith("TVMFFI")
    }
    assert sorted(set(ABI_FUNCTIONS) - exported) == []


def test_modules_built_here_import_only_abi_functions():
    import tvm_ffi_jit.cpp

    library = tvm_ffi_jit.cpp.build_inline(
        "abi_symbols_broad",
        cpp_sources=BROAD_SOURCE,
        functions=["seq", "lookup", "alloc", "fail", "call", "any_of", "from_module"],
    )
    imported = {
        name for name in _dynamic_symbols(library, defined=False) if name.startswith("TVMFFI")
    }
    assert imported, "the probe should call into the runtime"
    assert sorted(imported - set(ABI_FUNCTIONS)) == []


@pytest.mark.parametrize("name", ["TVMFFIFunctionSetGlobalDoc", "TVMFFIFunctionListGlobalNames"])
def test_runtime_extras_stay_out_of_the_public_headers(name):
    include = Path(tvm_ffi_jit.libinfo.include_dirs()[0])
    offenders = [
        str(path.relative_to(include))
        for path in include.rglob("*.h")
        if name in path.read_text(errors="replace")
    ]
    assert offenders == []
