"""What gets compiled: user files as given, or inline sources decorated into generated files.

A user file's extension picks its compiler, whichever list it came in: ``.cu`` goes to nvcc,
``.c`` to the C compiler, ``.o``/``.obj`` straight to the linker, anything else to the C++
compiler. Inline text is wrapped in ``#line`` directives so compiler diagnostics name the
user's own source (``<name>/cpp_sources:LINE``) rather than the generated file (the text is
written at that path in the build directory too, so compilers quote the line), and one
``TVM_FFI_DLL_EXPORT_TYPED_FUNC`` per requested function is appended after a ``#line`` reset.
Embedded cubins become one small generated assembly file each (see :func:`embedded_cubins`).
"""

import os

from .digest import bulk_hex, sha256_hex

CXX = "c++"
C = "c"
CUDA = "cuda"
ASM = "asm"  # generated assembly that embeds a cubin
OBJECT = "object"  # a precompiled object file, linked as it is

# A str, a list/tuple of str, or None (spelled as a string: importing typing is not free).
StrOrList = "str | list[str] | tuple[str, ...] | None"


class SourceFile:
    """One translation unit: where it lives, how to compile it, and a hash of its bytes."""

    __slots__ = ("path", "language", "digest", "_text", "_generate", "payload", "line_files")

    def __init__(
        self,
        path: str,
        language: str,
        digest: str,
        generated_text: "str | None" = None,
        payload: "tuple[str, bytes] | None" = None,
    ):
        self.path = path
        self.language = language
        self.digest = digest
        # Text to write at ``path`` before building (inline sources); None for user files.
        self._text = generated_text
        self._generate = None  # makes the text when first needed (the cold path only)
        # (file name, bytes) the generated text reads (an embedded cubin); None for others.
        self.payload = payload
        # (path, text) of the user's texts the #line directives in generated_text name.
        self.line_files: list[tuple[str, str]] = []

    @property
    def generated_text(self) -> "str | None":
        if self._text is None and self._generate is not None:
            self._text = self._generate()
        return self._text

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.language!r})"


def as_list(value: StrOrList, what: str) -> "list[str]":
    """Accepts None, a str, or a list/tuple of str."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, os.PathLike)) for v in value):
        return [os.fspath(v) for v in value]
    raise TypeError(f"{what} must be a str or a list of str, got {type(value).__name__}")


def is_identifier(name) -> bool:
    """Whether ``name`` is usable as a C/C++ identifier (ASCII letters, digits, ``_``)."""
    return isinstance(name, str) and name.isascii() and name.isidentifier()


def normalize_functions(functions) -> "tuple[list[str], dict[str, str]]":
    """``functions=`` as a list of names or a dict name -> docstring: (names, docs)."""
    if functions is None:
        return [], {}
    if isinstance(functions, str):
        functions = [functions]
    if isinstance(functions, dict) or hasattr(functions, "items"):  # any mapping
        names, docs = list(functions), {str(k): str(v) for k, v in functions.items()}
    elif isinstance(functions, (list, tuple)):
        names, docs = list(functions), {}
    else:
        raise TypeError(
            f"functions must be a list of names or a dict name -> docstring, "
            f"got {type(functions).__name__}"
        )
    for fn in names:
        if not is_identifier(fn):
            raise ValueError(f"functions: {fn!r} is not a valid C++ identifier")
    if len(set(names)) != len(names):
        raise ValueError(f"functions: duplicate names in {names}")
    return names, docs


def _digest(data: bytes) -> str:
    return sha256_hex(data)


_OBJECT_SUFFIXES = (".o", ".obj")


def language_of(path: str) -> str:
    """The compiler a user file goes to, from its extension alone."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".cu":
        return CUDA
    if suffix == ".c":
        return C
    if suffix in _OBJECT_SUFFIXES:
        return OBJECT
    return CXX


def user_files(cpp_files: StrOrList, cuda_files: StrOrList, sources: StrOrList = None):
    """User-written files, hashed by content, each compiled by what its extension names
    (:func:`language_of`): ``sources``, ``cpp_files`` and ``cuda_files`` are one list."""
    files = []
    for kind, paths in (("sources", sources), ("cpp_files", cpp_files), ("cuda_files", cuda_files)):
        for path in as_list(paths, kind):
            path = os.path.abspath(path)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as err:
                raise FileNotFoundError(f"{kind}: cannot read {path}: {err.strerror}") from None
            language = language_of(path)
            digest = bulk_hex(data) if language == OBJECT else _digest(data)
            files.append(SourceFile(path, language, digest))
    if not files:
        raise ValueError("nothing to build: pass sources (or cpp_files and/or cuda_files)")
    return files


