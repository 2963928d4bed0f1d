"""The C++ kernel-author API at TVM-FFI's names: probes written as code for apache-tvm-ffi
would be compile here, each header path exists and works on its own, the check/throw macros
behave as documented, and exported functions carry their type schema and docstring in the
library (``__tvm_ffi__metadata_<name>``, ``__tvm_ffi__doc_<name>``).
"""

import concurrent.futures
import ctypes
import importlib.util
import json
import os
import subprocess

import pytest
from cxx_api_probes import translation_unit
from native_build import INCLUDE_FLAGS, LINK_FLAGS, build_all

import tvm_ffi_jit
from tvm_ffi_jit import libinfo

CXX = ["g++", "-std=c++17"]


def _upstream_include_dir():
    """apache-tvm-ffi's headers when it is installed (found without importing it)."""
    spec = importlib.util.find_spec("tvm_ffi")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "include")
    return path if os.path.isdir(os.path.join(path, "tvm", "ffi")) else None


def _syntax_check(source, include_flags, extra=()):
    run = subprocess.run(
        [*CXX, "-fsyntax-only", *include_flags, *extra, "-x", "c++", "-"],
        input=source,
        capture_output=True,
        text=True,
    )
    return run.returncode, run.stderr


def _failed_probes(stderr):
    """Names of the probes a compiler error points into."""
    lines = translation_unit().splitlines()
    names = set()
    for line in stderr.splitlines():
        if not line.startswith("<stdin>:") or "error" not in line:
            continue
        lineno = int(line.split(":")[1])
        for text in reversed(lines[:lineno]):
            if text.startswith("namespace probe_"):
                names.add(text.split()[1][len("probe_") :])
                break
    return sorted(names)


# ---- probes ----


def test_upstream_style_probes_compile_against_these_headers():
    code, stderr = _syntax_check(translation_unit(), INCLUDE_FLAGS)
    assert code == 0, f"probes failing: {_failed_probes(stderr)}\n{stderr[:6000]}"


def test_probes_are_valid_apache_tvm_ffi_code():
    upstream = _upstream_include_dir()
    if upstream is None:
        pytest.skip("apache-tvm-ffi is not installed")
    code, stderr = _syntax_check(translation_unit(), [f"-I{upstream}"])
    assert code == 0, f"probes failing upstream: {_failed_probes(stderr)}\n{stderr[:4000]}"


