"""The type registry and reflection records, read back through the C ABI.

Static types must look exactly as apache-tvm-ffi's runtime reports them (kernels built
against its headers format type keys from TVMFFIGetTypeInfo); dynamic types, fields, methods,
metadata, attribute columns, init-once handles, opaque objects and the allocator follow the
ABI's documented behaviour; bad input gives an error, never a crash.
"""

import ctypes
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp
from tvm_ffi_jit import libinfo

sys.path.insert(0, str(Path(__file__).parent))
import ffi_ctypes as abi  # noqa: E402

RUNTIME_PATH = os.path.join(libinfo.library_dir(), f"lib{libinfo.library_name()}.so")
LIB = abi.open_runtime(RUNTIME_PATH)

# What apache-tvm-ffi 0.1.15.post2's runtime reports: index -> (key, depth, ancestors, key hash).
# The hash is libstdc++'s std::hash of the key (Object::GetTypeKeyHash reads it).
EXPECTED_STATIC_TYPES = {
    0: ("None", 0, [], 0xFB6AC968CE0CA5AA),
    1: ("int", 0, [], 0xAED305094B3D4A9F),
    2: ("bool", 0, [], 0xE5D6C19A7B27CFCA),
    3: ("float", 0, [], 0x30FC3255E503D0F0),
    4: ("void*", 0, [], 0x93FFF46616D48774),
    5: ("DataType", 0, [], 0x4F8FEA07E78B865B),
    6: ("Device", 0, [], 0xBD3EC6F35B0CE31C),
    7: ("DLTensor*", 0, [], 0xCB2D26B2D1D8C04E),
    8: ("const char*", 0, [], 0xCD50FF68030DBBAB),
    9: ("TVMFFIByteArray*", 0, [], 0x32519E4E9AB631A9),
    10: ("ObjectRValueRef", 0, [], 0x189C622331AB3F34),
    11: ("ffi.SmallStr", 0, [], 0xF2AC8DBC73691E03),
    12: ("ffi.SmallBytes", 0, [], 0x168B84B7018A151D),
    13: ("ffi.Unchanged", 0, [], 0x852FAC5F072FC19E),
    64: ("ffi.Object", 0, [], 0x33A211B274FA0106),
    65: ("ffi.String", 1, [64], 0x9CFFCD16E9064976),
    66: ("ffi.Bytes", 1, [64], 0x5DDCBE18DA0B4AA8),
    67: ("ffi.Error", 1, [64], 0xF5CAA49DA693165E),
    68: ("ffi.Function", 1, [64], 0xB3B21B94552CAE3D),
    69: ("ffi.Shape", 1, [64], 0x98B3AC768E268D1E),
    70: ("ffi.Tensor", 1, [64], 0xA0C01A8167C48CC0),
    71: ("ffi.Array", 1, [64], 0x811300C104284401),
    72: ("ffi.Map", 1, [64], 0x66ACEDC0A716B876),
    73: ("ffi.Module", 1, [64], 0xFD67A8EACD498400),
    74: ("ffi.OpaquePyObject", 1, [64], 0xAD85A0B68E3B37A5),
    75: ("ffi.List", 1, [64], 0x073959A12FAA06C3),
    76: ("ffi.Dict", 1, [64], 0x2FC59098B8D363A4),
    77: ("ffi.VisitInterrupt", 1, [64], 0xCDF134DF0AE8C86F),
    78: ("ffi.BigInt", 1, [64], 0x487CADD8ABD8177B),
}

UPSTREAM_SPEC = importlib.util.find_spec("tvm_ffi")
needs_upstream = pytest.mark.skipif(
    UPSTREAM_SPEC is None, reason="apache-tvm-ffi (the reference runtime) is not installed"
)


def upstream_dir():
    return Path(UPSTREAM_SPEC.submodule_search_locations[0])


