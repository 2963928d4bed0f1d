"""Data types as Python values: ``dtype("bfloat16")`` and the constants ``float32``, ``int8``, ...

A ``dtype`` is a ``str`` (so it passes wherever array libraries take a dtype name) that also
carries the DLPack fields ``type_code``, ``bits`` and ``lanes``.
"""

from __future__ import annotations

import builtins
from enum import IntEnum

from . import _core


class DataTypeCode(IntEnum):
    """DLPack's ``DLDataTypeCode``: the ``type_code`` of a dtype."""

    INT = 0
    UINT = 1
    FLOAT = 2
    HANDLE = 3
    BFLOAT = 4
    COMPLEX = 5
    BOOL = 6
    Float8E3M4 = 7
    Float8E4M3 = 8
    Float8E4M3B11FNUZ = 9
    Float8E4M3FN = 10
    Float8E4M3FNUZ = 11
    Float8E5M2 = 12
    Float8E5M2FNUZ = 13
    Float8E8M0FNU = 14
    Float6E2M3FN = 15
    Float6E3M2FN = 16
    Float4E2M1FN = 17


_INTEGER_CODES = frozenset({DataTypeCode.INT, DataTypeCode.UINT})
_FLOAT_CODES = frozenset(
    {DataTypeCode.FLOAT, DataTypeCode.BFLOAT}
    | {code for code in DataTypeCode if code >= DataTypeCode.Float8E3M4}  # float8/6/4 family
)

# Every dtype seen so far by its text: dtypes are immutable, and tensors ask for theirs often.
_by_text: dict[str, dtype] = {}


class dtype(str):  # noqa: N801 - the name array libraries use
    """A data type such as ``"float32"``, ``"bfloat16"`` or ``"int8x4"``: a ``str`` with DLPack
    fields. ``ValueError`` names the text when it is not a data type."""

    __slots__ = ("_fields",)
    _fields: tuple[int, int, int]

    def __new__(cls, content) -> dtype:
        if type(content) is cls:
            return content
        text = str(content)
        cached = _by_text.get(text)
        if cached is not None and cls is dtype:
            return cached
        value = super().__new__(cls, text)
        value._fields = _core._dtype_fields(text)
        if cls is dtype:
            _by_text[text] = value
        return value

    @staticmethod
    def from_dlpack_data_type(dl_data_type: tuple[int, int, int]) -> dtype:
        """The dtype of a DLPack ``(type_code, bits, lanes)`` triple, e.g. ``(2, 16, 1)`` is
        ``float16``."""
        code, bits, lanes = dl_data_type
        return dtype(_core._dtype_text(code, bits, lanes))

    def with_lanes(self, lanes: int) -> dtype:
        """This scalar type with ``lanes`` lanes: ``float32.with_lanes(4) == "float32x4"``."""
        return dtype.from_dlpack_data_type((self.type_code, self.bits, lanes))

    @property
    def type_code(self) -> int:
        """The DLPack type code of the scalar type (see ``DataTypeCode``)."""
        return self._fields[0]

    @property
    def bits(self) -> int:
        """Bits of one lane."""
        return self._fields[1]

    @property
    def lanes(self) -> int:
        """Number of lanes: 1 for scalars."""
        return self._fields[2]

    @property
    def itemsize(self) -> int:
        """Bytes of one element (all lanes), rounded up."""
        return (self.bits * self.lanes + 7) // 8

    @property
    def is_bool(self) -> builtins.bool:
        return self.type_code == DataTypeCode.BOOL

    @property
    def is_integer(self) -> builtins.bool:
        return self.type_code in _INTEGER_CODES

    @property
    def is_float(self) -> builtins.bool:
        return self.type_code in _FLOAT_CODES

    @property
    def is_handle(self) -> builtins.bool:
        return self.type_code == DataTypeCode.HANDLE

    @staticmethod
    def is_dtype(arg) -> builtins.bool:
        """Whether ``arg`` is a dtype or the text of one."""
        if isinstance(arg, dtype):
            return True
        try:
            dtype(arg)
        except ValueError:
            return False
        return True

    def __reduce__(self):
        return (dtype, (str(self),))

    def __repr__(self) -> str:
        return f"dtype('{self}')"


# The constants array code spells as `tvm_ffi_jit.float32`; the module shadows `bool` on purpose.
bool = dtype("bool")  # noqa: A001
int8 = dtype("int8")
int16 = dtype("int16")
int32 = dtype("int32")
int64 = dtype("int64")
uint8 = dtype("uint8")
uint16 = dtype("uint16")
uint32 = dtype("uint32")
uint64 = dtype("uint64")
float64 = dtype("float64")
float32 = dtype("float32")
float16 = dtype("float16")
bfloat16 = dtype("bfloat16")
float8_e3m4 = dtype("float8_e3m4")
float8_e4m3 = dtype("float8_e4m3")
float8_e4m3b11fnuz = dtype("float8_e4m3b11fnuz")
float8_e4m3fn = dtype("float8_e4m3fn")
float8_e4m3fnuz = dtype("float8_e4m3fnuz")
float8_e5m2 = dtype("float8_e5m2")
float8_e5m2fnuz = dtype("float8_e5m2fnuz")
float8_e8m0fnu = dtype("float8_e8m0fnu")
float6_e2m3fn = dtype("float6_e2m3fn")
float6_e3m2fn = dtype("float6_e3m2fn")
float4_e2m1fn = dtype("float4_e2m1fn")
float4_e2m1fnx2 = dtype("float4_e2m1fnx2")
float4_e2m1fn_x2 = float4_e2m1fnx2  # torch's spelling
