"""Hostile input to the C++ runtime ends in a Python exception, never a crash, hang or wrong value.

Crash-type attacks (segfault, abort, hang) run in a fresh interpreter with a timeout, so that a
regression fails one test instead of ending the run. Kernels: tests/reliability/runtime_kernels.cc.
"""

import json
import math
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from isolated import run_isolated

import tvm_ffi_jit as ffi

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join(HERE, "reliability", "runtime_kernels.cc")
LOAD_KERNELS = f"""
import tvm_ffi_jit.cpp
mod = tvm_ffi_jit.cpp.load("reliability_runtime", cpp_files=[{KERNELS!r}])
"""


@pytest.fixture(scope="module")
def mod():
    """Compiled once here; the subprocesses load it from the shared test cache."""
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load("reliability_runtime", cpp_files=[KERNELS])


def run_with_kernels(mod, code, timeout=60):
    """Runs `code` in a fresh interpreter with `mod` loaded (from the cache)."""
    del mod  # the fixture only makes sure the library is built
    return run_isolated(LOAD_KERNELS + textwrap.dedent(code), timeout=timeout)


def assert_clean_exit(result):
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
    )


# ---- memory safety: sizes that wrap ----

HUGE_SHAPES = [(2**62, 4), (2**31, 2**31, 4), (2**63 - 1,), (4, 2**61)]


@pytest.mark.parametrize("kernel", ["env_alloc_bytes", "env_alloc_c_api", "nd_alloc_bytes"])
@pytest.mark.parametrize("shape", HUGE_SHAPES, ids=str)
def test_tensor_size_that_overflows_is_an_overflow_error(mod, kernel, shape):
    with pytest.raises(OverflowError, match=r"tensor shape \(.*\) .*too large") as info:
        getattr(mod, kernel)(ffi.Shape(shape))
    assert str(shape[0]) in str(info.value)


@pytest.mark.parametrize("kernel", ["env_alloc_bytes", "env_alloc_c_api", "nd_alloc_bytes"])
def test_negative_extent_is_a_value_error(mod, kernel):
    with pytest.raises(ValueError, match=r"tensor shape \(3, -1\) has a negative extent"):
        getattr(mod, kernel)(ffi.Shape((3, -1)))


def test_reasonable_tensor_sizes_still_allocate(mod):
    assert mod.env_alloc_bytes(ffi.Shape((2, 3))) == 24
    assert mod.nd_alloc_bytes(ffi.Shape((5,))) == 20
    assert mod.env_alloc_bytes(ffi.Shape((0, 2**62))) == 0  # empty: no overflow
    assert mod.env_alloc_c_api(ffi.Shape((7,))) == 0


# ---- the C API: NULL and mistyped pointers ----


def test_every_c_api_function_survives_null_pointers():
    script = os.path.join(HERE, "reliability", "c_api_nulls.py")
    result = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120)
    assert_clean_exit(result)
    records = json.loads(result.stdout)
    assert len(records) >= 60
    for record in records:
        case, rc, error = record["case"], record["rc"], record["error"]
        if case.startswith(("GetTypeAttrColumn", "GetTypeInfo")):
            assert rc is None, case  # NULL: no such record
        elif case.startswith("ErrorCreate"):
            assert rc == -1, case  # reported by the code alone (no error while making one)
        elif case.startswith("ErrorSetRaisedFromCStrParts"):
            assert error == ["ValueError", ""], case
        elif case.startswith(("ErrorMoveFromRaised", "GetVersion", "BigIntGet", "ObjectIncRef")):
            assert error is None, case
        elif case.startswith(("ErrorSetRaised(", "SetCustomAllocator", "EnvSet")):
            assert error is None and rc in (None, 0), record  # NULL is a valid value here
        elif case.startswith("ErrorSetRaisedFromCStr("):
            assert error == ["RuntimeError", ""], record
        elif case.startswith("ObjectDecRef"):
            assert rc == 0 and error is None, case
        elif case.startswith("Backtrace"):
            assert (
                "line -1000" in record["text"]
                or "file.cc" in record["text"]
                or ("NULL file" in case)
            ), record
        else:
            assert rc == -1, record
            assert error is not None and error[0] in ("ValueError", "TypeError"), record
            assert error[1], record
    by_case = {r["case"]: r for r in records}
    # The message names the function and the argument.
    assert by_case["StringFromByteArray(NULL input)"]["error"] == [
        "ValueError",
        "TVMFFIStringFromByteArray: argument `input` must not be NULL",
    ]
    assert "`func`" in by_case["FunctionCall(NULL func)"]["error"][1]
    assert "type index 65" in by_case["FunctionCall(a String as func)"]["error"][1]
    assert "`out`" in by_case["FunctionGetGlobal(NULL out)"]["error"][1]
    assert "`name`" in by_case["FunctionSetGlobal(NULL name)"]["error"][1]
    assert "`func_name`" in by_case["EnvModLookupFromImports(NULL name)"]["error"][1]
    assert "`library_ctx`" in by_case["EnvModLookupFromImports(a String as module)"]["error"][1]
    assert "`str`" in by_case["DataTypeFromString(NULL str)"]["error"][1]
    assert "`out`" in by_case["FunctionListGlobalNames(NULL out)"]["error"][1]
    assert "`any_view`" in by_case["AnyViewToOwnedAny(NULL view)"]["error"][1]


