"""The ``%%tvm_ffi_jit`` cell magic: compile a notebook cell as C++ (or CUDA) and use it.

    %load_ext tvm_ffi_jit

    %%tvm_ffi_jit ops --functions add_one
    void add_one(tvm::ffi::TensorView x, tvm::ffi::TensorView y) { ... }

The cell below the magic line goes to :func:`tvm_ffi_jit.cpp.load_inline`. Each function the
built module exports is bound in the notebook under its own name, and the module under the
cell's name (``ops`` above). Compiler diagnostics carry the cell's own line numbers (the
magic line is line 1). This module imports IPython; ``import tvm_ffi_jit`` does not.
"""

from __future__ import annotations

import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from .error import BuildError


@magics_class
class TvmFfiJitMagics(Magics):
    """The ``%%tvm_ffi_jit`` magic, with what each cell name last bound in the namespace."""

    def __init__(self, shell=None):
        super().__init__(shell)
        self._bound: dict[str, dict[str, object]] = {}  # cell name -> {variable: value}

    @magic_arguments()
    @argument("name", help="module name (also the variable the module is bound to)")
    @argument("--cuda", action="store_true", help="the cell is CUDA (cuda_sources), not C++")
    @argument(
        "--functions",
        action="append",
        default=[],
        metavar="A,B",
        help="export these functions (no TVM_FFI_DLL_EXPORT_TYPED_FUNC needed); repeatable",
    )
    @argument("--cflags", default=None, help='extra C++ flags, e.g. --cflags="-O3 -DN=4"')
    @argument("--cuda-cflags", default=None, help="extra nvcc flags")
    @argument("--ldflags", default=None, help="extra linker flags")
    @argument(
        "-I", "--include", action="append", default=[], metavar="DIR", help="include directory"
    )
    @argument("--module", default=None, metavar="VAR", help="bind the module as VAR")
    @argument("--verbose", action="store_true", help="show the compiler commands and output")
    @cell_magic
    def tvm_ffi_jit(self, line, cell):
        """Compiles the cell with ``tvm_ffi_jit.cpp.load_inline`` and binds what it exports.

        Each exported function is bound under its own name; the module is bound under the
        cell's name (or ``--module VAR``), except where a function takes that name. Running
        the cell again rebinds the new code; a function the new code no longer exports is
        unbound (unless the variable was reassigned since). Nothing prints when the module
        comes from the cache; a build over a second shows the JIT's progress line. A compile
        error is shown without a traceback; its diagnostics carry the cell's own line numbers.
        """
        args = _parse(self.tvm_ffi_jit.parser, line)
        if not cell.strip():
            raise UsageError(f"%%tvm_ffi_jit {args.name}: the cell is empty; write C++ below it")
        module = _build(args, cell)
        self._rebind(args.name, _bindings(module, args.module or args.name))

    def _rebind(self, cell_name: str, bindings: dict[str, object]) -> None:
        namespace = self.shell.user_ns
        for variable, value in self._bound.get(cell_name, {}).items():
            if variable not in bindings and namespace.get(variable) is value:
                del namespace[variable]  # the cell no longer defines it
        namespace.update(bindings)
        self._bound[cell_name] = bindings


# Options whose value is compiler flags: "--cflags -O3" must not read -O3 as an option.
_FLAG_OPTIONS = ("--cflags", "--cuda-cflags", "--ldflags")


def _parse(parser, line: str):
    try:
        tokens = shlex.split(line)  # as a shell would: --cflags='-O3 -DN=4' is one word
    except ValueError as err:
        raise UsageError(f"%%tvm_ffi_jit {line}: {err}") from None
    argv = []
    while tokens:
        token = tokens.pop(0)
        if token in _FLAG_OPTIONS and tokens:
            token = f"{token}={tokens.pop(0)}"
        argv.append(token)
    return parser.parse_args(argv)


def _build(args, cell: str):
    from . import cpp

    # A leading newline makes the body's first line line 2, as it is in the cell.
    source = "\n" + cell
    try:
        return cpp.load_inline(
            args.name,
            cpp_sources=None if args.cuda else source,
            cuda_sources=source if args.cuda else None,
            functions=_function_names(args.functions) or None,
            extra_cflags=args.cflags,
            extra_cuda_cflags=args.cuda_cflags,
            extra_ldflags=args.ldflags,
            extra_include_paths=args.include or None,
            verbose=args.verbose,
        )
    except BuildError as err:
        _render_briefly(err)
        raise err.with_traceback(None) from None


def _function_names(values: list[str]) -> list[str]:
    names = []
    for value in values:
        names += [n for n in value.replace(",", " ").split() if n not in names]
    return names


def _bindings(module, module_variable: str) -> dict[str, object]:
    bindings: dict[str, object] = {module_variable: module}
    for name in module.list_functions():
        if name.isidentifier():
            bindings[name] = getattr(module, name)  # a function wins over the module's name
    return bindings


def _render_briefly(err: BaseException) -> None:
    """Makes IPython show ``err`` as its message alone: the frames would all be IPython's,
    this module's and the JIT's, none the user's."""
    text = f"{type(err).__name__}: {err}"
    err._render_traceback_ = lambda: text.splitlines()  # type: ignore[attr-defined]


def load_ipython_extension(ipython) -> None:
    """``%load_ext tvm_ffi_jit``: registers the ``%%tvm_ffi_jit`` cell magic."""
    ipython.register_magics(TvmFfiJitMagics)
