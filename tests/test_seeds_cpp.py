"""The C++ and Python snippets of seed 000 ("Function, Exception and Module").

The C++ snippets live in tests/seeds/func_module/ (see the comment at the top of each file);
they are built with g++ into shared libraries, in parallel, once per module, and loaded with
``tvm_ffi_jit.load_module``. The Python snippets are kept below as the seed writes them,
with one substitution made when they run: the package ``tvm_ffi`` is ``tvm_ffi_jit`` here
(and "path/to/library.so" is the library the test built). Each runs in a fresh interpreter,
because several register the same global names as the C++ libraries do.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import traceback

import pytest
from native_build import INCLUDE_FLAGS, LINK_FLAGS, build_all

import tvm_ffi_jit

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "func_module")

LIBRARIES = ["add_two_common_usage", "add_two_module", "global_functions"]


@pytest.fixture(scope="module")
def libs(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds_cpp")
    paths = {name: str(out / f"{name}.so") for name in LIBRARIES}
    cxx = ["g++", "-std=c++17", "-O2", "-fPIC", "-shared", *INCLUDE_FLAGS]
    build_all(
        {
            name: [*cxx, os.path.join(SEEDS, f"{name}.cc"), "-o", paths[name], *LINK_FLAGS]
            for name in LIBRARIES
        }
    )
    return paths


def run_snippet(snippet, library="", setup="", check="", cwd=None):
    """Runs a Python snippet of the seed in a fresh interpreter; returns its stdout.

    ``tvm_ffi`` becomes ``tvm_ffi_jit`` and "path/to/library.so" becomes ``library``;
    ``setup`` runs before the snippet and ``check`` after it (to print what it computed).
    """
    code = re.sub(r"\btvm_ffi\b", "tvm_ffi_jit", textwrap.dedent(snippet))
    code = code.replace("path/to/library.so", library)
    script = "\n".join([textwrap.dedent(setup), code, textwrap.dedent(check)])
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=300
    )
    assert run.returncode == 0, f"{script}\n--- stderr ---\n{run.stderr}"
    return run.stdout


# ---- TVM-FFI C Symbols ----

PY_LOAD_MODULE = """
import tvm_ffi

mod = tvm_ffi.load_module("path/to/library.so")
result = mod.add_two(40)  # -> 42
"""


def test_export_typed_func_without_semicolon(libs):
    mod = tvm_ffi_jit.load_module(libs["add_two_common_usage"])
    assert mod.add_two(40) == 42
    assert mod.list_functions() == ["add_two"]
    with pytest.raises(TypeError, match=r"argument #0 .*add_two.*Expected `int` but got `str`"):
        mod.add_two("forty")
    out = run_snippet(PY_LOAD_MODULE, libs["add_two_common_usage"], check="print(result)")
    assert out == "42\n"


# ---- Global Functions ----

PY_REGISTER_GLOBAL = """
import tvm_ffi

@tvm_ffi.register_global_func("my_ext.add_one")
def add_one(x: int) -> int:
    return x + 1
"""

PY_GET_GLOBAL = """
import tvm_ffi

# Get a function from the global registry
add_one = tvm_ffi.get_global_func("my_ext.add_one")
result = add_one(41)  # -> 42
"""


def test_python_register_and_get_global():
    check = (
        "print(result, type(add_one).__name__, tvm_ffi_jit.get_global_func('my_ext.add_one')(1))"
    )
    assert run_snippet(PY_REGISTER_GLOBAL + PY_GET_GLOBAL, check=check) == "42 Function 2\n"


def test_global_def_in_static_init_block(libs):
    tvm_ffi_jit.load_module(libs["global_functions"])
    add_one = tvm_ffi_jit.get_global_func("my_ext.add_one")
    assert add_one(41) == 42
    assert add_one.__doc__ == "Add one to the input"
    # the Python snippet retrieves the C++ function the same way
    setup = f"import tvm_ffi_jit\ntvm_ffi_jit.load_module({libs['global_functions']!r})"
    assert run_snippet(PY_GET_GLOBAL, setup=setup, check="print(result)") == "42\n"


def test_get_global_required_from_cpp(libs):
    mod = tvm_ffi_jit.load_module(libs["global_functions"])
    assert mod.call_add_one_from_cpp() == 42


# ---- Create Functions ----


def test_create_functions_from_cpp(libs):
    mod = tvm_ffi_jit.load_module(libs["global_functions"])
    functions = list(mod.create_functions())
    assert len(functions) == 3
    for func in functions:  # add_type_erased, add_typed, generic
        assert isinstance(func, tvm_ffi_jit.Function)
        assert func(20, 22) == 42
        with pytest.raises(TypeError, match="argument #1"):
            func(1, "2")


PY_BIND = """
import tvm_ffi