def run_python(code, *args):
    """Runs ``code`` in a fresh interpreter; returns the JSON it prints last."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- static types ----


@pytest.mark.parametrize("index", sorted(EXPECTED_STATIC_TYPES))
def test_every_static_index_has_upstreams_key_depth_ancestors_and_hash(index):
    key, depth, ancestors, key_hash = EXPECTED_STATIC_TYPES[index]
    record = abi.type_record(LIB, index)
    assert record == {
        "index": index,
        "key": key,
        "depth": depth,
        "ancestors": ancestors,
        "key_hash": key_hash,
    }
    found = ctypes.c_int32(-1)
    assert LIB.TVMFFITypeKeyToIndex(ctypes.byref(abi.ByteArray.of(key)), ctypes.byref(found)) == 0
    assert found.value == index


@needs_upstream
def test_static_types_and_child_slot_allocation_match_the_reference_runtime():
    script = str(Path(__file__).parent / "ffi_ctypes.py")
    upstream_lib = upstream_dir() / "lib" / "libtvm_ffi.so"
    code = "import runpy, sys; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
    reference = run_python(code, script, upstream_lib)
    ours = run_python(code, script, RUNTIME_PATH)
    assert ours["static"] == reference["static"]
    assert ours["dynamic"] == reference["dynamic"]
    # The sequence exercised every rule, not a trivially equal empty result.
    assert ours["dynamic"]["seq.Q2"] == 6 and ours["dynamic"]["query missing"] == -2


def test_object_type_has_metadata_with_its_header_size():
    info = LIB.TVMFFIGetTypeInfo(abi.KTVMFFI_OBJECT).contents
    assert info.metadata and info.metadata.contents.total_size == 24


# ---- bad input ----


def assert_alloc_refused(key, static_index, depth, slots, overflow, parent, message):
    assert abi.alloc(LIB, key, static_index, depth, slots, overflow, parent) == -1
    kind, text = abi.take_raised_error(LIB)
    assert kind == "ValueError" and message in text, (kind, text)


def test_static_index_far_out_of_range_is_an_error():
    assert_alloc_refused("bad.Huge", 2_000_000_000, 1, 0, 0, 64, "out of range")
    assert LIB.TVMFFIGetTypeInfo(2_000_000_000).__bool__() is False


def test_static_index_in_the_dynamic_range_is_an_error():
    assert_alloc_refused("bad.StaticInDynamicRange", 200, 1, 0, 0, 64, "out of range")


def test_a_free_static_index_below_the_dynamic_range_can_be_registered():
    assert abi.alloc(LIB, "future.Static", 100, 1, 0, 0, 64) == 100
    assert abi.type_record(LIB, 100)["ancestors"] == [64]


def test_static_index_already_taken_is_an_error_and_keeps_the_entry():
    assert_alloc_refused("bad.Clash", 65, 1, 0, 0, 64, "already taken by `ffi.String`")
    assert abi.type_record(LIB, 65)["key"] == "ffi.String"
    assert abi.alloc(LIB, "bad.Clash", -1, 0, 0, 0, -2) == -2  # not registered either


def test_wrong_depth_unknown_parent_and_full_parent_are_errors():
    assert_alloc_refused("bad.Depth", -1, 3, 0, 1, 64, "depth 3")
    assert_alloc_refused("bad.Orphan", -1, 1, 0, 1, 999_999, "parent type index 999999")
    assert_alloc_refused("bad.RootDyn", -1, 0, 0, 1, -1, "needs a parent")
    assert_alloc_refused("bad.UnderString", -1, 2, 0, 1, 65, "allows no more children")


def test_null_and_unknown_keys_are_errors():
    assert LIB.TVMFFITypeGetOrAllocIndex(None, -1, 1, 0, 1, 64) == -1
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    out = ctypes.c_int32()
    assert LIB.TVMFFITypeKeyToIndex(None, ctypes.byref(out)) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    assert LIB.TVMFFITypeKeyToIndex(ctypes.byref(abi.ByteArray.of("no.Such")), None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    assert LIB.TVMFFITypeKeyToIndex(ctypes.byref(abi.ByteArray.of("no.Such")), ctypes.byref(out))
    assert abi.take_raised_error(LIB) == ("KeyError", "unknown type key `no.Such`")


@pytest.mark.parametrize("index", [-1, -7, 14, 63, 100_000, 2_000_000_000, 2**31 - 1])
def test_unregistered_indices_have_no_type_info(index):
    assert not LIB.TVMFFIGetTypeInfo(index)


def test_registration_on_unknown_type_or_with_null_records_is_an_error():
    assert LIB.TVMFFITypeRegisterField(999_999, None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    field = abi.FieldInfo(name=abi.ByteArray.of("f"))
    assert LIB.TVMFFITypeRegisterField(999_999, ctypes.byref(field)) != 0
    assert abi.take_raised_error(LIB)[0] == "KeyError"
    assert LIB.TVMFFITypeRegisterMethod(64, None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    assert LIB.TVMFFITypeRegisterMetadata(64, None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    value = abi.Any(abi.KTVMFFI_INT, 0, 1)
    assert LIB.TVMFFITypeRegisterAttr(-5, ctypes.byref(abi.ByteArray.of("x")), ctypes.byref(value))
    assert abi.take_raised_error(LIB)[0] == "KeyError"
    assert LIB.TVMFFITypeRegisterAttr(64, None, ctypes.byref(value)) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    assert not LIB.TVMFFIGetTypeAttrColumn(None)


# ---- dynamic types with reflection records, registered by a JIT-built module ----

REFLECTION_SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace ffi = tvm::ffi;

namespace {
TVMFFIByteArray Bytes(const std::string& s) { return TVMFFIByteArray{s.data(), s.size()}; }

int GetInt64(void* field, TVMFFIAny* result) {
  result->type_index = kTVMFFIInt;
  result->zero_padding = 0;
  result->v_int64 = *static_cast<int64_t*>(field);
  return 0;
}
int CreatePoint(TVMFFIObjectHandle* result) {
  *result = nullptr;
  return 0;
}
}  // namespace

int64_t alloc_type(std::string key, int64_t static_index, int64_t depth, int64_t child_slots,
                   bool can_overflow, int64_t parent) {
  TVMFFIByteArray k = Bytes(key);
  int32_t index = TVMFFITypeGetOrAllocIndex(&k, static_index, depth, child_slots, can_overflow,
                                            parent);
  if (index == -1) ffi::details::ThrowRaised(-1);
  return index;
}

void register_field(int64_t type_index, std::string name, std::string doc, std::string metadata,
                    int64_t offset, ffi::Any default_value) {
  TVMFFIFieldInfo info{};
  info.name = Bytes(name);
  info.doc = Bytes(doc);
  info.metadata = Bytes(metadata);
  info.flags = kTVMFFIFieldFlagBitMaskWritable;
  if (default_value != nullptr) info.flags |= kTVMFFIFieldFlagBitMaskHasDefault;
  info.size = 8;
  info.alignment = 8;
  info.offset = offset;
  info.getter = GetInt64;
  info.default_value_or_factory = *ffi::details::AnyUnsafe::Raw(default_value);
  info.field_static_type_index = kTVMFFIInt;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterField(static_cast<int32_t>(type_index), &info));
}

void register_method(int64_t type_index, std::string name, std::string doc, ffi::Function f) {
  TVMFFIMethodInfo info{};
  info.name = Bytes(name);
  info.doc = Bytes(doc);
  info.method = *ffi::details::AnyUnsafe::Raw(ffi::Any(f));
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMethod(static_cast<int32_t>(type_index), &info));
}

void register_metadata(int64_t type_index, std::string doc, int64_t total_size) {
  TVMFFITypeMetadata info{};
  info.doc = Bytes(doc);
  info.creator = CreatePoint;
  info.total_size = static_cast<int32_t>(total_size);
  info.structural_eq_hash_kind = kTVMFFISEqHashKindTreeNode;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMetadata(static_cast<int32_t>(type_index), &info));
}

void register_attr(int64_t type_index, std::string name, ffi::Any value) {
  TVMFFIByteArray n = Bytes(name);
  TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterAttr(static_cast<int32_t>(type_index), &n,
                                                 ffi::details::AnyUnsafe::Raw(value)));
}

// ---- init once ----
namespace {
std::atomic<int> init_calls{0};
std::atomic<int> deinit_calls{0};
int SlowInit(void** result) {
  init_calls++;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  static int payload = 42;
  *result = &payload;
  return 0;
}
int FailingInit(void**) {
  init_calls++;
  TVMFFIErrorSetRaisedFromCStr("ValueError", "init failed on purpose");
  return -1;
}
int NullInit(void** result) {
  *result = nullptr;
  return 0;
}
int CountingDeinit(void*) {
  deinit_calls++;
  return 0;
}
}  // namespace

// Starts `threads` threads that all call TVMFFIHandleInitOnce on one handle at once.
ffi::Array<int64_t> init_once_race(int64_t threads) {
  init_calls = 0;
  void* handle = nullptr;
  std::atomic<int> ready{0};
  std::atomic<int> ok{0};
  std::atomic<int> saw_payload{0};
  std::vector<std::thread> pool;
  for (int64_t i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      ready++;
      while (ready.load() < threads) {
      }
      if (TVMFFIHandleInitOnce(&handle, SlowInit) == 0) ok++;
      if (handle != nullptr && *static_cast<int*>(handle) == 42) saw_payload++;
    });
  }
  for (auto& t : pool) t.join();
  return ffi::Array<int64_t>{init_calls.load(), ok.load(), saw_payload.load()};
}

int64_t init_once_failing() {
  init_calls = 0;
  void* handle = nullptr;
  int code = TVMFFIHandleInitOnce(&handle, FailingInit);
  TVM_FFI_CHECK(handle == nullptr, RuntimeError) << "handle set after a failed init";
  if (code != 0) ffi::details::ThrowRaised(code);
  return init_calls;
}

void init_once_null() {
  void* handle = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIHandleInitOnce(&handle, NullInit));
}

ffi::Array<int64_t> deinit_once_twice() {
  deinit_calls = 0;
  void* handle = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIHandleInitOnce(&handle, SlowInit));
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIHandleDeinitOnce(&handle, CountingDeinit));
  int64_t cleared = handle == nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIHandleDeinitOnce(&handle, CountingDeinit));
  return ffi::Array<int64_t>{deinit_calls.load(), cleared};
}

// ---- opaque objects and the allocator ----
namespace {
std::atomic<int> opaque_deleted{0};
void CountingDelete(void* handle) { opaque_deleted += *static_cast<int*>(handle); }
}  // namespace

ffi::Array<int64_t> opaque_roundtrip() {
  opaque_deleted = 0;
  static int weight = 5;
  TVMFFIObjectHandle obj = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIObjectCreateOpaque(&weight, kTVMFFIOpaquePyObject,
                                                   CountingDelete, &obj));
  int64_t type_index = TVMFFIObjectGetTypeIndex(obj);
  int64_t handle_ok = TVMFFIOpaqueObjectGetCellPtr(obj)->handle == &weight;
  int64_t before = opaque_deleted;
  TVMFFIObjectDecRef(obj);
  return ffi::Array<int64_t>{type_index, handle_ok, before, opaque_deleted.load()};
}

void opaque_wrong_type() {
  TVMFFIObjectHandle obj = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIObjectCreateOpaque(nullptr, kTVMFFIStr, nullptr, &obj));
}

// Allocates with the installed allocator; returns [aligned, zeroed, has delete_space].
ffi::Array<int64_t> allocate_object(int64_t size, int64_t alignment) {
  TVMFFICustomAllocator* allocator = TVMFFIGetCustomAllocator();
  void* body = allocator->allocate(size, alignment, kTVMFFIObject, allocator->context);
  if (body == nullptr) ffi::details::ThrowRaised(-1);
  bool zeroed = true;
  for (int64_t i = 0; i < size; ++i) zeroed = zeroed && static_cast<char*>(body)[i] == 0;
  std::memset(body, 0xab, size);  // the whole body is ours to write
  auto* header = reinterpret_cast<TVMFFIObjectAllocHeader*>(static_cast<char*>(body) -
                                                           sizeof(TVMFFIObjectAllocHeader));
  int64_t has_delete = header->delete_space != nullptr;
  int64_t aligned = reinterpret_cast<uintptr_t>(body) % alignment == 0;
  header->delete_space(body);
  return ffi::Array<int64_t>{aligned, zeroed, has_delete};
}

namespace {
void* NeverAllocate(size_t, size_t, int32_t, void*) { return nullptr; }
TVMFFICustomAllocator other_allocator{NeverAllocate, nullptr};
}  // namespace

// Installs a custom allocator, then restores the built-in one; returns [swapped, restored].
ffi::Array<int64_t> swap_allocator() {
  TVMFFICustomAllocator* builtin = TVMFFIGetCustomAllocator();
  TVM_FFI_CHECK_SAFE_CALL(TVMFFISetCustomAllocator(&other_allocator));
  int64_t swapped = TVMFFIGetCustomAllocator() == &other_allocator;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFISetCustomAllocator(nullptr));
  int64_t restored = TVMFFIGetCustomAllocator() == builtin;
  return ffi::Array<int64_t>{swapped, restored};
}
"""

