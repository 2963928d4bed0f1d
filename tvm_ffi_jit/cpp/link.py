"""How a module is linked: what it exports, which linker, and undefined symbols caught at
link time.

A module exports the symbols the runtime looks up (``__tvm_ffi_<name>`` functions and
``__tvm_ffi__*`` symbols) and what its sources export on purpose (``TVM_FFI_DLL_EXPORT``,
e.g. a context-symbol slot), nothing else. C++ and CUDA compile with hidden visibility; just
before the link, :func:`prepare_exports` (run by the link step: ``python link.py MAP OBJ...``)
gives ``__tvm_ffi_*`` definitions default visibility in the objects (so a hand-written
``extern "C" int __tvm_ffi_f(...)`` is exported; embedded cubins' ``__tvm_ffi__cubin_*``
stay hidden, private to the module) and writes a version script that keeps the
strong default-visibility definitions global and every other symbol local (vague-linkage
template code of the standard library included). ``-z defs`` makes a function declared but
never defined a link error, reported by :func:`undefined_symbols_summary`.
"""

import struct
import sys

EXPORTS_SCRIPT = "exports.map"  # written into the build directory by the link step
# Bumped when what prepare_exports exports changes (part of the cache key).
EXPORTS_RULES = (
    "hidden-by-default; __tvm_ffi_* (but __tvm_ffi__cubin_*) and strong default definitions"
    " global; v2"
)

# After the libraries: everything a module uses must come from its objects or those libraries.
LINK_FLAGS = ["-Wl,-z,defs", f"-Wl,--version-script={EXPORTS_SCRIPT}"]
# GNU gold links a one-function module in a third of ld.bfd's time (30 vs 80 ms of CPU here);
# used when it is on PATH. A user's own -fuse-ld= comes later in the command and wins.
FAST_LINKER = "gold"


def linker_flags(find_executable) -> "list[str]":
    """``-fuse-ld=gold`` when ``ld.gold`` is found (``find_executable(name)``), else nothing."""
    return [f"-fuse-ld={FAST_LINKER}"] if find_executable(f"ld.{FAST_LINKER}") else []


_RUNTIME_PREFIX = b"__tvm_ffi_"
_CUBIN_PREFIX = b"__tvm_ffi__cubin_"  # embed_cubin data: the module's own code reads it
_SHT_SYMTAB = 2
_STB_GLOBAL = 1
_STV_MASK = 0x3  # visibility bits of st_other; 0 is STV_DEFAULT


def _object_symbols(data: bytearray):
    """(offset of the Elf64_Sym, name, st_info, st_other, st_shndx) of each symbol of an
    ELF64 little-endian relocatable object; nothing for any other file."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        header = shoff + i * shentsize
        (sh_type,) = struct.unpack_from("<I", data, header + 4)
        if sh_type != _SHT_SYMTAB:
            continue
        # sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
        offset, size, link, _, _, entsize = struct.unpack_from("<QQIIQQ", data, header + 0x18)
        strtab = shoff + link * shentsize
        str_offset, str_size = struct.unpack_from("<QQ", data, strtab + 0x18)
        for sym in range(offset, offset + size, entsize or 24):
            st_name, st_info, st_other, st_shndx = struct.unpack_from("<IBBH", data, sym)
            start = str_offset + st_name
            end = data.find(b"\0", start, str_offset + str_size)
            if st_name >= str_size or end < 0:
                continue  # not a name this reader can use; such a symbol is left alone
            yield sym, bytes(data[start:end]), st_info, st_other, st_shndx


def prepare_exports(script_path: str, objects) -> None:
    """Marks ``__tvm_ffi_*`` definitions of `objects` default-visibility (in place) and writes
    the version script exporting them and the other strong default-visibility definitions."""
    exported = set()
    for path in objects:
        with open(path, "rb") as f:
            data = bytearray(f.read())
        changed = False
        for offset, name, info, other, shndx in _object_symbols(data):
            if shndx == 0 or info >> 4 != _STB_GLOBAL:
                continue  # undefined, local or weak (vague linkage): never exported
            runtime_symbol = name.startswith(_RUNTIME_PREFIX) and not name.startswith(_CUBIN_PREFIX)
            if runtime_symbol and other & _STV_MASK:
                data[offset + 5] = other & ~_STV_MASK
                other &= ~_STV_MASK
                changed = True
            if other & _STV_MASK == 0:
                exported.add(name.decode("utf-8", "replace"))
        if changed:
            with open(path, "wb") as f:
                f.write(data)
    names = "".join(f"    {name};\n" for name in sorted(exported))
    with open(script_path, "w", encoding="utf-8") as f:
        f.write("{\n  global:\n    __tvm_ffi_*;\n" + names + "  local: *;\n};\n")


# GNU ld (bfd): "<where>: undefined reference to `<symbol>'" after "in function `<f>':".
_GNU_UNDEFINED = (
    r"^(?:.*?: )?(?P<where>[^:\s]+:(?:\d+|\([^)]*\))): "
    r"undefined reference to [`'](?P<symbol>.+)'\s*$"
)
_GNU_FUNCTION = r"in function [`'](?P<function>.+)':\s*$"
# gold: "<object>:<source>:function <f>: error: undefined reference to '<symbol>'" without
# debug info, "<source>:<line>: error: undefined reference to '<symbol>'" with it.
_GOLD_UNDEFINED = (
    r"^(?:.*?:function (?P<function>.+)|(?P<where>.+?)): "
    r"error: undefined reference to '(?P<symbol>.+)'\s*$"
)
# lld: "error: undefined symbol: <symbol>" then ">>> referenced by <where>" lines.
_LLD_UNDEFINED = r"undefined symbol: (?P<symbol>.+?)\s*$"
_LLD_REFERENCE = r">>> referenced by (?P<where>\S+)"


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
        match = re.search(_GOLD_UNDEFINED, line)
        if match:
            where = match["where"]
            source_line = where if where and re.search(r":\d+$", where) else None
            found.setdefault(match["symbol"], (match["function"], source_line))
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


if __name__ == "__main__":  # the link step: python link.py exports.map a.o b.o ...
    prepare_exports(sys.argv[1], sys.argv[2:])
