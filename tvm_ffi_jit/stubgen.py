"""``python -m tvm_ffi_jit stubgen LIB.so -o mod.pyi``: type stubs for a built module.

The stub declares a ``Module`` class (a ``tvm_ffi_jit.Module``) with one method per exported
function, typed from the signature the library recorded (``__tvm_ffi__metadata_<name>``,
written by ``TVM_FFI_DLL_EXPORT_TYPED_FUNC``) and named by its parameter names when recorded
(``TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED``). Use it as::

    from typing import TYPE_CHECKING, cast
    if TYPE_CHECKING:
        from mod import Module   # mod.pyi
    lib = cast("Module", tvm_ffi_jit.load_module(path))
"""

from __future__ import annotations

import json
import keyword
import os

from .function import BUILTIN_TYPE_NAMES, CALLABLE_KEYS, OPTIONAL_KEYS, UNION_KEYS

# Type-schema keys as stub annotations; containers take their arguments in brackets.
_SIMPLE = {
    **BUILTIN_TYPE_NAMES,
    "ffi.Shape": "Sequence[int]",
    "ffi.Tensor": "TensorLike",
    "DLTensor*": "TensorLike",
    "ffi.Object": "tvm_ffi_jit.Object",
    "ObjectRValueRef": "tvm_ffi_jit.Object",
    "ffi.Module": "tvm_ffi_jit.Module",
    "Device": "tvm_ffi_jit.Device",
    "DataType": "tvm_ffi_jit.dtype",
    "void*": "int",
    "ffi.OpaquePyObject": "Any",
}
_SEQUENCES = ("ffi.Array", "ffi.List", "std::vector")
_MAPPINGS = ("ffi.Map", "ffi.Dict", "std::map", "std::unordered_map")
_TUPLES = ("Tuple", "std::tuple")


def annotation(schema) -> str:
    """A type schema (parsed JSON) as a stub annotation; unknown types become ``Any``."""
    if not isinstance(schema, dict):
        return "Any"
    key = schema.get("type", "Any")
    args = [a for a in schema.get("args", ()) if isinstance(a, dict)]
    texts = [annotation(a) for a in args]
    if key in CALLABLE_KEYS:
        params, ret = _function_parts(schema)
        return (
            f"Callable[..., {ret}]" if params is None else f"Callable[[{', '.join(params)}], {ret}]"
        )
    if key in _SEQUENCES:
        return f"Sequence[{texts[0] if texts else 'Any'}]"
    if key in _MAPPINGS:
        return f"Mapping[{', '.join(texts)}]" if len(texts) == 2 else "Mapping[Any, Any]"
    if key in _TUPLES:
        return f"tuple[{', '.join(texts)}]" if texts else "tuple[Any, ...]"
    if key in OPTIONAL_KEYS and texts:
        return texts[0] if texts[0].endswith("| None") else f"{texts[0]} | None"
    if key in UNION_KEYS and texts:
        return " | ".join(dict.fromkeys(texts))
    return _SIMPLE.get(key, "Any")


def _function_parts(schema: dict) -> tuple[list[str] | None, str]:
    """(parameter annotations, or None when unknown; return annotation) of a function schema."""
    named = schema.get("named_args")
    if isinstance(named, dict):
        ret = (named.get("return") or [{"type": "Any"}])[0]
        params = named.get("params")
        return (None if params is None else [annotation(p) for p in params]), annotation(ret)
    args = schema.get("args")
    if isinstance(args, list) and len(args) == 2 and isinstance(args[1], list):
        return [annotation(p) for p in args[1]], annotation(args[0])  # [return, [params]]
    return None, "Any"


def _method(name: str, metadata: dict | None, doc: str | None) -> list[str]:
    params, ret = None, "Any"
    if metadata:
        try:
            schema = json.loads(metadata.get("type_schema") or "null")
        except (TypeError, ValueError):
            schema = None
        if isinstance(schema, dict):
            params, ret = _function_parts(schema)
    names = metadata.get("arg_names") if metadata else None
    if params is None:
        signature = "self, *args: Any"
    elif isinstance(names, list) and len(names) == len(params) and all(map(_is_identifier, names)):
        signature = ", ".join(["self", *(f"{n}: {p}" for n, p in zip(names, params))])
    else:  # no recorded names: the arguments go by position only
        signature = ", ".join(["self", *(f"arg{i}: {p}" for i, p in enumerate(params)), "/"])
        signature = signature if params else "self"
    header = f"    def {name}({signature}) -> {ret}:"
    return [header, f"        {_docstring(doc)}"] if doc else [f"{header} ..."]


def _docstring(doc: str) -> str:
    text = doc.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}"""'


def _is_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def stub_text(library_name: str, functions) -> str:
    """The .pyi text for ``functions``: (name, metadata dict or None, docstring or None)."""
    lines = [
        f'"""Type stubs for {library_name}, written by `python -m tvm_ffi_jit stubgen`."""',
        "",
        "from collections.abc import Callable, Mapping, Sequence",
        "from typing import Any",
        "",
        "import tvm_ffi_jit",
        "",
        "# Tensor arguments take any DLPack tensor (torch, numpy, tvm_ffi_jit.Tensor); tensor",
        "# results come back as the caller's framework type.",
        "TensorLike = Any",
        "",
        "class Module(tvm_ffi_jit.Module):",
    ]
    skipped = []
    for name, metadata, doc in functions:
        if _is_identifier(name):
            lines += _method(name, metadata, doc)
        else:
            skipped.append(name)
    if not functions:
        lines.append("    ...")
    if skipped:
        lines.append(f"    # Not Python names (use mod[name]): {', '.join(sorted(skipped))}")
    return "\n".join(lines) + "\n"


def module_stub(path) -> str:
    """The .pyi text for the shared library at ``path`` (loaded to read its signatures)."""
    from .module import load_module

    module = load_module(path, keep_module_alive=False)
    functions = [
        (name, module.get_function_metadata(name), module.get_function_doc(name))
        for name in sorted(module.list_functions())
    ]
    return stub_text(os.path.basename(os.fspath(path)), functions)


def _run(args) -> int:
    text = module_stub(args.library)
    if args.output in (None, "-"):
        print(text, end="")
    else:
        with open(args.output, "w") as out:
            out.write(text)
    return 0


def add_parser(commands) -> None:
    """Adds ``stubgen`` to the ``python -m tvm_ffi_jit`` subcommands."""
    parser = commands.add_parser(
        "stubgen",
        help="write a .pyi for a built module from its recorded signatures",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("library", help="the module's shared library (.so)")
    parser.add_argument("-o", "--output", help="the .pyi to write (default: standard output)")
    parser.set_defaults(run=_run)
