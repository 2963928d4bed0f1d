"""The containers shared with C++: Array, List, Map, Dict and Shape.

Each wraps a runtime object; the compiled core creates instances of the class registered for
an object's type index. As in apache-tvm-ffi, Array and List compare equal to any sequence with
equal items, Map and Dict to a mapping of their own kind with equal entries; hashes follow
the contents. Pickling and ``copy`` rebuild a container from its items (``copy.copy`` shares
the items, ``copy.deepcopy`` copies them too).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import (
    ItemsView,
    KeysView,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
    ValuesView,
)

from . import _core, _ffi_api

Object = _core.Object


def ffi_repr(value) -> str:
    """How values print inside containers and reflected objects (strings in double quotes)."""
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, bytes):
        return "b" + ffi_repr(value.decode("latin-1"))
    return repr(value)


def _index(length: int, index) -> int:
    """``index`` normalized into [0, length); IndexError naming both when out of range."""
    i = operator.index(index)
    if not -length <= i < length:
        raise IndexError(f"index {i} out of range for a container of size {length}")
    return i + length if i < 0 else i


def _sequence_eq(self, other):
    """Items equal pairwise with any sequence but a str/bytes (NotImplemented for others)."""
    if isinstance(other, (str, bytes, bytearray, Mapping)) or not isinstance(other, Sequence):
        return NotImplemented
    if len(self) != len(other):
        return False
    return all(a == b for a, b in zip(self, other))


class CContainerBase(Object):
    """Base of the runtime's mutable and immutable containers (Array, List, Map, Dict)."""

    __slots__ = ()


class _SequenceBase(CContainerBase):
    """Read side shared by Array and List; the subclass names its runtime functions
    (Functions are not descriptors: ``self._size(self)`` calls the runtime's)."""

    __slots__ = ()

    def __init__(self, items=()):
        self.__init_handle_by_constructor__(self._constructor, *items)

    def __len__(self) -> int:
        return self._size(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._get_item(self, _index(len(self), index))

    def __iter__(self):
        get_item = self._get_item
        for i in range(len(self)):
            yield get_item(self, i)

    def __bool__(self) -> bool:
        return len(self) > 0

    __eq__ = _sequence_eq

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))  # the hash of an equal tuple

    def __add__(self, other):
        return type(self)(itertools.chain(self, other))

    def __radd__(self, other):
        return type(self)(itertools.chain(other, self))

    def __reduce__(self):
        return type(self), (list(self),)


class Array(_SequenceBase, Sequence):
    """An immutable sequence of values (what lists and tuples become across the ABI)."""

    __slots__ = ()
    _constructor, _size, _get_item = _ffi_api.Array, _ffi_api.ArraySize, _ffi_api.ArrayGetItem

    def __repr__(self) -> str:
        items = [ffi_repr(v) for v in self]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


class List(_SequenceBase, MutableSequence):
    """A mutable sequence shared with C++: changes on either side are seen by both."""

    __slots__ = ()
    _constructor, _size, _get_item = _ffi_api.List, _ffi_api.ListSize, _ffi_api.ListGetItem

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            items = list(self)
            items[index] = value
            self._assign(items)
            return
        _ffi_api.ListSetItem(self, _index(len(self), index), value)

    def __delitem__(self, index):
        if not isinstance(index, slice) and _index(len(self), index) == len(self) - 1:
            _ffi_api.ListPop(self)
            return
        items = list(self)
        del items[index]
        self._assign(items)

    def insert(self, index, value):
        items = list(self)
        items.insert(index, value)
        self._assign(items)

    def append(self, value):
        _ffi_api.ListAppend(self, value)

    def pop(self, index=-1):
        if _index(len(self), index) == len(self) - 1:
            return _ffi_api.ListPop(self)
        return super().pop(index)

    def clear(self):
        self._assign([])

    def _assign(self, items):
        """Makes this same List hold ``items`` (C++ holders see the change)."""
        size = len(self)
        for i, value in enumerate(items[:size]):
            _ffi_api.ListSetItem(self, i, value)
        for value in items[size:]:
            _ffi_api.ListAppend(self, value)
        for _ in range(size - len(items)):
            _ffi_api.ListPop(self)

    def __repr__(self) -> str:
        return f"[{', '.join(ffi_repr(v) for v in self)}]"


