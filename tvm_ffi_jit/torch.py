"""Module functions as PyTorch custom operators.

    import tvm_ffi_jit.torch
    add_one = tvm_ffi_jit.torch.custom_op("mylib::add_one", mod.add_one, mutates_args=(),
                                          fake=lambda x: torch.empty_like(x))
    torch.compile(lambda x: add_one(x) * 2, fullgraph=True)  # no graph break

A module function is a C callable torch.compile cannot trace: called directly under
``torch.compile`` it breaks the graph. As a custom operator it is one node of the graph,
``torch.library.opcheck`` passes, and ``backward=`` gives it a gradient.

torch is imported when a function here is called, never on import; importing this module is
cheap (tvm_ffi_jit.function imports it when torch is loaded, see install_dynamo_hint).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable

__all__ = ["custom_op", "torch_schema"]

_CUSTOM_OP_HINT = (
    'make it a torch custom operator: op = tvm_ffi_jit.torch.custom_op("mylib::{name}", '
    "mod.{name}, mutates_args=..., fake=...), then call op(...) instead"
)

# Type keys of a function's recorded type schema, as torch schema types.
_SCALAR_TYPES = {
    "ffi.Tensor": "Tensor",
    "DLTensor*": "Tensor",
    "int": "SymInt",
    "float": "float",
    "bool": "bool",
    "ffi.String": "str",
    "ffi.SmallStr": "str",
    "std::string": "str",
    "const char*": "str",
    "Device": "Device",
    "DataType": "ScalarType",
}
_SEQUENCE_KEYS = ("ffi.Array", "ffi.List", "std::vector")
_OPTIONAL_KEYS = ("Optional", "std::optional")
_TUPLE_KEYS = ("Tuple", "std::tuple")


def custom_op(
    name: str,
    func: Callable,
    *,
    mutates_args: str | Iterable[str | int] = (),
    fake: Callable | None = None,
    schema: str | None = None,
    device_types: str | Iterable[str] | None = None,
    backward: Callable | None = None,
    setup_context: Callable | None = None,
):
    """Registers ``func`` (a module function) as the torch operator ``name`` ("lib::op").

    - ``mutates_args``: the parameters the kernel writes (out-parameters), by name or position;
      ``"unknown"`` as in torch. Names are those of ``inspect.signature(func)`` (``arg0``,
      ``arg1``, ... when the library does not record them).
    - ``fake``: computes the outputs' shapes and dtypes without running the kernel (for
      ``torch.compile`` and fake tensors), e.g. ``lambda x: torch.empty_like(x)``. Kernels that
      return nothing need none.
    - ``schema``: the torch schema ("(Tensor x, float alpha) -> Tensor"); by default made from
      the types the library records for ``func`` (see ``torch_schema``).
    - ``backward``/``setup_context``: as in ``torch.library.register_autograd``.

    Returns torch's operator object (``torch.library.CustomOpDef``): call it like the function,
    and ``register_fake``/``register_autograd``/``register_kernel`` on it work.
    """
    import torch

    if isinstance(mutates_args, str) and mutates_args != "unknown":
        mutates_args = (mutates_args,)
    names = _parameter_names(func)
    if mutates_args != "unknown":
        mutates_args = tuple(_parameter_name(names, arg) for arg in mutates_args)
    if schema is None:
        schema = torch_schema(func, mutates_args=() if mutates_args == "unknown" else mutates_args)
    returns = schema.rsplit("->", 1)[-1].strip()

    def kernel(*args, **kwargs):
        result = func(*map(_ffi_value, args), *map(_ffi_value, kwargs.values()))
        # Arrays come back as tvm_ffi_jit containers; torch wants a list or a tuple.
        if returns.endswith("[]") and result is not None:
            return list(result)
        if returns.startswith("(") and returns != "()":
            return tuple(result)
        return result

    kernel.__name__ = getattr(func, "__name__", "kernel")
    kernel.__doc__ = getattr(func, "__doc__", None)
    op = torch.library.custom_op(
        name, kernel, mutates_args=mutates_args, device_types=device_types, schema=schema
    )
    _import_dynamo_only_when_loaded(op)
    if fake is not None:
        op.register_fake(fake)
    elif _returns_nothing(schema):
        # The kernel only writes its arguments: the fake has nothing to produce.
        op.register_fake(lambda *args, **kwargs: None)
    if backward is not None:
        op.register_autograd(backward, setup_context=setup_context)
    elif setup_context is not None:
        raise TypeError(f"{name}: setup_context= needs backward=")
    return op


def _import_dynamo_only_when_loaded(op) -> None:
    """torch wraps a custom op's kernel in ``torch._disable_dynamo``, which imports
    torch._dynamo (seconds of CPU, and more at exit) on the first eager call. While torch._dynamo
    is not loaded nothing is being compiled, so there is nothing to disable: call the kernel
    directly until then. Relies on torch internals; without them torch's behaviour stays."""
    for wrapper in getattr(op, "_backend_fns", {}).values():
        kernel = getattr(wrapper, "__wrapped__", None)
        if kernel is None or hasattr(kernel, "__dynamo_disable"):
            continue
        disabled = []

        def call(*args, _kernel=kernel, _disabled=disabled, **kwargs):
            if "torch._dynamo" not in sys.modules:
                return _kernel(*args, **kwargs)
            if not _disabled:
                import torch._dynamo

                _disabled.append(torch._dynamo.disable(_kernel, wrapping=False))
            return _disabled[0](*args, **kwargs)

        kernel.__dynamo_disable = call