# Each header TVM-FFI ships outside container/ and extra/cuda, with names it provides when
# included alone.
HEADERS_ALONE = {
    "any.h": "tvm::ffi::Any a = 1; int64_t v = a.cast<int64_t>(); tvm::ffi::AnyView w = a;",
    "base_detail.h": "TVM_FFI_INLINE int f() { return TVM_FFI_PREDICT_TRUE(1); }",
    "big_int.h": "const char* k = tvm::ffi::BigIntObj::_type_key;",
    "c_api.h": "TVMFFIAny any; int32_t i = kTVMFFITensor; int v = TVM_FFI_VERSION_MAJOR;",
    "cast.h": "tvm::ffi::ObjectRef r = tvm::ffi::GetRef<tvm::ffi::ObjectRef>("
    "static_cast<const tvm::ffi::Object*>(nullptr));",
    "device.h": 'auto d = tvm::ffi::details::TryStringViewToDLDevice("cuda:1");',
    "dtype.h": "tvm::ffi::String s = tvm::ffi::DLDataTypeToString(DLDataType{kDLFloat, 32, 1});",
    "endian.h": "int le = TVM_FFI_LITTLE_ENDIAN; void f(void* p) { tvm::ffi::ByteSwap(p, 4, 1); }",
    "error.h": "void f(int x) { TVM_FFI_ICHECK_EQ(x, 1); TVM_FFI_THROW(ValueError) << x; }",
    "expected.h": "tvm::ffi::Expected<int> f() { return TVM_FFI_UNEXPECTED(ValueError) << 1; }",
    "function.h": "int g(int x) { return x; } TVM_FFI_DLL_EXPORT_TYPED_FUNC(g, g);",
    "function_detail.h": "std::string s = tvm::ffi::details::FunctionInfo<int(float)>::Sig();",
    "memory.h": "auto p = tvm::ffi::make_object<tvm::ffi::Object>();",
    "object.h": "tvm::ffi::ObjectPtr<tvm::ffi::Object> p; tvm::ffi::ObjectRef r;",
    "optional.h": "tvm::ffi::Optional<int> o; int v = o.value_or(1);",
    "rvalue_ref.h": "using R = tvm::ffi::RValueRef<tvm::ffi::ObjectRef>;",
    "string.h": 'std::size_t h = std::hash<tvm::ffi::String>()(tvm::ffi::String("x"));',
    "tvm_ffi.h": "tvm::ffi::Tensor t; tvm::ffi::Array<int> a; tvm::ffi::Function f;",
    "type_traits.h": "const char* k = tvm::ffi::StaticTypeKey::kTVMFFITensor;",
    "extra/base.h": "struct TVM_FFI_EXTRA_CXX_API S {};",
    "extra/base64.h": 'tvm::ffi::String s = tvm::ffi::Base64Encode(tvm::ffi::Bytes("ab", 2));',
    "extra/c_env_api.h": "void* s = TVMFFIEnvGetStream(kDLCUDA, 0);",
    "extra/dtype.h": "DLDataType t = tvm::ffi::dtype_trait<float>::value;",
    "extra/module.h": "const char* p = tvm::ffi::symbol::tvm_ffi_doc_prefix;"
    "tvm::ffi::Optional<tvm::ffi::String> f(tvm::ffi::Module m) {"
    '  return m->GetFunctionDoc("f", true); }',
    "reflection/accessor.h": "tvm::ffi::Any f(const tvm::ffi::ObjectRef& o) {"
    ' return tvm::ffi::reflection::FieldGetter("k", "x")(o); }',
    "reflection/creator.h": "tvm::ffi::Any f() {"
    ' return tvm::ffi::reflection::ObjectCreator("k")({{"x", 1}}); }',
    "reflection/registry.h": 'void f() { tvm::ffi::reflection::GlobalDef().def("x", [] {}); }',
}


def test_each_header_compiles_alone_with_its_names():
    def check(header):
        source = f"#include <tvm/ffi/{header}>\n{HEADERS_ALONE[header]}\n"
        return header, *_syntax_check(source, INCLUDE_FLAGS)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        failures = [(h, err) for h, code, err in pool.map(check, HEADERS_ALONE) if code != 0]
    assert not failures, "\n".join(f"{h}:\n{err[:1500]}" for h, err in failures)


# ---- behaviour: a library built with g++, called through the runtime ----