REFLECTION_FUNCTIONS = [
    "alloc_type",
    "register_field",
    "register_method",
    "register_metadata",
    "register_attr",
    "init_once_race",
    "init_once_failing",
    "init_once_null",
    "deinit_once_twice",
    "opaque_roundtrip",
    "opaque_wrong_type",
    "allocate_object",
    "swap_allocator",
]


@pytest.fixture(scope="module")
def mod():
    return tvm_ffi_jit.cpp.load_inline(
        "type_registry_test", cpp_sources=REFLECTION_SOURCE, functions=REFLECTION_FUNCTIONS
    )


def field_records(index):
    info = LIB.TVMFFIGetTypeInfo(index).contents
    return [info.fields[i] for i in range(info.num_fields)]


def test_dynamic_type_from_a_module_reads_back_with_key_depth_and_ancestors(mod):
    base = mod.alloc_type("jit.Base", -1, 1, 2, True, 64)
    child = mod.alloc_type("jit.Child", -1, 2, 0, True, base)
    grandchild = mod.alloc_type("jit.GrandChild", -1, 3, 0, True, child)
    sibling = mod.alloc_type("jit.Sibling", -1, 2, 0, True, base)
    assert base >= 128 and (child, sibling) == (base + 1, base + 2)  # from base's reserve
    # jit.Child reserved no slot: its child overflows past base's three.
    assert grandchild == base + 3
    assert mod.alloc_type("jit.Child", -1, 2, 0, True, base) == child  # same key, same index
    assert abi.type_record(LIB, grandchild)["ancestors"] == [64, base, child]
    assert abi.type_record(LIB, grandchild)["key"] == "jit.GrandChild"
    assert tvm_ffi_jit._core._type_key_to_index("jit.GrandChild") == grandchild
    assert mod.alloc_type("jit.Next", -1, 1, 0, True, 64) == base + 4