def torch_schema(func: Callable, mutates_args: Iterable[str] = ()) -> str:
    """The torch schema of a module function from the types its library records,
    e.g. ``"(Tensor arg0, Tensor(a0!) arg1) -> ()"`` for ``void f(TensorView, TensorView)``."""
    params, ret = _recorded_types(func)
    names = _parameter_names(func)
    if len(names) != len(params):
        names = [f"arg{i}" for i in range(len(params))]
    mutated = list(mutates_args)
    unknown = [m for m in mutated if m not in names]
    if unknown:
        raise ValueError(
            f"{_func_name(func)}: mutates_args names no parameter: {unknown} "
            f"(parameters: {', '.join(names)})"
        )
    parts = []
    for param_name, param in zip(names, params):
        text = _torch_type(func, param, param_name)
        if param_name in mutated:
            alias = f"(a{mutated.index(param_name)}!)"
            if not text.startswith("Tensor"):
                raise ValueError(f"{_func_name(func)}: mutated parameter {param_name} is {text}")
            text = "Tensor" + alias + text[len("Tensor") :]
        parts.append(f"{text} {param_name}")
    return f"({', '.join(parts)}) -> {_torch_return(func, ret)}"


def _recorded_types(func) -> tuple[list[dict], dict]:
    metadata = getattr(func, "__dict__", {}).get("_metadata") or {}
    schema = metadata.get("type_schema")
    try:
        schema = json.loads(schema) if isinstance(schema, str) else schema
    except ValueError:
        schema = None
    named = schema.get("named_args") if isinstance(schema, dict) else None
    if not isinstance(named, dict) or named.get("params") is None:
        raise TypeError(
            f"{_func_name(func)}: its library records no parameter types; pass schema= "
            '(e.g. schema="(Tensor x, Tensor(a!) out) -> ()")'
        )
    ret = (named.get("return") or [{"type": "None"}])[0]
    return list(named["params"]), ret


def _torch_type(func, schema: dict, where: str) -> str:
    key = schema.get("type", "Any")
    args = [a for a in schema.get("args", ()) if isinstance(a, dict)]
    if key in _SCALAR_TYPES:
        return _SCALAR_TYPES[key]
    if key in _OPTIONAL_KEYS and args:
        return _torch_type(func, args[0], where) + "?"
    if key == "ffi.Shape":
        return "SymInt[]"
    if key in _SEQUENCE_KEYS and args:
        item = _torch_type(func, args[0], where)
        if item in ("Tensor", "SymInt", "float", "bool"):
            return item + "[]"
    raise TypeError(
        f"{_func_name(func)}: {where} has type {key}, which has no torch schema type; "
        "pass schema= to custom_op"
    )


def _torch_return(func, schema: dict) -> str:
    key = schema.get("type", "None")
    if key == "None":
        return "()"
    if key in _TUPLE_KEYS:
        items = [a for a in schema.get("args", ()) if isinstance(a, dict)]
        return "(" + ", ".join(_torch_type(func, a, "its result") for a in items) + ")"
    return _torch_type(func, schema, "its result")


def _ffi_value(value):
    # torch hands ScalarType and Device arguments over as torch.dtype and torch.device.
    import torch

    if isinstance(value, torch.dtype):
        from . import _dtype

        return _dtype.dtype(str(value).removeprefix("torch."))
    if isinstance(value, torch.device):
        from . import _tensor

        return _tensor.device(str(value))
    return value


