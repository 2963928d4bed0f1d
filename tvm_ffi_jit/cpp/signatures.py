"""Parameter names of the functions an inline source exports, read from their C++ text.

C++ keeps no parameter names at run time; ``load_inline(functions=[...])`` reads them from the
definition (or declarations) in the user's source so the export records them and Python
callers may pass keywords. The reader is deliberately conservative: whatever it is not sure
of (overloads, macros, unnamed or variadic parameters, function pointers, braces or
preprocessor lines in a parameter list, unbalanced template brackets, ...) gives no names, and
the function is exported as before. It never decides whether a build works: the generated
export drops names whose count does not match the compiler's idea of the parameters (see
sources._exports).

It runs on every load_inline, warm loads included, so it does not tokenize the source: it
follows comments, literals, preprocessor lines and braces (namespace or not) with str.find
and one character-class search, and tokenizes only the parameter lists of the exported names.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Iterable

__all__ = ["parameter_names"]

# Where the scan stops: comments, literals, preprocessor lines and braces.
_EVENT = re.compile(r"[/\"'#{}]")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
# Punctuation, spaced out so that str.split tokenizes ("::" becomes two ":" tokens).
_SPACED = str.maketrans({c: f" {c} " for c in "()[]{}<>,*&=;:+-/%!~^|?#"})

# Words that end a type, never name a parameter.
_TYPE_WORDS = frozenset(
    "void bool char char8_t char16_t char32_t wchar_t short int long signed unsigned float double "
    "auto const volatile struct class union enum typename decltype restrict __restrict "
    "__restrict__".split()
)
# Words after which `name(` uses the name instead of declaring it.
_NOT_BEFORE_DECLARATOR = frozenset(
    "return new delete throw case sizeof alignof typeid using operator goto co_return co_yield "
    "co_await typedef friend else do".split()
)
# What may follow a declaration's parameter list.
_AFTER_PARAMETERS = frozenset(["{", ";", "-", "[", "=", "noexcept", "throw", "try", "requires"])
_ATTRIBUTE_WORDS = frozenset(["__attribute__", "__declspec", "alignas"])


class _Ambiguous(Exception):
    """The text does not say the names for certain."""


def _line_end(source: str, start: int) -> int:
    """The end of the line at ``start``, backslash continuations included."""
    end = source.find("\n", start)
    while end > 0 and source[end - 1] == "\\":
        end = source.find("\n", end + 1)
    return len(source) if end < 0 else end


def _quoted_end(source: str, start: int) -> int:
    """The end of the string or character literal opening at ``start``."""
    quote, i = source[start], start + 1
    while True:
        end = source.find(quote, i)
        newline = source.find("\n", i, end if end >= 0 else len(source))
        if end < 0 or newline >= 0:
            raise _Ambiguous  # unterminated on its line
        backslashes = end - i - len(source[i:end].rstrip("\\"))
        if backslashes % 2 == 0:
            return end + 1
        i = end + 1


def _raw_end(source: str, start: int) -> int:
    """The end of the raw string whose ``"`` is at ``start`` (``R"delim( ... )delim"``)."""
    paren = source.find("(", start, start + 18)
    if paren < 0:
        raise _Ambiguous
    closing = ")" + source[start + 1 : paren] + '"'
    end = source.find(closing, paren)
    if end < 0:
        raise _Ambiguous
    return end + len(closing)


def _skipped_end(source: str, start: int) -> int:
    """Where the comment, literal or preprocessor line starting at ``start`` ends; -1 when
    none starts there (a lone ``/``, a digit separator); raises if it does not end."""
    head = source[start]
    if head == "/":
        follower = source[start + 1 : start + 2]
        if follower == "/":
            return _line_end(source, start)
        if follower != "*":
            return -1
        end = source.find("*/", start + 2)
        if end < 0:
            raise _Ambiguous
        return end + 2
    if head == "#":
        return _line_end(source, start)
    if head == "'" and start and source[start - 1] in _HEX_DIGITS:
        return -1  # 1'000
    if head == '"' and source[start - 1 : start] == "R":
        return _raw_end(source, start)
    return _quoted_end(source, start)


