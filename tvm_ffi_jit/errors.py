"""Error kinds: a C++ error of kind "ValueError" raises Python's ValueError, and back.

Kinds naming a Python built-in exception map to it; others map to RuntimeError unless
registered here with ``register_error``.
"""

from __future__ import annotations

from . import _core

_ERROR_CLASSES: dict[str, type] = {}
_core._set_error_classes(_ERROR_CLASSES)


def register_error(kind: str | None = None, cls: type | None = None):
    """Maps the C++ error kind ``kind`` (default: the class name) to exception class ``cls``.

    Usable as a decorator: ``@register_error("MyError") class MyError(RuntimeError): ...``
    """

    def register(exc_cls):
        if not (isinstance(exc_cls, type) and issubclass(exc_cls, BaseException)):
            raise TypeError(f"register_error expects an exception class, got {exc_cls!r}")
        _ERROR_CLASSES[kind or exc_cls.__name__] = exc_cls
        return exc_cls

    return register if cls is None else register(cls)
