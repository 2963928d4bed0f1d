"""Files the link flags name, so that their contents are part of the cache key.

A static library, object file, linker script or response file given in ``extra_ldflags`` ends
up inside the module (or shapes it): when it changes, the module must be rebuilt. Found here:

- a plain argument that names an existing file (``/x/libfoo.a``, ``obj.o``), also inside
  ``-Wl,a,b`` and after ``-Xlinker``, and the value of ``--opt=FILE`` (``--version-script=``);
- ``@FILE`` response files and ``-l:FILE`` searched in the ``-L`` directories;
- ``-lNAME`` when the first ``-L`` directory holding ``libNAME.so`` or ``libNAME.a`` holds
  only the archive (a shared library is loaded at run time: its contents do not go in).

Relative paths are taken from the current directory, as the caller wrote them. The default
search directories of the linker are not searched: system libraries change with the system.
"""

import os

from .digest import bulk_hex


def _linker_words(ldflags: "list[str]") -> "list[str]":
    """The flags with ``-Wl,a,b`` split into ``a``, ``b`` and ``-Xlinker x`` into ``x``."""
    words, i = [], 0
    while i < len(ldflags):
        flag = ldflags[i]
        if flag.startswith("-Wl,"):
            words += [part for part in flag[4:].split(",") if part]
        elif flag == "-Xlinker" and i + 1 < len(ldflags):
            i += 1
            words.append(ldflags[i])
        else:
            words.append(flag)
        i += 1
    return words


def _search_dirs(words: "list[str]") -> "list[str]":
    dirs = []
    for i, word in enumerate(words):
        if word in ("-L", "--library-path") and i + 1 < len(words):
            dirs.append(words[i + 1])
        elif word.startswith("--library-path="):
            dirs.append(word.partition("=")[2])
        elif word.startswith("-L") and len(word) > 2:
            dirs.append(word[2:])
    return dirs


def _find_library(spec: str, dirs: "list[str]") -> "str | None":
    """``-l`` argument ``:file`` or ``name`` -> the file that goes into the module, if any."""
    for directory in dirs:
        if spec.startswith(":"):
            candidate = os.path.join(directory, spec[1:])
            if os.path.isfile(candidate):
                return candidate
            continue
        shared = os.path.join(directory, f"lib{spec}.so")
        archive = os.path.join(directory, f"lib{spec}.a")
        if os.path.exists(shared):
            return None  # linked dynamically: loaded at run time, not copied in
        if os.path.isfile(archive):
            return archive
    return None


def named_files(ldflags: "list[str]") -> "list[str]":
    """Absolute paths of the existing files the link flags name (see the module docstring)."""
    words = _linker_words(ldflags)
    dirs = _search_dirs(words)
    found = []
    for i, word in enumerate(words):
        candidate = None
        if word in ("-l", "--library") and i + 1 < len(words):
            candidate = _find_library(words[i + 1], dirs)
        elif word.startswith("--library="):
            candidate = _find_library(word.partition("=")[2], dirs)
        elif word.startswith("-l") and len(word) > 2:
            candidate = _find_library(word[2:], dirs)
        elif word.startswith("@"):
            candidate = word[1:]
        elif word.startswith("-") and "=" in word:
            candidate = word.partition("=")[2]
        elif not word.startswith("-"):
            candidate = word
        if candidate and os.path.isfile(candidate):
            found.append(os.path.abspath(candidate))
    return sorted(set(found))


def digests(paths: "list[str]") -> "tuple[list[list], list[list]]":
    """``([path, content digest]...)`` for the key and the strong ``stat`` of each file for
    the request index; each stat is taken before the read, so a change during it shows."""
    from . import cache

    stamps, contents = [], []
    for path in paths:
        try:
            stamps.append(cache.strong_stamp(path))
            with open(path, "rb") as f:
                contents.append([path, bulk_hex(f.read())])
        except OSError as err:
            raise FileNotFoundError(f"extra_ldflags: cannot read {path}: {err.strerror}") from None
    return contents, stamps
