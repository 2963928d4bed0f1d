"""The call path's inline conversions (src/python/call.cc): exact ints and floats as arguments,
None/int/float/bool results, calls without tensors skipping the framework environment, and the
bookkeeping of calls made without the GIL. Each must give what the general converter gives.
"""

import enum
import threading

import pytest

from tvm_ffi_jit import cpp

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

int64_t identity_int(int64_t x) { return x; }
double identity_float(double x) { return x; }
bool negate(bool x) { return !x; }
void nothing() {}
ffi::String arg_type_key(ffi::AnyView x) { return x.GetTypeKey(); }
// Calls back into Python: a call without the GIL nested inside another one.
int64_t call_twice(ffi::Function f, int64_t x) {
  return f(x).cast<int64_t>() + f(x).cast<int64_t>();
}
"""
FUNCTIONS = ["identity_int", "identity_float", "negate", "nothing", "arg_type_key", "call_twice"]

# Python ints of 0, 1 and 2 digits (30-bit digits) and the int64 limits.
INTS = [0, 1, -1, 7, 2**30 - 1, -(2**30 - 1), 2**30, -(2**30), 2**31, -(2**31), 2**60 + 3]
INTS += [-(2**62) - 5, 2**63 - 1, -(2**63)]


@pytest.fixture(scope="module")
def mod():
    return cpp.load_inline("call_fast_paths", cpp_sources=SOURCE, functions=FUNCTIONS)


@pytest.mark.parametrize("value", INTS)
def test_ints_of_every_digit_count_pass_exactly(mod, value):
    assert mod.identity_int(value) == value
    assert mod.identity_int(-value if value != -(2**63) else value) == (
        -value if value != -(2**63) else value
    )


def test_ints_beyond_64_bits_still_reach_the_general_converter(mod):
    assert mod.arg_type_key(2**64) == "BigInt"  # not truncated by the inline path
    with pytest.raises(TypeError, match="BigInt"):
        mod.identity_int(2**63)


def test_int_subclasses_and_bools_keep_their_conversion(mod):
    class Color(enum.IntEnum):
        RED = 5

    assert mod.identity_int(Color.RED) == 5
    assert mod.arg_type_key(True) == "bool"  # a bool is not taken as an int
    assert mod.arg_type_key(3) == "int"
    assert mod.negate(True) is False
    assert mod.negate(False) is True


def test_floats_and_float_subclasses(mod):
    class Celsius(float):
        pass

    for value in [0.0, -0.0, 1.5, -2.25e300, float("inf")]:
        assert mod.identity_float(value) == value
    assert str(mod.identity_float(-0.0)) == "-0.0"
    assert mod.identity_float(Celsius(3.5)) == 3.5
    assert mod.arg_type_key(2.5) == "float"
    assert mod.identity_float(float("nan")) != mod.identity_float(float("nan"))


def test_results_have_their_python_types(mod):
    assert mod.nothing() is None
    assert type(mod.identity_int(2**40)) is int
    assert type(mod.identity_float(1.0)) is float
    assert type(mod.negate(False)) is bool


@pytest.mark.parametrize("release_gil", [True, False])
def test_nested_calls_without_the_gil_unwind_their_bookkeeping(mod, release_gil):
    f = mod.call_twice
    f.release_gil = release_gil
    inner = mod.identity_int
    assert f(inner, 21) == 42

    def outer(x):
        return f(inner, x)  # a call without the GIL inside one without the GIL

    assert f(outer, 5) == 20


def test_calls_without_the_gil_from_many_threads(mod):
    errors = []

    def work(offset):
        try:
            for i in range(2000):
                assert mod.identity_int(offset + i) == offset + i
                assert mod.call_twice(mod.identity_int, i) == 2 * i
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k * 10**6,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