LIBRARY = r"""
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/extra/base64.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/creator.h>
#include <tvm/ffi/reflection/registry.h>

#include <cstdlib>
#include <unordered_map>

namespace ffi = tvm::ffi;

int64_t check_eq(int64_t a, int64_t b) {
  TVM_FFI_CHECK_EQ(a, b, ValueError) << "custom note";
  return a;
}
int64_t icheck_lt(int64_t a, int64_t b) {
  TVM_FFI_ICHECK_LT(a, b);
  return b - a;
}
int64_t dcheck_ge(int64_t a, int64_t b) {
  int64_t evaluated = 0;
  TVM_FFI_DCHECK_GE(a + (++evaluated) * 0, b);
  return evaluated;
}
// The binary checks are statements that keep a following `else` with the caller's `if`.
int64_t check_in_if(int64_t a) {
  if (a > 0) TVM_FFI_CHECK_GT(a, 10, ValueError) << "small"; else return -1;
  return a;
}
int64_t not_null(bool give) {
  static int64_t value = 7;
  const int64_t* p = give ? &value : nullptr;
  return *TVM_FFI_CHECK_NOTNULL(p, ValueError);
}
void log_and_throw() { TVM_FFI_LOG_AND_THROW(RuntimeError) << "logged failure"; }
ffi::Expected<int64_t> half(int64_t x) {
  TVM_FFI_RET_CHECK_EQ(x % 2, 0, ValueError) << "odd input";
  return x / 2;
}
int64_t call_expected(int64_t x) {
  ffi::Function f = ffi::Function::FromTyped(half);
  ffi::Expected<int64_t> r = f.CallExpected<int64_t>(x);
  return r.is_ok() ? r.value() : -static_cast<int64_t>(r.error().message().size());
}
ffi::String string_api(ffi::String s) {
  std::unordered_map<ffi::String, int> seen{{s, 1}};
  ffi::String out = s.substr(1) + "|" + std::string(s.starts_with("ab") ? "y" : "n");
  return out + "|" + ffi::String(std::to_string(seen.count("abc"))) + "|" +
         ffi::Base64Encode(ffi::Bytes(std::string(s)));
}
int64_t global_api(ffi::String name) {
  std::optional<ffi::Function> f = ffi::Function::GetGlobal(name);
  if (!f.has_value()) return -1;
  return (*f)(20, 22).cast<int64_t>();
}
// Allocated the way kernels written for TVM-FFI allocate outputs.
ffi::Tensor env_alloc(ffi::TensorView like, int64_t n) {
  ffi::Tensor out = ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, ffi::Shape({n}), like.dtype(),
                                              like.device());
  float* data = static_cast<float*>(out.data_ptr());
  for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(i) * 0.5f;
  return out;
}
struct CPUNDAlloc {
  void AllocData(DLTensor* t) { t->data = std::malloc(ffi::GetDataSize(*t)); }
  void FreeData(DLTensor* t) { std::free(t->data); }
};
ffi::Tensor nd_alloc(int64_t rows, int64_t cols) {
  ffi::Tensor t = ffi::Tensor::FromNDAlloc(CPUNDAlloc(), ffi::Shape({rows, cols}),
                                           DLDataType{kDLInt, 32, 1}, DLDevice{kDLCPU, 0});
  int32_t* data = static_cast<int32_t*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i) data[i] = static_cast<int32_t>(i);
  return t;
}
ffi::Array<int64_t> view_facts(ffi::TensorView x) {
  return {x.ndim(), x.size(-1), x.stride(0), x.numel(), x.IsContiguous(), x.dtype().bits,
          x.device().device_type, static_cast<int64_t>(x.byte_offset())};
}
int64_t size_out_of_range(ffi::TensorView x) { return x.size(5); }
std::string dtype_text(DLDataType t) {
  return std::string(ffi::DLDataTypeToString(t)) + "/" + ffi::DTypeAbbrev(t) + "/" +
         (ffi::DTypeIsFloat(t) ? "float" : "other");
}
DLDevice parse_device(DLDevice d) { return d; }

TVM_FFI_DLL_EXPORT_TYPED_FUNC(check_eq, check_eq);
TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(check_eq, R"(Returns a when a == b.

Raises ValueError "Check failed: a == b (1 vs. 2) : custom note" otherwise.)");
TVM_FFI_DLL_EXPORT_TYPED_FUNC(icheck_lt, icheck_lt);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(dcheck_ge, dcheck_ge);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(check_in_if, check_in_if);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(not_null, not_null);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(log_and_throw, log_and_throw);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(half, half);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(call_expected, call_expected);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(string_api, string_api);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(global_api, global_api);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(env_alloc, env_alloc);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(nd_alloc, nd_alloc);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(view_facts, view_facts);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(size_out_of_range, size_out_of_range);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(dtype_text, dtype_text);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(parse_device, parse_device);
// A lambda works too here (TVM-FFI's own headers need C++20 for this).
TVM_FFI_DLL_EXPORT_TYPED_FUNC(sub_one, [](int64_t x) { return x - 1; });

// A reflected class declared as for TVM-FFI: a constructor, field traits, methods.
class PointObj : public ffi::Object {
 public:
  int64_t x = 0;
  double y = 0;
  PointObj() = default;
  PointObj(int64_t x, double y) : x(x), y(y) {}
  int64_t Sum() const { return x + static_cast<int64_t>(y); }
  static constexpr bool _type_mutable = true;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("cxx_api_test.Point", PointObj, ffi::Object);
};

TVM_FFI_STATIC_INIT_BLOCK() {
  namespace refl = ffi::reflection;
  refl::GlobalDef().def(
      "cxx_api_test.add", [](int64_t a, int64_t b) { return a + b; }, "Adds two ints.",
      refl::Metadata{{"pure", true}});
  refl::ObjectDef<PointObj>("A point.")
      .def(refl::init<int64_t, double>())
      .def_ro("x", &PointObj::x, "the x", refl::DefaultValue(0), refl::Metadata{{"unit", "m"}})
      .def_rw("y", &PointObj::y, refl::repr(false), refl::kw_only(true))
      .def("sum", &PointObj::Sum, "x + y")
      .def("scaled", [](const PointObj* self, int64_t k) { return self->x * k; });
}

// What the type information of Point records, read back through the C ABI.
ffi::Array<ffi::Any> reflection_facts() {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(PointObj::RuntimeTypeIndex());
  ffi::Array<ffi::Any> facts;
  for (int32_t i = 0; i < info->num_fields; ++i) {
    const TVMFFIFieldInfo& f = info->fields[i];
    facts.push_back(ffi::String(f.name.data, f.name.size));
    facts.push_back(f.flags);
    facts.push_back(ffi::String(f.metadata.data, f.metadata.size));
  }
  for (int32_t i = 0; i < info->num_methods; ++i) {
    const TVMFFIMethodInfo& m = info->methods[i];
    std::string name(m.name.data, m.name.size);
    ffi::Function f = ffi::details::AnyUnsafe::ViewFromRaw(m.method).cast<ffi::Function>();
    facts.push_back(ffi::String(name));
    facts.push_back(m.flags);
    if (name == "__ffi_init__") {
      ffi::ObjectRef p = f(int64_t{4}, 2.5).cast<ffi::ObjectRef>();
      facts.push_back(p.as<PointObj>()->Sum());
    } else if (name == "sum") {
      facts.push_back(f(ffi::ObjectRef(ffi::make_object<PointObj>(1, 2.0))).cast<int64_t>());
    } else {
      facts.push_back(f(ffi::ObjectRef(ffi::make_object<PointObj>(3, 0.0)), 5).cast<int64_t>());
    }
  }
  return facts;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(reflection_facts, reflection_facts);

// Made and read through reflection alone, by type key and field name.
double create_and_read(int64_t x) {
  namespace refl = ffi::reflection;
  ffi::Any made = refl::ObjectCreator("cxx_api_test.Point")({{"x", x}, {"y", 0.5}});
  refl::FieldSetter("cxx_api_test.Point", "y")(made.cast<ffi::ObjectRef>(), 2.5);
  return refl::FieldGetter("cxx_api_test.Point", "x")(made.cast<ffi::ObjectRef>()).cast<double>() +
         refl::FieldGetter("cxx_api_test.Point", "y")(made.cast<ffi::ObjectRef>()).cast<double>();
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(create_and_read, create_and_read);
"""


