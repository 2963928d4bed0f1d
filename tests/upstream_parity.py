"""What kernel code and Python code written for apache-tvm-ffi use, and whether it works here.

Four inventories, each read from the installed apache-tvm-ffi (the `test` extra) so they follow
its releases: header paths, public macros, top-level Python names, and C++ API probes (snippets
written as kernel authors write them). ``python tests/upstream_parity.py`` prints the table;
tests/test_upstream_parity.py asserts it.
"""

import importlib.util
import os
import re
import subprocess
import sys
import tempfile

# Macros that are include guards or implementation switches rather than API.
_MACRO_NOT_API = re.compile(r"(_H_?$|_$)")

# Upstream features outside a kernel library's surface, with the reason they are not here.
NOT_PROVIDED = {
    # headers
    "tvm/ffi/extra/structural_equal.h": "compiler IR feature (structural equality)",
    "tvm/ffi/extra/structural_hash.h": "compiler IR feature (structural hashing)",
    "tvm/ffi/extra/structural_key.h": "compiler IR feature (structural keys)",
    "tvm/ffi/extra/structural_mutate.h": "compiler IR feature (structural rewriting)",
    "tvm/ffi/extra/structural_visit.h": "compiler IR feature (structural visiting)",
    "tvm/ffi/extra/visit_error_context.h": "compiler IR feature (visitor error context)",
    "tvm/ffi/extra/serialization.h": "object-graph serialization",
    "tvm/ffi/extra/json.h": "object-graph serialization",
    "tvm/ffi/extra/dataclass.h": "Python dataclass mirroring of IR nodes",
    "tvm/ffi/enum.h": "enum objects registered with the type system (IR reflection)",
    "tvm/ffi/reflection/enum_def.h": "enum objects registered with the type system (IR reflection)",
    "tvm/ffi/reflection/access_path.h": "compiler IR feature (paths into object graphs)",
    "tvm/ffi/reflection/native_function.h": "typed reflection hooks of the IR infrastructure",
    "tvm/ffi/reflection/overload.h": "overloaded reflection methods (IR reflection)",
    # macros
    "TVM_FFI_S_MUTATE_ASSIGN_OR_RETURN": "structural rewriting",
    "TVM_FFI_S_MUTATE_MAYBE_EARLY_RETURN": "structural rewriting",
    "TVM_FFI_UNSAFE_S_MUTATE_ASSIGN_OR_RETURN": "structural rewriting",
    "TVM_FFI_S_VISIT_MAYBE_EARLY_RETURN": "structural visiting",
    "TVM_FFI_MAP_FAIL_IF_CHANGED": "structural rewriting",
    "TVM_FFI_VISIT_BEGIN": "structural visiting",
    "TVM_FFI_VISIT_END": "structural visiting",
    "TVM_FFI_VISIT_END_RETURN_EXPECTED": "structural visiting",
    "TVM_FFI_VISIT_THROW": "structural visiting",
    "TVM_FFI_EXTRA_OVERLOAD_H": "an include guard",
    # Helpers the header #undefs after use: no user code can name them.
    "TVM_FFI_DEFINE_BIGINT_OP_CHECKED": "#undef'd by the header that uses it",
    "TVM_FFI_DEFINE_BIGINT_OP_COMPARE": "#undef'd by the header that uses it",
    "TVM_FFI_DEFINE_BIGINT_OP_NO_OVERFLOW": "#undef'd by the header that uses it",
    "TVM_FFI_DEFINE_BIGINT_OP_OVERLOAD": "#undef'd by the header that uses it",
    "TVM_FFI_DISPATCH_MAP": "#undef'd by the header that uses it",
    "TVM_FFI_DISPATCH_MAP_CONST": "#undef'd by the header that uses it",
    # Python names
    "StructuralKey": "compiler IR feature",
    "StructuralMutator": "compiler IR feature",
    "StructuralVisitor": "compiler IR feature",
    "VisitInterrupt": "compiler IR feature",
    "WalkOrder": "compiler IR feature",
    "WalkResult": "compiler IR feature",
    "InplaceMode": "compiler IR feature",
    "DefRegionKind": "compiler IR feature",
    "get_first_structural_mismatch": "compiler IR feature",
    "structural": "compiler IR feature",
    "structural_equal": "compiler IR feature",
    "structural_hash": "compiler IR feature",
    "structural_map": "compiler IR feature",
    "structural_mutate": "compiler IR feature",
    "structural_visit": "compiler IR feature",
    "structural_walk": "compiler IR feature",
    "serialization": "object-graph serialization",
    "dataclasses": "Python dataclass mirroring of IR nodes",
    "method": "Python dataclass mirroring of IR nodes (a decorator of tvm_ffi.dataclasses)",
    "access_path": "compiler IR feature (paths into object graphs)",
}

