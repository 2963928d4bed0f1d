"""The loader options apache-tvm-ffi users pass to tvm_ffi.cpp.build/load(_inline) work here.

sources= (one mixed list, the extension picks the compiler), output=, embed_cubin=,
keep_module_alive=, backend=, flags as upstream passes them, TVM_FFI_CACHE_DIR,
to_cpp_dtype; each new option is part of the cache key and leaves the warm path
subprocess-free.
"""

import inspect
import os
import subprocess

import pytest

import tvm_ffi_jit
import tvm_ffi_jit.cpp as cpp
import tvm_ffi_jit.libinfo
from tvm_ffi_jit.cpp import builder, cache, toolchain
from tvm_ffi_jit.cpp import ninja as ninja_build

needs_nvcc = pytest.mark.skipif(
    toolchain.cuda_home() is None or bool(os.environ.get("TVM_FFI_JIT_SANITIZE")),
    reason="nvcc is not installed, or cannot run with the sanitizer runtimes preloaded",
)

ADD_ONE = "int add_one(int x) { return x + 1; }\n"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(path))
    monkeypatch.delenv("TVM_FFI_JIT_VERBOSE", raising=False)
    monkeypatch.setenv("TVM_FFI_CUDA_ARCH_LIST", "8.0")  # no GPU to ask
    return path


def symbols(path: str, dynamic: bool = False) -> "dict[str, str]":
    """name -> nm type letter of each defined symbol (the dynamic table with ``dynamic``)."""
    command = ["nm", "--defined-only", *(["-D"] if dynamic else []), path]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {line.split()[-1]: line.split()[-2] for line in out.splitlines() if line.strip()}


def inline_key(**options):
    return builder.prepare(
        "keyed", inline=True, cpp=ADD_ONE, cuda=None, functions=["add_one"], **options
    ).key


def forbid_subprocesses(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a warm load started a subprocess: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(ninja_build, "run", refuse)


# --- the public surface -------------------------------------------------------------------

# apache-tvm-ffi 0.1.15: tvm_ffi.cpp.__all__ and each function's parameters.
UPSTREAM_NAMES = ["build", "build_inline", "load", "load_inline", "to_cpp_dtype"]
UPSTREAM_PARAMETERS = {
    "build": "name sources cpp_files cuda_files extra_cflags extra_cuda_cflags extra_ldflags "
    "extra_include_paths build_directory backend output",
    "build_inline": "name cpp_sources cuda_sources functions extra_cflags extra_cuda_cflags "
    "extra_ldflags extra_include_paths build_directory embed_cubin backend output",
    "load": "name sources cpp_files cuda_files extra_cflags extra_cuda_cflags extra_ldflags "
    "extra_include_paths build_directory keep_module_alive backend",
    "load_inline": "name cpp_sources cuda_sources functions extra_cflags extra_cuda_cflags "
    "extra_ldflags extra_include_paths build_directory embed_cubin keep_module_alive backend",
}


def test_every_upstream_name_is_exported():
    assert set(UPSTREAM_NAMES) <= set(cpp.__all__)
    for name in UPSTREAM_NAMES:
        assert callable(getattr(cpp, name))


@pytest.mark.parametrize("function", sorted(UPSTREAM_PARAMETERS))
def test_every_upstream_parameter_is_accepted_by_keyword(function):
    parameters = inspect.signature(getattr(cpp, function)).parameters
    for name in UPSTREAM_PARAMETERS[function].split():
        assert name in parameters, f"{function} lacks {name}"
        assert parameters[name].kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        )


# --- one shared C++ module ------------------------------------------------------------------

