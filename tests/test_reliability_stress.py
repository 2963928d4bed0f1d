"""Stress: many Python threads and C++ threads on one module, 100,000-call leak loops and
hypothesis round-trips of nested containers. Run with -s to see the figures."""

import gc
import os
import random
import sys
import threading
import time

import pytest

import tvm_ffi_jit as ffi

np = pytest.importorskip("numpy")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SANITIZED = bool(os.environ.get("TVM_FFI_JIT_SANITIZE"))
PYTHON_THREADS = 12
LEAK_CALLS = 100_000
RSS_TOLERANCE_KIB = 4096

KERNELS = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ffi = tvm::ffi;

int64_t add(int64_t a, int64_t b) { return a + b; }
ffi::String concat(ffi::String a, ffi::String b) { return a + b; }
int64_t sum_array(ffi::Array<int64_t> xs) {
  int64_t total = 0;
  for (int64_t x : xs) total += x;
  return total;
}
int64_t sum_map(ffi::Map<ffi::String, int64_t> m) {
  int64_t total = 0;
  for (auto kv : m) total += kv.second * static_cast<int64_t>(kv.first.size());
  return total;
}
double sum_tensor(ffi::TensorView t) {
  TVM_FFI_CHECK(t.dtype().code == kDLFloat && t.dtype().bits == 64, TypeError) << "want float64";
  const double* data = static_cast<const double*>(t.data_ptr());
  double total = 0;
  for (int64_t i = 0; i < t.numel(); ++i) total += data[i];
  return total;
}
ffi::Any echo(ffi::Any x) { return x; }
void fail(ffi::String message) { TVM_FFI_THROW(ValueError) << message; }
// `threads` C++ threads each call f(base + i) for i < calls and sum what it returns; a call
// that throws counts in the second slot instead.
ffi::Array<int64_t> call_from_threads(ffi::Function f, int64_t threads, int64_t calls) {
  std::atomic<int64_t> total{0}, errors{0};
  std::vector<std::thread> workers;
  for (int64_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0; i < calls; ++i) {
        try {
          total += f(t * calls + i).cast<int64_t>();
        } catch (const ffi::Error&) {
          ++errors;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return ffi::Array<int64_t>{total.load(), errors.load()};
}
"""
FUNCTIONS = [
    "add",
    "concat",
    "sum_array",
    "sum_map",
    "sum_tensor",
    "echo",
    "fail",
    "call_from_threads",
]


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline(
        "reliability_stress", cpp_sources=KERNELS, functions=FUNCTIONS
    )


def to_python(value):
    """Array -> list and Map -> dict, recursively, so results compare with what was sent."""
    if isinstance(value, ffi.Array):
        return [to_python(v) for v in value]
    if isinstance(value, ffi.Map):
        return {k: to_python(v) for k, v in value.items()}
    return value


def rss_kib():
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def mixed_call(mod, rng):
    """One random call with its expected result checked; returns its kind."""
    kind = rng.randrange(6)
    if kind == 0:
        a, b = rng.randrange(-(2**40), 2**40), rng.randrange(-(2**40), 2**40)
        assert mod.add(a, b) == a + b
    elif kind == 1:
        a, b = "x" * rng.randrange(40), "é" * rng.randrange(40)
        assert mod.concat(a, b) == a + b
    elif kind == 2:
        xs = [rng.randrange(1000) for _ in range(rng.randrange(20))]
        assert mod.sum_array(xs) == sum(xs)
        m = {"k" * (i + 1): x for i, x in enumerate(xs)}
        assert mod.sum_map(m) == sum(len(k) * v for k, v in m.items())
    elif kind == 3:
        arr = np.arange(rng.randrange(1, 64), dtype=np.float64)
        assert mod.sum_tensor(arr) == float(arr.sum())
    elif kind == 4:
        value = {"a": [1, "two", 3.0], "b": {"c": None}}
        assert to_python(mod.echo(value)) == value
    else:
        message = f"boom {rng.random()}"
        with pytest.raises(ValueError, match=message.replace(".", r"\.")):
            mod.fail(message)
    return kind


def test_python_threads_mixed_calls_on_one_module(mod):
    calls_each, failures, counts = 1500, [], [0] * PYTHON_THREADS
    start_line = threading.Barrier(PYTHON_THREADS)

    def worker(index):
        rng = random.Random(index)
        start_line.wait()
        try:
            for _ in range(calls_each):
                mixed_call(mod, rng)
                counts[index] += 1
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append((index, repr(error)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(PYTHON_THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - began
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert failures == []
    assert counts == [calls_each] * PYTHON_THREADS
    total = sum(counts)
    print(
        f"\n{PYTHON_THREADS} Python threads, mixed calls: {total} in {elapsed:.2f} s "
        f"({total / elapsed:,.0f} calls/s)"
    )


def test_cpp_threads_call_back_into_python(mod):
    threads, calls = 8, 2000

    def double_or_fail(x):
        if x % 97 == 0:
            raise ValueError(f"refused {x}")
        return 2 * x

    began = time.perf_counter()
    total, errors = mod.call_from_threads(double_or_fail, threads, calls)
    elapsed = time.perf_counter() - began
    values = range(threads * calls)
    assert errors == sum(1 for x in values if x % 97 == 0)
    assert total == sum(2 * x for x in values if x % 97 != 0)
    print(
        f"\n{threads} C++ threads calling Python: {threads * calls} callbacks in "
        f"{elapsed:.2f} s ({threads * calls / elapsed:,.0f} callbacks/s)"
    )


def test_python_and_cpp_threads_together(mod):
    # Python threads each start C++ threads that call back, while others make plain calls.
    results, failures = [], []

    def with_callbacks(seed):
        try:
            results.append(tuple(mod.call_from_threads(lambda x: x + seed, 4, 300)))
        except BaseException as error:  # noqa: BLE001
            failures.append(repr(error))

    def plain(seed):
        rng = random.Random(seed)
        try:
            for _ in range(500):
                mixed_call(mod, rng)
        except BaseException as error:  # noqa: BLE001
            failures.append(repr(error))

    threads = [threading.Thread(target=with_callbacks, args=(s,)) for s in range(4)]
    threads += [threading.Thread(target=plain, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert failures == []
    expected = {(sum(range(1200)) + 1200 * seed, 0) for seed in range(4)}
    assert set(results) == expected


def leak_cases(mod):
    """(name, call, argument objects whose reference counts must stay put)."""
    number = 2**40 + 7  # not a small cached int
    text = "a string long enough not to be inlined in the Any " * 2
    items = list(range(16))
    mapping = {f"key{i}": i for i in range(16)}
    array = np.arange(32, dtype=np.float64)
    message = "expected failure"

    def raise_and_catch():
        try:
            mod.fail(message)
        except ValueError:
            pass

    return [
        ("ints", lambda: mod.add(number, number), [number]),
        ("strings", lambda: mod.concat(text, text), [text]),
        ("list->Array", lambda: mod.sum_array(items), [items]),
        ("dict->Map", lambda: mod.sum_map(mapping), [mapping]),
        ("numpy array", lambda: mod.sum_tensor(array), [array]),
        ("error raised in C++", raise_and_catch, [message]),
    ]


@pytest.mark.leak_measuring
@pytest.mark.skipif(SANITIZED, reason="sanitizer allocators do not give back memory")
def test_no_leak_over_100k_calls(mod):
    report = []
    for name, call, arguments in leak_cases(mod):
        for _ in range(2000):  # warm up caches and allocator pools before the first reading
            call()
        gc.collect()
        refs_before = [sys.getrefcount(a) for a in arguments]
        rss_before = rss_kib()
        began = time.perf_counter()
        for _ in range(LEAK_CALLS):
            call()
        elapsed = time.perf_counter() - began
        gc.collect()
        grown = rss_kib() - rss_before
        refs_after = [sys.getrefcount(a) for a in arguments]
        report.append(f"{name}: {LEAK_CALLS / elapsed:,.0f} calls/s, RSS {grown:+d} KiB")
        assert refs_after == refs_before, f"{name}: argument reference counts changed"
        assert grown < RSS_TOLERANCE_KIB, f"{name}: RSS grew by {grown} KiB over {LEAK_CALLS}"
    print("\n" + "\n".join(report))


leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
nested = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=nested)
def test_nested_containers_round_trip(value):
    back = to_python(ffi.convert(value))
    assert back == value
    assert type(back) is type(value)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=nested)
def test_nested_containers_round_trip_through_cpp(mod, value):
    assert to_python(mod.echo(value)) == value