def _returns_nothing(schema: str) -> bool:
    return schema.replace(" ", "").endswith("->()")


def _parameter_names(func) -> list[str]:
    try:
        import inspect

        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.isidentifier()]


def _parameter_name(names: list[str], arg: str | int) -> str:
    # "argN" is how parameters without recorded names are called: still their position.
    if isinstance(arg, str) and arg not in names and re.fullmatch(r"arg\d+", arg):
        arg = int(arg[3:])
    if isinstance(arg, int) and not isinstance(arg, bool):
        if not 0 <= arg < len(names):
            listed = ", ".join(names)
            raise ValueError(f"mutates_args: no parameter at position {arg} in ({listed})")
        return names[arg]
    return arg


def _func_name(func) -> str:
    return getattr(func, "__name__", repr(func))


# ---- what torch.compile says about a module function it meets ----


def _explain_failed_argument(func, index: int, arg, error):
    """The call path's error hook (src/python/call.cc, error path only): a tensor argument that
    failed to convert because it has no data (torch.compile's FakeTensors, meta tensors) gets
    an error naming the function and what to use instead; None keeps the original error."""
    try:
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(arg, torch.Tensor) or not isinstance(error, Exception):
            return None
        if arg.is_meta:
            kind = "a meta tensor"
        else:
            from torch._subclasses.fake_tensor import is_fake

            if not is_fake(arg):
                return None
            kind = f"a {type(arg).__name__} (a tensor without data)"
        name = getattr(func, "__name__", "function")
        explained = RuntimeError(
            f"{name}() got {kind} as argument #{index}: compiled C++ cannot run on it. This "
            "happens when torch.compile, torch.export or a fake-tensor trace calls a module "
            "function (torch.compiler.allow_in_graph does not make it traceable). To use it "
            "under torch.compile, " + _CUSTOM_OP_HINT.format(name=name) + "."
        )
        explained.__cause__ = error
        return explained
    except Exception:  # the hook must never hide the original error behind its own
        return None


_dynamo_hint_installed = False


def install_dynamo_hint() -> None:
    """Makes torch.compile name a module function it cannot trace and point at custom_op:
    calling a ``tvm_ffi_jit.Function`` in compiled code is a graph break (an error with
    ``fullgraph=True``) whose message says so. Registered through torch's public
    ``torch.compiler.substitute_in_graph`` on ``Function.__call__``, now if torch._dynamo is
    loaded, else right after it is imported; nothing runs on the call path. Called when a
    Function is handed out while torch is loaded (function.describe)."""
    global _dynamo_hint_installed
    if _dynamo_hint_installed:
        return
    _dynamo_hint_installed = True
    if "torch._dynamo" in sys.modules:
        _register_graph_break_message()
    else:
        sys.meta_path.insert(0, _AfterDynamoImport())


def _register_graph_break_message() -> None:
    try:
        import torch

        from . import _core

        @torch.compiler.substitute_in_graph(_core.Function.__call__, skip_signature_check=True)
        def _function_call(self, *args, **kwargs):
            # Dynamo traces this instead of the C call it cannot see into: it breaks the graph
            # here with this message, then makes the real call outside the graph.
            torch._dynamo.graph_break(msg=_graph_break_message(getattr(self, "__name__", None)))
            return self(*args, **kwargs)

    except Exception:  # another torch: its own message stays
        pass


def _graph_break_message(name) -> str:
    if name is None:  # the package's own functions (a module lookup inside compiled code)
        return (
            "a tvm_ffi_jit.Function (compiled C++, which torch.compile cannot trace) was "
            "called; when the code above is tvm_ffi_jit's module lookup, fetch the function "
            "(f = mod.name) outside the compiled code, and to keep it in the graph, "
            + _CUSTOM_OP_HINT.format(name="name")
        )
    return (
        f"`{name}` is a tvm_ffi_jit module function (compiled C++, which torch.compile cannot "
        "trace) and breaks the graph here. To keep it in the graph, "
        + _CUSTOM_OP_HINT.format(name=name)
    )


class _AfterDynamoImport:
    """A one-shot import hook: registers the message once torch._dynamo has been imported."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch._dynamo":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_then_register(module):
            exec_module(module)
            _register_graph_break_message()

        loader.exec_module = exec_then_register
        return spec