# C++ API probes: (name, body). Each body is written as apache-tvm-ffi kernel code is, and is
# compiled inside its own namespace after PROBE_PRELUDE; its `#include` lines go on top.
PROBE_PRELUDE = """
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/function.h>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>
"""

PROBES = [
    (
        "TensorView shape/ndim/numel/size",
        "int64_t f(ffi::TensorView x) { return x.ndim() + x.numel() + x.size(0) + x.shape()[0]; }",
    ),
    (
        "TensorView strides/stride",
        "int64_t f(ffi::TensorView x) { return x.strides()[0] + x.stride(0); }",
    ),
    (
        "TensorView dtype/device/data_ptr",
        "void* f(ffi::TensorView x) { DLDataType t = x.dtype(); DLDevice d = x.device();"
        " (void)t; (void)d; return x.data_ptr(); }",
    ),
    ("TensorView IsContiguous", "bool f(ffi::TensorView x) { return x.IsContiguous(); }"),
    ("TensorView is_contiguous", "bool f(ffi::TensorView x) { return x.is_contiguous(); }"),
    ("TensorView sizes", "int64_t f(ffi::TensorView x) { return x.sizes().size(); }"),
    ("TensorView byte_offset", "uint64_t f(ffi::TensorView x) { return x.byte_offset(); }"),
    ("Tensor IsAligned", "bool f(ffi::Tensor x) { return x.IsAligned(16); }"),
    (
        "Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, ...)",
        "ffi::Tensor f(ffi::TensorView x) { return ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc,"
        " ffi::Shape({2, 3}), x.dtype(), x.device()); }",
    ),
    (
        "Tensor::FromNDAlloc",
        "struct CPUAlloc {"
        " void AllocData(DLTensor* t) { t->data = ::operator new(ffi::GetDataSize(*t)); }"
        " void FreeData(DLTensor* t) { ::operator delete(t->data); } };\n"
        "ffi::Tensor f() { return ffi::Tensor::FromNDAlloc(CPUAlloc(), ffi::Shape({4}),"
        " DLDataType{kDLFloat, 32, 1}, DLDevice{kDLCPU, 0}); }",
    ),
    (
        "Tensor::FromDLPack",
        "ffi::Tensor f(DLManagedTensor* m) { return ffi::Tensor::FromDLPack(m); }",
    ),
    (
        "Tensor to DLPack",
        "DLManagedTensorVersioned* f(ffi::Tensor t) { return t.ToDLPackVersioned(); }",
    ),
    (
        "Tensor GetDLTensorPtr",
        "const DLTensor* f(ffi::Tensor t) { return t.GetDLTensorPtr(); }",
    ),
    ("GetDataSize", "size_t f(const DLTensor& t) { return ffi::GetDataSize(t); }"),
    ("IsContiguous(DLTensor)", "bool f(const DLTensor& t) { return ffi::IsContiguous(t); }"),
    ("DLTensor* parameter", "int64_t f(DLTensor* t) { return t->ndim; }"),
    (
        "env stream",
        "void* f(ffi::TensorView x) { return TVMFFIEnvGetStream(x.device().device_type,"
        " x.device().device_id); }",
    ),
    (
        "DLDataTypeToString / StringToDLDataType",
        "#include <tvm/ffi/dtype.h>\n"
        'ffi::String f(DLDataType t) { DLDataType u = ffi::StringToDLDataType("float16");'
        " (void)u; return ffi::DLDataTypeToString(t); }",
    ),
    (
        "DLDataType == and <<",
        "#include <sstream>\nbool f(DLDataType a, DLDataType b) { std::ostringstream os; os << a;"
        " return a == b; }",
    ),
    (
        "TVM_FFI_ICHECK family",
        'void f(int a, int b) { TVM_FFI_ICHECK(a); TVM_FFI_ICHECK_EQ(a, b) << "m";'
        " TVM_FFI_ICHECK_NE(a, b); TVM_FFI_ICHECK_LT(a, b); TVM_FFI_ICHECK_LE(a, b);"
        " TVM_FFI_ICHECK_GT(a, b); TVM_FFI_ICHECK_GE(a, b); TVM_FFI_ICHECK_NOTNULL(&a); }",
    ),
    (
        "TVM_FFI_CHECK family",
        'void f(int a, int b) { TVM_FFI_CHECK(a > 0, ValueError) << "m";'
        " TVM_FFI_CHECK_EQ(a, b, ValueError); TVM_FFI_CHECK_LT(a, b, IndexError); }",
    ),
    (
        "TVM_FFI_DCHECK family",
        "void f(int a, int b) { TVM_FFI_DCHECK(a); TVM_FFI_DCHECK_EQ(a, b);"
        " TVM_FFI_DCHECK_LT(a, b); }",
    ),
    ("TVM_FFI_THROW", 'void f() { TVM_FFI_THROW(ValueError) << "bad " << 3; }'),
    ("TVM_FFI_LOG_AND_THROW", 'void f() { TVM_FFI_LOG_AND_THROW(RuntimeError) << "bad"; }'),
    (
        "ffi::Error",
        'void f() { try { throw ffi::Error("ValueError", "m", ""); }'
        " catch (const ffi::Error& e) { (void)e.kind(); (void)e.message(); (void)e.what(); } }",
    ),
    (
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC",
        "int add(int a, int b) { return a + b; }\n} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_add, add)"
        " namespace {",
    ),
    (
        "exported scalar types",
        "double f(int64_t a, double b, bool c, float d) { return a + b + c + d; }\n"
        "} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_scalars, f) namespace {",
    ),
    (
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC",
        '} TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(probe_add, "Adds two ints.") namespace {',
    ),
    (
        "TVM_FFI_STATIC_INIT_BLOCK + GlobalDef",
        "#include <tvm/ffi/reflection/registry.h>\n"
        "} TVM_FFI_STATIC_INIT_BLOCK() { namespace refl = tvm::ffi::reflection;"
        ' refl::GlobalDef().def("probe.twice", [](int x) { return 2 * x; }); } namespace {',
    ),
    (
        "Function::GetGlobal",
        'int f() { std::optional<ffi::Function> g = ffi::Function::GetGlobal("probe.twice");'
        " return g.has_value() ? (*g)(3).cast<int>() : 0; }",
    ),
    (
        "Function::GetGlobal(String)",
        "bool f(ffi::String n) { return ffi::Function::GetGlobal(n).has_value(); }",
    ),
    (
        "Function::GetGlobalRequired",
        'ffi::Function f() { return ffi::Function::GetGlobalRequired("probe.twice"); }',
    ),
    (
        "Function::FromTyped",
        "ffi::Function f() { return ffi::Function::FromTyped([](int a) { return a + 1; }); }",
    ),
    (
        "Function::FromPacked",
        "ffi::Function f() { return ffi::Function::FromPacked("
        "[](ffi::PackedArgs args, ffi::Any* rv) { *rv = args[0].cast<int>() + args.size(); }); }",
    ),
    (
        "TypedFunction",
        "int f(ffi::TypedFunction<int(int)> g) { return g(2); }",
    ),
    (
        "Function call with a Python callback",
        'int64_t f(ffi::Function cb) { return cb(1, ffi::String("a")).cast<int64_t>(); }',
    ),
    (
        "Any cast/as/try_cast/type_index",
        "int64_t f(ffi::Any a) { std::optional<int64_t> v = a.as<int64_t>();"
        " std::optional<ffi::String> s = a.try_cast<ffi::String>(); (void)s;"
        " return v.value_or(a.type_index()) + a.cast<int64_t>(); }",
    ),
    ("Any GetTypeKey", "std::string f(ffi::AnyView a) { return a.GetTypeKey(); }"),
    (
        "String API",
        "size_t f(ffi::String s) { std::string t = s; const char* c = s.c_str();"
        ' (void)c; return s.size() + t.size() + (s == "x") + s.empty(); }',
    ),
    (
        "std::hash<String>",
        "size_t f(ffi::String s) { std::unordered_map<ffi::String, int> m{{s, 1}};"
        " return std::hash<ffi::String>()(s) + m.size(); }",
    ),
    ("Bytes", "size_t f(ffi::Bytes b) { return b.size() + (b.data() != nullptr); }"),
    (
        "Optional<T>",
        "#include <tvm/ffi/optional.h>\n"
        "int64_t f(ffi::Optional<int64_t> x, ffi::Optional<ffi::String> s) {"
        " if (!s.has_value()) return x.value_or(-1);"
        " return x.has_value() ? *x : s.value().size(); }",
    ),
    (
        "Optional<TensorView> parameter",
        "bool f(ffi::Optional<ffi::TensorView> t) { return t.has_value(); }",
    ),
    ("Optional == std::nullopt", "bool f(ffi::Optional<int> x) { return x == std::nullopt; }"),
    (
        "Array<T> push_back/size/iterate",
        "int64_t f(ffi::Array<int64_t> a) { a.push_back(1); int64_t s = 0;"
        " for (int64_t v : a) s += v; return s + a.size() + a[0] + a.back() + a.front(); }",
    ),
    (
        "Array mutators",
        "#include <tvm/ffi/container/array.h>\n"
        "ffi::Array<int> f(ffi::Array<int> a) { a.Set(0, 1); a.insert(a.begin(), 2);"
        " a.erase(a.begin()); a.pop_back(); a.resize(3); a.reserve(8); a.clear(); return a; }",
    ),
    (
        "Array of Tensors",
        "int64_t f(ffi::Array<ffi::Tensor> ts) { return ts.empty() ? 0 : ts[0].numel(); }",
    ),
    (
        "Map Set/erase/count/find/at",
        "#include <tvm/ffi/container/map.h>\n"
        'int64_t f(ffi::Map<ffi::String, int64_t> m) { m.Set("a", 1); m.erase("b");'
        ' auto it = m.find("a"); return m.count("a") + m.at("a") + (it != m.end()) + m.size(); }',
    ),
    (
        "Map Get",
        "#include <tvm/ffi/container/map.h>\n"
        'int64_t f(ffi::Map<ffi::String, int64_t> m) { return m.Get("a").value_or(0); }',
    ),
    (
        "Shape",
        "#include <tvm/ffi/container/shape.h>\n"
        "int64_t f(ffi::Shape s) { ffi::Shape t({1, 2}); return s.size() + t[1] + s.Product(); }",
    ),
    (
        "Tuple",
        "#include <tvm/ffi/container/tuple.h>\n"
        "ffi::Tuple<int64_t, ffi::String> f(ffi::Tuple<int64_t, ffi::String> t) {"
        " return ffi::Tuple<int64_t, ffi::String>(t.get<0>() + 1, t.get<1>()); }",
    ),
    (
        "Variant",
        "#include <tvm/ffi/container/variant.h>\n"
        "int64_t f(ffi::Variant<int64_t, ffi::String> v) { if (auto i = v.as<int64_t>()) return *i;"
        " return v.get<ffi::String>().size(); }",
    ),
    (
        "std::vector parameter/return",
        "#include <tvm/ffi/extra/stl.h>\n"
        "std::vector<int64_t> f(std::vector<int64_t> v) { v.push_back(1); return v; }\n"
        "} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_vec, f) namespace {",
    ),
    (
        "std::optional parameter",
        "#include <tvm/ffi/extra/stl.h>\n"
        "int64_t f(std::optional<int64_t> v) { return v.value_or(0); }\n"
        "} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_opt, f) namespace {",
    ),
    (
        "std::tuple return",
        "#include <tvm/ffi/extra/stl.h>\n"
        "std::tuple<int64_t, double> f(int64_t a) { return {a, 1.5}; }\n"
        "} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_tuple, f) namespace {",
    ),
    (
        "std::string parameter/return",
        'std::string f(std::string s) { return s + "!"; }\n'
        "} TVM_FFI_DLL_EXPORT_TYPED_FUNC(probe_str, f) namespace {",
    ),
    (
        "Object subclass + ObjectRef",
        "class PointObj : public ffi::Object { public: int64_t x = 0;"
        ' TVM_FFI_DECLARE_OBJECT_INFO_FINAL("probe.Point", PointObj, ffi::Object); };\n'
        "class Point : public ffi::ObjectRef { public: explicit Point(int64_t x) {"
        " auto n = ffi::make_object<PointObj>(); n->x = x; data_ = std::move(n); }"
        " TVM_FFI_DEFINE_OBJECT_REF_METHODS_NULLABLE(Point, ffi::ObjectRef, PointObj); };\n"
        "int64_t f(Point p) { return p->x; }",
    ),
    (
        "reflection ObjectDef",
        "#include <tvm/ffi/reflection/registry.h>\n"
        "class CounterObj : public ffi::Object { public: int64_t count = 0;"
        " static constexpr bool _type_mutable = true;"
        ' TVM_FFI_DECLARE_OBJECT_INFO_FINAL("probe.Counter", CounterObj, ffi::Object); };\n'
        "} TVM_FFI_STATIC_INIT_BLOCK() { tvm::ffi::reflection::ObjectDef<CounterObj>()"
        '.def_rw("count", &CounterObj::count); } namespace {',
    ),
    (
        "GetRef / GetObjectPtr",
        "#include <tvm/ffi/cast.h>\n"
        "ffi::ObjectRef f(ffi::ObjectRef r) {"
        " ffi::ObjectPtr<ffi::Object> p = ffi::GetObjectPtr<ffi::Object>"
        "(const_cast<ffi::Object*>(r.get())); (void)p;"
        " return ffi::GetRef<ffi::ObjectRef>(r.get()); }",
    ),
    (
        "Module from env",
        "#include <tvm/ffi/extra/module.h>\n"
        'ffi::Function f(ffi::Module m) { return m->GetFunction("x").value_or(ffi::Function()); }',
    ),
    ("TVM_FFI_UNREACHABLE", "int f(int a) { if (a) return 1; TVM_FFI_UNREACHABLE(); }"),
    (
        "TVM_FFI_INLINE / TVM_FFI_PREDICT_*",
        "TVM_FFI_INLINE int f(int a) { if (TVM_FFI_PREDICT_FALSE(a < 0)) return 0;"
        " return TVM_FFI_PREDICT_TRUE(a > 0); }",
    ),
    (
        "TVMFFIEnvCheckSignals",
        "void f() { if (TVMFFIEnvCheckSignals() != 0) throw ffi::EnvErrorAlreadySet(); }",
    ),
]


