"""The environment stream API and the runtime handle, as apache-tvm-ffi code uses them."""

import ctypes
import threading

import pytest

import tvm_ffi_jit as ffi


def test_stream_context_sets_and_restores_the_stream():
    dev = ffi.device("cuda:1")
    with ffi.StreamContext(dev, 0x10) as ctx:
        assert isinstance(ctx, ffi.StreamContext)
        assert ffi.get_raw_stream(dev) == 0x10
        with ffi.StreamContext("cuda:1", 0x20):
            assert ffi.get_raw_stream("cuda:1") == 0x20
        assert ffi.get_raw_stream(dev) == 0x10
    assert ffi.get_raw_stream(dev) == 0


def test_use_raw_stream_returns_a_stream_context_and_accepts_c_void_p():
    ctx = ffi.use_raw_stream("cuda:0", ctypes.c_void_p(0x30))
    assert isinstance(ctx, ffi.StreamContext) and ctx.stream == 0x30
    with ctx:
        assert ffi.get_raw_stream("cuda:0") == 0x30
    assert ffi.get_raw_stream("cuda:0") == 0


def test_a_stream_context_can_be_entered_again_after_exit():
    ctx = ffi.use_raw_stream("cuda:0", 5)
    for _ in range(2):
        with ctx:
            assert ffi.get_raw_stream("cuda:0") == 5
        assert ffi.get_raw_stream("cuda:0") == 0


def test_streams_are_per_thread():
    seen = []
    with ffi.use_raw_stream("cuda:0", 7):
        worker = threading.Thread(target=lambda: seen.append(ffi.get_raw_stream("cuda:0")))
        worker.start()
        worker.join()
        assert ffi.get_raw_stream("cuda:0") == 7
    assert seen == [0]


@pytest.mark.parametrize("bad", ["0x10", 1.5, None, True])
def test_a_stream_that_is_not_a_handle_is_rejected_by_name(bad):
    with pytest.raises(TypeError, match="stream must be an int handle"):
        ffi.use_raw_stream("cuda:0", bad)


def test_lib_is_the_runtime_as_a_ctypes_library():
    lib = ffi.LIB
    assert lib is ffi.LIB
    out = ctypes.create_string_buffer(4)  # a DLDataType
    text = b"float16"
    data = ctypes.create_string_buffer(text, len(text))  # lives as long as the call needs
    arr = (ctypes.c_void_p * 2)(ctypes.addressof(data), len(text))
    assert lib.TVMFFIDataTypeFromString(arr, out) == 0
    code, bits, lanes = out.raw[0], out.raw[1], int.from_bytes(out.raw[2:4], "little")
    assert (code, bits, lanes) == (2, 16, 1)  # kDLFloat, 16 bits, 1 lane