@tvm_ffi.register_global_func("my_ext.bind")
def bind(func, x):
  assert isinstance(func, tvm_ffi.Function)
  return lambda *args: func(x, *args)  # converted to `tvm_ffi.Function`

def add_x_y(x, y):
  return x + y

func_bind = tvm_ffi.get_global_func("my_ext.bind")
add_y = func_bind(add_x_y, 1)  # bind x = 1
assert isinstance(add_y, tvm_ffi.Function)
print(add_y(2))  # -> 3
"""

PY_CONVERT = """
import tvm_ffi

def add(x, y):
  return x + y

func_add = tvm_ffi.convert(add)
print(func_add(1, 2))
"""


def test_python_callables_become_functions():
    assert run_snippet(PY_BIND, check="print(add_y(40))") == "3\n41\n"
    assert run_snippet(PY_CONVERT, check="print(type(func_add).__name__)") == "3\nFunction\n"


# ---- Throw and Catch Errors ----


def test_throw_error_reaches_python_as_value_error(libs):
    mod = tvm_ffi_jit.load_module(libs["global_functions"])
    assert mod.throw_error(0) is None
    with pytest.raises(ValueError) as info:
        mod.throw_error(-3)
    assert str(info.value) == "x must be non-negative, got -3"
    # TVM_FFI_THROW recorded where it was thrown; the traceback shows it in the seeds' format
    text = "".join(traceback.format_exception(info.type, info.value, info.tb))
    assert re.search(r'File ".*global_functions\.cc", line \d+, in void ThrowError\(int\)', text)


# ---- Modules ----

PY_MODULE_LOAD = """
import tvm_ffi

# Load the shared library
mod = tvm_ffi.load_module("path/to/library.so")

# Access functions by name
result = mod.add_two(40)  # -> 42

# Alternative: explicit function retrieval
func = mod.get_function("add_two")
result = func(40)  # -> 42
"""


def test_export_typed_func_with_semicolon(libs):
    mod = tvm_ffi_jit.load_module(libs["add_two_module"])
    assert mod.add_two(40) == 42
    assert mod.get_function("add_two")(40) == 42
    assert "add_two" in mod and "add_three" not in mod
    out = run_snippet(PY_MODULE_LOAD, libs["add_two_module"], check="print(result, mod.add_two(1))")
    assert out == "42 3\n"


PY_CPP_LOAD = """
import tvm_ffi.cpp

# Compile and load in one step
mod = tvm_ffi.cpp.load(
    name="my_ops",
    cpp_files="my_ops.cpp",
)
result = mod.add_two(40)
"""


def test_build_and_load_from_source(tmp_path):
    # my_ops.cpp is the export snippet of "Modules, Shared Library"
    shutil.copy(os.path.join(SEEDS, "add_two_module.cc"), tmp_path / "my_ops.cpp")
    assert run_snippet(PY_CPP_LOAD, cwd=tmp_path, check="print(result)") == "42\n"


PY_SYSTEM_LIB = """
import tvm_ffi

# Get system library with symbol prefix "my_prefix."
# This looks up symbols prefixed with `__tvm_ffi_my_prefix.`
mod = tvm_ffi.system_lib("my_prefix.")

# Call the registered function
func = mod.add_one  # looks up `__tvm_ffi_my_prefix.add_one`
result = func(10)  # -> 11
"""


def test_system_lib(libs):
    # Loading the library runs its static init, which registers the system-library symbol.
    tvm_ffi_jit.load_module(libs["global_functions"])
    mod = tvm_ffi_jit.system_lib("my_prefix.")
    assert mod.add_one(10) == 11
    assert "add_one" in mod and mod.list_functions() == ["add_one"]
    with pytest.raises(TypeError):
        mod.add_one("ten")
    setup = f"import tvm_ffi_jit\ntvm_ffi_jit.load_module({libs['global_functions']!r})"
    assert run_snippet(PY_SYSTEM_LIB, setup=setup, check="print(result)") == "11\n"
