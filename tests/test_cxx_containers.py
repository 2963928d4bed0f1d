"""Container code written for apache-tvm-ffi compiles unchanged here and behaves the same.

Three layers:
  * probes: snippets of upstream's container API (Variant, Tuple, Array/List/Map/Dict
    mutators, Optional, Shape, std:: types through extra/stl.h), each compiled
    (-fsyntax-only) against our headers and against upstream's, which must accept it too;
  * header paths: every upstream tvm/ffi/container/ header (and optional.h, extra/stl.h),
    included on its own, provides the names its snippet uses; upstream compiles the snippets;
  * round trips: tests/cxx_containers/kernels.cc, built with load_inline, called from Python
    with real values (the values asserted are what the same kernels return under
    apache-tvm-ffi).
"""

import importlib.util
import os
import subprocess
import textwrap

import pytest
from native_build import INCLUDE_FLAGS

import tvm_ffi_jit

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join(HERE, "cxx_containers", "kernels.cc")


def _upstream_include():
    """apache-tvm-ffi's include directory (the `test` extra), found without importing it:
    importing tvm_ffi loads its runtime into this process, which changes what later tests see."""
    spec = importlib.util.find_spec("tvm_ffi")
    if spec is None or not spec.submodule_search_locations:
        return None
    include = os.path.join(list(spec.submodule_search_locations)[0], "include")
    return include if os.path.isdir(include) else None


UPSTREAM_INCLUDE = _upstream_include()
HEADER_SETS = {"here": INCLUDE_FLAGS}
if UPSTREAM_INCLUDE:
    HEADER_SETS["upstream"] = [f"-I{UPSTREAM_INCLUDE}"]

# ---- probes: upstream API as kernel authors use it -------------------------------------

