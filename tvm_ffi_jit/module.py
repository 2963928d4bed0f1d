"""Modules: shared libraries (and the system library) whose exports are Functions.

A Function taken from a module holds the module, so the module lives while any of its
functions does; ``load_module(..., keep_module_alive=True)`` (the default) also keeps it for
the rest of the process, as apache-tvm-ffi does.
"""

from __future__ import annotations

import json
import os
from enum import IntEnum

from . import _core, _ffi_api
from .function import describe

Object = _core.Object

# Modules loaded with keep_module_alive, by handle (loading a library again gives the same one).
_kept_alive: dict[int, Module] = {}


class ModulePropertyMask(IntEnum):
    """Bits of ``Module.get_property_mask()``."""

    BINARY_SERIALIZABLE = 0b001
    RUNNABLE = 0b010
    COMPILATION_EXPORTABLE = 0b100


class Module(Object):
    """A loaded shared library (or the system library): functions by attribute or name.

    ``mod.add_one``, ``mod["add_one"]`` and ``mod.get_function("add_one")`` give the same
    function, with the docstring and signature the library exported for it.
    """

    entry_name = "main"  # what calling the module calls

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        func = self.get_function(name)
        self.__dict__[name] = func  # later lookups skip the runtime
        return func

    def __getitem__(self, name: str):
        if not isinstance(name, str):
            raise ValueError(f"function names are str, got {type(name).__name__}")
        return self.get_function(name)

    def __call__(self, *args):
        """Calls the module's entry function (``main``)."""
        return self.get_function(self.entry_name)(*args)

    def get_function(self, name: str, query_imports: bool = False):
        """The function exported as ``name``; AttributeError listing the exports if missing."""
        func = _ffi_api.ModuleGetFunction(self, name, query_imports)
        if func is None:
            exported = ", ".join(sorted(self.list_functions())) or "nothing"
            raise AttributeError(
                f"module {self.path or self.kind!r} has no function {name!r}; "
                f"it exports: {exported}"
            )
        doc = self.get_function_doc(name, query_imports)
        if doc is None:  # docs the JIT kept beside a library built without them
            doc = self.__dict__.get("_function_docs", {}).get(name)
        metadata = _ffi_api.ModuleGetFunctionMetadata(self, name, query_imports)
        release_gil = self.__dict__.get("_release_gil")
        if release_gil is not None:
            func.release_gil = release_gil
        return describe(func, name, doc, metadata)

    def get_function_metadata(self, name: str, query_imports: bool = False) -> dict | None:
        """The metadata the library exported for ``name`` (``{"type_schema": ...}``), or None."""
        metadata = _ffi_api.ModuleGetFunctionMetadata(self, name, query_imports)
        return json.loads(metadata) if metadata else None

    def get_function_doc(self, name: str, query_imports: bool = False) -> str | None:
        """The docstring the library exported for ``name``, or None."""
        return _ffi_api.ModuleGetFunctionDoc(self, name, query_imports) or None

    def implements_function(self, name: str, query_imports: bool = False) -> bool:
        """Whether the module (or, with ``query_imports``, one it imports) exports ``name``."""
        return _ffi_api.ModuleImplementsFunction(self, name, query_imports)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and self.implements_function(name)

    def list_functions(self) -> list[str]:
        """Names of the functions this module exports."""
        return list(_ffi_api.ModuleListFunctions(self))

    def import_module(self, module: Module) -> None:
        """Makes ``module``'s functions visible to lookups that query imports."""
        _ffi_api.ModuleImportModule(self, module)

    def clear_imports(self) -> None:
        """Removes every imported module."""
        _ffi_api.ModuleClearImports(self)

    @property
    def imports_(self):
        """The imported modules, as the runtime holds them (an Array)."""
        return _ffi_api.ModuleGetImports(self)

    @property
    def imports(self) -> list[Module]:
        """The imported modules."""
        return list(self.imports_)

    @property
    def kind(self) -> str:
        """``"library"`` for a shared library, ``"system"`` for the system library."""
        return _ffi_api.ModuleGetKind(self)

    @property
    def path(self) -> str:
        """The file a library module was loaded from ("" for the system library)."""
        return _ffi_api.ModulePath(self)

    def get_property_mask(self) -> int:
        """``ModulePropertyMask`` bits of this module."""
        return _ffi_api.ModuleGetPropertyMask(self)

    def is_binary_serializable(self) -> bool:
        return bool(self.get_property_mask() & ModulePropertyMask.BINARY_SERIALIZABLE)

    def is_runnable(self) -> bool:
        return bool(self.get_property_mask() & ModulePropertyMask.RUNNABLE)

    def is_compilation_exportable(self) -> bool:
        return bool(self.get_property_mask() & ModulePropertyMask.COMPILATION_EXPORTABLE)

    def inspect_source(self, fmt: str = "") -> str:
        """The module's source in format ``fmt``, if it keeps any ("" otherwise)."""
        return _ffi_api.ModuleInspectSource(self, fmt)

    def get_write_formats(self) -> list[str]:
        """Formats ``write_to_file`` accepts."""
        return list(_ffi_api.ModuleGetWriteFormats(self))

    def write_to_file(self, file_name: str, fmt: str = "") -> None:
        _ffi_api.ModuleWriteToFile(self, os.fspath(file_name), fmt)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.list_functions()))

    def __repr__(self):
        return f"<tvm_ffi_jit.Module {self.kind} {self.path!r}>"


def load_module(path, keep_module_alive: bool = True, *, release_gil=None) -> Module:
    """Loads a shared library that exports ``__tvm_ffi_<name>`` functions.

    With ``keep_module_alive`` the module stays loaded for the rest of the process; otherwise
    it lives while the returned Module or a function taken from it does. ``release_gil``,
    when given, is the ``release_gil`` of the functions this module hands out (by default
    calls release the GIL; ``False`` keeps it held for the fastest short calls). ImportError
    when the library cannot be loaded (e.g. it uses a symbol nothing defines).
    """
    path = os.fspath(path)
    module = _ffi_api.ModuleLoadFromFile(path)
    # With another TVM-FFI runtime loaded (apache-tvm-ffi), the library may have bound to it.
    _core._check_module_runtime(path)
    if keep_module_alive:
        _kept_alive.setdefault(module._handle, module)
    if release_gil is not None:
        module._release_gil = bool(release_gil)
    return module


def system_lib(symbol_prefix: str = "") -> Module:
    """The module of symbols registered with ``TVMFFIEnvModRegisterSystemLibSymbol``
    under ``__tvm_ffi_<symbol_prefix><name>``."""
    return _ffi_api.SystemLib(symbol_prefix)


_core._register_object_class(_core._type_key_to_index("ffi.Module"), Module)