SHARED = r"""
// No #include: inline sources may use what apache-tvm-ffi's loader includes for them.
int64_t tensor_ndim(tvm::ffi::TensorView x) { return x.ndim(); }
int64_t flags_sum() { return FLAG_A + FLAG_B; }
tvm::ffi::String flag_message() { return MESSAGE; }
tvm::ffi::Bytes cubin() {
  return tvm::ffi::Bytes(__tvm_ffi__cubin_kernels,
                         __tvm_ffi__cubin_kernels_end - __tvm_ffi__cubin_kernels);
}
tvm::ffi::Bytes ptx_as_c_string() { return tvm::ffi::Bytes(__tvm_ffi__cubin_ptx); }
"""
SHARED_PREFIX = r"""
#include "shared_decls.h"
"""
CUBIN = bytes(range(256)) * 3 + b"\x00tail"  # NUL bytes inside must survive
PTX = b".version 8.0\n.target sm_80\n"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """(module, library path) built once with include paths, flags and two embedded blobs."""
    root = tmp_path_factory.mktemp("shared")
    include = root / "include"
    include.mkdir()
    (include / "shared_decls.h").write_text(
        'extern "C" const char __tvm_ffi__cubin_kernels[];\n'
        'extern "C" const char __tvm_ffi__cubin_kernels_end[];\n'
        'extern "C" const char __tvm_ffi__cubin_ptx[];\n'
    )
    old_cwd = os.getcwd()
    os.chdir(root)  # extra_include_paths may be relative, as upstream resolves them
    env = pytest.MonkeyPatch()
    env.setenv("TVM_FFI_JIT_CACHE_DIR", str(root / "cache"))
    try:
        options = dict(
            cpp_sources=SHARED_PREFIX + SHARED,
            functions="tensor_ndim flags_sum flag_message cubin ptx_as_c_string".split(),
            extra_include_paths=["include"],
            # One string may hold several flags and shell quotes, as upstream passes them.
            extra_cflags=["-DFLAG_A=40 -DFLAG_B=2", "-DMESSAGE='\"hi there\"'"],
            embed_cubin={"kernels": CUBIN, "ptx": PTX},
        )
        path = cpp.build_inline("shared_options", **options)
        module = cpp.load_inline("shared_options", **options)
        yield module, path, options, root
    finally:
        env.undo()
        os.chdir(old_cwd)


def test_inline_sources_need_no_include_for_tensors_and_errors(shared):
    np = pytest.importorskip("numpy")
    module = shared[0]
    assert module.tensor_ndim(np.zeros((2, 3), dtype=np.float32)) == 2


def test_one_flag_string_may_hold_several_flags_and_shell_quotes(shared):
    module = shared[0]
    assert module.flags_sum() == 42
    assert module.flag_message() == "hi there"


def test_flags_split_from_one_string_key_like_separate_flags():
    assert inline_key(extra_cflags=["-O3 -DX=1"]) == inline_key(extra_cflags=["-O3", "-DX=1"])
    with pytest.raises(ValueError, match="extra_cflags: cannot split"):
        inline_key(extra_cflags=["-DMSG='unbalanced"])


def test_embedded_cubin_bytes_are_in_the_library_under_upstreams_symbols(shared):
    module, path = shared[:2]
    assert module.cubin() == CUBIN
    table = symbols(path)
    for name in ("__tvm_ffi__cubin_kernels", "__tvm_ffi__cubin_kernels_end"):
        assert table[name] == "r", name  # read-only data, local to the library
    # Private to the module: nothing else can bind to (or interpose) the data.
    assert not any(s.startswith("__tvm_ffi__cubin") for s in symbols(path, dynamic=True))


def test_embedded_data_is_followed_by_a_nul_so_ptx_text_is_a_c_string(shared):
    module = shared[0]
    assert module.ptx_as_c_string() == PTX


def _has_cubin_launcher() -> bool:
    header = os.path.join("tvm", "ffi", "extra", "cuda", "cubin_launcher.h")
    return any(os.path.isfile(os.path.join(d, header)) for d in tvm_ffi_jit.libinfo.include_dirs())


@needs_nvcc
@pytest.mark.skipif(not _has_cubin_launcher(), reason="cubin_launcher.h is not installed yet")
def test_the_embed_cubin_macro_finds_the_embedded_bytes():
    source = r"""
    #include <tvm/ffi/extra/cuda/cubin_launcher.h>

    TVM_FFI_EMBED_CUBIN(kernels);

    void launch_later() { (void)TVM_FFI_EMBED_CUBIN_GET_KERNEL(kernels, "add_one"); }
    tvm::ffi::Bytes embedded() {
      return tvm::ffi::Bytes(__tvm_ffi__cubin_kernels,
                             __tvm_ffi__cubin_kernels_end - __tvm_ffi__cubin_kernels);
    }
    """
    options = dict(cuda_sources=source, functions=["launch_later", "embedded"])
    module = cpp.load_inline("macro_cubin", embed_cubin={"kernels": CUBIN}, **options)
    assert module.embedded() == CUBIN  # loading needs libcudart only; nothing launches


