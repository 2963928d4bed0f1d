"""dict -> Map conversion (src/python/convert.cc DictToMap): plain keys and values are read in
place, the pairs from the first other one on from a snapshot; every kind keeps its value and type.
"""

import pytest

import tvm_ffi_jit as ffi

PLAIN = [0, -5, 2**30, -(2**63), 2**63 - 1, 2.5, True, None, "ab", "a string of 8+ bytes"]
PLAIN += ["é" * 5, b"xy", b"bytes of 8 or more"]


def as_dict(converted):
    return {key: converted[key] for key in converted}


def test_every_plain_key_and_value_kind_keeps_its_value_and_type():
    items = {f"k{i}": value for i, value in enumerate(PLAIN)}
    items.update({7: "int key", -2.25: "float key", "long key of 8+ bytes": 1, b"by": 2})
    converted = ffi.convert(items)
    assert isinstance(converted, ffi.Map)
    assert len(converted) == len(items)
    assert as_dict(converted) == items
    assert {key: type(converted[key]) for key in items} == {k: type(v) for k, v in items.items()}


def test_plain_pairs_around_other_values_all_arrive():
    inner = ffi.convert([7])
    items = {"a": 1, "b": [2, (3, {"k": 4})], "c": "x", "d": inner, "e": {"f": 5.0}, "g": 6}
    converted = ffi.convert(items)
    assert len(converted) == 6
    assert converted["a"] == 1 and converted["c"] == "x" and converted["g"] == 6
    assert converted["b"][0] == 2 and converted["b"][1][1]["k"] == 4
    assert list(converted["d"]) == [7] and converted["e"]["f"] == 5.0


def test_a_dict_edited_while_converting_gives_its_pairs_at_the_start():
    class EditsTheDict:
        def __tvm_ffi_object__(self):
            items.clear()
            items.update({f"new{i}": i for i in range(100)})
            return ffi.convert([7])

    items = {"a": 1, "b": 2, "edits": EditsTheDict(), "c": 3, "d": "a string past the object"}
    converted = ffi.convert(items)
    assert sorted(converted) == ["a", "b", "c", "d", "edits"]
    assert converted["a"] == 1 and converted["b"] == 2 and list(converted["edits"]) == [7]
    assert converted["c"] == 3 and converted["d"] == "a string past the object"
    assert len(items) == 100 and "a" not in items


@pytest.mark.parametrize(
    "items",
    [
        {"a": 1, "bad": "\ud800"},
        {"a": 1, "\ud800": 2},
        {"a": 1, "obj": object(), "bad": "\ud800"},  # after the first non-plain value
    ],
)
def test_a_key_or_value_that_cannot_convert_fails_with_its_error(items):
    with pytest.raises((UnicodeEncodeError, TypeError)):
        ffi.convert(items)


def test_a_large_dict_arrives_whole():
    items = {f"key{i}": i for i in range(100_000)}
    converted = ffi.convert(items)
    assert len(converted) == 100_000
    assert converted["key0"] == 0 and converted["key99999"] == 99_999


def test_nan_keys_that_would_collapse_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        ffi.convert({float("nan"): 1, float("nan"): 2, "a": 3})
