"""What a Function says about itself: its name, docstring and signature.

Libraries describe their exports in metadata (``{"type_schema": "<json>"}``, from
``__tvm_ffi__metadata_<name>``) and docstrings (``__tvm_ffi__doc_<name>``); global functions
carry theirs in the registry. Whoever hands out a Function (a module, ``get_global_func``)
attaches them with ``describe``; ``repr``, ``__doc__`` and ``inspect.signature`` read them.
Metadata may also name the parameters (``"arg_names"``, written by
``TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED``): then the function takes keyword arguments.
"""

from __future__ import annotations

import json
import sys

from . import _core

Function = _core.Function

# Type keys of the type schema that are Python built-in types (shared with stubgen).
BUILTIN_TYPE_NAMES = {
    "None": "None",
    "int": "int",
    "bool": "bool",
    "float": "float",
    "Any": "Any",
    "ffi.String": "str",
    "ffi.SmallStr": "str",
    "std::string": "str",
    "const char*": "str",
    "ffi.Bytes": "bytes",
    "ffi.SmallBytes": "bytes",
    "TVMFFIByteArray*": "bytes",
    "ffi.BigInt": "int",
}
# Type keys as Python spells the types (the rest keep their key).
_PYTHON_NAMES = {
    **BUILTIN_TYPE_NAMES,
    "ffi.Array": "Array",
    "std::vector": "Array",
    "ffi.List": "List",
    "ffi.Map": "Map",
    "std::map": "Map",
    "std::unordered_map": "Map",
    "ffi.Dict": "Dict",
    "ffi.Shape": "Shape",
    "ffi.Tensor": "Tensor",
    "DLTensor*": "Tensor",
    "ffi.Object": "Object",
    "ObjectRValueRef": "Object",
    "ffi.OpaquePyObject": "Any",
    "ffi.Module": "Module",
    "Device": "Device",
    "DataType": "dtype",
    "void*": "ctypes.c_void_p",
    "Tuple": "tuple",
    "std::tuple": "tuple",
}
CALLABLE_KEYS = ("ffi.Function", "std::function")
OPTIONAL_KEYS = ("Optional", "std::optional")
UNION_KEYS = ("Variant", "std::variant", "Union")


def schema_text(schema: dict) -> str:
    """A type schema (parsed JSON) as a Python annotation: ``Array[int]``, ``str | None``."""
    key = schema.get("type", "Any")
    args = [schema_text(a) for a in schema.get("args", ()) if isinstance(a, dict)]
    if key in CALLABLE_KEYS:
        params, ret = _callable_parts(schema)
        if params is None:
            return f"Callable[..., {ret}]"
        return f"Callable[[{', '.join(params)}], {ret}]"
    if key in OPTIONAL_KEYS and args:
        return f"{args[0]} | None"
    if key in UNION_KEYS and args:
        return " | ".join(args)
    name = _PYTHON_NAMES.get(key, key)
    return f"{name}[{', '.join(args)}]" if args else name


def _callable_parts(schema: dict) -> tuple[list[str] | None, str]:
    """(parameter annotations or None when unknown, return annotation) of a function schema."""
    named = schema.get("named_args")
    if isinstance(named, dict):
        ret = named.get("return") or [{"type": "Any"}]
        params = named.get("params")
        return (None if params is None else [schema_text(p) for p in params]), schema_text(ret[0])
    args = schema.get("args")
    if isinstance(args, list) and len(args) == 2 and isinstance(args[1], list):
        return [schema_text(p) for p in args[1]], schema_text(args[0])  # [return, [params]]
    return None, "Any"


class _Annotation(str):
    """Annotation text that prints bare in a signature: ``(arg0: int)``, not ``(arg0: 'int')``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _function_schema(func) -> dict | None:
    metadata = func.__dict__.get("_metadata")
    if not metadata:
        return None
    schema = metadata.get("type_schema")
    try:
        schema = json.loads(schema) if isinstance(schema, str) else schema
    except ValueError:
        return None
    return schema if isinstance(schema, dict) and schema.get("type") in CALLABLE_KEYS else None


def arg_names(func) -> tuple[str, ...] | None:
    """The parameter names the library recorded for ``func``, or None."""
    return func.__dict__.get("_arg_names")


def _signature_text(func) -> str | None:
    schema = _function_schema(func)
    if schema is None:
        return None
    params, ret = _callable_parts(schema)
    if params is None:
        return None
    names = arg_names(func)
    if names is not None and len(names) == len(params):
        params = [f"{n}: {p}" for n, p in zip(names, params)]
    return f"({', '.join(params)}) -> {ret}"


def _repr(self) -> str:
    name = self.__dict__.get("__name__")
    signature = _signature_text(self)
    if name is None and signature is None:
        return f"<tvm_ffi_jit.Function at {self._handle:#x}>"
    return f"<tvm_ffi_jit.Function {name or '<anonymous>'}{signature or ''}>"


def _signature(func):
    """inspect.Signature from the type schema; ``(*args)`` when the function has none."""
    import inspect

    params, ret = None, inspect.Signature.empty
    schema = _function_schema(func)
    if schema is not None:
        params, ret_text = _callable_parts(schema)
        ret = _Annotation(ret_text)
    if params is None:
        return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)])
    names = arg_names(func)
    if names is not None and len(names) == len(params):
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    else:  # the schema has types, not names: arguments go by position only
        names, kind = [f"arg{i}" for i in range(len(params))], inspect.Parameter.POSITIONAL_ONLY
    return inspect.Signature(
        [inspect.Parameter(n, kind, annotation=_Annotation(p)) for n, p in zip(names, params)],
        return_annotation=ret,
    )


class _SignatureSlot:
    """``Function.__signature__``: computed when asked (inspect is not imported before)."""

    def __get__(self, func, owner=None):
        return None if func is None else _signature(func)


def describe(func, name: str | None, doc: str | None = None, metadata=None):
    """Attaches a function's name, docstring and metadata (a dict, or its JSON text)."""
    if name is not None:
        func.__name__ = name
        func.__qualname__ = name
    if doc:
        func.__doc__ = doc
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata) if metadata else None
        except ValueError:
            metadata = None
    if not _dynamo_hint_installed and "torch" in sys.modules:
        _install_dynamo_hint()
    if metadata:
        func._metadata = metadata
        names = metadata.get("arg_names") if isinstance(metadata, dict) else None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            # Read by the call path (src/python/call.cc), which compares keywords by identity first.
            func._arg_names = tuple(sys.intern(n) for n in names)
    return func


_dynamo_hint_installed = False


def _install_dynamo_hint() -> None:
    """With torch loaded, a Function called in torch.compiled code explains the graph break
    (tvm_ffi_jit.torch.install_dynamo_hint); checked when functions are handed out, never
    on the call path."""
    global _dynamo_hint_installed
    _dynamo_hint_installed = True
    from . import torch as torch_integration

    torch_integration.install_dynamo_hint()


Function.__repr__ = _repr
Function.__signature__ = _SignatureSlot()
if "torch" in sys.modules:  # torch came first: its compiler meets Functions from now on
    _install_dynamo_hint()
