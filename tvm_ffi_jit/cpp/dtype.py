"""``to_cpp_dtype``: the C++ type name of a dtype, for generating kernel source text."""

# Types every C++ compiler knows (with <cstdint>).
_HOST_TYPES = {
    "bool": "bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "float32": "float",
    "float64": "double",
}

# CUDA's reduced-precision types (cuda_fp16.h, cuda_bf16.h, cuda_fp8.h, cuda_fp4.h).
_CUDA_TYPES = {
    "float16": "__half",
    "bfloat16": "__nv_bfloat16",
    "float8_e4m3fn": "__nv_fp8_e4m3",
    "float8_e5m2": "__nv_fp8_e5m2",
    "float8_e8m0fnu": "__nv_fp8_e8m0",
    "float4_e2m1": "__nv_fp4_e2m1",
    "float4_e2m1fn": "__nv_fp4_e2m1",
    "float4_e2m1fn_x2": "__nv_fp4x2_e2m1",  # torch's spelling
    "float4_e2m1fnx2": "__nv_fp4x2_e2m1",  # tvm_ffi_jit's
}


def to_cpp_dtype(dtype_str) -> str:
    """The C++ type name of ``dtype_str``: a name such as ``"float32"``, a ``torch.dtype``, a
    numpy dtype or a ``tvm_ffi_jit.dtype`` (anything whose ``str()`` is such a name).

    ``"float32"`` -> ``"float"``, ``"int64"`` -> ``"int64_t"``, ``"bfloat16"`` ->
    ``"__nv_bfloat16"``. Reduced-precision floats map to CUDA's types whether or not a GPU is
    present (the source that uses them is compiled by nvcc). ValueError for any other dtype.
    """
    text = str.__str__(dtype_str) if isinstance(dtype_str, str) else str(dtype_str)
    if text.startswith("torch."):
        text = text[len("torch.") :]
    name = _HOST_TYPES.get(text) or _CUDA_TYPES.get(text)
    if name is None:
        known = ", ".join([*_HOST_TYPES, *_CUDA_TYPES])
        raise ValueError(f"to_cpp_dtype: no C++ type for dtype {text!r}; known dtypes: {known}")
    return name
