"""The per-module support code the headers compile into every JIT module (argument errors,
signatures, type schemas, export metadata, Error's texts): what it prints, byte for byte as
before it was made lighter, and a bound on how much of it a one-function module carries."""

import subprocess

import pytest
from native_build import INCLUDE_FLAGS, LINK_FLAGS, build_all

import tvm_ffi_jit

CXX = ["c++", "-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", *INCLUDE_FLAGS]

PROBES = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <cstdint>
#include <string>

namespace ffi = tvm::ffi;
namespace details = tvm::ffi::details;

int64_t typed(int64_t a, double b, ffi::String c, ffi::Array<int64_t> xs) {
  return a + static_cast<int64_t>(b) + static_cast<int64_t>(c.size() + xs.size());
}
int64_t narrow(uint8_t x, ffi::Optional<ffi::Map<ffi::String, int64_t>> m) { return x; }
void nothing() {}

std::string signature_texts() {
  using Typed = details::FunctionInfo<decltype(&typed)>;
  using Narrow = details::FunctionInfo<decltype(&narrow)>;
  return Typed::Sig() + "\n" + Narrow::Sig() + "\n" + details::FunctionInfo<void (*)()>::Sig() +
         "\n" + details::SignatureText<int64_t, int64_t, double>("") + "\n" +
         details::SignatureText<void>("named") + "\n" + Typed::TypeSchema() + "\n" +
         Narrow::TypeSchema() + "\n" + details::FunctionInfo<void (*)()>::TypeSchema();
}
std::string metadata_texts() {
  return details::ExportedFunctionMetadataNamed(typed, {"a", "b\"\\/\n\x01", "c", "xs"}) + "\n" +
         details::ExportedFunctionMetadata(narrow) + "\n" +
         details::ExportedFunctionMetadataNamedIfArity(narrow, {"only_one"}) + "\n" +
         details::ExportedFunctionMetadataNamedIfArity(nothing, {"x"});
}
std::string type_names() {
  std::string out;
  const std::initializer_list<int32_t> indices = {
      kTVMFFINone, kTVMFFIInt, kTVMFFIBool, kTVMFFIFloat, kTVMFFIOpaquePtr,
                        kTVMFFIDataType, kTVMFFIDevice, kTVMFFIDLTensorPtr, kTVMFFIRawStr,
                        kTVMFFISmallStr, kTVMFFIStr, kTVMFFIByteArrayPtr, kTVMFFISmallBytes,
                        kTVMFFIBytes, kTVMFFIObjectRValueRef, kTVMFFIArray, kTVMFFIMap,
                        kTVMFFIFunction, kTVMFFITensor, kTVMFFIShape, 999999, -7};
  for (int32_t index : indices) {
    out += details::TypeIndexToName(index) + ",";
  }
  return out;
}
std::string error_texts() {
  ffi::Error e("ValueError", "bad value", std::string("  f1\n\n  f2\n  f3"));
  std::string out = e.TracebackMostRecentCallLast() + "|" + e.FullMessage();
  e.UpdateBacktrace(std::string("  f4\n"), kTVMFFIBacktraceUpdateModeAppend);
  out += "|" + e.backtrace();
  e.UpdateBacktrace(std::string("  g\n"), kTVMFFIBacktraceUpdateModeReplace);
  out += "|" + e.backtrace() + "|" + e.FullMessage();
  ffi::Error empty("KeyError", "", std::string());
  out += "|" + empty.TracebackMostRecentCallLast() + "|" + empty.FullMessage();
  ffi::Error blank("E", "m", std::string("\n\n"));
  out += "|" + blank.FullMessage();
  return out;
}

