"""ctypes views of the TVM-FFI C ABI's type records, for tests that read a runtime directly.

Works on any runtime library of the ABI (ours or apache-tvm-ffi's), so a test can ask both
the same question. Run as a script, it prints what a runtime reports as JSON.
"""

import ctypes
import json
import sys

KTVMFFI_NONE = 0
KTVMFFI_INT = 1
KTVMFFI_STR = 65
KTVMFFI_FUNCTION = 68
KTVMFFI_OBJECT = 64
KTVMFFI_OPAQUE_PY_OBJECT = 74
OBJECT_HEADER_SIZE = 24


class ByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]

    @classmethod
    def of(cls, text):
        raw = text.encode() if isinstance(text, str) else text
        buf = ctypes.create_string_buffer(raw, len(raw))
        value = cls(ctypes.cast(buf, ctypes.c_void_p), len(raw))
        value._keep = buf
        return value

    def text(self):
        return ctypes.string_at(self.data, self.size).decode() if self.size else ""


class Any(ctypes.Structure):
    _fields_ = [("type_index", ctypes.c_int32), ("padding", ctypes.c_uint32), ("v", ctypes.c_int64)]


class FieldInfo(ctypes.Structure):
    _fields_ = [
        ("name", ByteArray),
        ("doc", ByteArray),
        ("metadata", ByteArray),
        ("flags", ctypes.c_int64),
        ("size", ctypes.c_int64),
        ("alignment", ctypes.c_int64),
        ("offset", ctypes.c_int64),
        ("getter", ctypes.c_void_p),
        ("setter", ctypes.c_void_p),
        ("default_value_or_factory", Any),
        ("field_static_type_index", ctypes.c_int32),
    ]


class MethodInfo(ctypes.Structure):
    _fields_ = [
        ("name", ByteArray),
        ("doc", ByteArray),
        ("metadata", ByteArray),
        ("flags", ctypes.c_int64),
        ("method", Any),
    ]


class TypeMetadata(ctypes.Structure):
    _fields_ = [
        ("doc", ByteArray),
        ("creator", ctypes.c_void_p),
        ("total_size", ctypes.c_int32),
        ("structural_eq_hash_kind", ctypes.c_int32),
    ]


class TypeInfo(ctypes.Structure):
    pass


TypeInfo._fields_ = [
    ("type_index", ctypes.c_int32),
    ("type_depth", ctypes.c_int32),
    ("type_key", ByteArray),
    ("type_ancestors", ctypes.POINTER(ctypes.POINTER(TypeInfo))),
    ("type_key_hash", ctypes.c_uint64),
    ("num_fields", ctypes.c_int32),
    ("num_methods", ctypes.c_int32),
    ("fields", ctypes.POINTER(FieldInfo)),
    ("methods", ctypes.POINTER(MethodInfo)),
    ("metadata", ctypes.POINTER(TypeMetadata)),
]


class AttrColumn(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.POINTER(Any)),
        ("size", ctypes.c_int32),
        ("begin_index", ctypes.c_int32),
    ]


SIGNATURES = {
    "TVMFFIGetTypeInfo": (ctypes.POINTER(TypeInfo), [ctypes.c_int32]),
    "TVMFFITypeGetOrAllocIndex": (
        ctypes.c_int32,
        [ctypes.POINTER(ByteArray)] + [ctypes.c_int32] * 5,
    ),
    "TVMFFITypeKeyToIndex": (
        ctypes.c_int,
        [ctypes.POINTER(ByteArray), ctypes.POINTER(ctypes.c_int32)],
    ),
    "TVMFFIGetTypeAttrColumn": (ctypes.POINTER(AttrColumn), [ctypes.POINTER(ByteArray)]),
    "TVMFFIErrorMoveFromRaised": (None, [ctypes.POINTER(ctypes.c_void_p)]),
    "TVMFFIObjectDecRef": (ctypes.c_int, [ctypes.c_void_p]),
}


def open_runtime(path, mode=ctypes.RTLD_LOCAL):
    """The runtime library at ``path`` with the signatures the tests call (those it has)."""
    lib = ctypes.CDLL(path, mode=mode)
    for name, (restype, argtypes) in SIGNATURES.items():
        if hasattr(lib, name):
            getattr(lib, name).restype = restype
            getattr(lib, name).argtypes = argtypes
    return lib


def type_record(lib, index):
    """key, depth and ancestor indices of ``index``, or None if the runtime has no such type."""
    ptr = lib.TVMFFIGetTypeInfo(index)
    if not ptr:
        return None
    info = ptr.contents
    ancestors = [info.type_ancestors[d].contents.type_index for d in range(info.type_depth)]
    return {
        "index": info.type_index,
        "key": info.type_key.text(),
        "depth": info.type_depth,
        "ancestors": ancestors,
        "key_hash": info.type_key_hash,
    }


def alloc(lib, key, static_index, depth, child_slots, can_overflow, parent):
    return lib.TVMFFITypeGetOrAllocIndex(
        ctypes.byref(ByteArray.of(key)), static_index, depth, child_slots, can_overflow, parent
    )


def take_raised_error(lib):
    """(kind, message) of the error raised on this thread, clearing it; None if none."""
    handle = ctypes.c_void_p()
    lib.TVMFFIErrorMoveFromRaised(ctypes.byref(handle))
    if not handle.value:
        return None
    kind = ByteArray.from_address(handle.value + OBJECT_HEADER_SIZE)
    message = ByteArray.from_address(handle.value + OBJECT_HEADER_SIZE + ctypes.sizeof(ByteArray))
    result = (kind.text(), message.text())
    lib.TVMFFIObjectDecRef(handle)
    return result


STATIC_INDICES = list(range(0, 14)) + list(range(64, 79))


def allocation_sequence(lib):
    """Allocates a fixed tree of dynamic types; returns each type's index relative to the first.

    Covers reserved child slots, nested reserves, overflow past all indices in use, a repeated
    key, and query-only lookups (parent -2).
    """
    first = alloc(lib, "seq.P", -1, 1, 3, 0, KTVMFFI_OBJECT)
    got = {"seq.P": first}
    plan = [
        ("seq.A", 2, 0, 0, "seq.P"),
        ("seq.B", 2, 1, 0, "seq.P"),
        ("seq.BB", 3, 0, 0, "seq.B"),
        ("seq.Q", 1, 1, 1, None),
        ("seq.Q1", 2, 0, 1, "seq.Q"),
        ("seq.Q2", 2, 0, 1, "seq.Q"),
        ("seq.R", 1, 0, 1, None),
    ]
    for key, depth, slots, overflow, parent in plan:
        parent_index = got[parent] if parent else KTVMFFI_OBJECT
        got[key] = alloc(lib, key, -1, depth, slots, overflow, parent_index)
    result = {key: index - first for key, index in got.items()}
    result["repeat seq.P"] = alloc(lib, "seq.P", -1, 1, 3, 0, KTVMFFI_OBJECT) - first
    result["query seq.A"] = alloc(lib, "seq.A", -1, 0, 0, 0, -2) - first
    result["query missing"] = alloc(lib, "seq.missing", -1, 1, 0, 1, -2)
    result["ancestors of seq.BB"] = [
        i - first for i in type_record(lib, got["seq.BB"])["ancestors"][1:]
    ]
    return result


def report(path):
    lib = open_runtime(path)
    static = {str(i): type_record(lib, i) for i in STATIC_INDICES}
    return {"static": static, "dynamic": allocation_sequence(lib)}


if __name__ == "__main__":
    print(json.dumps(report(sys.argv[1])))
