"""How a module is linked: what it exports, and undefined symbols caught at link time.

A module exports the symbols the runtime looks up, ``__tvm_ffi_<name>`` functions and the
``__tvm_ffi__*`` context symbols, and nothing else: sources compile with default visibility
(so ``extern "C" int __tvm_ffi_f(...)`` written by hand is exported too) and a version script
makes every other symbol local. ``-z defs`` makes a function declared but never defined a link
error, reported by :func:`undefined_symbols_summary`, rather than a load failure later.
"""

EXPORTS_SCRIPT = "exports.map"  # written into the build directory, where the linker runs
EXPORTS_SCRIPT_TEXT = "{\n  global: __tvm_ffi_*;\n  local: *;\n};\n"

# After the libraries: everything a module uses must come from its objects or those libraries.
LINK_FLAGS = ["-Wl,-z,defs", f"-Wl,--version-script={EXPORTS_SCRIPT}"]

# GNU ld and gold: "<where>: undefined reference to `<symbol>'" after "in function `<f>':".
_GNU_UNDEFINED = (
    r"^(?:.*?: )?(?P<where>[^:\s]+:(?:\d+|\([^)]*\))): "
    r"undefined reference to [`'](?P<symbol>.+)'\s*$"
)
_GNU_FUNCTION = r"in function [`'](?P<function>.+)':\s*$"
# lld: "error: undefined symbol: <symbol>" then ">>> referenced by <where>" lines.
_LLD_UNDEFINED = r"undefined symbol: (?P<symbol>.+?)\s*$"
_LLD_REFERENCE = r">>> referenced by (?P<where>\S+)"


def write_exports_script(build_dir: str) -> None:
    import os

    path = os.path.join(build_dir, EXPORTS_SCRIPT)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == EXPORTS_SCRIPT_TEXT:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(EXPORTS_SCRIPT_TEXT)


def undefined_symbols(linker_output: str) -> "list[tuple[str, str | None, str | None]]":
    """(symbol, function using it, source line) for each undefined reference, in order,
    once per symbol; the line only when the linker gives one (objects built with -g)."""
    import re

    found: dict = {}
    function = None
    symbol_lld = None
    for line in linker_output.splitlines():
        match = re.search(_GNU_FUNCTION, line)
        if match:
            function = match["function"]
            continue
        match = re.search(_GNU_UNDEFINED, line)
        if match:
            where = match["where"]
            source_line = None if where.endswith(")") else where
            found.setdefault(match["symbol"], (function, source_line))
            continue
        match = re.search(_LLD_UNDEFINED, line)
        if match:
            symbol_lld = match["symbol"]
            found.setdefault(symbol_lld, (None, None))
            continue
        match = re.search(_LLD_REFERENCE, line)
        if match and symbol_lld is not None and found[symbol_lld] == (None, None):
            where = match["where"]
            found[symbol_lld] = (None, where if re.search(r":\d+$", where) else None)
    return [(symbol, *context) for symbol, context in found.items()]


def undefined_symbols_summary(linker_output: str) -> str:
    """A paragraph naming each function that was declared and used but never defined;
    empty when the output holds no undefined reference."""
    entries = undefined_symbols(linker_output)
    if not entries:
        return ""
    lines = ["declared and used, but defined in no source file or linked library:"]
    for symbol, function, source_line in entries:
        text = f"  `{symbol}`"
        if function is not None:
            text += f", used in `{function}`"
        if source_line is not None:
            text += f" at {source_line}"
        lines.append(text)
    lines.append(
        "define them, or link the library that does with extra_ldflags=['-L<dir>', '-l<name>']"
    )
    return "\n".join(lines)
