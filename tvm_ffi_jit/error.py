"""Errors: C++ error kinds mapped to Python exception classes, and the JIT's build errors.

A C++ error of kind "ValueError" raises Python's ValueError, and back. Kinds naming a Python
built-in exception (``KeyboardInterrupt`` too) map to it; others map to RuntimeError unless
registered with ``register_error``. The Unicode errors, whose built-in constructors need the
offending text, map to subclasses that take the message alone.
"""

from __future__ import annotations

from . import _core

_ERROR_CLASSES: dict[str, type] = {}
_core._set_error_classes(_ERROR_CLASSES)


def _message_only(base: type) -> type:
    """A subclass of a built-in Unicode error made from a message alone (a C++ error of its
    kind has no text, positions or encoding for the built-in constructor)."""
    text_args = ("", 0, 0) if base is UnicodeTranslateError else ("unknown", b"", 0, 0)
    if base is UnicodeEncodeError:
        text_args = ("unknown", "", 0, 0)

    def __init__(self, message=""):
        base.__init__(self, *text_args, str(message))
        self.args = (message,)

    def __str__(self):
        return self.reason

    doc = f"A C++ error of kind {base.__name__}: only its message is known."
    # Named like the built-in (the kind it goes back to C++ as); found by pickle as _Kind<name>.
    qualname = f"_Kind{base.__name__}"
    namespace = {"__init__": __init__, "__str__": __str__, "__doc__": doc, "__module__": __name__}
    cls = type(base.__name__, (base,), namespace)
    cls.__qualname__ = qualname
    globals()[qualname] = cls
    return cls


for _base in (UnicodeDecodeError, UnicodeEncodeError, UnicodeTranslateError):
    _ERROR_CLASSES[_base.__name__] = _message_only(_base)


class BuildError(RuntimeError):
    """A compile or link step failed; the message holds the compiler's diagnostics."""


class ToolchainError(BuildError):
    """A tool the build needs (compiler, ninja, nvcc, CUDA arch list) is missing or unusable."""


def register_error(name_or_cls: str | type | None = None, cls: type | None = None):
    """Maps the C++ error kind ``name_or_cls`` (default: the class name) to exception ``cls``.

    Forms: ``register_error("Kind", cls)``, ``@register_error("Kind")``, ``@register_error``
    and ``@register_error()`` (the kind is the class name).
    """
    if isinstance(name_or_cls, type):
        cls, name_or_cls = name_or_cls, None
    if name_or_cls is not None and not isinstance(name_or_cls, str):
        raise TypeError(f"error kind must be a str, got {type(name_or_cls).__name__}")

    def register(exc_cls):
        if not (isinstance(exc_cls, type) and issubclass(exc_cls, BaseException)):
            raise TypeError(f"register_error expects an exception class, got {exc_cls!r}")
        _ERROR_CLASSES[name_or_cls or exc_cls.__name__] = exc_cls
        return exc_cls

    return register if cls is None else register(cls)
