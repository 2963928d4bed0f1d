"""``python -m tvm_ffi_jit cache list|clean [NAME]|prune --max-size SIZE --older-than AGE``;
``python -m tvm_ffi_jit stubgen LIB.so -o mod.pyi``; ``python -m tvm_ffi_jit pch build|status``."""

import argparse
import sys


def main(argv=None) -> int:
    from . import stubgen
    from .cpp import cache_cli, precompiled_header

    parser = argparse.ArgumentParser(
        prog="python -m tvm_ffi_jit", description="tvm_ffi_jit command line tools."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cache_cli.add_parser(commands)
    stubgen.add_parser(commands)
    precompiled_header.add_parser(commands)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (OSError, RuntimeError) as err:
        print(f"python -m tvm_ffi_jit: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
