"""Python classes for object types C++ describes with ``reflection::ObjectDef<T>``.

The runtime keeps each type's fields and methods (TVMFFITypeInfo). An object of a type no
class is registered for comes back in a class made from that information: fields read (and,
for ``def_rw``, write) through descriptors, methods are callable, and the class derives from
the class of the type's parent. ``register_object`` binds a class of one's own to a type key
and gives it the same members.
"""

from __future__ import annotations

import json

from . import _core
from .container import ffi_repr
from .function import describe

Object = _core.Object

_FLAG_STATIC_METHOD = 1 << 2
_FLAG_REPR_OFF = 1 << 6
_INIT_METHOD = "__ffi_init__"


def _parse_metadata(text):
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


class TypeField:
    """One reflected field: its name, doc, metadata and the descriptor that reads it."""

    __slots__ = ("name", "doc", "metadata", "flags", "field_static_type_index", "descriptor")

    def __init__(self, type_index, position, record):
        self.name, self.doc, metadata, self.flags, self.field_static_type_index = record
        self.metadata = _parse_metadata(metadata)
        self.descriptor = _core.Field(type_index, position)

    @property
    def frozen(self) -> bool:
        """Whether Python may not assign it (registered with ``def_ro``)."""
        return not self.descriptor.writable

    def __repr__(self):
        return f"TypeField(name={self.name!r}, frozen={self.frozen})"


class TypeMethod:
    """One reflected method; static methods take no object."""

    __slots__ = ("name", "doc", "metadata", "flags", "func")

    def __init__(self, record):
        self.name, self.doc, metadata, self.flags, self.func = record
        self.metadata = _parse_metadata(metadata)

    @property
    def is_static(self) -> bool:
        return bool(self.flags & _FLAG_STATIC_METHOD)

    def __repr__(self):
        return f"TypeMethod(name={self.name!r}, is_static={self.is_static})"


class TypeInfo:
    """What the runtime knows about one type: key, parent, fields and methods of its own."""

    def __init__(self, raw):
        self.type_index = raw["type_index"]
        self.type_key = raw["type_key"]
        self.parent_index = raw["parent_index"]
        self.doc = raw["doc"]
        self.has_creator = raw["has_creator"]
        self.fields = [TypeField(self.type_index, i, r) for i, r in enumerate(raw["fields"])]
        self.methods = [TypeMethod(r) for r in raw["methods"]]

    @property
    def parent_type_info(self) -> TypeInfo | None:
        return None if self.parent_index is None else type_info(self.parent_index)

    def lineage(self) -> list[TypeInfo]:
        """This type's ancestors from the root (Object), then the type itself."""
        chain, info = [], self
        while info is not None:
            chain.append(info)
            info = info.parent_type_info
        return chain[::-1]

    def all_fields(self) -> list[TypeField]:
        """Fields of the ancestors first, then this type's own."""
        return [field for info in self.lineage() for field in info.fields]

    def all_methods(self) -> dict[str, TypeMethod]:
        """Methods by name; a type's own override its ancestors'."""
        return {m.name: m for info in self.lineage() for m in info.methods}

    def __repr__(self):
        return f"TypeInfo(type_key={self.type_key!r}, fields={self.fields}, methods={self.methods})"


_type_infos: dict[int, TypeInfo] = {}


def type_info(type_index: int) -> TypeInfo | None:
    """The reflected description of a type (None for an unknown index)."""
    info = _type_infos.get(type_index)
    if info is None:
        raw = _core._type_info(type_index)
        if raw is None:
            return None
        info = _type_infos[type_index] = TypeInfo(raw)
    return info


def _method(method: TypeMethod, owner: type):
    func = describe(method.func, method.name, method.doc, method.metadata)
    if method.is_static:
        return staticmethod(func)

    def call(self, *args):
        return func(self, *args)

    call.__name__ = method.name
    call.__qualname__ = f"{owner.__qualname__}.{method.name}"
    call.__doc__ = method.doc
    return call


