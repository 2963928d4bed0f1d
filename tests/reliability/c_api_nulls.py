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

INT = ctypes.c_int
I32 = ctypes.c_int32

call("StringFromByteArray(NULL input)", "TVMFFIStringFromByteArray", INT, NULL, byref(out_any))
call("StringFromByteArray(NULL out)", "TVMFFIStringFromByteArray", INT, byref(name), NULL)
call(
    "StringFromByteArray(NULL data, size 5)",
    "TVMFFIStringFromByteArray",
    INT,
    byref(bad_bytes),
    byref(out_any),
)
call("BytesFromByteArray(NULL input)", "TVMFFIBytesFromByteArray", INT, NULL, byref(out_any))
call("BytesFromByteArray(NULL out)", "TVMFFIBytesFromByteArray", INT, byref(name), NULL)
call("BigIntFromByteArray(NULL input)", "TVMFFIBigIntFromByteArray", INT, NULL, byref(out_any))
call("FunctionCall(NULL func)", "TVMFFIFunctionCall", INT, NULL, NULL, 0, byref(out_any))
call(
    "FunctionCall(a String as func)",
    "TVMFFIFunctionCall",
    INT,
    string_handle,
    NULL,
    0,
    byref(out_any),
)
call(
    "FunctionCall(NULL args, 2 args)",
    "TVMFFIFunctionCall",
    INT,
    func_handle,
    NULL,
    2,
    byref(out_any),
)
call(
    "FunctionCall(negative num_args)",
    "TVMFFIFunctionCall",
    INT,
    func_handle,
    byref(out_any),
    -3,
    byref(out_any),
)
call("FunctionCall(NULL result)", "TVMFFIFunctionCall", INT, func_handle, NULL, 0, NULL)
call("FunctionGetGlobal(NULL name)", "TVMFFIFunctionGetGlobal", INT, NULL, byref(out_handle))
call("FunctionGetGlobal(NULL out)", "TVMFFIFunctionGetGlobal", INT, byref(name), NULL)
call(
    "FunctionGetGlobal(NULL data, size 5)",
    "TVMFFIFunctionGetGlobal",
    INT,
    byref(bad_bytes),
    byref(out_handle),
)
call("FunctionSetGlobal(NULL name)", "TVMFFIFunctionSetGlobal", INT, NULL, func_handle, 1)
call(
    "FunctionSetGlobal(NULL f)",
    "TVMFFIFunctionSetGlobal",
    INT,
    byref(ByteArray.of("rel.f")),
    NULL,
    1,
)
call(
    "FunctionSetGlobal(a String as f)",
    "TVMFFIFunctionSetGlobal",
    INT,
    byref(ByteArray.of("rel.f")),
    string_handle,
    1,
)
call("FunctionSetGlobalFromMethodInfo(NULL)", "TVMFFIFunctionSetGlobalFromMethodInfo", INT, NULL, 1)
call("FunctionSetGlobalDoc(NULL name)", "TVMFFIFunctionSetGlobalDoc", INT, NULL, byref(name))
call("FunctionSetGlobalDoc(NULL doc)", "TVMFFIFunctionSetGlobalDoc", INT, byref(name), NULL)
call("FunctionListGlobalNames(NULL out)", "TVMFFIFunctionListGlobalNames", INT, NULL)
call(
    "FunctionCreate(NULL safe_call)",
    "TVMFFIFunctionCreate",
    INT,
    NULL,
    NULL,
    NULL,
    byref(out_handle),
)
call("AnyViewToOwnedAny(NULL view)", "TVMFFIAnyViewToOwnedAny", INT, NULL, byref(out_any))
call(
    "AnyViewToOwnedAny(NULL out)",
    "TVMFFIAnyViewToOwnedAny",
    INT,
    byref(Any(KTVMFFI_FLOAT, 0, 0)),
    NULL,
)
call(
    "AnyViewToOwnedAny(raw str NULL)",
    "TVMFFIAnyViewToOwnedAny",
    INT,
    byref(Any(KTVMFFI_RAW_STR, 0, 0)),
    byref(out_any),
)
call(
    "AnyViewToOwnedAny(byte array NULL)",
    "TVMFFIAnyViewToOwnedAny",
    INT,
    byref(Any(KTVMFFI_BYTE_ARRAY_PTR, 0, 0)),
    byref(out_any),
)
call(
    "AnyViewToOwnedAny(rvalue ref NULL)",
    "TVMFFIAnyViewToOwnedAny",
    INT,
    byref(Any(KTVMFFI_RVALUE_REF, 0, 0)),
    byref(out_any),
)
call("DataTypeFromString(NULL str)", "TVMFFIDataTypeFromString", INT, NULL, byref(out_any))
call(
    "DataTypeFromString(NULL out)",
    "TVMFFIDataTypeFromString",
    INT,
    byref(ByteArray.of("float32")),
    NULL,
)
call("DataTypeToString(NULL dtype)", "TVMFFIDataTypeToString", INT, NULL, byref(out_any))
call(
    "DataTypeToString(NULL out)",
    "TVMFFIDataTypeToString",
    INT,
    byref(ctypes.c_uint32(0x00012002)),
    NULL,
)
call(
    "EnvModLookupFromImports(NULL name)",
    "TVMFFIEnvModLookupFromImports",
    INT,
    NULL,
    NULL,
    byref(out_handle),
)
call(
    "EnvModLookupFromImports(NULL out)",
    "TVMFFIEnvModLookupFromImports",
    INT,
    NULL,
    b"ffi.String",
    NULL,
)
call(
    "EnvModLookupFromImports(a String as module)",
    "TVMFFIEnvModLookupFromImports",
    INT,
    string_handle,
    b"x",
    byref(out_handle),
)
call(
    "EnvModRegisterSystemLibSymbol(NULL name)",
    "TVMFFIEnvModRegisterSystemLibSymbol",
    INT,
    NULL,
    NULL,
)
call("EnvModRegisterContextSymbol(NULL name)", "TVMFFIEnvModRegisterContextSymbol", INT, NULL, NULL)
call("EnvRegisterCAPI(NULL name)", "TVMFFIEnvRegisterCAPI", INT, NULL, NULL)
call("EnvTensorAlloc(NULL prototype)", "TVMFFIEnvTensorAlloc", INT, NULL, byref(out_handle))
call("TensorFromDLPack(NULL)", "TVMFFITensorFromDLPack", INT, NULL, 0, 0, byref(out_handle))
call(
    "TensorFromDLPackVersioned(NULL)",
    "TVMFFITensorFromDLPackVersioned",
    INT,
    NULL,
    0,
    0,
    byref(out_handle),
)
call("TensorToDLPack(NULL)", "TVMFFITensorToDLPack", INT, NULL, byref(out_handle))
call(
    "TensorToDLPackVersioned(a String)",
    "TVMFFITensorToDLPackVersioned",
    INT,
    string_handle,
    byref(out_handle),
)
call(
    "TensorCreateUnsafeView(NULL)",
    "TVMFFITensorCreateUnsafeView",
    INT,
    NULL,
    NULL,
    byref(out_handle),
)
call("TypeKeyToIndex(NULL key)", "TVMFFITypeKeyToIndex", INT, NULL, byref(I32()))
call("TypeKeyToIndex(NULL out)", "TVMFFITypeKeyToIndex", INT, byref(name), NULL)
call("TypeGetOrAllocIndex(NULL key)", "TVMFFITypeGetOrAllocIndex", I32, NULL, -1, 1, 0, 1, 64)
call("TypeRegisterField(NULL)", "TVMFFITypeRegisterField", INT, 64, NULL)
call("TypeRegisterMethod(NULL)", "TVMFFITypeRegisterMethod", INT, 64, NULL)
call("TypeRegisterMetadata(NULL)", "TVMFFITypeRegisterMetadata", INT, 64, NULL)
call("TypeRegisterAttr(NULL name)", "TVMFFITypeRegisterAttr", INT, 64, NULL, NULL)
call("TypeRegisterAttr(NULL value)", "TVMFFITypeRegisterAttr", INT, 64, byref(name), NULL)
call("ErrorCreate(NULL kind)", "TVMFFIErrorCreate", INT, NULL, NULL, NULL, byref(out_handle))
call("HandleInitOnce(NULL)", "TVMFFIHandleInitOnce", INT, NULL, NULL)
call("HandleDeinitOnce(NULL)", "TVMFFIHandleDeinitOnce", INT, NULL, NULL)
call("ObjectCreateOpaque(NULL out)", "TVMFFIObjectCreateOpaque", INT, NULL, 74, NULL, NULL)
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
call("ErrorSetRaised(NULL)", "TVMFFIErrorSetRaised", None, NULL)
call("ErrorSetRaisedFromCStr(NULL, NULL)", "TVMFFIErrorSetRaisedFromCStr", None, NULL, NULL)
call("SetCustomAllocator(NULL)", "TVMFFISetCustomAllocator", INT, NULL)
call("EnvSetStream(NULL out)", "TVMFFIEnvSetStream", INT, 1, 0, NULL, NULL)
call(
    "EnvSetDLPackManagedTensorAllocator(NULL)",
    "TVMFFIEnvSetDLPackManagedTensorAllocator",
    INT,
    NULL,
    0,
    NULL,
)
call("ObjectIncRef(NULL)", "TVMFFIObjectIncRef", INT, NULL)
call("ObjectDecRef(NULL)", "TVMFFIObjectDecRef", INT, NULL)
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
