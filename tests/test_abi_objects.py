"""Objects at the byte level the TVM-FFI ABI fixes: reference counts, sequence cells, BigInt
words, error causes. Each C++ probe reads the object the way code compiled against another
runtime's headers would: through the C layout, not through this project's C++ classes."""

import pytest

import tvm_ffi_jit as ffi

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
#include <cstddef>
namespace ffi = tvm::ffi;

static_assert(sizeof(ffi::ArrayObj) == 56, "ArrayObj: header + TVMFFISeqCell");
static_assert(sizeof(ffi::ListObj) == 56, "ListObj: header + TVMFFISeqCell");
static_assert(sizeof(ffi::BigIntObj) == 32, "BigIntObj: header + word count");
static_assert(sizeof(TVMFFITypeInfo) == 72, "type info with reflection tables");
static_assert(sizeof(ffi::ModuleObj) == 48, "vtable, header, imports, lookup cache");

static uint64_t CountOf(TVMFFIObjectHandle handle) {
  return static_cast<TVMFFIObject*>(handle)->combined_ref_count;
}

// Strong and weak counts of objects made by the headers and by the runtime.
ffi::Array<int64_t> fresh_counts() {
  ffi::Array<int64_t> made_here{1, 2, 3};
  TVMFFIObjectHandle from_header = ffi::details::ObjectUnsafe::GetHandle(made_here);
  TVMFFIByteArray bytes{"a runtime string longer than seven bytes", 40};
  TVMFFIAny owned{};
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIStringFromByteArray(&bytes, &owned));
  uint64_t runtime = CountOf(owned.v_obj);
  TVMFFIObjectDecRef(owned.v_obj);
  uint64_t header = CountOf(from_header);
  return {static_cast<int64_t>(header & 0xFFFFFFFF), static_cast<int64_t>(header >> 32),
          static_cast<int64_t>(runtime & 0xFFFFFFFF), static_cast<int64_t>(runtime >> 32)};
}

// Sums an Array through the raw TVMFFISeqCell, as inline code of any runtime reads it.
int64_t raw_seq_sum(ffi::Array<int64_t> values) {
  TVMFFIObjectHandle handle = ffi::details::ObjectUnsafe::GetHandle(values);
  auto* cell = reinterpret_cast<TVMFFISeqCell*>(static_cast<char*>(handle) + sizeof(TVMFFIObject));
  auto* items = static_cast<TVMFFIAny*>(cell->data);
  int64_t sum = 0;
  for (int64_t i = 0; i < cell->size; ++i) sum += items[i].v_int64;
  return cell->capacity >= cell->size ? sum : -1;
}

// Appends in place: the caller's List sees it.
void list_append_twice(ffi::List<int64_t> list, int64_t value) {
  list.push_back(value);
  list.push_back(value);
}

ffi::List<ffi::String> make_list() { return {"a", "bb", "a string on the heap"}; }

// The words of an int or BigInt value, as TVMFFIBigIntGetContentByteArray lends them.
int64_t word_count(ffi::Any value) {
  TVMFFIAny view = ffi::details::AnyUnsafe::MoveToRaw(std::move(value));
  int64_t words = static_cast<int64_t>(TVMFFIBigIntGetContentByteArray(&view).size / 8);
  ffi::Any release = ffi::details::AnyUnsafe::FromOwnedRaw(view);
  return words;
}

// An error whose cause is another error: the cause's message through the cell.
ffi::String cause_message() {
  TVMFFIByteArray kind{"ValueError", 10}, inner{"inner", 5}, outer{"outer", 5};
  TVMFFIObjectHandle cause = nullptr, error = nullptr;
  TVM_FFI_ICHECK_EQ(TVMFFIErrorCreate(&kind, &inner, nullptr, &cause), 0);
  TVM_FFI_ICHECK_EQ(
      TVMFFIErrorCreateWithCauseAndExtraContext(&kind, &outer, nullptr, cause, nullptr, &error),
      0);
  uint32_t cause_strong = static_cast<uint32_t>(CountOf(cause));
  TVMFFIObjectDecRef(cause);
  TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(error);
  TVMFFIErrorCell* cause_cell = TVMFFIErrorGetCellPtr(cell->cause_chain);
  std::string text(cause_cell->message.data, cause_cell->message.size);
  TVMFFIObjectDecRef(error);
  return text + " " + std::to_string(cause_strong);
}
"""

FUNCTIONS = [
    "fresh_counts",
    "raw_seq_sum",
    "list_append_twice",
    "make_list",
    "word_count",
    "cause_message",
]


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline("abi_objects", cpp_sources=SOURCE, functions=FUNCTIONS)


def test_new_objects_start_with_one_strong_and_one_weak_reference(mod):
    # Upstream's runtime frees an object only when its weak count (held by the strong ones)
    # drops to zero: a weak count of 0 here leaked every object returned to it.
    assert list(mod.fresh_counts()) == [1, 1, 1, 1]


def test_array_elements_are_read_through_the_seq_cell(mod):
    assert mod.raw_seq_sum([1, 2, 3, 40]) == 46
    assert mod.raw_seq_sum(list(range(1000))) == sum(range(1000))
    assert mod.raw_seq_sum([]) == 0


def test_list_is_shared_and_mutable_across_the_abi(mod):
    values = ffi.List([1])
    mod.list_append_twice(values, 7)
    assert list(values) == [1, 7, 7]
    values[0] = 5
    values.append(9)
    assert values == [5, 7, 7, 9]
    assert values.pop() == 9 and len(values) == 3
    made = mod.make_list()
    assert isinstance(made, ffi.List)
    assert list(made) == ["a", "bb", "a string on the heap"]


@pytest.mark.parametrize(
    "value, words",
    [(0, 1), (-1, 1), (2**63 - 1, 1), (2**63, 2), (-(2**63) - 1, 2), (2**64, 2), (2**200, 4)],
)
def test_integers_cross_as_int_or_bigint_words(mod, value, words):
    assert mod.word_count(value) == words


@pytest.mark.parametrize("value", [2**64, -(2**64), 2**63, -(2**63) - 1, 3**150, -(7**90)])
def test_big_python_ints_round_trip(value):
    assert ffi.convert([value])[0] == value
    assert list(ffi.List([value, 1])) == [value, 1]


def test_error_keeps_its_cause(mod):
    # The cause outlives its creator's reference: the error holds one of its own.
    assert mod.cause_message() == "inner 2"


def test_module_import_cycles_end(mod):
    import tvm_ffi_jit.cpp

    other = tvm_ffi_jit.cpp.load_inline(
        "abi_objects_import", cpp_sources="int64_t seven() { return 7; }", functions=["seven"]
    )
    mod.import_module(mod)  # a module importing itself, and a cycle of two
    mod.import_module(other)
    other.import_module(mod)
    assert mod.get_function("seven", query_imports=True)() == 7
    with pytest.raises(AttributeError, match="no function 'missing'"):
        mod.get_function("missing", query_imports=True)