def test_embed_cubin_is_part_of_the_key():
    base = inline_key(embed_cubin={"k": b"one"})
    assert inline_key(embed_cubin={"k": b"two"}) != base
    assert inline_key(embed_cubin={"other": b"one"}) != base
    assert inline_key() != base


@pytest.mark.parametrize(
    "embed_cubin, error",
    [
        ({"not-an-identifier": b"x"}, ValueError),
        ({"k": "text, not bytes"}, TypeError),
        ({"k": b""}, ValueError),
        ([("k", b"x")], TypeError),
    ],
)
def test_bad_embed_cubin_says_what_is_wrong(embed_cubin, error):
    with pytest.raises(error, match="embed_cubin"):
        inline_key(embed_cubin=embed_cubin)


def test_warm_load_with_every_option_starts_no_subprocess(shared, monkeypatch):
    _, path, options, root = shared
    monkeypatch.chdir(root)
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(root / "cache"))
    forbid_subprocesses(monkeypatch)
    assert cpp.build_inline("shared_options", **options) == path
    assert cpp.load_inline("shared_options", **options).flags_sum() == 42


# --- sources=, .cu and .c whatever list they come in -----------------------------------------

CXX_FILE = r"""
#include <tvm/ffi/tvm_ffi.h>
extern "C" int c_value(void);
int64_t twice(int64_t x);  // defined in the .cu file
static int64_t CValue() { return c_value(); }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(c_value, CValue);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(twice, twice);
"""
C_FILE = r"""
#ifdef __cplusplus
int c_value(void) { return -1; }  /* compiled as C++: wrong */
#else
int c_value(void) { return FROM_FLAGS; }
#endif
"""
CU_FILE = r"""
#include <tvm/ffi/tvm_ffi.h>
// Host code only: this file loads and runs without a GPU.
int64_t twice(int64_t x) { return 2 * x; }
#ifdef __CUDACC__
static int64_t ByNvcc() { return 1; }
#else
static int64_t ByNvcc() { return 0; }
#endif
TVM_FFI_DLL_EXPORT_TYPED_FUNC(compiled_by_nvcc, ByNvcc);
"""


@pytest.fixture
def mixed_files(tmp_path):
    for name, text in (("ops.cpp", CXX_FILE), ("value.c", C_FILE), ("host.cu", CU_FILE)):
        (tmp_path / name).write_text(text)
    return tmp_path


def build_ninja_of(path: str) -> str:
    with open(os.path.join(os.path.dirname(path), "build", "build.ninja")) as f:
        return f.read()


@needs_nvcc
def test_a_cu_file_in_cpp_files_is_compiled_by_nvcc_and_a_c_file_as_c(mixed_files):
    files = [str(mixed_files / n) for n in ("ops.cpp", "value.c", "host.cu")]
    # The issue's case: everything in cpp_files (this used to fail with a link error).
    module = cpp.load("mixed", cpp_files=files, extra_cflags=["-DFROM_FLAGS=7"])
    assert module.compiled_by_nvcc() == 1
    assert module.twice(21) == 42
    assert module.c_value() == 7  # C, and extra_cflags reach C files too
    ninja_text = build_ninja_of(
        cpp.build("mixed", cpp_files=files, extra_cflags=["-DFROM_FLAGS=7"])
    )
    assert f"build host.cuda.o: nvcc {mixed_files / 'host.cu'}" in ninja_text
    assert f"build value.o: cc {mixed_files / 'value.c'}" in ninja_text