TVM_FFI_DLL_EXPORT_TYPED_FUNC(typed, typed);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(narrow, narrow);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(signature_texts, signature_texts);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(metadata_texts, metadata_texts);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(type_names, type_names);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(error_texts, error_texts);
"""

# What load_inline generates for one function (tvm_ffi_jit/cpp/sources.py), as the cold-build
# benchmark row compiles it.
ONE_FUNCTION = r"""
#include <tvm/ffi/tvm_ffi.h>
int64_t add_one(int64_t x) { return x + 1; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(add_one, add_one, "x");
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("header_codegen")
    (out / "probes.cc").write_text(PROBES)
    (out / "one.cc").write_text(ONE_FUNCTION)
    build_all(
        {
            "probes": [
                *CXX,
                "-O0",  # behaviour only: quicker to build
                "-shared",
                str(out / "probes.cc"),
                "-o",
                str(out / "probes.so"),
                *LINK_FLAGS,
            ],
            "one": [*CXX, "-c", str(out / "one.cc"), "-o", str(out / "one.o")],
        }
    )
    return out


@pytest.fixture(scope="module")
def mod(built):
    return tvm_ffi_jit.load_module(str(built / "probes.so"))


def test_signatures_and_type_schemas(mod):
    assert mod.signature_texts().split("\n") == [
        "(0: int, 1: float, 2: str, 3: Array<int>) -> int",
        "(0: int, 1: Optional<Map<str, int>>) -> int",
        "() -> void",
        "<anonymous>(0: int, 1: float) -> int",
        "named() -> void",
        '{"type":"ffi.Function","named_args":{"return":[{"type":"int"}],"params":[{"type":"int"},'
        '{"type":"float"},{"type":"ffi.String"},{"type":"ffi.Array","args":[{"type":"int"}]}]}}',
        '{"type":"ffi.Function","named_args":{"return":[{"type":"int"}],"params":[{"type":"int"},'
        '{"type":"Optional","args":[{"type":"ffi.Map","args":[{"type":"ffi.String"},'
        '{"type":"int"}]}]}]}}',
        '{"type":"ffi.Function","named_args":{"return":[{"type":"None"}],"params":[]}}',
    ]


def test_export_metadata_json(mod):
    typed = (
        '{"type":"ffi.Function","named_args":{"return":[{"type":"int"}],"params":[{"type":"int"},'
        '{"type":"float"},{"type":"ffi.String"},{"type":"ffi.Array","args":[{"type":"int"}]}]}}'
    )
    narrow = (
        '{"type":"ffi.Function","named_args":{"return":[{"type":"int"}],"params":[{"type":"int"},'
        '{"type":"Optional","args":[{"type":"ffi.Map","args":[{"type":"ffi.String"},'
        '{"type":"int"}]}]}]}}'
    )
    escaped = typed.replace('"', '\\"')
    assert mod.metadata_texts().split("\n") == [
        '{"type_schema":"' + escaped + '","arg_names":["a","b\\"\\\\\\/\\n\\u0001","c","xs"]}',
        '{"type_schema":"' + narrow.replace('"', '\\"') + '"}',
        '{"type_schema":"' + narrow.replace('"', '\\"') + '"}',  # one name for two parameters
        '{"type_schema":"'
        + '{"type":"ffi.Function","named_args":{"return":[{"type":"None"}],"params":[]}}'.replace(
            '"', '\\"'
        )
        + '"}',
    ]


def test_type_index_names(mod):
    assert mod.type_names() == (
        "None,int,bool,float,void*,dtype,Device,DLTensor*,str,str,str,bytes,bytes,bytes,"
        "ObjectRValueRef,Array,Map,Function,Tensor,Shape,<unknown type 999999>,<unknown type -7>,"
    )


def test_error_traceback_full_message_and_backtrace_updates(mod):
    assert mod.error_texts().split("|") == [
        "  f3\n  f2\n  f1\n",
        "Traceback (most recent call last):\n  f3\n  f2\n  f1\nValueError: bad value\n",
        "  f1\n\n  f2\n  f3  f4\n",  # appended as given
        "  g\n",  # replaced
        "Traceback (most recent call last):\n  g\nValueError: bad value\n",
        "",
        "Traceback (most recent call last):\nKeyError: \n",
        "Traceback (most recent call last):\nE: m\n",
    ]


SIG_TYPED = "`typed(0: int, 1: float, 2: str, 3: Array<int>) -> int`"
SIG_NARROW = "`narrow(0: int, 1: Optional<Map<str, int>>) -> int`"


@pytest.mark.parametrize(
    "call, kind, message",
    [
        (
            lambda m: m.typed("x", 1.0, "s", [1]),
            TypeError,
            f"Mismatched type on argument #0 when calling: {SIG_TYPED}. "
            "Expected `int` but got `str`",
        ),
        (
            lambda m: m.typed(1),
            TypeError,
            f"Mismatched number of arguments when calling: {SIG_TYPED}. "
            "Expected 4 but got 1 arguments",
        ),
        (
            lambda m: m.typed(1, 2.0, "s", ["no"]),
            TypeError,
            f"Mismatched type on argument #3 when calling: {SIG_TYPED}. "
            "Expected `Array<int>` but got `Array[index 0: str]`",
        ),
        (
            lambda m: m.narrow(300, None),
            OverflowError,
            f"Argument #0 when calling: {SIG_NARROW}: 300 is out of range for the parameter's "
            "C++ type uint8_t [0, 255]",
        ),
        (
            lambda m: m.narrow(1, {"k": "v"}),
            TypeError,
            f"Mismatched type on argument #1 when calling: {SIG_NARROW}. "
            "Expected `Optional<Map<str, int>>` but got `Map[K, some value is str]`",
        ),
    ],
)
def test_argument_error_messages(mod, call, kind, message):
    with pytest.raises(kind) as info:
        call(mod)
    assert str(info.value) == message


def _functions(obj):
    lines = subprocess.run(
        ["nm", "-C", "--defined-only", str(obj)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [line.split(" ", 2)[2] for line in lines if line.split(" ")[1] in "TtWw"]


def test_one_function_module_carries_little_support_code(built):
    size = subprocess.run(
        ["size", str(built / "one.o")], capture_output=True, text=True, check=True
    )
    text_bytes = int(size.stdout.splitlines()[1].split()[0])
    # 20.5 KB before the support code was made lighter (g++ 12, -O2); 11.6 KB after.
    assert text_bytes < 14_000
    functions = _functions(built / "one.o")
    # Printing an error before throwing it is compiled only where TVM_FFI_LOG_AND_THROW is used;
    # signatures and tracebacks are built without a vector of strings.
    for absent in ("FullMessage", "TracebackMostRecentCallLast", "LogAndThrowError", "std::vector"):
        assert not [f for f in functions if absent in f], absent