def upstream_include_dir() -> "str | None":
    """apache-tvm-ffi's include directory, found without importing it."""
    spec = importlib.util.find_spec("tvm_ffi")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "include")
    return path if os.path.isdir(path) else None


def our_include_dirs() -> "list[str]":
    import tvm_ffi_jit.libinfo

    return tvm_ffi_jit.libinfo.include_dirs()


def upstream_headers(upstream: str) -> "list[str]":
    found = []
    for root, _, files in os.walk(os.path.join(upstream, "tvm")):
        found += [
            os.path.relpath(os.path.join(root, f), upstream) for f in files if f.endswith(".h")
        ]
    return sorted(found)


def header_exists_here(header: str) -> bool:
    return any(os.path.isfile(os.path.join(d, header)) for d in our_include_dirs())


def _macros_defined_in(dirs: "list[str]") -> "set[str]":
    names = set()
    pattern = re.compile(r"^\s*#\s*define\s+(TVM_FFI_[A-Z0-9_]+)", re.M)
    for top in dirs:
        for root, _, files in os.walk(os.path.join(top, "tvm")):
            for name in files:
                if name.endswith(".h"):
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        names.update(pattern.findall(f.read()))
    return names


def upstream_macros(upstream: str) -> "list[str]":
    return sorted(m for m in _macros_defined_in([upstream]) if not _MACRO_NOT_API.search(m))


