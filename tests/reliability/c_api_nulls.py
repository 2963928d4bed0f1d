"""Calls every exported C API function with NULL (or mistyped) pointer arguments.

Run as a script: prints one JSON record per call, {"case", "rc", "error": [kind, message]}.
A crash ends the process early, which the test sees as a non-zero exit.
"""

import ctypes
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ffi_ctypes  # noqa: E402
from ffi_ctypes import Any, ByteArray  # noqa: E402

import tvm_ffi_jit  # noqa: E402, F401  (loads the runtime and registers the globals)
from tvm_ffi_jit import libinfo  # noqa: E402

lib = ctypes.CDLL(libinfo.runtime_library_path())
P = ctypes.c_void_p
NULL = None
KTVMFFI_FLOAT = 3
KTVMFFI_RAW_STR = 8
KTVMFFI_BYTE_ARRAY_PTR = 9
KTVMFFI_RVALUE_REF = 10

records = []


def take_error():
    return ffi_ctypes.take_raised_error(lib)


def call(case, name, restype, *args):
    func = getattr(lib, name)
    func.restype = restype
    result = func(*args)
    rc = result if restype is ctypes.c_int or restype is ctypes.c_int32 else None
    if restype is P:
        rc = result
    records.append({"case": case, "function": name, "rc": rc, "error": take_error()})
    return result


def byref(x):
    return ctypes.byref(x)


out_any = Any()
out_handle = P()
name = ByteArray.of("ffi.String")
bad_bytes = ByteArray(None, 5)

# A string object (not a function) and a real function, for mistyped handles.
string_any = Any()
assert (
    lib.TVMFFIStringFromByteArray(
        byref(ByteArray.of("not a function, long enough")), byref(string_any)
    )
    == 0
)
string_handle = P(string_any.v)
func_handle = P()
assert lib.TVMFFIFunctionGetGlobal(byref(ByteArray.of("ffi.Array")), byref(func_handle)) == 0
assert func_handle.value

I = ctypes.c_int
I32 = ctypes.c_int32

