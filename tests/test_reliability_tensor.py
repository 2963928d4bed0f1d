"""Reliability of the tensor exchange (issue 9): lazy torch views and read-only memory never reach
a kernel as if they were plain writable data, the per-type route cache neither grows with every
class ever passed nor keeps a stale route, and Ctrl-C reaches C++ threads of calls made on any
Python thread.

Signal scenarios run in a fresh interpreter with a timeout, so a hang fails one test.
"""

import gc
import os
import subprocess
import threading

import numpy as np
import pytest
from isolated import run_isolated

import tvm_ffi_jit as ffi
from tvm_ffi_jit import _core, cpp

torch = pytest.importorskip("torch")

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <chrono>
#include <exception>
#include <thread>

namespace ffi = tvm::ffi;

// Writes `value` into every byte: what a kernel given read-only memory would do.
void fill_bytes(ffi::TensorView t, int64_t value) {
  auto* data = static_cast<uint8_t*>(t.data_ptr());
  int64_t size = t.numel() * ((t.dtype().bits * t.dtype().lanes + 7) / 8);
  for (int64_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(value);
}
// The float32 or complex64 (as re, im pairs) values the kernel sees; contiguous tensors only.
ffi::Array<double> values(ffi::TensorView t) {
  ffi::Array<double> out;
  const float* data = static_cast<const float*>(t.data_ptr());
  int64_t count = t.numel() * (t.dtype().code == kDLComplex ? 2 : 1);
  for (int64_t i = 0; i < count; ++i) out.push_back(data[i]);
  return out;
}
bool is_tensor(ffi::Any x) { return x.as<ffi::Tensor>().has_value(); }

// Polls for signals until one is reported (returns the ms it took) or the timeout (-1).
int64_t poll(double timeout_s) {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (TVMFFIEnvCheckSignals() != 0) throw ffi::EnvErrorAlreadySet();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return -1;
}
// The same on a C++ worker thread, which the call waits for.
int64_t poll_on_thread(double timeout_s) {
  int64_t result = 0;
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      result = poll(timeout_s);
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
  return result;
}
"""
FUNCTIONS = ["fill_bytes", "values", "is_tensor", "poll", "poll_on_thread"]


@pytest.fixture(scope="module")
def library():
    return cpp.build_inline("reliability_tensor", cpp_sources=SOURCE, functions=FUNCTIONS)


@pytest.fixture(scope="module")
def mod(library):
    return ffi.load_module(library)


def complex_tensor():
    return torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64)


# Lazy torch views: the conjugate and negative bits live in torch, not in the memory.


@pytest.mark.parametrize(
    "make, fix",
    [
        (lambda: complex_tensor().conj(), "resolve_conj"),
        (lambda: complex_tensor().to(torch.complex128).conj(), "resolve_conj"),
        (lambda: torch.tensor([1.0, 2.0])._neg_view(), "resolve_neg"),
        (lambda: torch.tensor([1, 2], dtype=torch.int32)._neg_view(), "resolve_neg"),
        (lambda: complex_tensor().conj().imag, "resolve_neg"),  # neg bit on a real view
        (lambda: complex_tensor().conj()[1:], "resolve_conj"),  # a slice keeps the bit
    ],
    ids=["conj64", "conj128", "neg_f32", "neg_i32", "conj_imag", "conj_slice"],
)
def test_lazy_torch_views_are_refused_naming_the_fix(mod, make, fix):
    x = make()
    with pytest.raises(BufferError, match=rf"x\.{fix}\(\)"):
        mod.values(x)
    with pytest.raises(BufferError, match=fix):
        ffi.from_dlpack(x)
    with pytest.raises(BufferError, match=fix):
        mod.is_tensor(x)  # an Any parameter too


def test_resolved_views_arrive_with_their_values(mod):
    x = complex_tensor().conj()
    assert list(mod.values(x.resolve_conj())) == [1.0, -2.0, 3.0, 4.0]
    assert list(mod.values(complex_tensor())) == [1.0, 2.0, 3.0, -4.0]
    y = torch.tensor([1.0, -2.0])._neg_view()
    assert list(mod.values(y.resolve_neg())) == [-1.0, 2.0]


def test_lazy_views_of_torch_subclasses_on_every_route(mod):
    class Sub(torch.Tensor):
        pass

    class NoExchangeApi(torch.Tensor):  # takes the __dlpack__ route
        __dlpack_c_exchange_api__ = None

    for cls in (Sub, NoExchangeApi):
        with pytest.raises(BufferError, match="resolve_conj"):
            mod.values(complex_tensor().as_subclass(cls).conj())
        with pytest.raises(BufferError, match="resolve_neg"):
            mod.values(torch.tensor([5.0]).as_subclass(cls)._neg_view())
        assert list(mod.values(torch.tensor([5.0]).as_subclass(cls))) == [5.0]


# Read-only memory: refused by default, allowed with allow_readonly.

READONLY_BYTES = b"immutable bytes!"


def readonly_array():
    a = np.arange(4, dtype=np.float32)
    a.flags.writeable = False
    return a


class CapsuleProducer:
    """A framework object exporting a read-only array through DLPack 1.x."""

    def __init__(self, array):
        self.array = array

    def __dlpack__(self, **kwargs):
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return (1, 0)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: np.frombuffer(READONLY_BYTES, dtype=np.uint8), "numpy.ndarray"),
        (lambda: np.frombuffer(READONLY_BYTES, dtype=np.float32)[::2], "numpy.ndarray"),
        (lambda: np.asarray(memoryview(READONLY_BYTES)), "numpy.ndarray"),
        (readonly_array, "numpy.ndarray"),
        (lambda: readonly_array().astype(">f4"), "numpy.ndarray"),  # not a native layout
        (lambda: CapsuleProducer(np.frombuffer(READONLY_BYTES, np.uint8)), "CapsuleProducer"),
        (lambda: np.frombuffer(READONLY_BYTES, np.uint8).view(np.recarray), "recarray"),
    ],
    ids=["frombuffer", "frombuffer_strided", "memoryview", "flag", "big_endian", "producer", "sub"],
)
def test_read_only_inputs_are_refused_and_stay_unwritten(mod, make, name):
    x = make()
    if isinstance(x, np.ndarray):
        x.flags.writeable = False  # astype() made a writable copy
    with pytest.raises(BufferError, match=rf"read-only {name}.*allow_readonly"):
        mod.fill_bytes(x, 0x41)
    with pytest.raises(BufferError, match="read-only"):
        ffi.from_dlpack(x)
    assert READONLY_BYTES == b"immutable bytes!"
    assert bytes(np.frombuffer(READONLY_BYTES, np.uint8)) == b"immutable bytes!"


def test_read_only_memory_map_is_refused(mod, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(16)))
    mapped = np.memmap(path, dtype=np.uint8, mode="r")
    with pytest.raises(BufferError, match="read-only memmap"):
        mod.fill_bytes(mapped, 0)
    del mapped
    assert path.read_bytes() == bytes(range(16))


def test_read_only_capsule_is_refused_and_not_consumed():
    capsule = readonly_array().__dlpack__(max_version=(1, 0))
    with pytest.raises(BufferError, match="read-only DLPack capsule"):
        ffi.from_dlpack(capsule)
    tensor = ffi.from_dlpack(capsule, allow_readonly=True)  # the refusal left it importable
    assert tensor.shape == (4,)
    assert not np.from_dlpack(tensor).flags.writeable  # the flag travels on
    with pytest.raises(TypeError, match="already imported"):
        ffi.from_dlpack(capsule)


def test_a_legacy_producer_of_read_only_memory_gets_the_producers_error(mod):
    class LegacyProducer:  # predates DLPack 1.0: cannot flag read-only, numpy refuses
        def __dlpack__(self):
            return readonly_array().__dlpack__()

        def __dlpack_device__(self):
            return (1, 0)

    with pytest.raises(BufferError, match="readonly"):
        mod.values(LegacyProducer())


def test_bytes_and_memoryview_are_never_tensors(mod):
    assert mod.is_tensor(READONLY_BYTES) is False  # a copy, as ffi.Bytes
    assert mod.is_tensor(memoryview(READONLY_BYTES)) is False
    with pytest.raises(TypeError):
        mod.fill_bytes(memoryview(READONLY_BYTES), 0)
    with pytest.raises(TypeError):
        mod.fill_bytes(READONLY_BYTES, 0)
    assert READONLY_BYTES == b"immutable bytes!"


def test_allow_readonly_context_lets_a_reading_kernel_run(mod):
    a = readonly_array()
    with ffi.allow_readonly():
        assert list(mod.values(a)) == [0.0, 1.0, 2.0, 3.0]
        assert list(mod.values(CapsuleProducer(a))) == [0.0, 1.0, 2.0, 3.0]
        with ffi.allow_readonly():  # nests
            assert list(mod.values(a)) == [0.0, 1.0, 2.0, 3.0]
        assert list(mod.values(a)) == [0.0, 1.0, 2.0, 3.0]
        back = ffi.from_dlpack(a)
    assert not np.from_dlpack(back).flags.writeable  # still read-only when exported
    with pytest.raises(BufferError):
        mod.values(a)  # off again after the block
    with pytest.raises(RuntimeError), ffi.allow_readonly():
        raise RuntimeError("leaves the block")
    with pytest.raises(BufferError):
        mod.values(a)  # off after an exception too


def test_allow_readonly_is_per_thread(mod):
    a = readonly_array()
    seen = []

    def other_thread():
        try:
            mod.values(a)
            seen.append("allowed")
        except BufferError:
            seen.append("refused")

    with ffi.allow_readonly():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == ["refused"]


def test_from_dlpack_allow_readonly_keyword(mod):
    a = readonly_array()
    tensor = ffi.from_dlpack(a, allow_readonly=True)
    assert list(mod.values(tensor)) == [0.0, 1.0, 2.0, 3.0]  # the user opted in for it
    assert not np.from_dlpack(tensor).flags.writeable
    with pytest.raises(BufferError):
        ffi.from_dlpack(a)  # the keyword applied to that import only
    assert list(mod.values(ffi.from_dlpack(np.ones(2, np.float32)))) == [1.0, 1.0]


def test_writable_and_torch_inputs_are_unaffected(mod):
    a = np.zeros(4, np.uint8)
    mod.fill_bytes(a, 7)
    assert a.tolist() == [7] * 4
    with torch.inference_mode():
        t = torch.zeros(4, dtype=torch.uint8)  # ordinary memory: torch has no read-only tensors
    mod.fill_bytes(t, 9)
    assert t.tolist() == [9] * 4


# The per-type tensor route cache.


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_classes_made_and_dropped_do_not_accumulate(mod):
    def churn(count):
        for i in range(count):
            cls = type(f"Churn{i}", (), {})
            assert mod.is_tensor(cls()) is False
            with pytest.raises(TypeError):
                ffi.from_dlpack(cls())
        gc.collect()

    churn(2000)  # warm up allocator pools
    base_size, base_rss = _core._tensor_dispatch_cache_size(), rss_bytes()
    churn(20000)
    assert _core._tensor_dispatch_cache_size() == base_size
    # ASan's allocator keeps freed memory in quarantine: RSS says nothing there (.ci/sanitize).
    if not os.environ.get("TVM_FFI_JIT_SANITIZE"):
        assert rss_bytes() - base_rss < 8 * 2**20  # was +45 MB for 20,000 classes


def test_an_entry_goes_with_its_type(mod):
    class Short:
        pass

    gc.collect()  # types earlier tests dropped
    before = _core._tensor_dispatch_cache_size()
    mod.is_tensor(Short())
    assert _core._tensor_dispatch_cache_size() == before + 1
    del Short
    gc.collect()
    assert _core._tensor_dispatch_cache_size() == before


def dlpack_of(array):
    def method(self, **kwargs):
        return array.__dlpack__(**kwargs)

    return method


def test_a_class_that_gains_or_loses_dlpack_changes_route(mod):
    class Late:
        pass

    assert mod.is_tensor(Late()) is False
    Late.__dlpack__ = dlpack_of(np.array([5.0], np.float32))
    Late.__dlpack_device__ = lambda self: (1, 0)
    assert mod.is_tensor(Late()) is True
    assert list(mod.values(Late())) == [5.0]
    del Late.__dlpack__
    assert mod.is_tensor(Late()) is False


def test_a_base_class_that_gains_dlpack_changes_its_subclasses(mod):
    class Base:
        pass

    class Derived(Base):
        pass

    assert mod.is_tensor(Derived()) is False
    assert mod.is_tensor(Base()) is False
    Base.__dlpack__ = dlpack_of(np.array([6.0], np.float32))
    Base.__dlpack_device__ = lambda self: (1, 0)
    assert list(mod.values(Derived())) == [6.0]
    assert list(mod.values(Base())) == [6.0]


def test_route_changes_with_types_alternating(mod):
    # The last-type shortcut must notice a change too.
    class A:
        pass

    a = A()
    array = np.array([1.0, 2.0], np.float32)
    for _ in range(3):
        assert mod.is_tensor(a) is False
        assert mod.is_tensor(a) is False
        A.__dlpack__ = dlpack_of(array)
        assert mod.is_tensor(a) is True
        assert mod.is_tensor(array) is True
        del A.__dlpack__


# Ctrl-C and C++ threads polling TVMFFIEnvCheckSignals.


def run_script(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run_isolated(code, timeout=timeout)


def interrupted_worker_script(library, function, handler="signal.default_int_handler", timeout=3.0):
    # A Python thread waits in a call whose C++ code polls; the main thread gets SIGINT.
    return f"""
        import os, signal, threading, time
        signal.signal(signal.SIGINT, {handler})
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).{function}
        outcome = []
        def worker():
            start = time.monotonic()
            try:
                outcome.append(("returned", func({timeout})))
            except KeyboardInterrupt:
                outcome.append(("KeyboardInterrupt", None))
            outcome.append(time.monotonic() - start)
        thread = threading.Thread(target=worker)
        thread.start()
        time.sleep(0.3)  # in the call, polling
        sent = time.monotonic()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            thread.join()
        except KeyboardInterrupt:
            print("main interrupted")
            thread.join()
        print(outcome[0][0], outcome[0][1])
        print("stopped within 1s", outcome[1] - 0.3 < 1.0)
        """


@pytest.mark.parametrize("function", ["poll_on_thread", "poll"])
def test_ctrl_c_stops_polling_code_of_a_call_on_another_python_thread(library, function):
    proc = run_script(interrupted_worker_script(library, function))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "main interrupted",
        "KeyboardInterrupt None",
        "stopped within 1s True",
    ]


def test_a_handler_of_the_programs_own_lets_worker_calls_go_on(library):
    proc = run_script(
        interrupted_worker_script(
            library, "poll_on_thread", "lambda signum, frame: None", timeout=0.8
        )
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:1] == ["returned -1"]


def test_a_ctrl_c_handled_before_a_worker_call_does_not_stop_it(library):
    proc = run_script(
        f"""
        import os, signal, threading
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import tvm_ffi_jit
        func = tvm_ffi_jit.load_module({library!r}).poll_on_thread
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        except KeyboardInterrupt:
            print("handled")
        results = []
        thread = threading.Thread(target=lambda: results.append(func(0.2)))
        thread.start()
        thread.join()
        print(results[0], func(0.1))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["handled", "-1", "-1"]