def test_a_module_gets_the_runtimes_error_for_a_clashing_static_index(mod):
    with pytest.raises(ValueError, match="already taken by `ffi.Array`"):
        mod.alloc_type("jit.Clash", 71, 1, 0, False, 64)


def test_fields_methods_and_metadata_registered_by_a_module_read_back(mod):
    index = mod.alloc_type("jit.Point", -1, 1, 0, True, 64)
    mod.register_field(index, "x", "the x", '{"unit": "m"}', 24, 5)
    mod.register_field(index, "y", "", "", 32, None)
    first_fields = LIB.TVMFFIGetTypeInfo(index).contents.fields
    for i in range(10):  # grow the array past its first buffers
        mod.register_field(index, f"extra{i}", "", "", 40 + 8 * i, None)
    mod.register_method(index, "norm", "length of the point", lambda: 0)
    mod.register_metadata(index, "a point", 40)

    info = LIB.TVMFFIGetTypeInfo(index).contents
    assert (info.num_fields, info.num_methods) == (12, 1)
    x, y = field_records(index)[:2]
    assert (x.name.text(), x.doc.text(), x.metadata.text()) == ("x", "the x", '{"unit": "m"}')
    assert (x.offset, x.size, x.alignment, x.field_static_type_index) == (24, 8, 8, 1)
    assert x.getter and x.flags == 0b11  # writable | has default
    assert (x.default_value_or_factory.type_index, x.default_value_or_factory.v) == (1, 5)
    assert (y.name.text(), y.doc.size, y.flags, y.default_value_or_factory.type_index) == (
        "y",
        0,
        1,
        0,
    )
    assert [f.name.text() for f in field_records(index)[2:]] == [f"extra{i}" for i in range(10)]
    assert first_fields[1].name.text() == "y"  # an array handed out earlier stays readable
    method = info.methods[0]
    assert (method.name.text(), method.doc.text()) == ("norm", "length of the point")
    assert method.method.type_index == abi.KTVMFFI_FUNCTION
    meta = info.metadata.contents
    assert (meta.doc.text(), meta.total_size, meta.structural_eq_hash_kind) == ("a point", 40, 1)
    assert meta.creator


