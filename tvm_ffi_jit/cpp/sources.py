"""What gets compiled: user files as given, or inline sources decorated into generated files.

Inline text is wrapped in ``#line`` directives so compiler diagnostics name the user's own
source (``<name>/cpp_sources:LINE``) rather than the generated file, and one
``TVM_FFI_DLL_EXPORT_TYPED_FUNC`` per requested function is appended after a ``#line`` reset.
"""

import os

from .digest import sha256_hex

CXX = "c++"
C = "c"
CUDA = "cuda"

# A str, a list/tuple of str, or None (spelled as a string: importing typing is not free).
StrOrList = "str | list[str] | tuple[str, ...] | None"


class SourceFile:
    """One translation unit: where it lives, how to compile it, and a hash of its bytes."""

    __slots__ = ("path", "language", "digest", "generated_text")

    def __init__(self, path: str, language: str, digest: str, generated_text: "str | None" = None):
        self.path = path
        self.language = language
        self.digest = digest
        # Text to write at ``path`` before building (inline sources); None for user files.
        self.generated_text = generated_text

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


def normalize_functions(functions) -> "tuple[list[str], dict[str, str]]":
    """``functions=`` as a list of names or a dict name -> docstring: (names, docs)."""
    if functions is None:
        return [], {}
    if isinstance(functions, str):
        functions = [functions]
    if isinstance(functions, dict):
        names, docs = list(functions), {str(k): str(v) for k, v in functions.items()}
    elif isinstance(functions, (list, tuple)):
        names, docs = list(functions), {}
    else:
        raise TypeError(
            f"functions must be a list of names or a dict name -> docstring, "
            f"got {type(functions).__name__}"
        )
    for fn in names:
        if not isinstance(fn, str) or not (fn.isascii() and fn.isidentifier()):
            raise ValueError(f"functions: {fn!r} is not a valid C++ identifier")
    if len(set(names)) != len(names):
        raise ValueError(f"functions: duplicate names in {names}")
    return names, docs


def _digest(data: bytes) -> str:
    return sha256_hex(data)


def user_files(cpp_files: StrOrList, cuda_files: StrOrList) -> "list[SourceFile]":
    """User-written files, hashed by content; ``.c`` files among cpp_files compile as C."""
    files = []
    for paths, default_language in ((cpp_files, CXX), (cuda_files, CUDA)):
        kind = "cpp_files" if default_language == CXX else "cuda_files"
        for path in as_list(paths, kind):
            path = os.path.abspath(path)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as err:
                raise FileNotFoundError(f"{kind}: cannot read {path}: {err.strerror}") from None
            language = C if default_language == CXX and path.endswith(".c") else default_language
            files.append(SourceFile(path, language, _digest(data)))
    if not files:
        raise ValueError("nothing to build: pass cpp_files and/or cuda_files")
    return files


def _with_line_directives(name: str, kind: str, texts: "list[str]") -> str:
    """Joins the user's texts, each introduced by a #line naming it as the user wrote it."""
    parts = []
    for i, text in enumerate(texts):
        label = f"{name}/{kind}" if len(texts) == 1 else f"{name}/{kind}[{i}]"
        parts.append(f'#line 1 "{label}"\n')
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def _c_string(text: str) -> str:
    """``text`` as a C string literal (UTF-8 passes through)."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    body = "".join(escapes.get(c, f"\\{ord(c):03o}" if ord(c) < 32 else c) for c in text)
    return f'"{body}"'


def _exports(name: str, functions, directive_line: int) -> str:
    """One export per function; a function with a docstring (``functions`` as a dict name ->
    doc) also exports it, so the library itself carries it."""
    if not functions:
        return ""
    docs = functions if isinstance(functions, dict) else {}
    # Reset the location so an error here is not blamed on the user's last line.
    lines = [f'#line {directive_line + 1} "{name}/generated_exports"']
    for fn in functions:
        lines.append(f"TVM_FFI_DLL_EXPORT_TYPED_FUNC({fn}, {fn});")
        if docs.get(fn):
            lines.append(f"TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC({fn}, {_c_string(docs[fn])});")
    return "\n".join(lines) + "\n"


def decorate(name: str, kind: str, texts: "list[str]", functions) -> str:
    """The generated file for one kind of inline source (``cpp_sources`` or ``cuda_sources``)."""
    head = "#include <tvm/ffi/function.h>\n"
    body = _with_line_directives(name, kind, texts)
    directive_line = head.count("\n") + body.count("\n") + 1
    return head + body + _exports(name, functions, directive_line)


def inline_files(
    name: str, cpp_sources: StrOrList, cuda_sources: StrOrList, functions
) -> "list[SourceFile]":
    """Generated ``main.cpp`` / ``cuda.cu`` (paths relative to the build directory); the
    exports go to the C++ file when there is one. ``functions``: names, or name -> doc."""
    cpp_texts = as_list(cpp_sources, "cpp_sources")
    cuda_texts = as_list(cuda_sources, "cuda_sources")
    if not cpp_texts and not cuda_texts:
        raise ValueError("nothing to build: pass cpp_sources and/or cuda_sources")
    files = []
    if cpp_texts:
        text = decorate(name, "cpp_sources", cpp_texts, functions)
        files.append(_generated("main.cpp", CXX, text))
    if cuda_texts:
        exported = [] if cpp_texts else functions
        text = decorate(name, "cuda_sources", cuda_texts, exported)
        files.append(_generated("cuda.cu", CUDA, text))
    return files


def _generated(path: str, language: str, text: str) -> SourceFile:
    return SourceFile(path, language, _digest(text.encode()), generated_text=text)


def write_generated(files: "list[SourceFile]", build_dir: str) -> None:
    """Writes inline sources into ``build_dir``, leaving identical files untouched."""
    for src in files:
        if src.generated_text is None:
            continue
        path = os.path.join(build_dir, src.path)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == src.generated_text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(src.generated_text)
