"""Living beside apache-tvm-ffi (package ``tvm_ffi``) in one process, in both import orders.

Both runtimes export the same ``TVMFFI*`` names and ``tvm_ffi`` loads its library RTLD_GLOBAL.
Every scenario runs in a fresh interpreter: this test process never imports ``tvm_ffi``.
"""

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from native_build import build_all

ORDERS = ["tvm_ffi_jit_first", "tvm_ffi_first"]


@functools.cache
def _upstream_problem() -> "str | None":
    if importlib.util.find_spec("tvm_ffi") is None:
        return "apache-tvm-ffi is not installed (pip install 'tvm_ffi_jit[test]')"
    probe = subprocess.run([sys.executable, "-c", "import tvm_ffi"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"apache-tvm-ffi does not import: {probe.stderr.strip().splitlines()[-1:]}"
    return None


@pytest.fixture(autouse=True)
def _needs_upstream():
    problem = _upstream_problem()
    if problem is not None:
        pytest.skip(problem)


def run_python(script: str, env: "dict | None" = None) -> subprocess.CompletedProcess:
    """Runs `script` in a fresh interpreter; its last stdout line is JSON."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        timeout=600,
    )


def last_json(result: subprocess.CompletedProcess):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


# One module loaded before the second runtime appears, one after (different files: a second
# dlopen of the same file would return the library already bound).
SCENARIO = r"""
import json
SOURCE = r'''
#include <tvm/ffi/tvm_ffi.h>
int boom(int x) { TVM_FFI_THROW(ValueError) << "bad value " << x; }
tvm::ffi::Tensor iota3(tvm::ffi::TensorView like) {
  tvm::ffi::Tensor t = tvm::ffi::Tensor::FromEnvAlloc(
      tvm::ffi::Shape{3}, DLDataType{kDLFloat, 32, 1}, like.device());
  float* data = static_cast<float*>(t.data_ptr());
  for (int i = 0; i < 3; ++i) data[i] = 2.0f * i;
  return t;
}
int64_t cuda_stream() {
  return reinterpret_cast<int64_t>(TVMFFIEnvGetStream(kDLCUDA, 0));
}
std::string catch_callback_error(tvm::ffi::Function f) {
  try {
    f();
  } catch (const tvm::ffi::Error& e) {
    return e.kind() + ": " + e.message();
  }
  return "no error";
}
'''

def load(tag):
    import tvm_ffi_jit.cpp
    return tvm_ffi_jit.cpp.load_inline(
        f"interop_{tag}",
        cpp_sources=SOURCE + f"// {tag}\n",
        functions=["boom", "iota3", "cuda_stream", "catch_callback_error"],
    )

def error_of(f, *args):
    try:
        f(*args)
    except Exception as e:
        notes = "\n".join(getattr(e, "__notes__", []))
        return [type(e).__name__, str(e), notes]
    return None

import torch
if order == "tvm_ffi_first":
    import tvm_ffi
import tvm_ffi_jit
before = load("before")
if order == "tvm_ffi_jit_first":
    import tvm_ffi
after = load("after")

out = {}
def record(key, compute):
    # A step that raises records its exception; the other steps still run.
    try:
        out[key] = compute()
    except Exception as e:
        out[key] = {"raised": f"{type(e).__name__}: {e}"}

def allocate(mod):
    tensor = mod.iota3(torch.zeros(2))
    return [type(tensor).__module__ + "." + type(tensor).__name__, tensor.tolist()]

for tag, mod in (("before", before), ("after", after)):
    record(f"error_{tag}", lambda: error_of(mod.boom, 3))
    record(f"alloc_{tag}", lambda: allocate(mod))

    def streams():
        with tvm_ffi_jit.use_raw_stream("cuda:0", 1234):
            inside = mod.cuda_stream()
        return [inside, mod.cuda_stream()]

    record(f"stream_{tag}", streams)

    def callback_error_caught_in_cpp():
        def failing():
            raise KeyError("from python")
        caught = mod.catch_callback_error(failing)
        # The error C++ consumed must not come back as the error of a later call.
        return [caught, error_of(mod.boom, 5)[:2]]

    record(f"callback_{tag}", callback_error_caught_in_cpp)

def same_name():
    tvm_ffi_jit.register_global_func("interop.same_name", lambda: "tvm_ffi_jit")
    tvm_ffi.register_global_func("interop.same_name", lambda: "tvm_ffi")
    return [
        tvm_ffi_jit.get_global_func("interop.same_name")(),
        tvm_ffi.get_global_func("interop.same_name")(),
    ]

record("same_name", same_name)
record("upstream_map_size",
       lambda: tvm_ffi.get_global_func("ffi.MapSize")(tvm_ffi.convert({"a": 1, "b": 2})))
record("upstream_array_size",
       lambda: tvm_ffi.get_global_func("ffi.ArraySize")(tvm_ffi.convert([1, 2, 3])))
record("our_map_size", lambda: tvm_ffi_jit.get_global_func("ffi.MapSize")(
    tvm_ffi_jit.convert({"a": 1, "b": 2, "c": 3})))
tvm_ffi.register_global_func("interop.upstream_only", lambda x: x + 1)
record("fallback", lambda: tvm_ffi_jit.get_global_func("interop.upstream_only")(41))
record("fallback_error",
       lambda: error_of(tvm_ffi_jit.get_global_func("interop.upstream_only"), "text"))
record("upstream_error", lambda: error_of(
    tvm_ffi.get_global_func("testing.test_raise_error"), "ValueError", "upstream message"))
print(json.dumps(out))
"""


@functools.cache
def _scenario(order: str) -> dict:
    return last_json(run_python(f"order = {order!r}\n" + SCENARIO))


@pytest.fixture(params=ORDERS)
def scenario(request):
    pytest.importorskip("torch")
    return _scenario(request.param)


@pytest.mark.parametrize("tag", ["before", "after"])
def test_errors_keep_kind_message_and_backtrace(scenario, tag):
    kind, message, notes = scenario[f"error_{tag}"]
    assert (kind, message) == ("ValueError", "bad value 3")
    assert "C++ backtrace" in notes and "boom" in notes


@pytest.mark.parametrize("tag", ["before", "after"])
def test_env_alloc_uses_torch_allocator(scenario, tag):
    assert scenario[f"alloc_{tag}"] == ["torch.Tensor", [0.0, 2.0, 4.0]]


@pytest.mark.parametrize("tag", ["before", "after"])
def test_raw_stream_reaches_the_module_and_is_restored(scenario, tag):
    assert scenario[f"stream_{tag}"] == [1234, 0]


@pytest.mark.parametrize("tag", ["before", "after"])
def test_callback_error_reaches_cpp_and_leaves_nothing_behind(scenario, tag):
    caught, later = scenario[f"callback_{tag}"]
    assert caught == "KeyError: 'from python'"
    assert later == ["ValueError", "bad value 5"]


def test_same_global_name_on_both_sides_each_sees_its_own(scenario):
    assert scenario["same_name"] == ["tvm_ffi_jit", "tvm_ffi"]


def test_builtins_stay_with_their_own_runtime(scenario):
    assert scenario["upstream_map_size"] == 2
    assert scenario["upstream_array_size"] == 3
    assert scenario["our_map_size"] == 3


def test_get_global_func_falls_back_to_the_foreign_registry(scenario):
    assert scenario["fallback"] == 42
    kind, _, _ = scenario["fallback_error"]
    assert kind == "TypeError"  # raised by Python code behind the foreign runtime


def test_upstream_errors_are_untouched(scenario):
    kind, message, _ = scenario["upstream_error"]
    assert (kind, message) == ("ValueError", "upstream message")


def run_with_bindings(log_dir, script: str):
    """Runs `script` with LD_DEBUG=bindings: its result, and (binding file, target file,
    symbol) for every symbol the dynamic linker bound."""
    result = run_python(
        script, env={"LD_DEBUG": "bindings", "LD_DEBUG_OUTPUT": str(log_dir / "ld")}
    )
    triples = []
    for name in os.listdir(log_dir):
        with open(log_dir / name, errors="replace") as f:
            for line in f:
                # "binding file A [0] to B [0]: normal symbol `name'"
                head, found, symbol = line.partition(": normal symbol `")
                if not found or "binding file " not in head:
                    continue
                source, _, target = head.split("binding file ", 1)[1].partition(" to ")
                symbol = symbol.split("'")[0]
                triples.append((source.split(" [")[0], target.split(" [")[0], symbol))
    return result, triples


def is_c_api(symbol: str) -> bool:
    """A TVM-FFI C function, by its public or by this runtime's private name."""
    return symbol.startswith(("TVMFFI", "tvm_ffi_jit_TVMFFI"))


def test_core_binds_only_to_its_own_runtime(tmp_path):
    result, triples = run_with_bindings(tmp_path, "import tvm_ffi, tvm_ffi_jit")
    assert result.returncode == 0, result.stderr
    ours = [t for t in triples if "tvm_ffi_jit/_core" in t[0] or t[0].endswith("libtvm_ffi_jit.so")]
    to_upstream = [t for t in ours if t[1].endswith("/libtvm_ffi.so") and is_c_api(t[2])]
    assert to_upstream == []
    to_ours = [t for t in ours if "_core" in t[0] and t[1].endswith("/libtvm_ffi_jit.so")]
    assert len([t for t in to_ours if is_c_api(t[2])]) >= 10


UPSTREAM_MODULE = r"""
#include <tvm/ffi/error.h>
#include <tvm/ffi/function.h>
int add_one(int x) { return x + 1; }
int fail(int x) { TVM_FFI_THROW(ValueError) << "upstream-built says " << x; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, add_one);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(fail, fail);
"""


@pytest.fixture(scope="module")
def upstream_built_module(tmp_path_factory):
    """A library built against apache-tvm-ffi's headers: NEEDED libtvm_ffi.so, no rpath."""
    root = os.path.dirname(importlib.util.find_spec("tvm_ffi").origin)
    out = tmp_path_factory.mktemp("upstream_module")
    source = out / "upstream_module.cc"
    source.write_text(UPSTREAM_MODULE)
    library = out / "upstream_module.so"
    build_all(
        {
            "upstream_module": [
                "g++",
                "-std=c++17",
                "-O2",
                "-fPIC",
                "-shared",
                f"-I{root}/include",
                str(source),
                f"-L{root}/lib",
                "-ltvm_ffi",
                "-o",
                str(library),
            ]
        }
    )
    return str(library)


def test_upstream_built_module_runs_here_then_tvm_ffi_imports_on_its_own_runtime(
    upstream_built_module, tmp_path
):
    script = f"""
        import json
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({upstream_built_module!r})
        out = {{"add_one": mod.add_one(41)}}
        try:
            mod.fail(7)
        except ValueError as e:
            out["error"] = str(e)
        import tvm_ffi
        out["map_size"] = tvm_ffi.get_global_func("ffi.MapSize")(tvm_ffi.convert({{"a": 1}}))
        out["array"] = list(tvm_ffi.convert([1, 2, 3]))
        try:
            tvm_ffi.get_global_func("testing.test_raise_error")("KeyError", "its own")
        except KeyError as e:
            out["upstream_error"] = str(e)
        out["still_here"] = mod.add_one(1)
        print(json.dumps(out))
    """
    completed, triples = run_with_bindings(tmp_path, script)
    result = last_json(completed)
    assert result["add_one"] == 42
    assert result["error"] == "upstream-built says 7"
    assert result["map_size"] == 1 and result["array"] == [1, 2, 3]
    assert "its own" in result["upstream_error"]
    assert result["still_here"] == 2
    # The module ran on this runtime; tvm_ffi's core bound to its own library.
    module_targets = {t[1] for t in triples if t[0] == upstream_built_module and is_c_api(t[2])}
    assert module_targets and all(t.endswith("/libtvm_ffi_jit.so") for t in module_targets)
    core_targets = {t[1] for t in triples if "tvm_ffi/core" in t[0] and is_c_api(t[2])}
    assert any(t.endswith("tvm_ffi/lib/libtvm_ffi.so") for t in core_targets)
    assert not any("tvm_ffi_jit" in t for t in core_targets)


def test_upstream_built_module_binds_to_tvm_ffi_when_it_is_imported(upstream_built_module):
    script = f"""
        import json
        import tvm_ffi
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({upstream_built_module!r})
        out = {{"add_one": mod.add_one(1)}}
        try:
            mod.fail(9)
        except ValueError as e:
            out["error"] = str(e)
        print(json.dumps(out))
    """
    assert last_json(run_python(script)) == {"add_one": 2, "error": "upstream-built says 9"}


def test_module_on_a_runtime_that_cannot_be_bridged_is_an_import_error(
    upstream_built_module, tmp_path
):
    # A private copy of upstream's runtime, loaded RTLD_LOCAL: a module needing libtvm_ffi.so
    # then binds to it, and the call path bridges it. Once `import tvm_ffi` puts a second
    # runtime in the global scope, a module binding there cannot be bridged too: it must say so.
    root = os.path.dirname(importlib.util.find_spec("tvm_ffi").origin)
    private = tmp_path / "private"
    private.mkdir()
    shutil.copy(os.path.join(root, "lib", "libtvm_ffi.so"), private / "libtvm_ffi.so")
    second_module = tmp_path / "second_module.so"
    shutil.copy(upstream_built_module, second_module)
    script = f"""
        import ctypes, json
        import tvm_ffi_jit
        ctypes.CDLL({str(private / "libtvm_ffi.so")!r}, mode=ctypes.RTLD_LOCAL)
        first = tvm_ffi_jit.load_module({upstream_built_module!r})
        out = {{"first": first.add_one(1)}}
        try:
            first.fail(3)
        except ValueError as e:
            out["first_error"] = str(e)
        import tvm_ffi
        try:
            tvm_ffi_jit.load_module({str(second_module)!r})
        except ImportError as e:
            out["second"] = str(e)
        print(json.dumps(out))
    """
    result = last_json(run_python(script))
    assert result["first"] == 2
    assert result["first_error"] == "upstream-built says 3"
    assert result["second"].startswith(f"{second_module} is bound to the TVM-FFI runtime in ")
    assert f"already bridges the one in {private / 'libtvm_ffi.so'}" in result["second"]
