"""numpy arrays passed for TensorView parameters are read from the array's own fields
(src/python/buffer_tensor.cc BorrowNumpyArray): no buffer export, no Tensor object. Every dtype,
layout and refusal must match what the same array gives through a Tensor parameter.
"""

import sys

import pytest

from tvm_ffi_jit import cpp

np = pytest.importorskip("numpy")

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

#include <string>

namespace ffi = tvm::ffi;

// "dtype|shape|strides|first element's bytes as hex|data address" of a tensor.
template <typename T>
ffi::String Describe(const T& t) {
  std::string out = ffi::DLDataTypeToString(t.dtype()).operator std::string() + "|";
  for (int i = 0; i < t.ndim(); ++i) out += std::to_string(t.size(i)) + ",";
  out += "|";
  for (int i = 0; i < t.ndim(); ++i) out += std::to_string(t.stride(i)) + ",";
  out += "|";
  const unsigned char* bytes = static_cast<const unsigned char*>(t.data_ptr());
  char hex[3];
  for (int i = 0; t.numel() > 0 && i < (t.dtype().bits + 7) / 8; ++i) {
    snprintf(hex, sizeof(hex), "%02x", bytes[i]);
    out += hex;
  }
  out += "|" + std::to_string(reinterpret_cast<uintptr_t>(t.data_ptr()));
  return out;
}
ffi::String describe_view(ffi::TensorView t) { return Describe(t); }
ffi::String describe_tensor(ffi::Tensor t) { return Describe(t); }
// Adds 1 to every float32 element through the strides (the caller's memory changes).
void add_one(ffi::TensorView t) {
  float* data = static_cast<float*>(t.data_ptr());
  for (int64_t i = 0; i < t.size(0); ++i) {
    for (int64_t j = 0; j < t.size(1); ++j) data[i * t.stride(0) + j * t.stride(1)] += 1;
  }
}
"""
FUNCTIONS = ["describe_view", "describe_tensor", "add_one"]

DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
DTYPES += ["float16", "float32", "float64", "complex64", "complex128", "long", "ulong"]
DTYPES += ["longlong", "ulonglong", "intc", "uintc"]


@pytest.fixture(scope="module")
def mod():
    return cpp.load_inline("call_numpy_views", cpp_sources=SOURCE, functions=FUNCTIONS)


def without_unit_axis_strides(text):
    """The description with the strides of length-1 axes dropped: any value is right there
    (numpy keeps its own, the buffer protocol reports another)."""
    dtype, shape, strides, first, address = text.split("|")
    sizes, steps = shape.split(",")[:-1], strides.split(",")[:-1]
    kept = [step if size != "1" else "*" for size, step in zip(sizes, steps)]
    return "|".join([dtype, shape, ",".join(kept), first, address])


def both(mod, array):
    view, tensor = mod.describe_view(array), mod.describe_tensor(array)
    assert without_unit_axis_strides(view) == without_unit_axis_strides(tensor)
    return view


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_reads_as_through_a_tensor(mod, dtype):
    array = (np.arange(6) % 2 == 1) if dtype == "bool" else np.arange(1, 7).astype(dtype)
    text = both(mod, array.reshape(2, 3))
    assert text.split("|")[1:3] == ["2,3,", "3,1,"]
    assert int(text.split("|")[4]) == array.reshape(2, 3).ctypes.data


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a[:, ::2],  # strided columns
        lambda a: a[::-1],  # negative stride
        lambda a: a.T,  # Fortran order
        lambda a: np.asfortranarray(a),
        lambda a: a[1:, 1:],  # an offset start
        lambda a: a[0, 0, ...],  # 0-d
        lambda a: a[:0],  # empty
        lambda a: np.broadcast_to(a[:1], (3, 4)).copy()[:, None, :],  # 3-d, a length-1 axis
    ],
)
def test_layouts_read_as_through_a_tensor(mod, make):
    both(mod, make(np.arange(12, dtype=np.float32).reshape(3, 4)))


def test_kernel_writes_reach_the_array_through_its_strides(mod):
    base = np.zeros((4, 6), dtype=np.float32)
    view = base[1:, ::2]
    mod.add_one(view)
    expected = np.zeros((4, 6), dtype=np.float32)
    expected[1:, ::2] = 1
    assert (base == expected).all()


def test_read_only_arrays_are_refused_as_before(mod):
    array = np.arange(4, dtype=np.float32)
    array.flags.writeable = False
    with pytest.raises(BufferError):
        mod.describe_view(array)
    with pytest.raises(BufferError):
        mod.describe_tensor(array)


def test_byte_swapped_and_unsupported_dtypes_take_the_general_route(mod):
    swapped = np.arange(4, dtype=">f4")
    with pytest.raises(Exception) as view_error:
        mod.describe_view(swapped)
    with pytest.raises(Exception) as tensor_error:
        mod.describe_tensor(swapped)
    assert type(view_error.value) is type(tensor_error.value)
    for array in [np.zeros(2, dtype=np.longdouble), np.array(["a"]), np.array([object()])]:
        with pytest.raises(Exception) as view_error:
            mod.describe_view(array)
        with pytest.raises(Exception) as tensor_error:
            mod.describe_tensor(array)
        assert type(view_error.value) is type(tensor_error.value)


def test_subclasses_and_lookalikes_are_not_read_as_arrays(mod):
    class Sub(np.ndarray):
        pass

    array = np.arange(3, dtype=np.float32)
    assert both(mod, array.view(Sub)) == both(mod, array)

    class Fake:  # only the name: no array fields to read
        pass

    Fake.__name__ = Fake.__qualname__ = "ndarray"
    Fake.__module__ = "numpy"
    with pytest.raises(TypeError):
        mod.describe_view(Fake())


def test_a_view_call_keeps_no_reference_and_exports_no_buffer(mod):
    array = np.arange(8, dtype=np.float32)
    before = sys.getrefcount(array)
    mod.describe_view(array)
    assert sys.getrefcount(array) == before
    array.resize(16, refcheck=False)  # fails while a buffer export is alive
    assert array.shape == (16,)
