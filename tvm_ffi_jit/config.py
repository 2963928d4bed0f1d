"""Prints what a C or C++ program needs to build against tvm_ffi_jit.

    gcc $(python -m tvm_ffi_jit.config --cflags) prog.c \\
        $(python -m tvm_ffi_jit.config --ldflags --libs)

Each flag prints its value; several flags print space-separated on one line, in the order given.
"""

import sys

from . import libinfo


def _cflags() -> str:
    return " ".join(f"-I{d}" for d in libinfo.include_dirs())


def _ldflags() -> str:
    lib_dir = libinfo.library_dir()
    return f"-L{lib_dir} -Wl,-rpath,{lib_dir}"


_FLAGS = {
    "--includedir": (libinfo.include_dir, "the directory holding tvm/ffi/c_api.h"),
    "--libdir": (libinfo.library_dir, "the directory holding the runtime library"),
    "--libfile": (libinfo.runtime_library_path, "the runtime library's path"),
    "--cflags": (_cflags, "-I flags for every include directory"),
    "--ldflags": (_ldflags, "-L and rpath flags for the runtime library"),
    "--libs": (lambda: f"-l{libinfo.library_name()}", "the -l flag for the runtime library"),
}


def _usage() -> str:
    lines = ["usage: python -m tvm_ffi_jit.config FLAG [FLAG ...]", "", "flags:"]
    lines += [f"  {flag:<13} {help_text}" for flag, (_, help_text) in _FLAGS.items()]
    return "\n".join(lines)


def main(argv: "list[str] | None" = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or "-h" in args or "--help" in args:
        print(_usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    unknown = [a for a in args if a not in _FLAGS]
    if unknown:
        print(f"unknown flag(s): {' '.join(unknown)}\n\n{_usage()}", file=sys.stderr)
        return 2
    try:
        print(" ".join(_FLAGS[a][0]() for a in args))
    except RuntimeError as err:
        print(str(err), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