def test_sources_is_one_list_merged_with_cpp_files_and_cuda_files(tmp_path):
    (tmp_path / "a.cpp").write_text(
        "#include <tvm/ffi/tvm_ffi.h>\nint64_t b();\n"
        "static int64_t A() { return 1 + b(); }\nTVM_FFI_DLL_EXPORT_TYPED_FUNC(a, A);\n"
    )
    (tmp_path / "b.cc").write_text("#include <cstdint>\nint64_t b() { return 10; }\n")
    module = cpp.load("merged", sources=str(tmp_path / "a.cpp"), cpp_files=[str(tmp_path / "b.cc")])
    assert module.a() == 11
    # Same files, listed differently: same library.
    assert cpp.build("merged", sources=[str(tmp_path / "a.cpp"), str(tmp_path / "b.cc")]) == (
        cpp.build("merged", str(tmp_path / "a.cpp"), str(tmp_path / "b.cc"))
    )


def test_nothing_to_build_names_sources():
    with pytest.raises(ValueError, match="sources"):
        cpp.build("empty")


# --- output= ---------------------------------------------------------------------------------

OBJECT_SOURCE = "int64_t triple(int64_t x) { return 3 * x; }\n"


def test_output_object_file_skips_linking_and_links_later_from_sources(tmp_path):
    obj = cpp.build_inline(
        "as_object", cpp_sources=OBJECT_SOURCE, functions=["triple"], output="as_object.o"
    )
    assert os.path.basename(obj) == "as_object.o"
    header = subprocess.run(["readelf", "-h", obj], capture_output=True, text=True).stdout
    assert "REL (Relocatable file)" in header
    assert symbols(obj)["__tvm_ffi_triple"] == "T"  # exported when linked into a library
    before = open(obj, "rb").read()
    module = cpp.load("from_object", sources=[obj])
    assert module.triple(5) == 15
    assert open(obj, "rb").read() == before  # the link step edits copies, not the user's file


def test_output_names_the_shared_library():
    path = cpp.build_inline(
        "renamed", cpp_sources=ADD_ONE, functions=["add_one"], output="custom_name.so"
    )
    assert os.path.basename(path) == "custom_name.so"
    assert tvm_ffi_jit.load_module(path).add_one(1) == 2


def test_output_is_part_of_the_key():
    keys = {inline_key(), inline_key(output="x.so"), inline_key(output="x.o")}
    assert len(keys) == 3


@pytest.mark.parametrize(
    "output", ["/tmp/abs.so", "sub/lib.so", "build.ninja", "main.cpp", ".hidden"]
)
def test_output_that_is_not_a_plain_new_file_name_is_refused(output):
    with pytest.raises(ValueError, match="output="):
        inline_key(output=output)


# --- build_directory, keep_module_alive, release_gil, backend ---------------------------------


def test_build_directory_also_holds_the_library_under_its_plain_name(tmp_path):
    target = tmp_path / "out"
    path = cpp.build_inline(
        "plain_name", cpp_sources=ADD_ONE, functions=["add_one"], build_directory=str(target)
    )
    plain = target / "plain_name.so"
    assert os.path.samefile(path, plain) or open(path, "rb").read() == plain.read_bytes()
    assert tvm_ffi_jit.load_module(str(plain)).add_one(2) == 3


@pytest.fixture
def recorded_load_module(monkeypatch):
    calls = []
    real = cpp._registry.load_module

    def load_module(path, **options):
        calls.append(options)
        return real(path)

    monkeypatch.setattr(cpp._registry, "load_module", load_module)
    return calls


def test_keep_module_alive_and_release_gil_reach_load_module(recorded_load_module):
    cpp.load_inline("passed_on", cpp_sources=ADD_ONE, functions=["add_one"])
    cpp.load_inline(
        "passed_on",
        cpp_sources=ADD_ONE,
        functions=["add_one"],
        keep_module_alive=False,
        release_gil=False,
    )
    assert recorded_load_module == [
        {"keep_module_alive": True},
        {"keep_module_alive": False, "release_gil": False},
    ]


def test_keep_module_alive_is_dropped_for_a_load_module_without_it(monkeypatch):
    real = cpp._registry.load_module
    monkeypatch.setattr(cpp._registry, "load_module", lambda path: real(path))
    module = cpp.load_inline(
        "no_keep", cpp_sources=ADD_ONE, functions=["add_one"], keep_module_alive=False
    )
    assert module.add_one(0) == 1


