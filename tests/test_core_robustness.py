"""Edge cases that must never crash, hang or leak: found by review, kept fixed by these tests."""

import numpy as np
import pytest
from isolated import run_isolated

import tvm_ffi_jit as ffi

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>
#include <thread>
#include <vector>
namespace ffi = tvm::ffi;

int64_t ndim(ffi::Tensor t) { return t.ndim(); }
int64_t call_in_thread(ffi::Function callback) {
  int64_t out = 0;
  std::thread worker([&] { out = callback(41).cast<int64_t>(); });
  worker.join();
  return out;
}
bool flag(bool b) { return b; }

std::vector<int> deleter_flags;
void RecordingDeleter(void* self, int flags) { deleter_flags.push_back(flags); }
// Releases every strong reference of an object with `weak` weak references; returns the
// deleter flags seen, then the weak count left.
ffi::Array<int64_t> release_with_weak_count(int64_t weak) {
  deleter_flags.clear();
  TVMFFIObject obj{};
  obj.combined_ref_count = (static_cast<uint64_t>(weak) << 32) | 1;
  obj.type_index = kTVMFFIObject;
  obj.deleter = RecordingDeleter;
  TVMFFIObjectIncRef(&obj);
  TVMFFIObjectDecRef(&obj);
  TVMFFIObjectDecRef(&obj);
  ffi::Array<int64_t> flags;
  for (int f : deleter_flags) flags.push_back(f);
  flags.push_back(static_cast<int64_t>(obj.combined_ref_count >> 32));
  return flags;
}

int DummyAllocator(DLTensor*, DLManagedTensorVersioned**, void*,
                   void (*)(void*, const char*, const char*)) {
  return -1;
}
// A process-wide allocator set from another thread is seen here.
bool global_allocator_visible() {
  std::thread([] { TVMFFIEnvSetDLPackManagedTensorAllocator(DummyAllocator, 1, nullptr); }).join();
  bool visible = TVMFFIEnvGetDLPackManagedTensorAllocator() == DummyAllocator;
  std::thread([] { TVMFFIEnvSetDLPackManagedTensorAllocator(nullptr, 1, nullptr); }).join();
  return visible;
}
"""
FUNCTIONS = [
    "ndim",
    "call_in_thread",
    "flag",
    "release_with_weak_count",
    "global_allocator_visible",
]


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    return tvm_ffi_jit.cpp.load_inline("robustness_test", cpp_sources=SOURCE, functions=FUNCTIONS)


def test_empty_function_and_tensor_cannot_be_made():
    with pytest.raises(TypeError, match="get_global_func"):
        ffi.Function()
    with pytest.raises(TypeError, match="from_dlpack"):
        ffi.Tensor()


def test_none_for_a_tensor_parameter_is_a_type_error(mod):
    with pytest.raises(TypeError, match="Expected `Tensor` but got `None`"):
        mod.ndim(None)
    with pytest.raises(TypeError):
        ffi.get_global_func("ffi.ModuleKind")(None)


def test_list_edited_while_converting():
    items = []

    class Shrinks:
        def __index__(self):
            items.clear()
            return 1

    items.extend([Shrinks()] + [f"item-{i}" * 5 for i in range(50)])
    array = ffi.convert(items)
    assert len(array) == 51 and array[0] == 1 and array[50] == "item-49" * 5


def test_conversion_error_keeps_its_type_and_names_the_argument():
    with pytest.raises(UnicodeEncodeError) as info:
        ffi.get_global_func("ffi.ArraySize")("\udc80" * 10)
    assert "while converting argument #0 (a str)" in info.value.__notes__


def test_numpy_bool_is_a_bool(mod):
    assert mod.flag(np.True_) is True
    assert ffi.convert(np.False_) is False


def test_callback_from_a_cpp_thread_with_release_gil(mod):
    func = mod.call_in_thread
    func.release_gil = True
    assert func(lambda x: x + 1) == 42
    assert mod.call_in_thread.release_gil  # the module hands out the same function object


def test_weak_references_follow_the_abi_order(mod):
    strong, both = 1, 3
    # A fresh object (strong 1, weak 1): one deleter call frees value and storage.
    assert list(mod.release_with_weak_count(1))[:-1] == [both]
    # Another weak reference alive: the value goes, the storage stays for the weak one.
    assert list(mod.release_with_weak_count(2)) == [strong, 1]


def test_thread_sees_global_allocator_after_a_torch_call(mod):
    torch = pytest.importorskip("torch")
    mod.ndim(torch.zeros(2))  # installs and restores torch's allocator for the call
    assert mod.global_allocator_visible() is True


def test_dtype_lanes_are_checked():
    assert ffi.dtype("float32x4").lanes == 4
    for bad in ("float32x0", "int8x65536"):
        with pytest.raises(ValueError, match="unknown data type"):
            ffi.dtype(bad)


def test_replacing_a_global_whose_deleter_reenters_the_registry():
    result = run_isolated(
        """
        import tvm_ffi_jit as ffi

        class LooksUpOnDelete:
            def __del__(self):
                ffi.get_global_func("robust.f", allow_missing=True)

        holder = LooksUpOnDelete()
        ffi.register_global_func("robust.f", lambda: holder)
        del holder
        ffi.register_global_func("robust.f", lambda: 2, override=True)
        print(ffi.get_global_func("robust.f")())
        """
    )
    assert result.returncode == 0 and result.stdout.strip() == "2", result.stderr


def test_python_object_held_by_cpp_at_exit():
    result = run_isolated(
        """
        import tvm_ffi_jit as ffi

        class Config:
            pass

        keep = ffi.convert([Config()])  # an opaque Python object inside a C++ array
        ffi.register_global_func("robust.keep", lambda: keep)
        print("exiting")
        """
    )
    assert result.returncode == 0 and result.stdout.strip() == "exiting", result.stderr


def test_loading_a_library_twice_gives_one_module(mod):
    again = ffi.load_module(mod.path)
    assert again.same_as(mod)


def test_a_library_path_with_a_nul_byte_is_refused_not_truncated(mod):
    # dlopen would open the part before the NUL: a different file than the one named.
    with pytest.raises(ValueError, match="NUL byte"):
        ffi.load_module(mod.path + "\0.evil")


def test_a_function_name_with_a_nul_byte_names_no_function(mod):
    name = FUNCTIONS[0]
    assert callable(mod.get_function(name))
    with pytest.raises(AttributeError, match="has no function"):
        mod.get_function(name + "\0suffix")
    assert not mod.implements_function(name + "\0suffix")


def test_an_error_left_unfetched_by_a_c_api_caller_does_not_fail_the_next_load():
    import ctypes

    import tvm_ffi_jit.cpp

    path = tvm_ffi_jit.cpp.build_inline(
        "stale_error_probe", cpp_sources="int64_t one() { return 1; }", functions=["one"]
    )
    # A C API call fails and its caller never fetches the error (allowed by the ABI).
    text = ctypes.create_string_buffer(b"nonsense", 8)
    byte_array = (ctypes.c_void_p * 2)(ctypes.addressof(text), 8)
    out = ctypes.create_string_buffer(4)
    assert ffi.LIB.TVMFFIDataTypeFromString(byte_array, out) == -1
    # The stale error is not the library's: loading it must succeed.
    assert ffi.load_module(path).one() == 1