def test_hostile_types_end_in_exceptions_not_crashes(library):
    # In a fresh interpreter: a regression here would be a crash or a hang.
    proc = run_script(
        f"""
        import gc, threading
        import numpy as np
        import tvm_ffi_jit
        from tvm_ffi_jit import _core
        mod = tvm_ffi_jit.load_module({library!r})

        class Meta(type):  # the type's own attribute lookup fails
            def __getattribute__(cls, name):
                if name.startswith("__dlpack"):
                    raise RuntimeError("no")
                return super().__getattribute__(name)
        print("meta", mod.is_tensor(Meta("M", (), {{}})()))

        class Raising:  # __dlpack__ raises
            def __dlpack__(self, **kwargs):
                raise ValueError("refused by producer")
        try:
            mod.values(Raising())
        except ValueError as err:
            print("raising", err)

        class Reentrant:
            # While its tensor is being made: the cache grows (rehash), loses entries, and
            # this very type changes.
            def __dlpack__(self, **kwargs):
                for i in range(200):
                    mod.is_tensor(type(f"R{{i}}", (), {{}})())
                gc.collect()
                Reentrant.marker = object()
                return np.ones(2, np.float32).__dlpack__(**kwargs)
            def __dlpack_device__(self):
                return (1, 0)
        print("reentrant", [list(mod.values(Reentrant())) for _ in range(3)][0])

        gc.collect()
        base = _core._tensor_dispatch_cache_size()
        def churn(seed):
            for i in range(1500):
                cls = type(f"T{{seed}}_{{i}}", (), {{}})
                mod.is_tensor(cls())
                cls.__dlpack__ = lambda self, **kw: np.zeros(1, np.float32).__dlpack__(**kw)
                assert mod.is_tensor(cls())
        threads = [threading.Thread(target=churn, args=(s,)) for s in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gc.collect()
        print("threads", _core._tensor_dispatch_cache_size() - base)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "meta False",
        "raising refused by producer",
        "reentrant [1.0, 1.0]",
        "threads 0",
    ]
