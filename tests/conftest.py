"""Shared fixtures: a private JIT cache for the whole run and one compiled test module."""

import os
import signal
import tempfile

import pytest

# Tests never touch the user's cache; set before any test imports the JIT.
os.environ.setdefault("TVM_FFI_JIT_CACHE_DIR", tempfile.mkdtemp(prefix="tvm_ffi_jit_test_cache_"))

KERNELS = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <csignal>
#include <string>

namespace ffi = tvm::ffi;

int noop() { return 0; }
int64_t add3(int64_t a, int64_t b, int64_t c) { return a + b + c; }
double scale(double x, double factor) { return x * factor; }
bool negate(bool b) { return !b; }
std::string greet(std::string name) { return "hello " + name; }
ffi::String concat(ffi::String a, ffi::String b) { return a + b; }
ffi::Bytes reverse_bytes(ffi::Bytes b) {
  std::string s(b.data(), b.size());
  return ffi::Bytes(std::string(s.rbegin(), s.rend()));
}
ffi::Bytes join_bytes(ffi::Bytes a, ffi::Bytes b, ffi::Bytes c) {
  return ffi::Bytes(std::string(a) + std::string(b) + std::string(c));
}
int64_t sum_array(ffi::Array<int64_t> xs) {
  int64_t total = 0;
  for (int64_t x : xs) total += x;
  return total;
}
ffi::Array<ffi::String> keys_of(ffi::Map<ffi::String, int64_t> m) {
  ffi::Array<ffi::String> keys;
  for (auto kv : m) keys.push_back(kv.first);
  return keys;
}
ffi::Map<ffi::String, ffi::Any> make_map() {
  return ffi::Map<ffi::String, ffi::Any>{{"int", 1}, {"str", ffi::String("long string value")}};
}
ffi::Shape make_shape(int64_t a, int64_t b) { return ffi::Shape{a, b}; }
ffi::Optional<int64_t> maybe(bool give) {
  if (give) return 7;
  return ffi::Optional<int64_t>();
}
ffi::Any identity(ffi::Any x) { return x; }
int64_t call_twice(ffi::Function f, int64_t x) { return f(f(x).cast<int64_t>()).cast<int64_t>(); }
DLDevice echo_device(DLDevice d) { return d; }
DLDataType echo_dtype(DLDataType t) { return t; }
void fill(ffi::TensorView t, double value) {
  TVM_FFI_CHECK(t.dtype().code == kDLFloat && t.dtype().bits == 32, TypeError)
      << "fill expects float32, got " << t.dtype();
  float* data = static_cast<float*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i) data[i] = static_cast<float>(value);
}
ffi::Array<int64_t> tensor_info(ffi::TensorView t) {
  ffi::Array<int64_t> info{t.ndim(), t.IsContiguous() ? 1 : 0};
  for (int64_t s : t.strides()) info.push_back(s);
  return info;
}
ffi::Tensor alloc_cpu(int64_t n) {
  ffi::Tensor t = ffi::Tensor::FromEnvAlloc(ffi::Shape{n}, DLDataType{kDLFloat, 32, 1},
                                            DLDevice{kDLCPU, 0});
  float* data = static_cast<float*>(t.data_ptr());
  for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(i);
  return t;
}
void raise_kind(std::string kind, std::string message) {
  if (kind == "ValueError") TVM_FFI_THROW(ValueError) << message;
  if (kind == "TypeError") TVM_FFI_THROW(TypeError) << message;
  if (kind == "IndexError") TVM_FFI_THROW(IndexError) << message;
  if (kind == "KeyError") TVM_FFI_THROW(KeyError) << message;
  if (kind == "AttributeError") TVM_FFI_THROW(AttributeError) << message;
  if (kind == "NotImplementedError") TVM_FFI_THROW(NotImplementedError) << message;
  if (kind == "RuntimeError") TVM_FFI_THROW(RuntimeError) << message;
  if (kind == "MemoryError") TVM_FFI_THROW(MemoryError) << message;
  if (kind == "InternalError") TVM_FFI_ICHECK_EQ(1, 2) << message;
  if (kind == "std") throw std::runtime_error(message);
  TVM_FFI_THROW(CustomKindError) << message;
}
int64_t interrupted_loop() {
  std::raise(SIGINT);  // as if Ctrl-C arrived during a long computation
  for (int64_t i = 0; i < 1000; ++i) {
    if (TVMFFIEnvCheckSignals() != 0) throw ffi::EnvErrorAlreadySet();
  }
  return -1;
}
std::string catch_from_callback(ffi::Function f) {
  try {
    f();
  } catch (const ffi::Error& e) {
    return e.kind() + ": " + e.message();
  }
  return "no error";
}
"""

FUNCTIONS = [
    "noop",
    "add3",
    "scale",
    "negate",
    "greet",
    "concat",
    "reverse_bytes",
    "join_bytes",
    "sum_array",
    "keys_of",
    "make_map",
    "make_shape",
    "maybe",
    "identity",
    "call_twice",
    "echo_device",
    "echo_dtype",
    "fill",
    "tensor_info",
    "alloc_cpu",
    "raise_kind",
    "catch_from_callback",
    "interrupted_loop",
]


@pytest.fixture(scope="session")
def kernels():
    """A module built once per run with the functions above."""
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline(
        "core_test_kernels", cpp_sources=KERNELS, functions=FUNCTIONS
    )


@pytest.fixture(scope="session", autouse=True)
def _run_outside_the_checkout():
    # Interpreters the tests start must import the installed package, not the checkout's
    # source folder (which has no compiled core after a non-editable install): run from
    # elsewhere. A fixture, not import-time code: test workers collect `tests` relative to the
    # directory pytest was started in.
    os.chdir(tempfile.mkdtemp(prefix="tvm_ffi_jit_test_cwd_"))


@pytest.fixture
def default_sigint():
    """Python's own SIGINT handler for the test (KeyboardInterrupt), SIGINT unblocked on this
    thread, both restored after: a library loaded by an earlier test in the same worker may
    have left SIGINT ignored, handled or blocked."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