def _plain(text: str) -> str:
    """``text`` with comments as spaces, literals as ``"`` and preprocessor lines as ``#``."""
    out, pos = [], 0
    for event in _EVENT.finditer(text):
        at = event.start()
        if at < pos or event.group() in "{}":
            continue
        end = _skipped_end(text, at)
        if end >= 0:
            out.append(text[pos:at])
            out.append({"/": " ", "#": " # "}.get(event.group(), ' " '))
            pos = end
    out.append(text[pos:])
    return "".join(out)


def _parameter_tokens(source: str, start: int) -> tuple[list[str], list[str], bool]:
    """The tokens of the parameter list opening at ``start`` (its parentheses included), the
    token after it (none before a ``{`` or ``;``), and whether a ``{`` comes next."""
    stops = [i for i in (source.find("{", start), source.find(";", start)) if i >= 0]
    stop = min(stops, default=len(source))
    tokens = _plain(source[start:stop]).translate(_SPACED).split()
    depth = 0
    for i, token in enumerate(tokens):
        depth += (token == "(") - (token == ")")
        if depth == 0:
            return (
                tokens[: i + 1],
                tokens[i + 1 : i + 2],
                stop < len(source) and source[stop] == "{",
            )
    raise _Ambiguous  # a brace or a semicolon inside the parameters


def _split_parameters(tokens: list[str]) -> list[list[str]]:
    """The tokens between a parameter list's parentheses, split at top-level commas."""
    params, current, depth, angles = [], [], 0, 0
    for token in tokens:
        if token == "#" or "..." in token:
            raise _Ambiguous  # a preprocessor line or a variadic parameter
        if token in "([{":
            depth += 1
        elif token in ")]}":
            depth -= 1
        elif token == "<":
            angles += 1
        elif token == ">":
            angles -= 1
            if angles < 0:
                raise _Ambiguous  # a comparison, not a template
        if token == "," and depth == 0 and angles == 0:
            params.append(current)
            current = []
        else:
            current.append(token)
    if angles != 0:
        raise _Ambiguous
    if current or params:
        params.append(current)
    return params


def _without_groups(tokens: list[str]) -> list[str]:
    """Drops ``[...]`` groups (attributes, array bounds) and ``__attribute__((...))``."""
    out, skip_to, depth = [], -1, 0
    for i, token in enumerate(tokens):
        if i < skip_to:
            continue
        if token == "[" or (token in _ATTRIBUTE_WORDS and tokens[i + 1 : i + 2] == ["("]):
            opening = "[" if token == "[" else "("
            closing = "]" if token == "[" else ")"
            depth, j = 0, i + (token != "[")
            while j < len(tokens):
                depth += (tokens[j] == opening) - (tokens[j] == closing)
                if depth == 0:
                    break
                j += 1
            skip_to = j + 1
        else:
            out.append(token)
    return out


def _parameter_name(tokens: list[str]) -> str:
    """The name of one parameter (its tokens, default argument included)."""
    depth = 0
    for i, token in enumerate(tokens):  # the default argument goes
        if token in "([{<":
            depth += 1
        elif token in ")]}>":
            depth -= 1
        elif token == "=" and depth == 0:
            tokens = tokens[:i]
            break
    tokens = _without_groups(tokens)
    if "(" in tokens or '"' in tokens:
        raise _Ambiguous  # a function pointer, a macro call, a literal in the type
    if len(tokens) < 2:
        raise _Ambiguous  # unnamed (`int`, `Tensor`) or a lone macro
    name, before = tokens[-1], tokens[-2]
    if (
        not name.isidentifier()
        or name in _TYPE_WORDS
        or before in (":", ".", "-")  # std::string (unnamed), a member access, ->
        or keyword.iskeyword(name)  # Python could not pass it by keyword
    ):
        raise _Ambiguous
    return name


def _declarator_follows(text: str) -> bool:
    """Whether ``name(`` after ``text`` may declare ``name``: ``text`` ends with a type's last
    word or with ``*``, ``&``, ``>``, ``::`` or an attribute's ``]]``."""
    if text.endswith(("*", "&", ">", "::", "]]")):
        return True
    start = len(text)
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:]
    return bool(word) and not word[0].isdigit() and word not in _NOT_BEFORE_DECLARATOR


