"""The Python surface a user meets: keyword arguments, reprs and signatures, type stubs
(the package's and `python -m tvm_ffi_jit stubgen`'s), the C ABI example, setup.py's MAX_JOBS."""

import ast
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp
from tvm_ffi_jit import stubgen

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(tvm_ffi_jit.__file__).parent

SOURCE = r"""
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

int64_t sub(int64_t a, int64_t b) { return a - b; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(sub, sub, "a", "b");
TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(sub, "a - b.");

ffi::Map<ffi::String, int64_t> count(ffi::Array<ffi::String> words, ffi::Optional<int64_t> start) {
  ffi::Map<ffi::String, int64_t> counts;
  for (ffi::String w : words) {
    auto it = counts.find(w);
    counts.Set(w, (it == counts.end() ? start.value_or(0) : (*it).second) + 1);
  }
  return counts;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED(count, count, "words", "start");

void fill(ffi::TensorView out, double value, bool flag) {}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(fill, fill);

int64_t twice(int64_t x) { return 2 * x; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(twice, twice);
"""


@pytest.fixture(scope="module")
def library():
    return tvm_ffi_jit.cpp.build_inline("python_surface", cpp_sources=SOURCE)


@pytest.fixture(scope="module")
def mod(library):
    return tvm_ffi_jit.load_module(library)


# ---- keyword arguments ----


def test_keywords_bind_by_recorded_parameter_names(mod):
    assert mod.sub(5, 2) == 3 and mod.twice(21) == 42
    assert mod.sub(a=5, b=2) == 3
    assert mod.sub(b=2, a=5) == 3
    assert mod.sub(5, b=2) == 3
    assert dict(mod.count(words=["x", "y", "x"], start=10)) == {"x": 12, "y": 11}
    assert dict(mod.count(["x"], start=None)) == {"x": 1}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: m.sub(5, a=1), "sub() got multiple values for argument 'a'"),
        (lambda m: m.sub(5, c=1), "sub() got an unexpected keyword argument 'c'"),
        (lambda m: m.sub(b=1), "sub() missing required argument 'a' (position 0)"),
        (lambda m: m.sub(1, 2, 3, b=3), "sub() takes 2 arguments but 3 positional ones were given"),
        (
            lambda m: m.twice(x=1),
            "twice() takes positional arguments only: its library recorded no parameter names",
        ),
    ],
)
def test_bad_keywords_raise_type_error(mod, call, message):
    with pytest.raises(TypeError) as info:
        call(mod)
    assert message in str(info.value)


# ---- reprs and signatures ----


def test_repr_and_signature_use_recorded_names(mod):
    assert repr(mod.sub) == "<tvm_ffi_jit.Function sub(a: int, b: int) -> int>"
    assert str(inspect.signature(mod.count)) == (
        "(words: Array[str], start: int | None) -> Map[str, int]"
    )
    assert inspect.signature(mod.sub).bind(1, b=2).arguments == {"a": 1, "b": 2}
    # Without recorded names: types only, positional-only parameters.
    assert repr(mod.twice) == "<tvm_ffi_jit.Function twice(int) -> int>"
    assert str(inspect.signature(mod.twice)) == "(arg0: int, /) -> int"
    assert mod.get_function_metadata("sub")["arg_names"] == ["a", "b"]


def test_tensor_repr_names_dtype_shape_and_device():
    np = pytest.importorskip("numpy")
    assert repr(tvm_ffi_jit.from_dlpack(np.zeros((2, 3), "float32"))) == "float32[2, 3]@cpu:0"


# ---- stubgen ----

EXPECTED_METHODS = """\
class Module(tvm_ffi_jit.Module):
    def count(self, words: Sequence[str], start: int | None) -> Mapping[str, int]: ...
    def fill(self, arg0: TensorLike, arg1: float, arg2: bool, /) -> None: ...
    def sub(self, a: int, b: int) -> int:
        \"\"\"a - b.\"\"\"
    def twice(self, arg0: int, /) -> int: ...
"""


def test_stubgen_writes_methods_from_recorded_signatures(library, tmp_path):
    out = tmp_path / "surface.pyi"
    subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit", "stubgen", library, "-o", str(out)], check=True
    )
    text = out.read_text()
    assert text.endswith(EXPECTED_METHODS), text
    ast.parse(text)  # valid Python syntax


