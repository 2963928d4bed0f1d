"""Values crossing the ABI in both directions, through C++ functions with typed signatures."""

import pytest

import tvm_ffi_jit as ffi


def test_scalars(kernels):
    assert kernels.noop() == 0
    assert kernels.add3(1, 2, 3) == 6
    assert kernels.add3(-(2**62), 2**62, 5) == 5
    assert kernels.scale(1.5, 4) == 6.0  # int converts to float
    assert kernels.negate(True) is False
    assert kernels.negate(0) is True  # int converts to bool


def test_int_wider_than_the_parameter_is_a_type_error(kernels):
    # Wide Python ints cross as BigInt (as in every TVM-FFI runtime); an int64 parameter
    # refuses one by name instead of truncating it.
    with pytest.raises(TypeError, match="Expected `int` but got `BigInt`"):
        kernels.add3(2**70, 0, 0)


def test_strings_small_long_and_unicode(kernels):
    assert kernels.greet("bob") == "hello bob"
    assert kernels.concat("ab", "c") == "abc"
    assert kernels.concat("a" * 100, "é€") == "a" * 100 + "é€"
    assert kernels.concat("nul\0inside-long", "!") == "nul\0inside-long!"


def test_bytes(kernels):
    assert kernels.reverse_bytes(b"abc") == b"cba"
    assert kernels.reverse_bytes(b"0123456789") == b"9876543210"
    long_parts = [b"a" * 20, b"b" * 30, b"c" * 40]  # each passed by pointer, all at once
    assert kernels.join_bytes(*long_parts) == b"".join(long_parts)


def test_containers(kernels):
    assert kernels.sum_array([1, 2, 3, 4]) == 10
    assert kernels.sum_array((5,)) == 5
    assert list(kernels.keys_of({"x": 1, "yy": 2})) == ["x", "yy"]
    made = kernels.make_map()
    assert isinstance(made, ffi.Map)
    assert dict(made.items()) == {"int": 1, "str": "long string value"}
    shape = kernels.make_shape(2, 3)
    assert isinstance(shape, ffi.Shape) and tuple(shape) == (2, 3)


def test_optional_and_any(kernels):
    assert kernels.maybe(True) == 7
    assert kernels.maybe(False) is None
    for value in (None, 3, 2.5, True, "short", "a longer string", b"by", [1, [2]], {"k": "v"}):
        back = kernels.identity(value)
        if isinstance(value, list):
            assert back == ffi.Array([1, ffi.Array([2])])
        elif isinstance(value, dict):
            assert dict(back.items()) == value
        else:
            assert back == value and type(back) is type(value)


def test_device_and_dtype(kernels):
    dev = kernels.echo_device(ffi.device("cuda:3"))
    assert dev == ffi.Device(ffi.Device.CUDA, 3) and str(dev) == "cuda:3"
    dt = kernels.echo_dtype(ffi.dtype("bfloat16"))
    assert dt == "bfloat16" and (dt.type_code, dt.bits, dt.lanes) == (4, 16, 1)
    assert kernels.echo_dtype("float8_e4m3fn") == "float8_e4m3fn"  # str converts to dtype
    with pytest.raises(ValueError, match="unknown data type"):
        ffi.dtype("float33x")


def test_python_callable_as_argument(kernels):
    assert kernels.call_twice(lambda x: x * 3, 2) == 18


def test_wrong_argument_type_names_function_index_and_types(kernels):
    with pytest.raises(TypeError) as info:
        kernels.add3(1, "two", 3)
    message = str(info.value)
    assert "add3" in message and "#1" in message
    assert "Expected `int` but got `str`" in message


def test_wrong_argument_count(kernels):
    with pytest.raises(TypeError, match="Expected 3 but got 1"):
        kernels.add3(1)


def test_unconvertible_argument_is_opaque_and_round_trips(kernels):
    marker = object()
    assert kernels.identity(marker) is marker


def test_keyword_arguments_by_the_names_load_inline_read(kernels):
    assert kernels.add3(1, c=3, b=2) == 6
    with pytest.raises(TypeError, match="unexpected keyword argument 'd'"):
        kernels.add3(1, 2, d=3)


def test_convert():
    array = ffi.convert([1, "two", 3.0])
    assert isinstance(array, ffi.Array) and list(array) == [1, "two", 3.0]
    assert array[-1] == 3.0 and array[0:2] == [1, "two"]
    with pytest.raises(IndexError):
        array[3]
    mapping = ffi.convert({"a": [1]})
    assert isinstance(mapping, ffi.Map) and mapping["a"] == ffi.Array([1])
    with pytest.raises(KeyError):
        mapping["missing"]
    func = ffi.convert(lambda a, b: a - b)
    assert isinstance(func, ffi.Function) and func(5, 3) == 2
    assert ffi.convert(5) == 5


def test_shape_and_array_constructors():
    assert ffi.Shape([1, 2, 3]) == (1, 2, 3)
    assert hash(ffi.Shape([4])) == hash((4,))
    assert len(ffi.Array(range(5))) == 5
    assert ffi.Map(a=1) == ffi.Map({"a": 1}) and dict(ffi.Map(a=1)) == {"a": 1}