def test_duplicate_field_and_second_metadata_are_errors(mod):
    index = mod.alloc_type("jit.Dup", -1, 1, 0, True, 64)
    mod.register_field(index, "a", "", "", 24, None)
    with pytest.raises(ValueError, match="already has a field `a`"):
        mod.register_field(index, "a", "", "", 32, None)
    mod.register_metadata(index, "", 32)
    with pytest.raises(RuntimeError, match="already has its metadata"):
        mod.register_metadata(index, "", 32)
    assert LIB.TVMFFIGetTypeInfo(index).contents.num_fields == 1


def test_attr_columns_are_indexed_by_type_index(mod):
    index = mod.alloc_type("jit.WithAttr", -1, 1, 0, True, 64)
    name = abi.ByteArray.of("jit.test_attr")
    assert not LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(name))  # NULL until registered
    mod.register_attr(index, "jit.test_attr", 7)
    mod.register_attr(abi.KTVMFFI_OBJECT, "jit.test_attr", "a string value, not small")
    column = LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(name)).contents
    assert column.begin_index == 0 and column.size == index + 1
    slot = column.data[index - column.begin_index]
    assert (slot.type_index, slot.v) == (abi.KTVMFFI_INT, 7)
    assert column.data[abi.KTVMFFI_OBJECT].type_index == abi.KTVMFFI_STR
    assert column.data[abi.KTVMFFI_STR].type_index == abi.KTVMFFI_NONE  # unset
    with pytest.raises(RuntimeError, match="already registered for `jit.WithAttr`"):
        mod.register_attr(index, "jit.test_attr", 8)
    assert column.data[index].v == 7


def test_attr_registered_for_none_only_creates_an_empty_column(mod):
    name = abi.ByteArray.of("jit.ensured")
    assert not LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(name))
    mod.register_attr(abi.KTVMFFI_NONE, "jit.ensured", None)
    column = LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(name))
    assert column and column.contents.size == 0


def test_columns_upstreams_runtime_has_at_load_exist_and_big_int_has_native_hash_and_equal():
    # apache-tvm-ffi's inline Any hashing reads __any_hash__/__any_equal__; other header code
    # throws when a column is missing. Its runtime has these at load.
    for attr in ["__any_hash__", "__any_equal__", "__ffi_new__", "__ffi_shallow_copy__"]:
        assert LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(abi.ByteArray.of(attr))), attr
    for attr in ["__any_hash__", "__any_equal__"]:
        column = LIB.TVMFFIGetTypeAttrColumn(ctypes.byref(abi.ByteArray.of(attr))).contents
        assert column.size > 78 and column.data[78].type_index == 4  # a native function pointer
        assert column.data[65].type_index == abi.KTVMFFI_NONE


def test_init_once_under_8_threads_calls_init_exactly_once(mod):
    calls, succeeded, saw_payload = mod.init_once_race(8)
    assert (calls, succeeded, saw_payload) == (1, 8, 8)