def test_function_call_checks_still_pass_good_calls():
    assert list(ffi.get_global_func("ffi.Array")(1, "b")) == [1, "b"]


# ---- the type registry ----

TYPE_REGISTRY_ATTACKS = """
import json, sys
sys.path.insert(0, {here!r})
import ffi_ctypes
import tvm_ffi_jit
from tvm_ffi_jit import libinfo
lib = ffi_ctypes.open_runtime(libinfo.runtime_library_path())
results = {{}}
cases = {{
    "huge static index": ("rel.Huge", 2_000_000_000, 1, 0, 0, 64),
    "huge negative static index": ("rel.Neg", -2_000_000_000, 1, 0, 0, 64),
    "static index of ffi.String": ("rel.FakeString", 65, 1, 0, 0, 64),
    "static index of ffi.Object": ("rel.FakeObject", 64, 1, 0, 0, 64),
    "static index of int": ("rel.FakeInt", 1, 1, 0, 0, 64),
    "huge child slots": ("rel.Slots", -1, 1, 2_000_000_000, 1, 64),
    "negative child slots": ("rel.NegSlots", -1, 1, -5, 1, 64),
    "huge parent index": ("rel.Parent", -1, 1, 0, 1, 2_000_000_000),
    "wrong depth": ("rel.Depth", -1, 7, 0, 1, 64),
}}
for name, args in cases.items():
    index = ffi_ctypes.alloc(lib, *args)
    results[name] = [index, ffi_ctypes.take_raised_error(lib)]
results["65 after"] = ffi_ctypes.type_record(lib, 65)["key"]
results["1 after"] = ffi_ctypes.type_record(lib, 1)["key"]
text = "still a string, long enough"
results["String converts"] = tvm_ffi_jit.convert(text) == text
print(json.dumps(results))
"""


def test_bad_static_type_indices_are_refused_and_leave_the_registry_intact():
    result = run_isolated(TYPE_REGISTRY_ATTACKS.format(here=HERE), timeout=60)
    assert_clean_exit(result)
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert results.pop("65 after") == "ffi.String"
    assert results.pop("1 after") == "int"
    assert results.pop("String converts") is True
    for name, (index, error) in results.items():
        assert index == -1, name
        assert error is not None and error[0] == "ValueError", (name, error)
    assert "already taken by `ffi.String`" in results["static index of ffi.String"][1][1]
    assert "out of range" in results["huge static index"][1][1]


# ---- recursion ----


@pytest.mark.parametrize(
    "code",
    [
        "assert mod.free_deep_array(1_000_000) == 1_000_000",
        "assert mod.free_deep_map(300_000) == 300_000",
        "chain = mod.deep_array(1_000_000); del chain",  # the last reference dropped by Python
        "chain = mod.deep_map(300_000); del chain",
        "assert mod.wide_and_deep(50, 2_000) == 51",
    ],
    ids=["array-1e6", "map-3e5", "array-freed-by-python", "map-freed-by-python", "wide-and-deep"],
)
def test_freeing_a_deep_chain_does_not_overflow_the_stack(mod, code):
    result = run_with_kernels(mod, code + "\nprint('freed')")
    assert_clean_exit(result)
    assert "freed" in result.stdout


def test_freeing_from_python_built_nesting_is_iterative():
    # Built one level per conversion (no deep conversion), freed in one go.
    result = run_isolated(
        """
        import tvm_ffi_jit as ffi
        chain = ffi.convert([])
        for _ in range(300_000):
            chain = ffi.convert([chain])
        del chain
        print("freed")
        """,
        timeout=120,
    )
    assert_clean_exit(result)


@pytest.mark.parametrize("cycle", ["self", "pair", "triangle"])
def test_import_cycle_then_missing_name_is_not_found(mod, cycle):
    result = run_with_kernels(
        mod,
        f"""
        import tvm_ffi_jit
        from tvm_ffi_jit import libinfo
        cycle = {cycle!r}
        if cycle == "self":
            mod.import_module(mod)
        else:
            # Other modules: the runtime's system library and a second handle on it.
            other = tvm_ffi_jit.system_lib()
            mod.import_module(other)
            other.import_module(mod)
            if cycle == "triangle":
                third = tvm_ffi_jit.system_lib("rel_")
                other.import_module(third)
                third.import_module(mod)
        try:
            mod.get_function("no_such_function", query_imports=True)
        except AttributeError as error:
            assert "has no function 'no_such_function'" in str(error)
        else:
            raise AssertionError("found a function that does not exist")
        assert not mod.implements_function("no_such_function", query_imports=True)
        assert mod.get_function_doc("no_such_function", query_imports=True) is None
        assert mod.get_function("take_int8", query_imports=True) is not None
        print("ok")
        """,
    )
    assert_clean_exit(result)
    assert "ok" in result.stdout