def test_stubgen_annotations_cover_the_schema_types():
    def schema(key, *args):
        return {"type": key, "args": list(args)}

    cases = {
        "Sequence[int]": schema("ffi.Array", schema("int")),
        "Mapping[str, Sequence[float]]": schema(
            "ffi.Map", schema("ffi.String"), schema("ffi.Array", schema("float"))
        ),
        "str | None": schema("Optional", schema("ffi.String")),
        "int | str": schema("Variant", schema("int"), schema("ffi.String")),
        "tuple[int, bool]": schema("Tuple", schema("int"), schema("bool")),
        "Callable[[int], float]": {
            "type": "ffi.Function",
            "named_args": {"return": [schema("float")], "params": [schema("int")]},
        },
        "Callable[..., Any]": schema("ffi.Function"),
        "TensorLike": schema("DLTensor*"),
        "tvm_ffi_jit.Device": schema("Device"),
        "Any": schema("mylib.SomeObject"),
    }
    for expected, case in cases.items():
        assert stubgen.annotation(case) == expected
    assert "def f(self, *args: Any) -> Any: ..." in stubgen.stub_text("x.so", [("f", None, None)])


# ---- the package's own types ----


def test_package_ships_py_typed_and_core_stub():
    assert (PACKAGE / "py.typed").is_file()
    stub = ast.parse((PACKAGE / "_core.pyi").read_text())
    declared = {n.name for n in stub.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    declared |= {n.target.id for n in stub.body if isinstance(n, ast.AnnAssign)}
    exported = {n for n in dir(tvm_ffi_jit._core) if not n.startswith("__")}
    assert exported <= declared, f"_core.pyi lacks {sorted(exported - declared)}"


def test_mypy_checks_a_user_script_against_the_stubs(library, tmp_path):
    pytest.importorskip("mypy")
    subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit", "stubgen", library, "-o", str(tmp_path / "surf.pyi")],
        check=True,
    )
    (tmp_path / "user.py").write_text(
        "from typing import TYPE_CHECKING, cast\n"
        "import tvm_ffi_jit\n"
        "if TYPE_CHECKING:\n"
        "    from surf import Module\n"
        "t = tvm_ffi_jit.from_dlpack(object())\n"
        "n: int = t.numel()\n"
        "lib = cast('Module', tvm_ffi_jit.load_module('x.so'))\n"
        "ok: int = lib.sub(1, b=2)\n"
        "wrong: str = t.numel()\n"
        "bad = lib.sub('1', b=2)\n"
    )
    # The package imports torch and numpy inside functions; reading their types takes a minute.
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nfollow_imports = silent\nincremental = False\n"
        "[mypy-torch.*,numpy.*,cupy.*,IPython.*,matplotlib.*]\nfollow_imports = skip\n"
    )
    env = dict(os.environ)
    if "site-packages" not in str(PACKAGE.parent):  # an editable install: mypy reads the source
        env["MYPYPATH"] = str(PACKAGE.parent)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "user.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["9", "10"], result.stdout


# ---- the C ABI example ----


def test_c_abi_example_runs_end_to_end(tmp_path):
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    example = tmp_path / "c_abi"
    shutil.copytree(REPO / "examples" / "c_abi", example, ignore=shutil.ignore_patterns("build"))
    built = subprocess.run(
        [sys.executable, "build.py"], cwd=example, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    assert "built build/c_axpy.so" in built.stdout
    flags = subprocess.run(
        [sys.executable, "-m", "tvm_ffi_jit.config", "--cflags", "--ldflags", "--libs"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    subprocess.run(
        [
            cc,
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-pedantic",
            "-Werror",
            "-o",
            "build/main",
            "main.c",
            *flags,
        ],
        cwd=example,
        check=True,
    )
    run = subprocess.run(
        ["./build/main", "build/c_axpy.so"], cwd=example, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[1:] == [
        "axpy(2.0, x, y): y = [1, 3, 5, 7]",
        "axpy with int32 x returned -1",
        "axpy raised ValueError: axpy: x and y must be contiguous 1-D float32 CPU tensors of "
        "the same length",
        "OK",
    ]


# ---- setup.py ----


def test_setup_py_honours_max_jobs(monkeypatch):
    tree = ast.parse((REPO / "setup.py").read_text())
    [func] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_max_jobs"]
    scope = {"os": os, "sys": sys}
    exec(compile(ast.Module([func], []), "setup.py", "exec"), scope)
    monkeypatch.setenv("MAX_JOBS", "3")
    assert scope["_max_jobs"]() == 3
    monkeypatch.delenv("MAX_JOBS")
    assert scope["_max_jobs"]() == (os.cpu_count() or 1)
    monkeypatch.setenv("MAX_JOBS", "many")
    with pytest.raises(SystemExit):
        scope["_max_jobs"]()