def line_files(name: str, kind: str, texts: "list[str]") -> "list[tuple[str, str]]":
    """(the path a ``#line`` directive names, the user's text) for each inline text: written
    at that path in the build directory, where compilers (run from there) find the lines
    they quote under a diagnostic."""
    if len(texts) == 1:
        return [(f"{name}/{kind}", texts[0])]
    return [(f"{name}/{kind}[{i}]", text) for i, text in enumerate(texts)]


def _with_line_directives(name: str, kind: str, texts: "list[str]") -> str:
    """Joins the user's texts, each introduced by a #line naming it as the user wrote it."""
    parts = []
    for label, text in line_files(name, kind, texts):
        parts.append(f'#line 1 "{label}"\n')
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def cpp_string_literal(text: str) -> str:
    """``text`` as a C++ string literal (UTF-8 passes through; control characters escaped)."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _exports(
    name: str,
    functions: "list[str]",
    docs: "dict[str, str]",
    directive_line: int,
    source: str = "",
) -> str:
    if not functions:
        return ""
    # Reset the location so an error here is not blamed on the user's last line.
    lines = [f'#line {directive_line + 1} "{name}/generated_exports"']
    plain = [f"TVM_FFI_DLL_EXPORT_TYPED_FUNC({fn}, {fn});" for fn in functions]
    # Parameter names read from the source let callers pass keywords; the _IF_ARITY export
    # drops names whose count the compiler disagrees with, and older headers lack it.
    names = {}
    if source:
        from . import signatures

        names = signatures.parameter_names(source, functions)
    if names:
        lines.append("#ifdef TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY")
        for fn, export in zip(functions, plain):
            if fn in names:
                quoted = ", ".join(f'"{n}"' for n in names[fn])
                export = f"TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY({fn}, {fn}, {quoted});"
            lines.append(export)
        lines.append("#else")
        lines += plain
        lines.append("#endif")
    else:
        lines += plain
    documented = [fn for fn in functions if docs.get(fn)]
    if documented:
        # Docstrings go into the library where the headers can store them.
        lines.append("#ifdef TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC")
        lines += [
            f"TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC({fn}, {cpp_string_literal(docs[fn])});"
            for fn in documented
        ]
        lines.append("#endif")
    return "\n".join(lines) + "\n"


# What an inline source may use without including anything (as apache-tvm-ffi's loader offers).
_INLINE_HEADERS = (
    "tvm/ffi/container/tensor.h",
    "tvm/ffi/dtype.h",
    "tvm/ffi/error.h",
    "tvm/ffi/extra/c_env_api.h",
    "tvm/ffi/function.h",
)
# C++: the umbrella header, which includes those, so that the precompiled header applies
# (precompiled_header.py); nvcc cannot use one, so CUDA sources get just those five.
_INLINE_INCLUDES = {
    "cpp_sources": "#include <tvm/ffi/tvm_ffi.h>\n",
    "cuda_sources": "".join(f"#include <{h}>\n" for h in _INLINE_HEADERS),
}


def decorate(
    name: str,
    kind: str,
    texts: "list[str]",
    functions: "list[str]",
    docs: "dict[str, str] | None" = None,
    parameter_names: bool = True,
) -> str:
    """The generated file for one kind of inline source (``cpp_sources`` or ``cuda_sources``);
    ``parameter_names``: export the parameter names read from the texts."""
    head = _INLINE_INCLUDES[kind]
    body = _with_line_directives(name, kind, texts)
    directive_line = head.count("\n") + body.count("\n") + 1
    source = body if parameter_names else ""
    return head + body + _exports(name, functions, docs or {}, directive_line, source)


# Bump when the parameter names read from a text can change (signatures.py).
_PARAMETER_NAMES_FORMAT = b"parameter-names 1"


def _inline(path: str, language: str, name: str, kind: str, texts, functions, docs) -> SourceFile:
    """A generated file keyed by its text without parameter names: they follow from the text,
    so a warm load hashes it without parsing C++; the full text is made when building."""
    keyed = decorate(name, kind, texts, functions, docs, parameter_names=False)
    src = SourceFile(path, language, _digest(keyed.encode() + b"\0" + _PARAMETER_NAMES_FORMAT))
    src._generate = lambda: decorate(name, kind, texts, functions, docs)
    src.line_files = line_files(name, kind, texts)
    return src


def inline_files(
    name: str,
    cpp_sources: StrOrList,
    cuda_sources: StrOrList,
    functions: "list[str]",
    docs: "dict[str, str] | None" = None,
) -> "list[SourceFile]":
    """Generated ``main.cpp`` / ``cuda.cu`` (paths relative to the build directory); the
    exports go to the C++ file when there is one."""
    cpp_texts = as_list(cpp_sources, "cpp_sources")
    cuda_texts = as_list(cuda_sources, "cuda_sources")
    if not cpp_texts and not cuda_texts:
        raise ValueError("nothing to build: pass cpp_sources and/or cuda_sources")
    files = []
    if cpp_texts:
        files.append(_inline("main.cpp", CXX, name, "cpp_sources", cpp_texts, functions, docs))
    if cuda_texts:
        exported = [] if cpp_texts else functions
        files.append(_inline("cuda.cu", CUDA, name, "cuda_sources", cuda_texts, exported, docs))
    return files


def embedded_cubins(embed_cubin) -> "list[SourceFile]":
    """One generated assembly file per ``embed_cubin`` entry (name -> cubin bytes).

    It defines ``__tvm_ffi__cubin_<name>`` (the first byte) and ``__tvm_ffi__cubin_<name>_end``
    (one past the last), the symbols ``TVM_FFI_EMBED_CUBIN(<name>)`` declares. They are hidden:
    the module's own code links to them, nothing outside it sees them. A NUL byte follows the
    data (outside the range), so PTX text embedded this way is a valid C string too.
    """
    if embed_cubin is None:
        return []
    if not isinstance(embed_cubin, dict):
        raise TypeError(
            f"embed_cubin must be a dict name -> cubin bytes, got {type(embed_cubin).__name__}"
        )
    files = []
    for cubin_name in sorted(embed_cubin):
        data = embed_cubin[cubin_name]
        if not is_identifier(cubin_name):
            raise ValueError(f"embed_cubin: {cubin_name!r} is not a valid C identifier")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"embed_cubin[{cubin_name!r}] must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if not data:
            raise ValueError(f"embed_cubin[{cubin_name!r}] is empty")
        payload_name = f"{cubin_name}.cubin"
        text = _CUBIN_ASSEMBLY.format(symbol=f"__tvm_ffi__cubin_{cubin_name}", file=payload_name)
        digest = _digest(text.encode() + b"\0" + bulk_hex(data).encode())
        files.append(
            SourceFile(f"cubin_{cubin_name}.s", ASM, digest, text, payload=(payload_name, data))
        )
    return files


# GNU assembler syntax (gcc and clang); no comments, no '@': both differ between targets.
_CUBIN_ASSEMBLY = """\
\t.section .rodata.{symbol},"a"
\t.balign 64
\t.globl {symbol}
\t.hidden {symbol}
{symbol}:
\t.incbin "{file}"
\t.globl {symbol}_end
\t.hidden {symbol}_end
{symbol}_end:
\t.byte 0
\t.section .note.GNU-stack,""
"""


def _generated(path: str, language: str, text: str) -> SourceFile:
    return SourceFile(path, language, _digest(text.encode()), generated_text=text)


def write_generated(files: "list[SourceFile]", build_dir: str, taken=()) -> None:
    """Writes inline sources (and their payloads) into ``build_dir``, leaving identical files
    untouched so ninja does not rebuild them.

    The user's texts go where the ``#line`` directives point (``<name>/cpp_sources``) unless
    that directory's name is in ``taken`` (a file the build writes: ``output=<name>``); they
    are derived from the sources, so the cache key need not cover them."""
    for src in files:
        if src.generated_text is not None:
            _write_if_changed(os.path.join(build_dir, src.path), src.generated_text.encode())
        if src.payload is not None:
            _write_if_changed(os.path.join(build_dir, src.payload[0]), src.payload[1])
    taken = set(taken).union(f.path for f in files if f.generated_text is not None)
    taken.update(f.payload[0] for f in files if f.payload is not None)
    for src in files:
        for path, text in src.line_files:
            if path.split("/", 1)[0] in taken:
                continue  # only the excerpts under the compiler's diagnostics are lost
            target = os.path.join(build_dir, path)
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                _write_if_changed(target, text.encode())
            except OSError:
                pass  # the same: nothing the build itself needs


def _write_if_changed(path: str, data: bytes) -> None:
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    with open(path, "wb") as f:
        f.write(data)