# ---- aborts ----


MESSAGE_OPERAND_CASES = [
    ("mod.throw_with_vector_at(5)", "RuntimeError", "vector"),
    ("mod.throw_with_array_at([1, 2], 9)", "IndexError", "index 9 out of range for size 2"),
    ("mod.check_with_vector_at(5)", "RuntimeError", "vector"),
    ("mod.throw_with_vector_at(0)", "ValueError", "value 1"),
    ("mod.check_with_vector_at(0)", "ValueError", "Check failed: (i < 0) is false: value 1"),
    ("mod.check_eq_message(1, 2)", "InternalError", "a == b (1 vs. 2) : a and b differ"),
]


def test_exception_while_building_an_error_message_propagates(mod):
    """`TVM_FFI_THROW(ValueError) << v.at(i)`: the operand's exception is the error (it used
    to be thrown while the message builder threw its own: std::terminate)."""
    calls = [call for call, _, _ in MESSAGE_OPERAND_CASES]
    result = run_with_kernels(
        mod,
        f"""
        import json
        outcomes = []
        for call in {calls!r}:
            try:
                eval(call)
            except Exception as error:
                outcomes.append([type(error).__name__, str(error)])
            else:
                outcomes.append(None)
        print(json.dumps(outcomes))
        """,
    )
    assert_clean_exit(result)
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    for (call, kind, text), outcome in zip(MESSAGE_OPERAND_CASES, outcomes):
        assert outcome is not None, call
        name, message = outcome
        assert name == kind or (kind == "InternalError" and name == "RuntimeError"), outcome
        assert text in message, (call, message)


def test_cpp_thread_calling_python_while_the_interpreter_exits(mod):
    """The thread is ended by CPython (pthread_exit: a forced unwind) when it wants the GIL
    during finalization; a catch (...) that swallowed the unwind would abort the process."""
    for _ in range(3):  # the race is timing dependent: a few rounds
        result = run_with_kernels(
            mod,
            """
            import time
            count = [0]
            def callback():
                count[0] += 1
            mod.start_callback_thread(callback)
            while count[0] < 100:
                time.sleep(0.001)
            print("exiting")
            """,
        )
        assert result.returncode != -signal.SIGABRT, result.stderr[-2000:]
        assert_clean_exit(result)


# ---- wrong results: narrow integers, NaN keys ----

NARROW = [
    ("take_int8", -128, 127, "int8_t"),
    ("take_uint8", 0, 255, "uint8_t"),
    ("take_int16", -(2**15), 2**15 - 1, "int16_t"),
    ("take_uint16", 0, 2**16 - 1, "uint16_t"),
    ("take_int32", -(2**31), 2**31 - 1, "int32_t"),
    ("take_uint32", 0, 2**32 - 1, "uint32_t"),
]


@pytest.mark.parametrize("kernel, low, high, ctype", NARROW)
def test_narrow_integer_parameter_refuses_out_of_range_values(mod, kernel, low, high, ctype):
    func = getattr(mod, kernel)
    assert func(low) == low and func(high) == high
    for bad in (low - 1, high + 1, 2**63 - 1, -(2**63)):
        with pytest.raises(OverflowError, match=rf"{bad} is out of range .* {ctype}") as info:
            func(bad)
        assert "Argument #0" in str(info.value) and kernel in str(info.value)


def test_uint64_refuses_negative_values_and_int64_takes_all(mod):
    assert mod.take_uint64(2**63 - 1) == 2**63 - 1
    with pytest.raises(OverflowError, match="-1 is out of range .* uint64_t"):
        mod.take_uint64(-1)
    assert mod.take_int64(-(2**63)) == -(2**63)


def test_range_error_names_the_argument_position(mod):
    assert mod.take_two(1, True) == 2  # a bool is 0 or 1
    with pytest.raises(OverflowError, match=r"Argument #1 .*: 256 is out of range"):
        mod.take_two(1, 256)


def test_two_nan_keys_are_refused_not_collapsed():
    with pytest.raises(ValueError, match="more than one NaN key"):
        ffi.convert({float("nan"): 1, float("nan"): 2})
    single = ffi.convert({float("nan"): 1, 2.5: 2})
    assert len(single) == 2
    assert sorted(v for v in single.values()) == [1, 2]
    assert any(math.isnan(k) for k in single.keys())
    # Duplicates of other keys keep Map's documented "later wins".
    assert dict(ffi.get_global_func("ffi.Map")(1, "a", 1, "b").items()) == {1: "b"}