@pytest.fixture(scope="module")
def libs(tmp_path_factory):
    out = tmp_path_factory.mktemp("cxx_api")
    source = out / "api.cc"
    source.write_text(LIBRARY)
    paths = {"debug": str(out / "api.so"), "ndebug": str(out / "api_ndebug.so")}
    cxx = [*CXX, "-O0", "-fPIC", "-shared", *INCLUDE_FLAGS, str(source)]
    build_all(
        {
            "debug": [*cxx, "-o", paths["debug"], *LINK_FLAGS],
            "ndebug": [*cxx, "-DNDEBUG", "-o", paths["ndebug"], *LINK_FLAGS],
        }
    )
    return paths


@pytest.fixture(scope="module")
def mod(libs):
    return tvm_ffi_jit.load_module(libs["debug"])


def test_check_eq_message_names_both_operands(mod):
    assert mod.check_eq(3, 3) == 3
    with pytest.raises(ValueError) as err:
        mod.check_eq(1, 2)
    assert "Check failed: a == b (1 vs. 2) : custom note" in str(err.value)


def test_icheck_failure_names_both_operands(mod):
    assert mod.icheck_lt(1, 5) == 4
    with pytest.raises(RuntimeError, match=r"Check failed: a < b \(5 vs. 1\) : "):
        mod.icheck_lt(5, 1)