def _declaration(source: str, name_end: int, before: str) -> tuple[list[str], bool] | None:
    """(names, is_definition) of the declarator whose name ends at ``name_end``, or None if
    ``name(`` there is no declaration (``before`` is the text just before the name)."""
    if not _declarator_follows(before.rstrip()):
        return None
    tokens, after, is_definition = _parameter_tokens(source, source.index("(", name_end))
    if after and after[0] not in _AFTER_PARAMETERS and after[0] not in _ATTRIBUTE_WORDS:
        return None
    params = _split_parameters(tokens[1:-1])
    if params == [["void"]]:
        params = []
    names = [_parameter_name(p) for p in params]
    if len(set(names)) != len(names):
        raise _Ambiguous
    return names, is_definition or after == ["try"]


def _decide(found: list[tuple[list[str], bool]]) -> list[str] | None:
    """One definition decides; declarations must agree with it in count (overloads give
    None); with no definition, all declarations must agree."""
    definitions = [names for names, is_definition in found if is_definition]
    if len(definitions) > 1 or len({len(names) for names, _ in found}) != 1:
        return None  # overloads
    if definitions:
        return definitions[0]
    return found[0][0] if len({tuple(names) for names, _ in found}) == 1 else None


def _opens_namespace(source: str, brace: int) -> bool:
    """Whether the ``{`` at ``brace`` opens a namespace or an ``extern "C"`` block."""
    start = max(0, brace - 128)
    if source.rfind("namespace", start, brace) < 0 and source.rfind("extern", start, brace) < 0:
        return False  # most braces: a function body, a class, an initializer
    words = source[start:brace].split()[-2:]
    if words[-1:] == ["namespace"] or words == ["extern", '"C"']:
        return True
    return len(words) == 2 and words[0] == "namespace" and words[1].replace("::", "").isidentifier()


def _is_identifier_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _occurrences(source: str, functions: Iterable[str]):
    """(start, function, end) of each ``function`` followed by ``(`` (str.find: compiling a
    pattern per name would cost more than the whole scan)."""
    for fn in functions:
        start = source.find(fn)
        while start >= 0:
            end = start + len(fn)
            if (
                not (start and _is_identifier_char(source[start - 1]))
                and not (end < len(source) and _is_identifier_char(source[end]))
                and source[end : end + 64].lstrip().startswith("(")
            ):
                yield start, fn, end
            start = source.find(fn, end)


def parameter_names(source: str, functions: Iterable[str]) -> dict[str, list[str]]:
    """Parameter names of those ``functions`` declared at namespace scope in ``source`` whose
    names the text gives for certain (function -> names; functions without any are left out)."""
    names = _parameter_names(source, tuple(functions))
    return {fn: list(params) for fn, params in names.items()}


@functools.lru_cache(maxsize=32)  # a process loading the same source again reads it once
def _parameter_names(source: str, functions: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    candidates = sorted(_occurrences(source, functions))
    found: dict[str, list] = {}
    ambiguous = set()
    scopes = []  # True for a namespace (or extern "C") block
    pos = skipped_to = k = 0  # scanned up to pos; the last comment or literal ended at skipped_to
    search, count = _EVENT.search, len(candidates)
    try:
        while k < count:
            event = search(source, pos)
            at = event.start() if event else len(source)
            while k < count and candidates[k][0] < at:
                start, fn, end = candidates[k]
                k += 1
                if start < pos or not all(scopes):
                    continue  # inside a comment or literal, or in a class or function body
                before = source[max(skipped_to, start - 256) : start]
                if not before.strip() and skipped_to and start - skipped_to < 256:
                    ambiguous.add(fn)  # a comment or a preprocessor line just before the name
                    continue
                try:
                    declaration = _declaration(source, end, before)
                except _Ambiguous:
                    ambiguous.add(fn)
                    continue
                if declaration is not None:
                    found.setdefault(fn, []).append(declaration)
            if event is None:
                break
            head = source[at]
            if head == "{":
                scopes.append(_opens_namespace(source, at))
            elif head == "}":
                if not scopes:
                    return {}
                scopes.pop()
            else:
                end = _skipped_end(source, at)
                if end >= 0:
                    pos = skipped_to = end
                    continue
            pos = at + 1
    except _Ambiguous:
        return {}  # an unterminated comment or literal
    result = {}
    for fn, declarations in found.items():
        names = None if fn in ambiguous else _decide(declarations)
        if names:
            result[fn] = tuple(names)
    return result