def our_macros() -> "set[str]":
    return _macros_defined_in(our_include_dirs())


def upstream_python_names() -> "list[str]":
    """``tvm_ffi.__all__``, read in a child interpreter so this one never loads that runtime."""
    code = "import tvm_ffi; print('\\n'.join(sorted(tvm_ffi.__all__)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [n for n in out.stdout.split() if not n.startswith("__")]


def python_name_here(name: str) -> bool:
    import tvm_ffi_jit

    try:
        getattr(tvm_ffi_jit, name)
    except AttributeError:
        return False
    return True


def probe_source(probes) -> str:
    includes, parts = [], []
    for index, (_, body) in enumerate(probes):
        lines = body.split("\n")
        includes += [line for line in lines if line.startswith("#include")]
        code = "\n".join(line for line in lines if not line.startswith("#include"))
        parts.append(f"namespace probe_{index} {{ namespace {{\n{code}\n}} }}\n")
    unique = "\n".join(dict.fromkeys(includes))
    return "".join([PROBE_PRELUDE, unique, "\nnamespace ffi = tvm::ffi;\n", *parts])


def compile_probes(probes, include_dirs: "list[str]") -> "tuple[bool, str]":
    """Compiles the probes as one translation unit (syntax and semantics, no codegen)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probes.cc")
        with open(path, "w", encoding="utf-8") as f:
            f.write(probe_source(probes))
        cmd = ["g++", "-std=c++17", "-fsyntax-only", "-w", path]
        cmd += [f"-I{d}" for d in include_dirs]
        done = subprocess.run(cmd, capture_output=True, text=True)
        return done.returncode == 0, done.stderr


def _row(name: str, works: bool, reason: str = "") -> str:
    status = "yes" if works else ("not provided: " + reason if reason else "NO")
    return f"| `{name}` | {status} |"


def main() -> int:
    upstream = upstream_include_dir()
    if upstream is None:
        print("apache-tvm-ffi is not installed (pip install '.[test]')", file=sys.stderr)
        return 1
    ours = our_include_dirs()
    sections = []

    headers = upstream_headers(upstream)
    rows = [_row(h, header_exists_here(h), NOT_PROVIDED.get(h, "")) for h in headers]
    sections.append(("Header paths", rows))

    defined = our_macros()
    macros = upstream_macros(upstream)
    rows = [_row(m, m in defined, NOT_PROVIDED.get(m, "")) for m in macros]
    sections.append(("Macros", rows))

    names = upstream_python_names()
    rows = [_row(n, python_name_here(n), NOT_PROVIDED.get(n, "")) for n in names]
    sections.append(("Python top-level names", rows))

    # One compile per side; each probe alone only when its side fails.
    all_valid = compile_probes(PROBES, [upstream])[0]
    all_work = compile_probes(PROBES, ours)[0]
    rows = []
    for probe in PROBES:
        valid = all_valid or compile_probes([probe], [upstream])[0]
        works = all_work or compile_probes([probe], ours)[0]
        rows.append(
            _row(probe[0], works) + ("" if valid else " (probe rejected by apache-tvm-ffi)")
        )
    sections.append(("C++ API probes", rows))

    for title, rows in sections:
        count = sum(1 for r in rows if "| yes |" in r)
        print(
            f"\n### {title}: {count} of {len(rows)} work here\n\n| name | works here |\n|---|---|"
        )
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