PROBES = {
    "variant": """
        ffi::Variant<int64_t, ffi::String> v = int64_t(1);
        std::optional<int64_t> i = v.as<int64_t>();
        v = ffi::String("text");
        ffi::String s = v.get<ffi::String>();
        std::string key = v.GetTypeKey();
        bool same = v.same_as(v);
        ffi::Any any = v;
        ffi::AnyView view = v;
        auto back = any.cast<ffi::Variant<int64_t, ffi::String>>();
        ffi::Variant<ffi::Array<int64_t>, ffi::String> objects = ffi::Array<int64_t>{1};
        const ffi::ArrayObj* arr = objects.as<ffi::ArrayObj>();
        static_assert(ffi::Variant<int64_t, ffi::String>::variant_contains_v<int64_t>);
        (void)i; (void)same; (void)view; (void)back; (void)arr;
    """,
    "tuple": """
        ffi::Tuple<int64_t, ffi::String> t(1, ffi::String("a"));
        int64_t first = t.get<0>();
        ffi::String second = ffi::get<1>(t);
        auto [a, b] = t;
        t.Set<0>(2);
        ffi::Tuple<int64_t, ffi::String> copy = t;
        ffi::Any any = copy;
        auto back = any.cast<ffi::Tuple<int64_t, ffi::String>>();
        static_assert(std::tuple_size_v<ffi::Tuple<int64_t, double>> == 2);
        static_assert(std::is_same_v<std::tuple_element_t<1, ffi::Tuple<int64_t, double>>, double>);
        ffi::Tuple deduced(int64_t(1), 2.0);
        (void)first; (void)second; (void)a; (void)b; (void)back; (void)deduced;
    """,
    "array_mutators": """
        ffi::Array<int64_t> a{1, 2, 3};
        a.push_back(4);
        a.emplace_back(5);
        a.insert(a.begin(), 0);
        std::vector<int64_t> more{7, 8};
        a.insert(a.end(), more.begin(), more.end());
        a.erase(a.begin());
        a.erase(a.begin(), a.begin() + 1);
        a.pop_back();
        a.resize(10);
        a.reserve(20);
        a.Set(0, 42);
        int64_t x = a[0] + a.front() + a.back();
        size_t n = a.size() + a.capacity() + a.empty();
        a.clear();
        ffi::ArrayObj* owned = a.CopyOnWrite();
        (void)x; (void)n; (void)owned;
    """,
    "array_construct_iterate": """
        std::vector<int64_t> values{3, 1, 2};
        ffi::Array<int64_t> from_vector(values);
        ffi::Array<int64_t> from_range(values.begin(), values.end());
        ffi::Array<int64_t> repeated(size_t{3}, int64_t{7});
        ffi::Array<ffi::Any> widened = from_vector;
        std::vector<int64_t> back(from_vector.begin(), from_vector.end());
        int64_t total = std::accumulate(from_vector.begin(), from_vector.end(), int64_t{0});
        for (auto it = from_vector.rbegin(); it != from_vector.rend(); ++it) total += *it;
        for (int64_t v : from_range) total += v;
        ffi::Array<double> halves = from_vector.Map([](int64_t v) { return v / 2.0; });
        from_vector.MutateByApply([](int64_t v) { return v + 1; });
        ffi::Array<int64_t> joined = ffi::Concat(from_vector, repeated);
        ffi::Array<int64_t> gathered = ffi::Array<int64_t>::Agregate(int64_t{1}, joined);
        using Value = ffi::Array<int64_t>::value_type;
        static_assert(std::is_same_v<Value, int64_t>);
        (void)widened; (void)halves; (void)gathered;
    """,
    "list_mutators": """
        ffi::List<int64_t> l{1, 2, 3};
        l.push_back(4);
        l.emplace_back(5);
        l.insert(l.begin(), 0);
        l.erase(l.begin());
        l.erase(l.begin(), l.begin() + 1);
        l.pop_back();
        l.resize(6);
        l.reserve(10);
        l.Set(0, 9);
        int64_t x = l[0] + l.front() + l.back();
        std::vector<int64_t> copy(l.begin(), l.end());
        for (auto it = l.rbegin(); it != l.rend(); ++it) x += *it;
        size_t n = l.size() + l.capacity() + l.empty();
        l.clear();
        ffi::List<ffi::Any> widened = l;
        l.Assign(copy.begin(), copy.end());
        ffi::Array<int64_t> a;
        a.Assign(copy.begin(), copy.end());
        (void)x; (void)n; (void)widened;
    """,
    "map_api": """
        ffi::Map<ffi::String, int64_t> m{{"a", 1}, {"b", 2}};
        m.Set("c", 3);
        m.erase("a");
        std::optional<int64_t> b = m.Get("b");
        int64_t c = m.at("c") + m["c"];
        size_t n = m.count("b") + m.size() + m.empty();
        auto it = m.find("b");
        bool found = it != m.end();
        auto last = m.end();
        --last;
        last--;
        for (auto kv : m) c += kv.second + static_cast<int64_t>(kv.first.size());
        for (const auto& [key, value] : m) c += value;
        ffi::Map<ffi::String, ffi::Any> widened = m;
        ffi::Map<ffi::String, int64_t> merged = ffi::Merge(m, m);
        std::unordered_map<ffi::String, int64_t> std_map{{"x", 1}};
        ffi::Map<ffi::String, int64_t> from_std(std_map);
        ffi::MapObj* owned = m.CopyOnWrite();
        m.clear();
        (void)b; (void)n; (void)found; (void)widened; (void)merged; (void)owned;
    """,
    "dict_api": """
        ffi::Dict<ffi::String, int64_t> d{{"a", 1}};
        ffi::Dict<ffi::String, int64_t> shared = d;
        shared.Set("b", 2);
        d.erase("a");
        std::optional<int64_t> b = d.Get("b");
        int64_t v = d.at("b") + d["b"];
        size_t n = d.count("b") + d.size() + d.empty();
        bool found = d.find("b") != d.end();
        for (auto kv : d) v += kv.second;
        d.clear();
        (void)b; (void)v; (void)n; (void)found;
    """,
    "optional_api": """
        ffi::Optional<int64_t> o = int64_t(1);
        bool has = o.has_value() && static_cast<bool>(o) && o != std::nullopt && o == int64_t(1);
        int64_t v = o.value() + o.value_or(2) + *o;
        o = std::nullopt;
        has = has && o == std::nullopt && !o;
        o = int64_t(5);
        ffi::Optional<int64_t> from_std = std::optional<int64_t>(3);
        has = has && (o != from_std);
        ffi::Optional<ffi::String> s;
        has = has && s == nullptr;
        s = ffi::String("x");
        ffi::Optional<ffi::Array<int64_t>> arr = ffi::Array<int64_t>{1, 2};
        size_t n = arr->size() + arr.value().size();
        const ffi::ArrayObj* raw = arr.get();
        ffi::Optional<ffi::Array<int64_t>> none = std::nullopt;
        bool same = arr.same_as(arr);
        std::optional<int64_t> strict = o.as<int64_t>();
        int64_t thrown = o.as_or_throw<int64_t>();
        ffi::Any any = arr;
        auto back = any.cast<ffi::Optional<ffi::Array<int64_t>>>();
        (void)has; (void)v; (void)n; (void)raw; (void)none; (void)same; (void)strict;
        (void)thrown; (void)back;
    """,
    "shape_api": """
        ffi::Shape s{2, 3, 4};
        int64_t p = s.Product() + s[0] + s.at(1) + s.front() + s.back();
        size_t n = s.size() + s.empty();
        ffi::ShapeView view = s;
        p += view[0] + view.at(1) + view.front() + view.back() + view.Product();
        ffi::Shape strides = ffi::Shape::StridesFromShape(s);
        ffi::Shape from_vector(std::vector<int64_t>{1, 2});
        ffi::Shape from_array(ffi::Array<int64_t>{1, 2});
        ffi::Shape from_range(from_vector.begin(), from_vector.end());
        std::ostringstream os;
        os << s;
        for (int64_t d : s) p += d;
        ffi::Any any = s;
        ffi::Shape back = any.cast<ffi::Shape>();
        auto product = [](ffi::ShapeView dims) { return dims.Product(); };
        p += product({2, 3});  // braced extents, as FromEnvAlloc(alloc, {n, m}, ...) takes them
        (void)n; (void)strides; (void)from_array; (void)from_range; (void)back;
    """,
    "stl_types_in_typed_functions": """
        auto f = ffi::Function::FromTyped([](std::vector<int64_t> v, std::optional<std::string> s,
                                             std::tuple<int64_t, double> t,
                                             std::map<std::string, int64_t> m,
                                             std::unordered_map<std::string, double> u,
                                             std::variant<int64_t, std::string> var,
                                             std::array<int64_t, 2> a) {
          return std::vector<double>{static_cast<double>(v.size() + m.size() + u.size()),
                                     std::get<1>(t), static_cast<double>(a[0])};
        });
        auto g = ffi::Function::FromTyped([](std::function<int64_t(int64_t)> cb) {
          return std::make_tuple(cb(1), std::string("x"));
        });
        ffi::Any made = std::vector<int64_t>{1, 2};
        auto back = made.cast<std::vector<int64_t>>();
        (void)f; (void)g; (void)back;
    """,
    "tensors_in_containers": """
        } // namespace
        int64_t with_tensors(ffi::TensorView x, std::optional<ffi::TensorView> bias,
                             ffi::Optional<ffi::TensorView> scale, ffi::Optional<ffi::Tensor> out,
                             std::vector<ffi::Tensor> inputs, ffi::Array<ffi::Tensor> more) {
          int64_t n = x.ndim();
          if (bias.has_value()) n += bias->ndim();
          if (scale.has_value()) n += scale.value().ndim();
          if (out) n += out.value().ndim();
          for (const ffi::Tensor& t : inputs) n += t.ndim();
          for (ffi::Tensor t : more) n += t.ndim();
          return n;
        }
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(with_tensors, with_tensors);
        namespace {
    """,
    "typed_exports": """
        } // namespace
        ffi::Variant<int64_t, ffi::String> exported_variant(ffi::Variant<int64_t, ffi::String> v) {
          return v;
        }
        ffi::Tuple<int64_t, ffi::String> exported_tuple(ffi::Tuple<ffi::String, int64_t> t) {
          return ffi::Tuple<int64_t, ffi::String>(t.get<1>(), t.get<0>());
        }
        std::vector<int64_t> exported_vector(std::vector<int64_t> v,
                                             ffi::Optional<ffi::Array<double>> extra) {
          return v;
        }
        std::optional<std::tuple<int64_t, std::string>> exported_std(
            std::map<std::string, int64_t> m) {
          return std::nullopt;
        }
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(exported_variant, exported_variant);
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(exported_tuple, exported_tuple);
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(exported_vector, exported_vector);
        TVM_FFI_DLL_EXPORT_TYPED_FUNC(exported_std, exported_std);
        namespace {
    """,
}