def test_init_once_propagates_the_init_error_and_leaves_the_handle_unset(mod):
    with pytest.raises(ValueError, match="init failed on purpose"):
        mod.init_once_failing()
    with pytest.raises(RuntimeError, match="NULL handle"):
        mod.init_once_null()


def test_deinit_once_runs_once_and_clears_the_handle(mod):
    assert list(mod.deinit_once_twice()) == [1, 1]


def test_init_once_with_null_arguments_is_an_error():
    assert LIB.TVMFFIHandleInitOnce(None, None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"
    assert LIB.TVMFFIHandleDeinitOnce(None, None) != 0
    assert abi.take_raised_error(LIB)[0] == "TypeError"


def test_opaque_object_wraps_a_handle_and_runs_its_deleter_on_free(mod):
    type_index, handle_ok, deleted_before, deleted_after = mod.opaque_roundtrip()
    assert (type_index, handle_ok, deleted_before, deleted_after) == (74, 1, 0, 5)
    with pytest.raises(ValueError, match="kTVMFFIOpaquePyObject"):
        mod.opaque_wrong_type()


@pytest.mark.parametrize("size,alignment", [(24, 8), (40, 16), (100, 64), (8, 4096)])
def test_builtin_allocator_puts_the_alloc_header_before_an_aligned_body(mod, size, alignment):
    assert list(mod.allocate_object(size, alignment)) == [1, 1, 1]


def test_builtin_allocator_refuses_an_alignment_that_is_not_a_power_of_two(mod):
    with pytest.raises(ValueError, match="power of two"):
        mod.allocate_object(16, 48)


def test_custom_allocator_can_be_installed_and_reset(mod):
    assert list(mod.swap_allocator()) == [1, 1]


# ---- reflection::ObjectDef in this project's headers ----

OBJECT_DEF_SOURCE = r"""
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

struct CounterObj : ffi::Object {
  int64_t count = 3;
  double scale = 0.5;
  ffi::String label{"a label longer than a small string"};
  int64_t Plus(int64_t k) const { return count + k; }
  void Bump() { ++count; }
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("objdef.Counter", CounterObj, ffi::Object);
};

TVM_FFI_STATIC_INIT_BLOCK() {
  ffi::reflection::ObjectDef<CounterObj>("counts things")
      .def_ro("count", &CounterObj::count, "how many")
      .def_rw("scale", &CounterObj::scale)
      .def_ro("label", &CounterObj::label)
      .def("plus", &CounterObj::Plus, "count + k")
      .def("bump", &CounterObj::Bump)
      .def_static("zero", []() { return int64_t{0}; });
}

ffi::ObjectRef make_counter() { return ffi::ObjectRef(ffi::make_object<CounterObj>()); }

// Reads field `name` of `obj` through the getter the type information records.
ffi::Any get_field(ffi::ObjectRef obj, std::string name) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(obj->type_index());
  for (int32_t i = 0; i < info->num_fields; ++i) {
    const TVMFFIFieldInfo& f = info->fields[i];
    if (std::string(f.name.data, f.name.size) != name) continue;
    TVMFFIAny out{};
    auto* base = reinterpret_cast<char*>(ffi::details::ObjectUnsafe::GetHandle(obj));
    TVM_FFI_CHECK_SAFE_CALL(f.getter(base + f.offset, &out));
    return ffi::details::AnyUnsafe::FromOwnedRaw(out);
  }
  TVM_FFI_THROW(KeyError) << "no field " << name;
}

// Calls method `name` of `obj` through the Function the type information records.
ffi::Any call_method(ffi::ObjectRef obj, std::string name, ffi::Array<ffi::Any> args) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(obj->type_index());
  for (int32_t i = 0; i < info->num_methods; ++i) {
    const TVMFFIMethodInfo& m = info->methods[i];
    if (std::string(m.name.data, m.name.size) != name) continue;
    auto f = ffi::details::AnyUnsafe::ViewFromRaw(m.method).cast<ffi::Function>();
    if (args.size() == 0) return f(obj);
    return f(obj, args[0]);
  }
  TVM_FFI_THROW(KeyError) << "no method " << name;
}
"""


@pytest.fixture(scope="module")
def object_def_mod():
    return tvm_ffi_jit.cpp.load_inline(
        "type_registry_object_def",
        cpp_sources=OBJECT_DEF_SOURCE,
        functions=["make_counter", "get_field", "call_method"],
    )


def test_object_def_records_fields_methods_and_metadata(object_def_mod):
    counter = object_def_mod.make_counter()
    info = LIB.TVMFFIGetTypeInfo(counter.type_index).contents
    assert info.type_key.text() == "objdef.Counter"
    fields = [info.fields[i] for i in range(info.num_fields)]
    assert [
        (f.name.text(), f.offset, f.size, f.flags, f.field_static_type_index) for f in fields
    ] == [
        ("count", 24, 8, 0, abi.KTVMFFI_INT),
        ("scale", 32, 8, 1, 3),  # writable float
        ("label", 40, 16, 0, abi.KTVMFFI_STR),
    ]
    assert fields[0].doc.text() == "how many"
    methods = [info.methods[i] for i in range(info.num_methods)]
    assert [(m.name.text(), m.doc.text(), m.flags) for m in methods] == [
        ("plus", "count + k", 0),
        ("bump", "", 0),
        ("zero", "", 4),  # static method
    ]
    meta = info.metadata.contents
    assert (meta.doc.text(), meta.total_size, bool(meta.creator)) == ("counts things", 56, True)


def test_object_def_getters_and_methods_work_through_the_type_information(object_def_mod):
    counter = object_def_mod.make_counter()
    get, call = object_def_mod.get_field, object_def_mod.call_method
    assert (get(counter, "count"), get(counter, "scale")) == (3, 0.5)
    assert get(counter, "label") == "a label longer than a small string"
    assert call(counter, "plus", [10]) == 13
    call(counter, "bump", [])
    assert get(counter, "count") == 4


# ---- modules built against apache-tvm-ffi's headers, run on this runtime ----

UPSTREAM_MODULE_SOURCE = r"""
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/string.h>

namespace ffi = tvm::ffi;
namespace refl = tvm::ffi::reflection;

class PointObj : public ffi::Object {
 public:
  int64_t x = 0;
  double y = 0;
  PointObj() = default;
  PointObj(int64_t x, double y) : x(x), y(y) {}
  int64_t Sum() const { return x + static_cast<int64_t>(y); }
  static constexpr bool _type_mutable = true;
  TVM_FFI_DECLARE_OBJECT_INFO("upstream.Point", PointObj, ffi::Object);
};

class Point : public ffi::ObjectRef {
 public:
  Point(int64_t x, double y) { data_ = ffi::make_object<PointObj>(x, y); }
  TVM_FFI_DEFINE_OBJECT_REF_METHODS_NULLABLE(Point, ffi::ObjectRef, PointObj);
};

TVM_FFI_STATIC_INIT_BLOCK() {
  refl::ObjectDef<PointObj>()
      .def_ro("x", &PointObj::x, "the x")
      .def_rw("y", &PointObj::y)
      .def("sum", &PointObj::Sum);
  refl::GlobalDef().def("upstream.make_point", [](int64_t x, double y) { return Point(x, y); });
}

int64_t add_one(int64_t x) { return x + 1; }
ffi::String greet(ffi::String name) { return ffi::String("hi " + std::string(name)); }
int64_t point_x(Point p) { return p->x; }
int64_t any_hash(ffi::Any x) { return static_cast<int64_t>(ffi::AnyHash()(x)); }
bool any_equal(ffi::Any a, ffi::Any b) { return ffi::AnyEqual()(a, b); }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(any_hash, any_hash);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(any_equal, any_equal);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, add_one);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(greet, greet);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(point_x, point_x);
"""

# Loads the module on this runtime (a stand-in libtvm_ffi.so satisfies its NEEDED entry and
# forwards to ours), calls it, and reports what came back and what the type table says.
UPSTREAM_MODULE_DRIVER = r"""
import ctypes, json, sys
ctypes.CDLL(sys.argv[2], mode=ctypes.RTLD_GLOBAL)
import tvm_ffi_jit
sys.path.insert(0, sys.argv[3])
import ffi_ctypes as abi

out = {}
mod = tvm_ffi_jit.load_module(sys.argv[1])
out["add_one"] = mod.add_one(41)
out["greet"] = mod.greet("bob")
for name, call in [("add_one_str", lambda: mod.add_one("x")),
                   ("greet_float", lambda: mod.greet(1.5)),
                   ("point_x_int", lambda: mod.point_x(1))]:
    try:
        call()
        out[name] = None
    except Exception as err:
        out[name] = [type(err).__name__, str(err).splitlines()[0]]
point = tvm_ffi_jit.get_global_func("upstream.make_point")(3, 4.5)
big = 2**100
out["hash"] = [mod.any_hash(big), mod.any_hash(-big), mod.any_hash(big * big)]
out["equal"] = [mod.any_equal(big, 2**100), mod.any_equal(big, big + 1)]
out["point_key"] = point.type_key
out["point_x"] = mod.point_x(point)

lib = abi.open_runtime(sys.argv[4])
index = ctypes.c_int32()
lib.TVMFFITypeKeyToIndex(ctypes.byref(abi.ByteArray.of("upstream.Point")), ctypes.byref(index))
info = lib.TVMFFIGetTypeInfo(index.value).contents
out["fields"] = [[info.fields[i].name.text(), info.fields[i].offset, info.fields[i].flags & 1]
                 for i in range(info.num_fields)]
out["methods"] = [info.methods[i].name.text() for i in range(info.num_methods)]
out["total_size"] = info.metadata.contents.total_size
out["has_creator"] = bool(info.metadata.contents.creator)
attrs = {}
for name in ["__ffi_type_final__", "__ffi_shallow_copy__", "__ffi_new__"]:
    column = lib.TVMFFIGetTypeAttrColumn(ctypes.byref(abi.ByteArray.of(name)))
    attrs[name] = column.contents.data[index.value].type_index if column else None
out["attrs"] = attrs
out["upstream_runtime_loaded"] = "tvm_ffi/lib/libtvm_ffi.so" in open("/proc/self/maps").read()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def upstream_built_module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("upstream_module")
    source = folder / "point.cc"
    source.write_text(UPSTREAM_MODULE_SOURCE)
    empty = folder / "empty.c"
    empty.write_text("")
    shim = folder / "shim" / "libtvm_ffi.so"
    shim.parent.mkdir()
    ours = libinfo.library_dir()
    commands = [
        # The kernel, built exactly as against apache-tvm-ffi.
        [
            "g++",
            "-shared",
            "-fPIC",
            "-std=c++17",
            "-O1",
            f"-I{upstream_dir() / 'include'}",
            str(source),
            "-o",
            str(folder / "point.so"),
            f"-L{upstream_dir() / 'lib'}",
            "-ltvm_ffi",
        ],
        # A libtvm_ffi.so that is only a reference to this runtime.
        [
            "gcc",
            "-shared",
            "-fPIC",
            str(empty),
            "-o",
            str(shim),
            "-Wl,-soname,libtvm_ffi.so",
            "-Wl,--no-as-needed",
            f"-L{ours}",
            f"-l{libinfo.library_name()}",
            f"-Wl,-rpath,{ours}",
        ],
    ]
    procs = [subprocess.Popen(c, stderr=subprocess.PIPE, text=True) for c in commands]
    for command, proc in zip(commands, procs):
        _, err = proc.communicate()
        assert proc.returncode == 0, f"{' '.join(command)}\n{err}"
    return folder / "point.so", shim


@pytest.fixture(scope="module")
def upstream_run(upstream_built_module):
    path, shim = upstream_built_module
    return run_python(UPSTREAM_MODULE_DRIVER, path, shim, Path(__file__).parent, RUNTIME_PATH)


@needs_upstream
def test_upstream_built_module_raises_upstreams_type_error_on_this_runtime(upstream_run):
    out = upstream_run
    assert out["upstream_runtime_loaded"] is False
    assert (out["add_one"], out["greet"]) == (42, "hi bob")
    prefix = "Mismatched type on argument #0 when calling: "
    assert out["add_one_str"] == [
        "TypeError",
        prefix + "`add_one(0: int) -> int`. Expected `int` but got `ffi.SmallStr`",
    ]
    assert out["greet_float"] == [
        "TypeError",
        prefix + "`greet(0: str) -> str`. Expected `str` but got `float`",
    ]
    assert out["point_x_int"] == [
        "TypeError",
        prefix + "`point_x(0: upstream.Point) -> int`. Expected `upstream.Point` but got `int`",
    ]


# The same module on apache-tvm-ffi's own runtime: what its inline Any hashing computes there.
UPSTREAM_REFERENCE_DRIVER = r"""
import json, sys
import tvm_ffi
mod = tvm_ffi.load_module(sys.argv[1])
big = 2**100
print(json.dumps({
    "hash": [mod.any_hash(big), mod.any_hash(-big), mod.any_hash(big * big)],
    "equal": [mod.any_equal(big, 2**100), mod.any_equal(big, big + 1)],
}))
"""


@needs_upstream
def test_upstream_built_any_hash_of_big_ints_matches_the_reference_runtime(
    upstream_built_module, upstream_run
):
    # Inline AnyHash/AnyEqual call the BigInt entries of the __any_hash__/__any_equal__ columns.
    reference = run_python(UPSTREAM_REFERENCE_DRIVER, upstream_built_module[0])
    assert upstream_run["hash"] == reference["hash"]
    assert upstream_run["equal"] == reference["equal"] == [True, False]
    assert len(set(reference["hash"])) == 3


@needs_upstream
def test_upstream_object_def_registers_its_type_on_this_runtime(upstream_run):
    out = upstream_run
    assert (out["point_key"], out["point_x"]) == ("upstream.Point", 3)
    assert out["fields"] == [["x", 24, 0], ["y", 32, 1]]
    assert out["methods"] == ["sum"]
    assert (out["total_size"], out["has_creator"]) == (40, True)
    assert out["attrs"] == {
        "__ffi_type_final__": abi.KTVMFFI_NONE + 2,  # a bool
        "__ffi_shallow_copy__": abi.KTVMFFI_FUNCTION,
        "__ffi_new__": abi.KTVMFFI_FUNCTION,
    }
