"""Python classes of the built-in object types: Module, Array, Map, Dict, Shape.

Each wraps a runtime object; the compiled core creates instances of the class registered
for an object's type index.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence

from . import _core
from .registry import _builtin

Object = _core.Object
Function = _core.Function
Tensor = _core.Tensor


class Module(Object):
    """A loaded shared library (or the system library): functions by attribute or name."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        func = self.get_function(name)
        self.__dict__[name] = func  # later lookups skip the runtime
        return func

    def get_function(self, name: str, query_imports: bool = False) -> Function:
        """The function exported as ``name``; AttributeError listing the exports if missing."""
        func = _builtin("ffi.ModuleGetFunction")(self, name, query_imports)
        if func is None:
            exported = ", ".join(sorted(self.list_functions())) or "nothing"
            raise AttributeError(
                f"module {self.path or self.kind!r} has no function {name!r}; "
                f"it exports: {exported}"
            )
        doc = self.__dict__.get("_function_docs", {}).get(name)
        if doc is not None:
            func.__doc__ = doc
        release_gil = self.__dict__.get("_release_gil")
        if release_gil is not None:
            func.release_gil = release_gil
        return func

    def __contains__(self, name) -> bool:
        return _builtin("ffi.ModuleGetFunction")(self, name, False) is not None

    def list_functions(self) -> list[str]:
        """Names of the functions this module exports."""
        return list(_builtin("ffi.ModuleListFunctions")(self))

    def import_module(self, other: Module) -> None:
        """Makes ``other``'s functions visible to lookups from this module's code."""
        _builtin("ffi.ModuleImportModule")(self, other)

    @property
    def kind(self) -> str:
        """``"library"`` for a shared library, ``"system"`` for the system library."""
        return _builtin("ffi.ModuleKind")(self)

    @property
    def path(self) -> str:
        """The file a library module was loaded from ("" for the system library)."""
        return _builtin("ffi.ModulePath")(self)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.list_functions()))

    def __repr__(self):
        return f"<tvm_ffi_jit.Module {self.kind} {self.path!r}>"


class Array(Object, Sequence):
    """An immutable sequence of values (what lists and tuples become across the ABI)."""

    __slots__ = ()

    def __init__(self, items=()):
        self.__init_handle_by_constructor__(_builtin("ffi.Array"), *items)

    def __len__(self):
        return _builtin("ffi.ArraySize")(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return _builtin("ffi.ArrayGetItem")(self, index)

    def __iter__(self):
        get_item = _builtin("ffi.ArrayGetItem")
        for i in range(len(self)):
            yield get_item(self, i)

    def __eq__(self, other):
        if isinstance(other, (Array, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"Array({list(self)!r})"


class List(Object, MutableSequence):
    """A mutable sequence shared with C++: changes on either side are seen by both."""

    __slots__ = ()

    def __init__(self, items=()):
        self.__init_handle_by_constructor__(_builtin("ffi.List"), *items)

    def __len__(self):
        return _builtin("ffi.ListSize")(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return _builtin("ffi.ListGetItem")(self, index)

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            raise TypeError("tvm_ffi_jit.List does not support slice assignment")
        _builtin("ffi.ListSetItem")(self, index, value)

    def __delitem__(self, index):
        if index not in (-1, len(self) - 1):
            raise TypeError("tvm_ffi_jit.List deletes only its last item (use pop())")
        _builtin("ffi.ListPop")(self)

    def insert(self, index, value):
        if index < len(self):
            raise TypeError("tvm_ffi_jit.List inserts only at the end (use append())")
        _builtin("ffi.ListAppend")(self, value)

    def append(self, value):
        _builtin("ffi.ListAppend")(self, value)

    def pop(self, index=-1):
        if index not in (-1, len(self) - 1):
            raise TypeError("tvm_ffi_jit.List pops only its last item")
        return _builtin("ffi.ListPop")(self)

    def __eq__(self, other):
        if isinstance(other, (List, Array, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"List({list(self)!r})"


class _HashMap(Object):
    """Read side shared by Map and Dict; ``_kind`` names their global functions."""

    __slots__ = ()
    _kind = "Map"

    def __init__(self, mapping=None, **kwargs):
        items = dict(mapping or {}, **kwargs)
        flat = [x for kv in items.items() for x in kv]
        self.__init_handle_by_constructor__(_builtin(f"ffi.{self._kind}"), *flat)

    def __len__(self):
        return _builtin(f"ffi.{self._kind}Size")(self)

    def __getitem__(self, key):
        return _builtin(f"ffi.{self._kind}GetItem")(self, key)

    def __contains__(self, key):
        return _builtin(f"ffi.{self._kind}Count")(self, key) > 0

    def items(self):
        flat = _builtin(f"ffi.{self._kind}Items")(self)
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    def keys(self):
        return [k for k, _ in self.items()]

    def values(self):
        return [v for _, v in self.items()]

    def __iter__(self):
        return iter(self.keys())

    def __eq__(self, other):
        if isinstance(other, (_HashMap, dict)):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"{self._kind}({dict(self.items())!r})"


class Map(_HashMap, Mapping):
    """An insertion-ordered, immutable mapping (what dicts become across the ABI)."""

    __slots__ = ()
    _kind = "Map"


class Dict(_HashMap, MutableMapping):
    """An insertion-ordered mutable mapping; every holder, in C++ or Python, sees its edits."""

    __slots__ = ()
    _kind = "Dict"

    def __setitem__(self, key, value):
        _builtin("ffi.DictSetItem")(self, key, value)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        _builtin("ffi.DictErase")(self, key)

    def clear(self):
        _builtin("ffi.DictClear")(self)


class Shape(Object, Sequence):
    """An immutable tuple of int64 extents."""

    __slots__ = ()

    def __init__(self, dims=()):
        self.__init_handle_by_constructor__(_builtin("ffi.Shape"), *dims)

    def __len__(self):
        return _builtin("ffi.ShapeSize")(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        return _builtin("ffi.ShapeGetItem")(self, index)

    def __iter__(self):
        get_item = _builtin("ffi.ShapeGetItem")
        for i in range(len(self)):
            yield get_item(self, i)

    def __eq__(self, other):
        if isinstance(other, (Shape, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self):
        return f"Shape({tuple(self)!r})"


def _register_classes():
    for cls, key in (
        (Module, "ffi.Module"),
        (Array, "ffi.Array"),
        (List, "ffi.List"),
        (Map, "ffi.Map"),
        (Dict, "ffi.Dict"),
        (Shape, "ffi.Shape"),
    ):
        _core._register_object_class(_core._type_key_to_index(key), cls)


_register_classes()