PROBE_PRELUDE = """
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/dict.h>
#include <tvm/ffi/container/list.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/container/tuple.h>
#include <tvm/ffi/container/variant.h>
#include <tvm/ffi/extra/stl.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/optional.h>

#include <array>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ffi = tvm::ffi;
"""


def probe_source(names):
    parts = [PROBE_PRELUDE]
    for name in names:
        body = textwrap.dedent(PROBES[name])
        if body.lstrip().startswith("}"):  # top-level definitions: the body closes and reopens
            parts.append(f"namespace {{\n{body}\n}}  // namespace\n")
        else:
            parts.append(f"namespace {{\n[[maybe_unused]] void probe_{name}() {{\n{body}\n}}\n}}\n")
    return "\n".join(parts)


# ---- header paths: each upstream container header alone provides these names -----------

HEADER_PROBES = {
    "container/array.h": "ffi::Array<int64_t> a{1}; ffi::Optional<int64_t> o; ffi::Any x = a;"
    ' ffi::String s("s"); const ffi::ArrayObj* p = a.as<ffi::ArrayObj>(); (void)o; (void)p;',
    "container/container_detail.h": "ffi::Any a = int64_t(1); (void)a;",
    "container/dict.h": 'ffi::Dict<ffi::String, int64_t> d{{"a", 1}}; d.Set("b", 2);'
    ' ffi::Optional<int64_t> o = d.Get("a"); (void)o;',
    "container/list.h": "ffi::List<int64_t> l{1}; l.push_back(2); ffi::Array<int64_t> a;"
    " const ffi::ListObj* p = l.as<ffi::ListObj>(); (void)p;",
    "container/map.h": 'ffi::Map<ffi::String, int64_t> m; m.Set("a", 1);'
    ' ffi::Optional<int64_t> o = m.Get("a"); (void)o;',
    "container/map_base.h": "const ffi::MapBaseObj* p = nullptr; ffi::Optional<int64_t> o;"
    " (void)p; (void)o;",
    "container/seq_base.h": "const ffi::SeqBaseObj* p = nullptr; ffi::Any a; (void)p;",
    "container/shape.h": "ffi::Shape s{1, 2}; ffi::ShapeView v = s; ffi::Array<int64_t> a{3};"
    " ffi::Shape t(a); (void)v;",
    "container/tensor.h": "ffi::Shape s{1}; const ffi::Tensor* t = nullptr; (void)t;",
    "container/tuple.h": "ffi::Tuple<int64_t, double> t(1, 2.0); ffi::Array<int64_t> a;"
    " int64_t x = ffi::get<0>(t); (void)x;",
    "container/variant.h": "ffi::Variant<int64_t, ffi::String> v = int64_t(1);"
    " ffi::Optional<int64_t> o = v.as<int64_t>(); (void)o;",
    "optional.h": "ffi::Optional<int64_t> o = int64_t(1); ffi::Optional<ffi::String> s; (void)s;",
    "extra/stl.h": "std::string t = ffi::TypeTraits<std::vector<int64_t>>::TypeStr();"
    " ffi::Array<int64_t> a; ffi::Map<ffi::String, int64_t> m; ffi::List<int64_t> l;",
}