def test_dcheck_is_checked_in_debug_and_not_evaluated_with_ndebug(mod, libs):
    assert mod.dcheck_ge(5, 1) == 1
    with pytest.raises(Exception, match=r"Check failed: .* >= b"):
        mod.dcheck_ge(1, 5)
    release = tvm_ffi_jit.load_module(libs["ndebug"])
    assert release.dcheck_ge(1, 5) == 0  # neither checked nor evaluated


def test_binary_check_keeps_a_following_else_with_the_users_if(mod):
    assert mod.check_in_if(11) == 11
    assert mod.check_in_if(-3) == -1
    with pytest.raises(ValueError, match="small"):
        mod.check_in_if(3)


def test_check_notnull_yields_the_pointer_or_throws(mod):
    assert mod.not_null(True) == 7
    with pytest.raises(ValueError, match="Check not null: p"):
        mod.not_null(False)


def test_log_and_throw_prints_before_raising(mod, capfd):
    with pytest.raises(RuntimeError, match="logged failure"):
        mod.log_and_throw()
    assert "RuntimeError: logged failure" in capfd.readouterr().err


def test_expected_returns_value_or_error_without_throwing(mod):
    assert mod.call_expected(8) == 4
    assert mod.call_expected(7) == -len("Check failed: x % 2 == 0 (1 vs. 0) : odd input")


def test_string_hash_and_methods(mod):
    assert mod.string_api("abc") == "bc|y|1|YWJj"


def test_function_get_global_by_string(mod):
    assert mod.global_api("cxx_api_test.add") == 42
    assert mod.global_api("cxx_api_test.missing") == -1


def test_global_def_records_doc_and_type_schema(mod):
    doc = tvm_ffi_jit.get_global_func("ffi.FunctionGetGlobalDoc")("cxx_api_test.add")
    assert doc == "Adds two ints."
    meta = json.loads(tvm_ffi_jit.get_global_func("ffi.GetGlobalFuncMetadata")("cxx_api_test.add"))
    assert meta["pure"] is True
    assert json.loads(meta["type_schema"]) == {
        "type": "ffi.Function",
        "named_args": {"return": [{"type": "int"}], "params": [{"type": "int"}, {"type": "int"}]},
    }


def test_object_def_records_constructor_field_traits_and_methods(mod):
    facts = list(mod.reflection_facts())
    x_meta, y_meta = json.loads(facts[2]), json.loads(facts[5])
    assert facts[0:2] == ["x", 1 << 1]  # has a default
    assert x_meta == {"type_schema": '{"type":"int"}', "unit": "m"}
    assert facts[3:5] == ["y", 1 | (1 << 6) | (1 << 10)]  # writable, repr off, keyword-only
    assert y_meta == {"type_schema": '{"type":"float"}'}
    assert facts[6:] == ["__ffi_init__", 1 << 2, 6, "sum", 0, 3, "scaled", 0, 15]
    assert mod.create_and_read(4) == 6.5  # ObjectCreator, FieldSetter, FieldGetter


def test_lambda_export_and_dtype_and_device_helpers(mod):
    assert mod.sub_one(10) == 9
    assert mod.dtype_text(tvm_ffi_jit.dtype("bfloat16")) == "bfloat16/bf16/float"
    assert mod.dtype_text("int8") == "int8/i8/other"
    device = mod.parse_device("cuda:1")  # a device name converts to a DLDevice parameter
    assert (device.device_type, device.device_id) == (2, 1)