call("StringFromByteArray(NULL input)", "TVMFFIStringFromByteArray", I, NULL, byref(out_any))
call("StringFromByteArray(NULL out)", "TVMFFIStringFromByteArray", I, byref(name), NULL)
call(
    "StringFromByteArray(NULL data, size 5)",
    "TVMFFIStringFromByteArray",
    I,
    byref(bad_bytes),
    byref(out_any),
)
call("BytesFromByteArray(NULL input)", "TVMFFIBytesFromByteArray", I, NULL, byref(out_any))
call("BytesFromByteArray(NULL out)", "TVMFFIBytesFromByteArray", I, byref(name), NULL)
call("BigIntFromByteArray(NULL input)", "TVMFFIBigIntFromByteArray", I, NULL, byref(out_any))
call("FunctionCall(NULL func)", "TVMFFIFunctionCall", I, NULL, NULL, 0, byref(out_any))
call(
    "FunctionCall(a String as func)",
    "TVMFFIFunctionCall",
    I,
    string_handle,
    NULL,
    0,
    byref(out_any),
)
call(
    "FunctionCall(NULL args, 2 args)", "TVMFFIFunctionCall", I, func_handle, NULL, 2, byref(out_any)
)
call(
    "FunctionCall(negative num_args)",
    "TVMFFIFunctionCall",
    I,
    func_handle,
    byref(out_any),
    -3,
    byref(out_any),
)
call("FunctionCall(NULL result)", "TVMFFIFunctionCall", I, func_handle, NULL, 0, NULL)
call("FunctionGetGlobal(NULL name)", "TVMFFIFunctionGetGlobal", I, NULL, byref(out_handle))
call("FunctionGetGlobal(NULL out)", "TVMFFIFunctionGetGlobal", I, byref(name), NULL)
call(
    "FunctionGetGlobal(NULL data, size 5)",
    "TVMFFIFunctionGetGlobal",
    I,
    byref(bad_bytes),
    byref(out_handle),
)
call("FunctionSetGlobal(NULL name)", "TVMFFIFunctionSetGlobal", I, NULL, func_handle, 1)
call(
    "FunctionSetGlobal(NULL f)", "TVMFFIFunctionSetGlobal", I, byref(ByteArray.of("rel.f")), NULL, 1
)
call(
    "FunctionSetGlobal(a String as f)",
    "TVMFFIFunctionSetGlobal",
    I,
    byref(ByteArray.of("rel.f")),
    string_handle,
    1,
)
call("FunctionSetGlobalFromMethodInfo(NULL)", "TVMFFIFunctionSetGlobalFromMethodInfo", I, NULL, 1)
call("FunctionSetGlobalDoc(NULL name)", "TVMFFIFunctionSetGlobalDoc", I, NULL, byref(name))
call("FunctionSetGlobalDoc(NULL doc)", "TVMFFIFunctionSetGlobalDoc", I, byref(name), NULL)
call("FunctionListGlobalNames(NULL out)", "TVMFFIFunctionListGlobalNames", I, NULL)
call(
    "FunctionCreate(NULL safe_call)", "TVMFFIFunctionCreate", I, NULL, NULL, NULL, byref(out_handle)
)
call("AnyViewToOwnedAny(NULL view)", "TVMFFIAnyViewToOwnedAny", I, NULL, byref(out_any))
call(
    "AnyViewToOwnedAny(NULL out)",
    "TVMFFIAnyViewToOwnedAny",
    I,
    byref(Any(KTVMFFI_FLOAT, 0, 0)),
    NULL,
)
call(
    "AnyViewToOwnedAny(raw str NULL)",
    "TVMFFIAnyViewToOwnedAny",
    I,
    byref(Any(KTVMFFI_RAW_STR, 0, 0)),
    byref(out_any),
)
call(
    "AnyViewToOwnedAny(byte array NULL)",
    "TVMFFIAnyViewToOwnedAny",
    I,
    byref(Any(KTVMFFI_BYTE_ARRAY_PTR, 0, 0)),
    byref(out_any),
)
call(
    "AnyViewToOwnedAny(rvalue ref NULL)",
    "TVMFFIAnyViewToOwnedAny",
    I,
    byref(Any(KTVMFFI_RVALUE_REF, 0, 0)),
    byref(out_any),
)
call("DataTypeFromString(NULL str)", "TVMFFIDataTypeFromString", I, NULL, byref(out_any))
call(
    "DataTypeFromString(NULL out)",
    "TVMFFIDataTypeFromString",
    I,
    byref(ByteArray.of("float32")),
    NULL,
)
call("DataTypeToString(NULL dtype)", "TVMFFIDataTypeToString", I, NULL, byref(out_any))
call(
    "DataTypeToString(NULL out)",
    "TVMFFIDataTypeToString",
    I,
    byref(ctypes.c_uint32(0x00012002)),
    NULL,
)
call(
    "EnvModLookupFromImports(NULL name)",
    "TVMFFIEnvModLookupFromImports",
    I,
    NULL,
    NULL,
    byref(out_handle),
)
call(
    "EnvModLookupFromImports(NULL out)",
    "TVMFFIEnvModLookupFromImports",
    I,
    NULL,
    b"ffi.String",
    NULL,
)
call(
    "EnvModLookupFromImports(a String as module)",
    "TVMFFIEnvModLookupFromImports",
    I,
    string_handle,
    b"x",
    byref(out_handle),
)
call(
    "EnvModRegisterSystemLibSymbol(NULL name)", "TVMFFIEnvModRegisterSystemLibSymbol", I, NULL, NULL
)
call("EnvModRegisterContextSymbol(NULL name)", "TVMFFIEnvModRegisterContextSymbol", I, NULL, NULL)
call("EnvRegisterCAPI(NULL name)", "TVMFFIEnvRegisterCAPI", I, NULL, NULL)
call("EnvTensorAlloc(NULL prototype)", "TVMFFIEnvTensorAlloc", I, NULL, byref(out_handle))
call("TensorFromDLPack(NULL)", "TVMFFITensorFromDLPack", I, NULL, 0, 0, byref(out_handle))
call(
    "TensorFromDLPackVersioned(NULL)",
    "TVMFFITensorFromDLPackVersioned",
    I,
    NULL,
    0,
    0,
    byref(out_handle),
)
call("TensorToDLPack(NULL)", "TVMFFITensorToDLPack", I, NULL, byref(out_handle))
call(
    "TensorToDLPackVersioned(a String)",
    "TVMFFITensorToDLPackVersioned",
    I,
    string_handle,
    byref(out_handle),
)
call(
    "TensorCreateUnsafeView(NULL)", "TVMFFITensorCreateUnsafeView", I, NULL, NULL, byref(out_handle)
)
call("TypeKeyToIndex(NULL key)", "TVMFFITypeKeyToIndex", I, NULL, byref(I32()))
call("TypeKeyToIndex(NULL out)", "TVMFFITypeKeyToIndex", I, byref(name), NULL)
call("TypeGetOrAllocIndex(NULL key)", "TVMFFITypeGetOrAllocIndex", I32, NULL, -1, 1, 0, 1, 64)
call("TypeRegisterField(NULL)", "TVMFFITypeRegisterField", I, 64, NULL)
call("TypeRegisterMethod(NULL)", "TVMFFITypeRegisterMethod", I, 64, NULL)
call("TypeRegisterMetadata(NULL)", "TVMFFITypeRegisterMetadata", I, 64, NULL)
call("TypeRegisterAttr(NULL name)", "TVMFFITypeRegisterAttr", I, 64, NULL, NULL)
call("TypeRegisterAttr(NULL value)", "TVMFFITypeRegisterAttr", I, 64, byref(name), NULL)
call("ErrorCreate(NULL kind)", "TVMFFIErrorCreate", I, NULL, NULL, NULL, byref(out_handle))
call("HandleInitOnce(NULL)", "TVMFFIHandleInitOnce", I, NULL, NULL)
call("HandleDeinitOnce(NULL)", "TVMFFIHandleDeinitOnce", I, NULL, NULL)
call("ObjectCreateOpaque(NULL out)", "TVMFFIObjectCreateOpaque", I, NULL, 74, NULL, NULL)
# Functions without an error code: they must simply not crash.
call("GetTypeAttrColumn(NULL)", "TVMFFIGetTypeAttrColumn", P, NULL)
call("GetTypeInfo(-5)", "TVMFFIGetTypeInfo", P, -5)
call("GetTypeInfo(2**31-1)", "TVMFFIGetTypeInfo", P, 2**31 - 1)
call("ErrorMoveFromRaised(NULL)", "TVMFFIErrorMoveFromRaised", None, NULL)
call(
    "ErrorSetRaisedFromCStrParts(NULL parts)",
    "TVMFFIErrorSetRaisedFromCStrParts",
    None,
    b"ValueError",
    NULL,
    3,
)
call("GetVersion(NULL)", "TVMFFIGetVersion", None, NULL)
call("ObjectIncRef(NULL)", "TVMFFIObjectIncRef", I, NULL)
call("ObjectDecRef(NULL)", "TVMFFIObjectDecRef", I, NULL)
call("BigIntGetContentByteArray(NULL)", "TVMFFIBigIntGetContentByteArray", None, NULL)
backtrace = lib.TVMFFIBacktrace
backtrace.restype = ctypes.POINTER(ByteArray)
for line, cross in ((-1000, 0), (-(2**31), 1), (2**31 - 1, 7)):
    text = backtrace(b"file.cc", line, None, cross).contents.text()
    records.append(
        {
            "case": f"Backtrace(line {line}, cross {cross})",
            "rc": None,
            "error": None,
            "text": text[:200],
        }
    )
text = backtrace(None, -1000, None, 0).contents.text()
records.append({"case": "Backtrace(NULL file)", "rc": None, "error": None, "text": text[:200]})

lib.TVMFFIObjectDecRef(string_handle)
lib.TVMFFIObjectDecRef(func_handle)
print(json.dumps(records))
