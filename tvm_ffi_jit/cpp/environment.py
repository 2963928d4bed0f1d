"""Environment variables read on the warm path, without ``os.environ.get``'s exception.

``os.environ.get`` of an unset variable raises and catches a KeyError inside the mapping,
which costs as many instructions as a ``stat`` call; a warm load asks for about ten variables
that are usually unset. On POSIX, ``os.environ`` keeps its contents in a dict of bytes
(``_data``, updated by every assignment through ``os.environ``), which answers a miss with
a plain dict lookup. Anything else (another platform, a replaced ``os.environ``) asks the
mapping as usual.
"""

import os


def get(name: str, default=None):
    """``os.environ.get(name, default)``."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    if os.name != "posix" or type(data) is not dict:
        return environ.get(name, default)
    try:
        key = name.encode("ascii")  # every name asked for here is ASCII
    except UnicodeEncodeError:
        return environ.get(name, default)
    raw = data.get(key)
    return default if raw is None else environ.decodevalue(raw)