def test_backend_cuda_is_accepted_and_others_are_refused():
    assert inline_key(backend="cuda") == inline_key()
    with pytest.raises(ValueError, match="ROCm"):
        inline_key(backend="hip")
    with pytest.raises(ValueError, match="invalid backend"):
        inline_key(backend="metal")


# --- TVM_FFI_CACHE_DIR -------------------------------------------------------------------------


def test_tvm_ffi_cache_dir_is_used_when_ours_is_not_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TVM_FFI_JIT_CACHE_DIR")
    monkeypatch.setenv("TVM_FFI_CACHE_DIR", str(tmp_path / "upstream_var"))
    assert cache.cache_root() == str(tmp_path / "upstream_var")
    path = cpp.build_inline("upstream_cache", cpp_sources=ADD_ONE, functions=["add_one"])
    assert path.startswith(str(tmp_path / "upstream_var") + os.sep)


def test_tvm_ffi_jit_cache_dir_wins_over_tvm_ffi_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path / "ours"))
    monkeypatch.setenv("TVM_FFI_CACHE_DIR", str(tmp_path / "theirs"))
    assert cache.cache_root() == str(tmp_path / "ours")


# --- docstrings and to_cpp_dtype ---------------------------------------------------------------


def test_dict_docstrings_are_stored_through_the_doc_macro_when_the_headers_have_it():
    from tvm_ffi_jit.cpp import sources

    text = sources.decorate("m", "cpp_sources", ["int f();"], ["f"], {"f": 'say "hi"\n\tok'})
    assert "#ifdef TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC" in text
    assert r'TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(f, "say \"hi\"\n\011ok");' in text


@pytest.mark.parametrize(
    "dtype, expected",
    [
        ("float32", "float"),
        ("float64", "double"),
        ("int8", "int8_t"),
        ("uint64", "uint64_t"),
        ("bool", "bool"),
        ("float16", "__half"),
        ("bfloat16", "__nv_bfloat16"),
        ("float8_e4m3fn", "__nv_fp8_e4m3"),
        ("float8_e5m2", "__nv_fp8_e5m2"),
        ("float4_e2m1fn_x2", "__nv_fp4x2_e2m1"),
    ],
)
def test_to_cpp_dtype_maps_names(dtype, expected):
    assert cpp.to_cpp_dtype(dtype) == expected


def test_to_cpp_dtype_takes_our_torch_and_numpy_dtypes():
    assert cpp.to_cpp_dtype(tvm_ffi_jit.dtype("float32")) == "float"
    assert cpp.to_cpp_dtype(tvm_ffi_jit.dtype("bfloat16")) == "__nv_bfloat16"
    np = pytest.importorskip("numpy")
    assert cpp.to_cpp_dtype(np.dtype("int32")) == "int32_t"
    torch = pytest.importorskip("torch")
    assert cpp.to_cpp_dtype(torch.float32) == "float"
    assert cpp.to_cpp_dtype(torch.bfloat16) == "__nv_bfloat16"


def test_to_cpp_dtype_takes_every_dtype_constant_of_ours_it_has_a_type_for():
    assert cpp.to_cpp_dtype(tvm_ffi_jit.float4_e2m1fnx2) == "__nv_fp4x2_e2m1"
    assert cpp.to_cpp_dtype(tvm_ffi_jit.int8) == "int8_t"
    with pytest.raises(ValueError, match=r"dtype 'float6_e2m3fn';"):
        cpp.to_cpp_dtype(tvm_ffi_jit.float6_e2m3fn)


def test_to_cpp_dtype_rejects_unknown_dtypes_by_name():
    with pytest.raises(ValueError, match="'complex64'"):
        cpp.to_cpp_dtype("complex64")


def test_to_cpp_dtype_takes_upstreams_keyword():
    assert cpp.to_cpp_dtype(dtype_str="int16") == "int16_t"


def test_functions_may_be_one_name_or_any_mapping():
    import types

    from tvm_ffi_jit.cpp.sources import normalize_functions

    assert normalize_functions("f") == (["f"], {})
    mapping = types.MappingProxyType({"f": "doc of f", "g": ""})
    assert normalize_functions(mapping) == (["f", "g"], {"f": "doc of f", "g": ""})