def header_source(header):
    return (
        f"#include <tvm/ffi/{header}>\n#include <string>\n#include <vector>\n"
        "namespace ffi = tvm::ffi;\n"
        f"[[maybe_unused]] static void probe() {{ {HEADER_PROBES[header]} }}\n"
    )


def all_headers_source():
    """Every header probe in one unit: checks the snippets are upstream API (upstream's own
    headers need not each provide as much alone; ours do, which the per-header units check)."""
    includes = "".join(f"#include <tvm/ffi/{h}>\n" for h in HEADER_PROBES)
    bodies = "".join(
        f"[[maybe_unused]] static void probe_{i}() {{ {body} }}\n"
        for i, body in enumerate(HEADER_PROBES.values())
    )
    return f"{includes}#include <string>\n#include <vector>\nnamespace ffi = tvm::ffi;\n{bodies}"


def syntax_check(paths, flags):
    """Starts one g++ -fsyntax-only process over the given translation units."""
    argv = ["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Werror=return-type", *flags, *paths]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Compiles the probes and header probes (and, upstream, the round-trip kernels) in
    parallel. Returns {(header set, what): stderr, or None when it compiled}."""
    root = tmp_path_factory.mktemp("cxx_containers")
    probes = root / "probes.cc"
    probes.write_text(probe_source(list(PROBES)))
    headers = []
    for header in HEADER_PROBES:
        path = root / ("header_" + header.replace("/", "_").replace(".h", ".cc"))
        path.write_text(header_source(header))
        headers.append(str(path))
    half = len(headers) // 2
    jobs = {
        ("here", "probes"): [syntax_check([str(probes)], INCLUDE_FLAGS)],
        ("here", "headers"): [
            syntax_check(headers[:half], INCLUDE_FLAGS),
            syntax_check(headers[half:], INCLUDE_FLAGS),
        ],
    }
    if UPSTREAM_INCLUDE:
        upstream = HEADER_SETS["upstream"]
        all_headers = root / "all_headers.cc"
        all_headers.write_text(all_headers_source())
        jobs[("upstream", "probes")] = [syntax_check([str(probes)], upstream)]
        jobs[("upstream", "headers")] = [syntax_check([str(all_headers)], upstream)]
        jobs[("upstream", "kernels")] = [syntax_check([KERNELS], upstream)]
    results = {"root": root}
    for key, procs in jobs.items():
        stderr = "".join(proc.communicate()[1] for proc in procs)
        failed = any(proc.returncode != 0 for proc in procs)
        results[key] = stderr if failed else None
    return results


def failing_probes(root, flags):
    """Names of the probes that do not compile alone (run only when the batch failed)."""
    failed = []
    for name in PROBES:
        path = root / f"probe_{name}.cc"
        path.write_text(probe_source([name]))
        if syntax_check([str(path)], flags).wait() != 0:
            failed.append(name)
    return failed


@pytest.mark.parametrize("header_set", ["here", "upstream"])
def test_every_container_probe_compiles(compiled, header_set):
    if header_set not in HEADER_SETS:
        pytest.skip("apache-tvm-ffi (the test extra) is not installed")
    errors = compiled[(header_set, "probes")]
    if errors is not None:
        failed = failing_probes(compiled["root"], HEADER_SETS[header_set])
        pytest.fail(f"probes failing against {header_set} headers: {failed}\n{errors[:6000]}")


@pytest.mark.parametrize("header_set", ["here", "upstream"])
def test_each_upstream_container_header_alone_provides_its_names(compiled, header_set):
    if header_set not in HEADER_SETS:
        pytest.skip("apache-tvm-ffi (the test extra) is not installed")
    errors = compiled[(header_set, "headers")]
    assert errors is None, errors[:6000]


def test_upstream_accepts_the_round_trip_kernels(compiled):
    if "upstream" not in HEADER_SETS:
        pytest.skip("apache-tvm-ffi (the test extra) is not installed")
    errors = compiled[("upstream", "kernels")]
    assert errors is None, errors[:6000]


# ---- round trips ----------------------------------------------------------------------

FUNCTIONS = [
    "variant_echo",
    "variant_describe",
    "variant_held_kind",
    "variant_array_size",
    "variant_from_any",
    "tuple_swap",
    "tuple_sum",
    "tuple_converted",
    "tuple_set",
    "array_edit",
    "array_shape_ops",
    "array_algorithms",
    "array_as_double",
    "array_from_list",
    "array_of_any",
    "list_edit",
    "list_build",
    "list_from_array",
    "map_edit",
    "map_keys",
    "map_as_double",
    "map_merge",
    "dict_edit",
    "dict_from_map",
    "optional_or",
    "optional_describe",
    "optional_roundtrip",
    "shape_product",
    "shape_strides",
    "shape_text",
    "tensor_ndims",
    "stl_vector_scale",
    "stl_nested",
    "stl_optional",
    "stl_tuple",
    "stl_map",
    "stl_variant",
    "stl_array",
    "stl_function_call",
    "stl_function_make",
    "stl_string",
    "type_schemas",
]


@pytest.fixture(scope="module")
def mod():
    import tvm_ffi_jit.cpp

    with open(KERNELS) as f:
        source = f.read()
    # -O0: these tests check behaviour, and the build is most of this file's time.
    return tvm_ffi_jit.cpp.load_inline(
        "cxx_containers", cpp_sources=source, functions=FUNCTIONS, extra_cflags=["-O0"]
    )


def test_variant_parameter_takes_an_int_or_a_str_and_returns_it(mod):
    assert mod.variant_echo(3) == 3
    assert mod.variant_echo("hello") == "hello"
    assert mod.variant_describe(3) == "int 4"
    assert mod.variant_describe("a") == "str a!"


def test_variant_rejects_a_value_of_none_of_its_types(mod):
    with pytest.raises(TypeError):
        mod.variant_echo(2.5)


def test_variant_keeps_the_type_the_value_arrived_as(mod):
    assert mod.variant_held_kind(3) == "int"
    assert mod.variant_held_kind(2.5) == "float"


def test_variant_as_an_object_type_and_from_any(mod):
    assert mod.variant_array_size([1, 2, 3]) == 3
    assert mod.variant_array_size("abcd") == -4
    assert mod.variant_from_any(5) == 5
    assert mod.variant_from_any("x") == "x"


def test_tuple_travels_as_an_array(mod):
    swapped = mod.tuple_swap((1, "a"))
    assert isinstance(swapped, tvm_ffi_jit.Array)
    assert list(swapped) == ["a", 1]
    assert mod.tuple_sum([1, 2.5]) == 3.5
    assert list(mod.tuple_set((1, "a"))) == [2, "set"]


def test_tuple_converts_elements_and_checks_its_length(mod):
    first, second = mod.tuple_converted((1, 2))
    assert (first, second) == (1.0, 2) and isinstance(first, float)
    with pytest.raises(TypeError):
        mod.tuple_swap((1, "a", 3))
    with pytest.raises(TypeError):
        mod.tuple_swap(("a", 1))


def test_array_mutators_copy_on_write(mod):
    original, edited = mod.array_edit([1, 2, 3])
    assert list(original) == [1, 2, 3]
    assert list(edited) == [7, 2, 3, 100, 21]


def test_array_size_accessors_and_reverse_iteration(mod):
    assert list(mod.array_shape_ops([1, 2, 3])) == [1, 1, 3, 0, 5, 1, 0, 3, 2, 1]


def test_array_iterators_work_with_std_algorithms(mod):
    expected = [2.0, 1.5, 0.5, 8.0, 1.0, 1.0, 9.0, 9.0, 8.0, 6.0, 2.0]
    assert list(mod.array_algorithms([4, 3, 1])) == expected


def test_array_parameter_converts_its_elements(mod):
    values = list(mod.array_as_double([1, 2]))
    assert values == [1.0, 2.0] and all(isinstance(v, float) for v in values)
    with pytest.raises(TypeError):
        mod.array_as_double([1, "x"])


def test_array_parameter_accepts_a_list_and_any_elements(mod):
    assert mod.array_from_list(tvm_ffi_jit.List([5, 6])) == 52
    assert list(mod.array_of_any([3, "z"])) == [1, "two", 3, "z"]


def test_list_parameter_is_edited_in_place(mod):
    shared = tvm_ffi_jit.List([1, 2, 3])
    assert mod.list_edit(shared) is None
    assert list(shared) == [-5, 2, 3, 3]


def test_list_build_and_list_from_an_array(mod):
    built = mod.list_build(3)
    assert isinstance(built, tvm_ffi_jit.List)
    assert list(built) == ["x", "xx", "xxx"]
    assert mod.list_from_array([1, 2, 9]) == 12


def test_map_set_erase_get_count_find_copy_on_write(mod):
    given = {"a": 1, "b": 2, "drop": 3}
    edited = mod.map_edit(given)
    assert dict(edited.items()) == {"a": 101, "b": 2, "added": 3, "has_b": 1, "b_at": 2}
    assert list(mod.map_keys({"x": 1, "y": 2})) == ["x=1", "y=2"]
    assert dict(mod.map_merge({"a": 1, "b": 2}, {"b": 3}).items()) == {"a": 1, "b": 3}


def test_map_parameter_converts_its_values(mod):
    (value,) = mod.map_as_double({"a": 1}).values()
    assert value == 1.0 and isinstance(value, float)


def test_dict_parameter_is_edited_in_place(mod):
    shared = tvm_ffi_jit.Dict({"old": 1, "x": 4})
    mod.dict_edit(shared)
    assert dict(shared.items()) == {"x": 8, "new": 1}
    assert mod.dict_from_map({"a": 1, "b": 2}) == 3


def test_optional_parameters_and_results(mod):
    assert mod.optional_or(None) == -1
    assert mod.optional_or(4) == 4
    assert mod.optional_describe(None, None) == "no arr, no str"
    assert mod.optional_describe([1, 2], "magic") == "arr 2, str magic (magic)"
    assert mod.optional_roundtrip(None) is None
    assert mod.optional_roundtrip("a") == "a?"


def test_shape_parameter_accepts_a_tuple_or_a_shape(mod):
    assert mod.shape_product((2, 3, 4)) == 24024
    assert mod.shape_product(tvm_ffi_jit.Shape((2, 3, 4))) == 24024
    assert tuple(mod.shape_strides((2, 3, 4))) == (12, 4, 1)
    assert mod.shape_text((2, 3)) == "[2, 3]"


def test_tensors_inside_optional_and_vector_parameters(mod):
    np = pytest.importorskip("numpy")
    x, y = np.zeros((2, 3), dtype=np.float32), np.zeros(4, dtype=np.float32)
    assert mod.tensor_ndims(x, None, None, []) == 2000
    assert mod.tensor_ndims(x, y, x, [x, y]) == 2000 + 100 + 20 + 3


def test_std_vector_optional_tuple_parameters_and_results(mod):
    assert list(mod.stl_vector_scale([1, 2], 1.5)) == [1.5, 3.0]
    assert [list(v) for v in mod.stl_nested([[1], [2, 3]])] == [[1], [2, 3], [2]]
    assert mod.stl_optional(None) is None
    assert mod.stl_optional("a") == "a?"
    assert list(mod.stl_tuple((2, "b"))) == ["b", 4, 0.5]
    assert list(mod.stl_array([1, 2, 3])) == [3, 2, 1]
    assert mod.stl_string("ab") == "abab"


def test_std_map_variant_and_function(mod):
    assert dict(mod.stl_map({"b": 1, "a": 2}).items()) == {"a": 2, "b": 1, "count": 2}
    assert mod.stl_variant(3) == 4
    assert mod.stl_variant("s") == "s!"
    assert mod.stl_function_call(lambda x: x * x) == 25
    assert mod.stl_function_make(3)(5) == 15


def test_container_mismatch_names_the_element_that_does_not_convert(mod):
    with pytest.raises(TypeError, match=r"Expected `Array<float>` but got `Array\[index 1: str\]`"):
        mod.array_as_double([1, "x"])
    with pytest.raises(TypeError, match=r"but got `Array\[size=3\]`"):
        mod.tuple_swap((1, "a", 3))
    with pytest.raises(TypeError, match=r"but got `Array\[index 0: str\]`"):
        mod.tuple_swap(("a", 1))
    with pytest.raises(TypeError, match=r"but got `Map\[K, some value is str\]`"):
        mod.map_as_double({"a": "x"})
    with pytest.raises(TypeError, match=r"Optional<Array<int>>` but got `Array\[index 1: str\]`"):
        mod.optional_describe([1, "x"], None)


def test_std_parameter_rejects_what_does_not_convert(mod):
    with pytest.raises(TypeError):
        mod.stl_vector_scale([1, "x"], 1.0)
    with pytest.raises(TypeError):
        mod.stl_tuple((1,))


# Upstream's TypeTraits<T>::TypeSchema() for the same types, as apache-tvm-ffi prints them.
UPSTREAM_SCHEMAS = [
    '{"type":"Variant","args":[{"type":"int"},{"type":"ffi.String"}]}',
    '{"type":"Tuple","args":[{"type":"int"},{"type":"float"}]}',
    '{"type":"ffi.Array","args":[{"type":"int"}]}',
    '{"type":"ffi.List","args":[{"type":"ffi.String"}]}',
    '{"type":"ffi.Map","args":[{"type":"ffi.String"},{"type":"float"}]}',
    '{"type":"ffi.Dict","args":[{"type":"ffi.String"},{"type":"Any"}]}',
    '{"type":"Optional","args":[{"type":"int"}]}',
    '{"type":"ffi.Shape"}',
    '{"type":"std::vector","args":[{"type":"int"}]}',
    '{"type":"std::optional","args":[{"type":"std::string"}]}',
    '{"type":"std::tuple","args":[{"type":"int"}, {"type":"std::string"}]}',
    '{"type":"std::variant","args":[{"type":"int"}, {"type":"std::string"}]}',
    '{"type":"std::map","args":[{"type":"std::string"},{"type":"int"}]}',
    '{"type":"std::unordered_map","args":[{"type":"std::string"},{"type":"int"}]}',
    '{"type":"std::array","args":[{"type":"int"},3]}',
    '{"type":"std::function","named_args":{"return":[{"type":"int"}],'
    '"params":[{"type":"int"}, {"type":"float"}]}}',
    '{"type":"std::function","named_args":{"return":[{"type":"None"}],"params":[{"type":"int"}]}}',
]


def test_container_type_schemas_match_upstream(mod):
    assert list(mod.type_schemas()) == UPSTREAM_SCHEMAS