class _FlatItemsView(ItemsView):
    __slots__ = ()

    def __iter__(self):
        return iter(self._mapping._item_pairs())


class _FlatValuesView(ValuesView):
    __slots__ = ()

    def __iter__(self):
        return iter([v for _, v in self._mapping._item_pairs()])


class _MappingBase(CContainerBase):
    """Read side shared by Map and Dict; the subclass names its runtime functions."""

    __slots__ = ()

    def __init__(self, mapping=None, **kwargs):
        items = dict(mapping or {}, **kwargs)
        flat = [x for kv in items.items() for x in kv]
        self.__init_handle_by_constructor__(self._constructor, *flat)
        if len(self) != len(items):  # keys Python tells apart, equal here: NaN objects
            raise ValueError(
                f"the {len(items)} keys given would be {len(self)} {type(self).__name__} keys: "
                "keys Python tells apart (such as two NaN objects) are one key here, and an "
                "entry would be lost"
            )

    def __len__(self) -> int:
        return self._size(self)

    def __getitem__(self, key):
        return self._get_item(self, key)

    def __contains__(self, key) -> bool:
        return self._count(self, key) > 0

    def get(self, key, default=None):
        return self[key] if key in self else default

    def _item_pairs(self) -> list:
        flat = list(self._items(self))
        return list(zip(flat[::2], flat[1::2]))

    def keys(self):
        return KeysView(self)

    def values(self):
        return _FlatValuesView(self)

    def items(self):
        return _FlatItemsView(self)

    def __iter__(self):
        return iter([k for k, _ in self._item_pairs()])

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other):
        if not (isinstance(other, type(self)) or isinstance(self, type(other))):
            return NotImplemented
        if len(self) != len(other):
            return False
        for key, value in self._item_pairs():
            if key not in other or other[key] != value:
                return False
        return True

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(frozenset(self._item_pairs()))

    def __reduce__(self):
        return type(self), (dict(self._item_pairs()),)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{ffi_repr(k)}: {ffi_repr(v)}" for k, v in self._item_pairs()) + "}"


class Map(_MappingBase, Mapping):
    """An insertion-ordered, immutable mapping (what dicts become across the ABI)."""

    __slots__ = ()
    _constructor, _size, _get_item = _ffi_api.Map, _ffi_api.MapSize, _ffi_api.MapGetItem
    _count, _items = _ffi_api.MapCount, _ffi_api.MapItems


class Dict(_MappingBase, MutableMapping):
    """An insertion-ordered mutable mapping; every holder, in C++ or Python, sees its edits."""

    __slots__ = ()
    _constructor, _size, _get_item = _ffi_api.Dict, _ffi_api.DictSize, _ffi_api.DictGetItem
    _count, _items = _ffi_api.DictCount, _ffi_api.DictItems

    def __setitem__(self, key, value):
        _ffi_api.DictSetItem(self, key, value)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        _ffi_api.DictErase(self, key)

    def clear(self):
        _ffi_api.DictClear(self)


class Shape(Object, Sequence):
    """An immutable tuple of int64 extents; equal to (and hashed like) the tuple of them."""

    __slots__ = ()

    def __init__(self, dims=()):
        self.__init_handle_by_constructor__(_ffi_api.Shape, *dims)

    def __len__(self) -> int:
        return _ffi_api.ShapeSize(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        return _ffi_api.ShapeGetItem(self, _index(len(self), index))

    def __iter__(self):
        get_item = _ffi_api.ShapeGetItem
        for i in range(len(self)):
            yield get_item(self, i)

    def __eq__(self, other):
        if isinstance(other, (Shape, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self):
        return Shape, (tuple(self),)

    def __repr__(self) -> str:
        return f"Shape({', '.join(str(d) for d in self)})"


def _register_classes():
    for cls, key in (
        (Array, "ffi.Array"),
        (List, "ffi.List"),
        (Map, "ffi.Map"),
        (Dict, "ffi.Dict"),
        (Shape, "ffi.Shape"),
    ):
        _core._register_object_class(_core._type_key_to_index(key), cls)


_register_classes()