def test_tensor_allocation_and_view_accessors(mod):
    torch = pytest.importorskip("torch")
    out = torch.from_dlpack(mod.env_alloc(torch.empty(3), 4))
    assert out.tolist() == [0.0, 0.5, 1.0, 1.5]
    grid = torch.from_dlpack(mod.nd_alloc(2, 3))
    assert grid.dtype == torch.int32 and grid.tolist() == [[0, 1, 2], [3, 4, 5]]
    x = torch.zeros(4, 6)[:, 1:4]  # a strided view
    assert list(mod.view_facts(x)) == [2, 3, 6, 12, 0, 32, 1, 0]
    with pytest.raises(IndexError, match="Index 5 out of bounds for tensor with 2 dimensions"):
        mod.size_out_of_range(x)


# ---- metadata and docs stored in the library ----


def _call_string_symbol(library_path, symbol):
    """Calls an exported ``TVMFFISafeCallType`` getter with ctypes; returns its String."""
    from ffi_ctypes import OBJECT_HEADER_SIZE, Any, ByteArray

    lib = ctypes.CDLL(library_path)
    getter = getattr(lib, symbol)
    getter.restype = ctypes.c_int
    result = Any(0, 0, 0)
    assert getter(None, None, 0, ctypes.byref(result)) == 0
    if result.type_index == 11:  # kTVMFFISmallStr: the bytes are inline
        raw = ctypes.string_at(ctypes.addressof(result) + 8, result.padding)
        return raw.decode()
    runtime = ctypes.CDLL(os.path.join(libinfo.library_dir(), f"lib{libinfo.library_name()}.so"))
    cell = ByteArray.from_address(result.v + OBJECT_HEADER_SIZE)
    text = cell.text()
    runtime.TVMFFIObjectDecRef(ctypes.c_void_p(result.v))
    return text


CHECK_EQ_SCHEMA = {
    "type": "ffi.Function",
    "named_args": {"return": [{"type": "int"}], "params": [{"type": "int"}, {"type": "int"}]},
}


def test_exported_symbols_hold_type_schema_and_doc(libs):
    metadata = json.loads(_call_string_symbol(libs["debug"], "__tvm_ffi__metadata_check_eq"))
    assert json.loads(metadata["type_schema"]) == CHECK_EQ_SCHEMA
    doc = _call_string_symbol(libs["debug"], "__tvm_ffi__doc_check_eq")
    assert doc.startswith("Returns a when a == b.\n\nRaises ValueError")
    tensor_meta = json.loads(_call_string_symbol(libs["debug"], "__tvm_ffi__metadata_view_facts"))
    assert json.loads(tensor_meta["type_schema"])["named_args"] == {
        "return": [{"type": "ffi.Array", "args": [{"type": "int"}]}],
        "params": [{"type": "DLTensor*"}],
    }


def test_module_reads_doc_and_metadata_of_a_built_library(tmp_path):
    path = tvm_ffi_jit.cpp.build_inline(
        "cxx_api_doc",
        cpp_sources=r"""
        #include <tvm/ffi/function.h>
        double scale(double x, int64_t k) { return x * k; }
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(scale, scale);
        TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(scale, "Multiplies x by k.");
        """,
        build_directory=str(tmp_path),
    )
    loaded = tvm_ffi_jit.load_module(path)
    assert loaded.scale(1.5, 4) == 6.0
    get_doc = tvm_ffi_jit.get_global_func("ffi.ModuleGetFunctionDoc")
    get_meta = tvm_ffi_jit.get_global_func("ffi.ModuleGetFunctionMetadata")
    assert get_doc(loaded, "scale", False) == "Multiplies x by k."
    meta = json.loads(get_meta(loaded, "scale", False))
    assert json.loads(meta["type_schema"])["named_args"]["params"] == [
        {"type": "float"},
        {"type": "int"},
    ]
    assert get_doc(loaded, "missing", False) is None
    assert "scale" in loaded.list_functions() and len(loaded.list_functions()) == 1