def _make_init(cls: type, info: TypeInfo, constructor):
    """``__init__`` from a reflected ``__ffi_init__``, else default construction + fields."""
    key = info.type_key
    if constructor is not None:

        def __init__(self, *args):
            self.__init_handle_by_constructor__(constructor, *args)

    elif info.has_creator:
        fields = info.all_fields()
        names = {f.name: f for f in fields}

        def __init__(self, *args, **kwargs):
            if len(args) > len(fields):
                raise TypeError(f"{key}() takes at most {len(fields)} arguments, got {len(args)}")
            obj = _core._create_object(info.type_index)  # members keep their C++ defaults
            given = dict(zip([f.name for f in fields], args))
            for name, value in kwargs.items():
                if name not in names:
                    raise TypeError(f"{key}() has no field {name!r}")
                if name in given:
                    raise TypeError(f"{key}() got field {name!r} twice")
                given[name] = value
            for name, value in given.items():
                names[name].descriptor.init_value(obj, value)
            self.__move_handle_from__(obj)

    else:

        def __init__(self, *args, **kwargs):
            raise TypeError(
                f"`{key}` objects cannot be made from Python: it has no reflected "
                f"constructor ({_INIT_METHOD}) and is not default-constructible"
            )

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _make_repr(info: TypeInfo):
    fields = [f for f in info.all_fields() if not f.flags & _FLAG_REPR_OFF]

    def __repr__(self):
        if not fields:
            return f"<{info.type_key} object at {self._handle:#x}>"
        shown = ", ".join(f"{f.name}={ffi_repr(f.descriptor.__get__(self))}" for f in fields)
        return f"{info.type_key}({shown})"

    return __repr__


def _rebuild(type_key: str, values: dict):
    """Pickling's and copy's way back: a default object of the type with the saved fields.

    By type key, so that any process that loaded the type's library can unpickle it.
    """
    index = _core._type_key_to_index(type_key)
    obj = _core._create_object(index)
    fields = {f.name: f for f in type_info(index).all_fields()}
    for name, value in values.items():
        fields[name].descriptor.init_value(obj, value)
    return obj


def _make_reduce(info: TypeInfo):
    fields = info.all_fields()

    def __reduce__(self):
        return _rebuild, (info.type_key, {f.name: f.descriptor.__get__(self) for f in fields})

    return __reduce__


def install_members(cls: type, info: TypeInfo, init: bool = True) -> type:
    """Gives ``cls`` the fields, methods, ``__init__``, repr and pickling of type ``info``.

    Members ``cls`` defines itself are kept.
    """
    for field in info.all_fields():
        if not hasattr(cls, field.name):
            setattr(cls, field.name, field.descriptor)
    methods = info.all_methods()
    constructor = methods.pop(_INIT_METHOD, None)
    for method in methods.values():
        if not hasattr(cls, method.name):
            setattr(cls, method.name, _method(method, cls))
    if init and "__init__" not in cls.__dict__:
        cls.__init__ = _make_init(cls, info, constructor and constructor.func)
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _make_repr(info)
    if info.has_creator and "__reduce__" not in cls.__dict__:
        cls.__reduce__ = _make_reduce(info)
    cls.__tvm_ffi_type_info__ = info
    return cls


def make_class(type_index: int):
    """The class for objects of a type no class is registered for (the core calls this)."""
    info = type_info(type_index)
    if info is None:
        return None
    parent = Object if info.parent_index is None else _core._class_for_type_index(info.parent_index)
    module, _, name = info.type_key.rpartition(".")
    namespace = {"__slots__": (), "__module__": module or "tvm_ffi_jit", "__doc__": info.doc}
    return install_members(type(name, (parent,), namespace), info)


def register_object(type_key=None, *, init: bool = True):
    """Binds a Python class to the object type registered in C++ as ``type_key``.

    ``@register_object("my.Point") class Point(tvm_ffi_jit.Object): ...``; the bare form
    ``@register_object`` uses the class name as the key. Objects of that type then come back
    as instances of the class, which gains the type's reflected fields and methods (those it
    does not define itself) and, unless ``init=False``, an ``__init__``.
    """

    def register(cls, key):
        if not (isinstance(cls, type) and issubclass(cls, Object)):
            raise TypeError(f"register_object expects an Object subclass, got {cls!r}")
        try:
            index = _core._type_key_to_index(key)
        except Exception:
            raise ValueError(f"no object type is registered as {key!r}") from None
        install_members(cls, type_info(index), init=init)
        _core._register_object_class(index, cls)
        return cls

    if isinstance(type_key, type):
        return register(type_key, type_key.__name__)
    if type_key is None:
        return lambda cls: register(cls, cls.__name__)
    if isinstance(type_key, str):
        return lambda cls: register(cls, type_key)
    raise TypeError(f"type_key must be a str or a class, got {type(type_key).__name__}")


_core._set_class_factory(make_class)
