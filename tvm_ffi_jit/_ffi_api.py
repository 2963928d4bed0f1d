"""The runtime's built-in ``ffi.*`` global functions as attributes: ``_ffi_api.ArraySize(a)``.

Each is looked up on first use and then kept as a module global.
"""

from . import _core


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    func = _core.get_global_func(f"ffi.{name}", True)
    if func is None:
        raise AttributeError(f"the runtime has no global function 'ffi.{name}'")
    globals()[name] = func
    return func
