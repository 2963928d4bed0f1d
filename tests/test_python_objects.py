"""The Python object surface as apache-tvm-ffi has it: Function metadata (repr, signature,
docstrings from the library), Module lookups and lifetime, the global function registry,
containers (equality, pickling, copying, List/Dict edits C++ sees) and objects C++ describes
with reflection::ObjectDef (fields, methods, register_object, construction, pickling)."""

import copy
import gc
import inspect
import pickle

import pytest
from isolated import run_isolated

import tvm_ffi_jit
import tvm_ffi_jit.cpp
from tvm_ffi_jit import Array, Dict, List, Map, Shape

SOURCE = r"""
#include <tvm/ffi/container/dict.h>
#include <tvm/ffi/container/list.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/tvm_ffi.h>

#include <cstring>

namespace ffi = tvm::ffi;

int64_t add_ints(int64_t a, int64_t b) { return a + b; }
ffi::Array<int64_t> describe_me(ffi::Map<ffi::String, double>, ffi::Optional<ffi::String>,
                                ffi::Function, ffi::TensorView) {
  return {};
}

// An export whose metadata was left out (as a library built without it would be).
extern "C" TVM_FFI_DLL_EXPORT int __tvm_ffi_no_metadata(void*, const TVMFFIAny* args, int32_t,
                                                       TVMFFIAny* result) {
  *result = args[0];
  return 0;
}

// ---- containers C++ reads and edits ----
ffi::Array<ffi::Any> list_items(ffi::List<ffi::Any> xs) {
  ffi::Array<ffi::Any> out;
  for (int64_t i = 0; i < static_cast<int64_t>(xs.size()); ++i) out.push_back(xs[i]);
  return out;
}
void list_push(ffi::List<ffi::Any> xs, ffi::Any x) { xs.push_back(x); }
int64_t dict_size(ffi::Dict<ffi::Any, ffi::Any> d) { return static_cast<int64_t>(d.size()); }
ffi::List<ffi::Any> make_list() { return ffi::List<ffi::Any>({1, 2}); }

// ---- reflected objects ----
class PointObj : public ffi::Object {
 public:
  int64_t x = 0;
  double y = 0.5;
  ffi::String name{"origin"};
  PointObj() = default;
  PointObj(int64_t x, double y, ffi::String name) : x(x), y(y), name(name) {}
  int64_t Sum(int64_t k) const { return x + static_cast<int64_t>(y) + k; }
  void Move(int64_t dx) { x += dx; }
  TVM_FFI_DECLARE_OBJECT_INFO("pyobj.Point", PointObj, ffi::Object);
};

class Point3Obj : public PointObj {
 public:
  int64_t z = 9;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("pyobj.Point3", Point3Obj, PointObj);
};

// Not default-constructible: Python cannot make one without a reflected constructor.
class HandleObj : public ffi::Object {
 public:
  explicit HandleObj(int64_t id) : id(id) {}
  int64_t id;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("pyobj.Handle", HandleObj, ffi::Object);
};

// Built only through its reflected __ffi_init__.
class BoxObj : public ffi::Object {
 public:
  explicit BoxObj(int64_t v) : value(v * 10) {}
  int64_t value;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("pyobj.Box", BoxObj, ffi::Object);
};

// No reflection at all.
class PlainObj : public ffi::Object {
 public:
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("pyobj.Plain", PlainObj, ffi::Object);
};

// Bound by the bare @register_object (its key is a valid class name).
class BareObj : public ffi::Object {
 public:
  int64_t v = 5;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("PyObjBare", BareObj, ffi::Object);
};

TVM_FFI_STATIC_INIT_BLOCK() {
  namespace refl = ffi::reflection;
  refl::ObjectDef<PointObj>("A point.")
      .def_ro("x", &PointObj::x, "the x")
      .def_rw("y", &PointObj::y)
      .def_ro("name", &PointObj::name)
      .def("sum", &PointObj::Sum, "x + y + k")
      .def("move", &PointObj::Move)
      .def_static("origin", []() { return ffi::ObjectRef(ffi::make_object<PointObj>()); });
  refl::ObjectDef<Point3Obj>().def_ro("z", &Point3Obj::z);
  refl::ObjectDef<HandleObj>().def_ro("id", &HandleObj::id);
  refl::ObjectDef<BoxObj>()
      .def_ro("value", &BoxObj::value)
      .def_static("__ffi_init__",
                  [](int64_t v) { return ffi::ObjectRef(ffi::make_object<BoxObj>(v)); });
  refl::ObjectDef<BareObj>().def_ro("v", &BareObj::v);

  // A global function registered with its doc and metadata, as GlobalDef records them.
  static ffi::Function twice = ffi::Function::FromTyped([](int64_t x) { return 2 * x; });
  TVMFFIMethodInfo info{};
  info.name = {"pyobj.twice", std::strlen("pyobj.twice")};
  info.doc = {"Doubles.", std::strlen("Doubles.")};
  static const char* metadata =
      R"({"type_schema":"{\"type\":\"ffi.Function\",\"named_args\":{\"return\":[{\"type\":)"
      R"(\"int\"}],\"params\":[{\"type\":\"int\"}]}}"})";
  info.metadata = {metadata, std::strlen(metadata)};
  info.method.type_index = kTVMFFIFunction;
  info.method.v_obj = ffi::details::ObjectUnsafe::GetHandle(twice);
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionSetGlobalFromMethodInfo(&info, 1));
  ffi::reflection::GlobalDef().def("pyobj.ns.one", []() { return 1; });
  ffi::reflection::GlobalDef().def("pyobj.ns.deep.two", []() { return 2; });

  // A second module to import: the system library under the prefix "pyobj_sys.".
  TVMFFIEnvModRegisterSystemLibSymbol(
      "__tvm_ffi_pyobj_sys.seven",
      reinterpret_cast<void*>(+[](void*, const TVMFFIAny*, int32_t, TVMFFIAny* result) {
        result->type_index = kTVMFFIInt;
        result->zero_padding = 0;
        result->v_int64 = 7;
        return 0;
      }));
}

ffi::ObjectRef make_point(int64_t x, double y, ffi::String name) {
  return ffi::ObjectRef(ffi::make_object<PointObj>(x, y, name));
}
ffi::ObjectRef make_point3() { return ffi::ObjectRef(ffi::make_object<Point3Obj>()); }
ffi::ObjectRef make_handle(int64_t id) { return ffi::ObjectRef(ffi::make_object<HandleObj>(id)); }
ffi::ObjectRef make_plain() { return ffi::ObjectRef(ffi::make_object<PlainObj>()); }
ffi::ObjectRef make_bare() { return ffi::ObjectRef(ffi::make_object<BareObj>()); }
double point_y(ffi::ObjectRef p) { return p.as<PointObj>()->y; }
ffi::String point_name(ffi::ObjectRef p) { return p.as<PointObj>()->name; }
int64_t entry(int64_t x) { return x * 100; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(main, entry);  // what calling the module calls
"""

# As a dict, functions= gives docstrings, which load_inline puts into the library.
FUNCTIONS = {
    "add_ints": "Adds two ints.",
    "describe_me": "",
    "list_items": "",
    "list_push": "",
    "dict_size": "",
    "make_list": "",
    "make_point": "",
    "make_point3": "",
    "make_handle": "",
    "make_plain": "",
    "make_bare": "",
    "point_y": "",
    "point_name": "",
}


@pytest.fixture(scope="module")
def mod():
    return tvm_ffi_jit.cpp.load_inline("python_objects", cpp_sources=SOURCE, functions=FUNCTIONS)


# ---- Function: name, signature and docstring from the library ----


def test_module_function_repr_names_it_and_its_signature(mod):
    # load_inline read the parameter names from the source (int64_t add_ints(int64_t a, ...)).
    assert repr(mod.add_ints) == "<tvm_ffi_jit.Function add_ints(a: int, b: int) -> int>"
    assert repr(mod.no_metadata) == "<tvm_ffi_jit.Function no_metadata>"
    assert repr(tvm_ffi_jit.convert(lambda: 1)).startswith("<tvm_ffi_jit.Function at 0x")


def test_inspect_signature_and_doc_come_from_the_library_metadata(mod):
    assert str(inspect.signature(mod.add_ints)) == "(a: int, b: int) -> int"
    assert str(inspect.signature(mod.describe_me)) == (
        "(arg0: Map[str, float], arg1: str | None, arg2: Callable[..., Any], arg3: Tensor, /)"
        " -> Array[int]"
    )
    assert mod.add_ints.__doc__ == "Adds two ints."
    assert mod.add_ints.__name__ == "add_ints"
    assert str(inspect.signature(mod.no_metadata)) == "(*args)"
    assert mod.no_metadata.__doc__ is None


def test_module_reports_function_metadata_and_doc(mod):
    metadata = mod.get_function_metadata("add_ints")
    assert list(metadata) == ["type_schema", "arg_names"]
    assert '"params":[{"type":"int"},{"type":"int"}]' in metadata["type_schema"]
    assert mod.get_function_doc("add_ints") == "Adds two ints."
    assert mod.get_function_metadata("no_metadata") is None
    assert mod.get_function_doc("no_metadata") is None


def test_global_function_carries_its_registered_doc_and_metadata(mod):
    twice = tvm_ffi_jit.get_global_func("pyobj.twice")
    assert twice(21) == 42
    assert twice.__doc__ == "Doubles."
    assert repr(twice) == "<tvm_ffi_jit.Function pyobj.twice(int) -> int>"
    assert str(inspect.signature(twice)) == "(arg0: int, /) -> int"
    metadata = tvm_ffi_jit.get_global_func_metadata("pyobj.twice")
    assert metadata["type_schema"].startswith('{"type":"ffi.Function"')


# ---- Module ----


def test_module_item_attribute_and_get_function_give_the_same_function(mod):
    assert mod["add_ints"](2, 3) == mod.add_ints(2, 3) == mod.get_function("add_ints")(2, 3) == 5
    assert mod["add_ints"].__doc__ == "Adds two ints."
    with pytest.raises(ValueError, match="str"):
        mod[3]
    with pytest.raises(AttributeError, match="no function 'nope'"):
        mod["nope"]
    assert mod(3) == 300  # calling a module calls its `main`


def test_module_implements_function_kind_and_properties(mod):
    assert mod.implements_function("add_ints") and not mod.implements_function("nope")
    assert "add_ints" in mod and "nope" not in mod
    assert mod.kind == "library"
    assert mod.is_runnable() and not mod.is_binary_serializable()
    assert mod.get_property_mask() == tvm_ffi_jit.module.ModulePropertyMask.RUNNABLE


def test_module_imports_are_searched_when_asked(mod):
    sys_lib = tvm_ffi_jit.system_lib("pyobj_sys.")
    assert sys_lib.kind == "system" and sys_lib.seven() == 7
    assert not mod.implements_function("seven", query_imports=True)
    mod.import_module(sys_lib)
    try:
        assert [m.same_as(sys_lib) for m in mod.imports] == [True]
        assert mod.implements_function("seven", query_imports=True)
        assert mod.get_function("seven", query_imports=True)() == 7
        with pytest.raises(AttributeError):
            mod.get_function("seven")
    finally:
        mod.clear_imports()
    assert mod.imports == []


def test_load_module_keeps_the_module_alive_unless_told_not_to():
    path = tvm_ffi_jit.cpp.build_inline(
        "python_objects_lifetime", cpp_sources="int64_t one() { return 1; }", functions=["one"]
    )
    mod = tvm_ffi_jit.load_module(path, keep_module_alive=False)
    assert mod._ref_count == 1
    one = mod.one  # a function holds its module
    assert mod._ref_count == 2
    del mod
    gc.collect()
    assert one() == 1
    again = tvm_ffi_jit.load_module(path, keep_module_alive=False)
    assert again._ref_count == 2  # the same module, still held by `one`
    del one
    assert again._ref_count == 1
    del again
    # Kept alive: the module outlives every reference the caller had.
    kept = tvm_ffi_jit.load_module(path)
    assert kept._ref_count == 1
    del kept
    gc.collect()
    assert tvm_ffi_jit.load_module(path, keep_module_alive=False)._ref_count == 2


# ---- global functions ----


def test_bare_register_global_func_is_named_after_the_function():
    @tvm_ffi_jit.register_global_func
    def pyobj_bare_triple(x):
        """Triples."""
        return 3 * x

    assert isinstance(pyobj_bare_triple, tvm_ffi_jit.Function)
    assert pyobj_bare_triple(2) == 6
    assert tvm_ffi_jit.get_global_func("pyobj_bare_triple")(3) == 9
    assert pyobj_bare_triple.__doc__ == "Triples."
    tvm_ffi_jit.remove_global_func("pyobj_bare_triple")
    assert tvm_ffi_jit.get_global_func("pyobj_bare_triple", allow_missing=True) is None
    with pytest.raises(ValueError, match="not registered"):
        tvm_ffi_jit.remove_global_func("pyobj_bare_triple")


def test_register_global_func_direct_form_returns_the_function_and_honours_override():
    f = tvm_ffi_jit.register_global_func("pyobj.direct", lambda: 1)
    assert isinstance(f, tvm_ffi_jit.Function) and f() == 1
    with pytest.raises(ValueError, match="already registered"):
        tvm_ffi_jit.register_global_func("pyobj.direct", lambda: 2)
    tvm_ffi_jit.register_global_func("pyobj.direct", lambda: 3, override=True)
    assert tvm_ffi_jit.get_global_func("pyobj.direct")() == 3
    assert tvm_ffi_jit.get_global_func_metadata("pyobj.direct") == {}
    tvm_ffi_jit.remove_global_func("pyobj.direct")


def test_init_ffi_api_puts_a_namespace_into_a_module(mod):
    import sys
    import types

    target = types.ModuleType("pyobj_api")
    sys.modules["pyobj_api"] = target
    try:
        tvm_ffi_jit.init_ffi_api("pyobj.ns", "pyobj_api")
    finally:
        del sys.modules["pyobj_api"]
    assert target.one() == 1 and target.one.__name__ == "one"
    assert not hasattr(target, "two")  # pyobj.ns.deep.two is in a nested namespace


# ---- containers ----

CONTAINERS = [
    Array([1, "two", [3.0, None], {"k": b"v"}]),
    List([1, List([2]), "three"]),
    Map({"a": 1, "b": [1, 2]}),
    Dict({"a": 1, 2: "b"}),
    Shape((2, 3)),
]


@pytest.mark.parametrize("value", CONTAINERS, ids=lambda v: type(v).__name__)
def test_containers_pickle_to_equal_new_containers(value):
    back = pickle.loads(pickle.dumps(value))
    assert type(back) is type(value) and back == value and not back.same_as(value)


@pytest.mark.parametrize("value", CONTAINERS, ids=lambda v: type(v).__name__)
def test_copy_is_shallow_and_deepcopy_copies_nested_containers(value):
    shallow, deep = copy.copy(value), copy.deepcopy(value)
    assert shallow == value == deep
    assert not shallow.same_as(value) and not deep.same_as(value)


def test_copy_shares_items_and_deepcopy_does_not():
    inner = List([1])
    outer = Array([inner])
    assert copy.copy(outer)[0].same_as(inner)
    deep = copy.deepcopy(outer)
    assert not deep[0].same_as(inner) and deep[0] == inner


def test_sequence_equality_follows_items_with_any_sequence():
    assert Array([1, [2, 3]]) == [1, [2, 3]] == Array([1, (2, 3)])
    assert Array([1, 2]) == (1, 2) and (1, 2) == Array([1, 2])
    assert List([1, 2]) == Array([1, 2]) and List([1]) != [2]
    assert Array(["a"]) != "a" and Array([]) != {}
    assert hash(Array([1, (2, 3)])) == hash((1, (2, 3)))
    assert hash(List([1])) == hash(Array([1]))


def test_mapping_equality_needs_a_mapping_of_the_same_kind():
    assert Map({"a": 1, "b": [1]}) == Map({"b": [1], "a": 1})
    assert Map({"a": 1}) != Map({"a": 2}) and Map({"a": 1}) != Map({"b": 1})
    assert Dict({"a": 1}) == Dict({"a": 1})
    assert Map({"a": 1}) != {"a": 1}  # as in apache-tvm-ffi: a dict is not a Map
    assert Map({"a": 1}) != Dict({"a": 1})
    assert hash(Map({"a": 1, "b": 2})) == hash(Map({"b": 2, "a": 1}))


def test_shape_equals_tuples_only():
    assert Shape((2, 3)) == (2, 3) == Shape([2, 3])
    assert Shape((2, 3)) != [2, 3]
    assert hash(Shape((2, 3))) == hash((2, 3))


def test_list_edits_are_seen_by_cpp(mod):
    xs = mod.make_list()
    assert isinstance(xs, List) and xs == [1, 2]
    xs.insert(0, 0)
    xs.extend([3, 4])
    del xs[1]
    xs[0:2] = ["a", "b", "c"]
    assert list(mod.list_items(xs)) == ["a", "b", "c", 3, 4]
    assert xs.pop(0) == "a" and xs.pop() == 4
    xs.reverse()
    xs.remove("c")
    assert list(mod.list_items(xs)) == [3, "b"]
    mod.list_push(xs, 5)
    assert xs == [3, "b", 5]
    xs.clear()
    assert list(mod.list_items(xs)) == []
    with pytest.raises(IndexError, match="out of range"):
        xs[0]


def test_dict_edits_are_seen_by_cpp(mod):
    d = Dict({"a": 1})
    d.update({"b": 2, "c": 3})
    assert d.setdefault("d", 4) == 4 and d.pop("a") == 1
    assert mod.dict_size(d) == 3
    assert list(d.items()) == [("b", 2), ("c", 3), ("d", 4)]
    assert list(d.values()) == [2, 3, 4] and list(d.keys()) == ["b", "c", "d"]
    assert d.get("zz", 9) == 9 and "b" in d.keys()
    del d["b"]
    with pytest.raises(KeyError):
        del d["b"]
    assert mod.dict_size(d) == 2


def test_containers_print_like_apache_tvm_ffi():
    assert repr(Array([1, 'a"b', None, True, 1.5])) == '(1, "a\\"b", None, True, 1.5)'
    assert repr(Array([1])) == "(1,)" and repr(Array([])) == "()"
    assert repr(List([1, Array([2])])) == "[1, (2,)]"
    assert repr(Map({"k": List([1])})) == '{"k": [1]}'
    assert repr(Dict({1: b"x"})) == '{1: b"x"}'
    assert repr(Shape((1, 2))) == "Shape(1, 2)"


# ---- objects described with reflection::ObjectDef ----


def test_reflected_object_comes_back_with_fields_and_methods(mod):
    p = mod.make_point(1, 2.5, "p")
    assert type(p).__name__ == "Point" and type(p).__module__ == "pyobj"
    assert isinstance(p, tvm_ffi_jit.Object)
    assert (p.x, p.y, p.name) == (1, 2.5, "p")
    assert p.sum(3) == 6 and type(p).sum.__doc__ == "x + y + k"
    p.move(4)
    assert p.x == 5
    assert type(p).origin().x == 0  # static method
    assert type(p).x.__doc__ == "the x" and type(p).__doc__ == "A point."
    assert repr(p) == 'pyobj.Point(x=5, y=2.5, name="p")'


def test_rw_fields_write_through_to_cpp_and_ro_fields_refuse(mod):
    p = mod.make_point(1, 2.5, "p")
    p.y = 8
    assert mod.point_y(p) == 8.0 and p.y == 8.0
    with pytest.raises(AttributeError, match="read-only"):
        p.x = 2
    with pytest.raises(TypeError):
        p.y = "not a float"
    with pytest.raises(AttributeError):
        p.not_a_field = 1


def test_subtype_class_derives_from_the_parent_types_class(mod):
    p3 = mod.make_point3()
    point_class = type(mod.make_point(0, 0, ""))
    assert type(p3).__name__ == "Point3" and isinstance(p3, point_class)
    assert (p3.x, p3.y, p3.name, p3.z) == (0, 0.5, "origin", 9)
    assert p3.sum(1) == 1


def test_field_descriptor_refuses_objects_of_another_type(mod):
    descriptor = type(mod.make_point3()).z
    with pytest.raises(TypeError, match="pyobj.Point3"):
        descriptor.__get__(mod.make_point(0, 0, ""))


def test_reflected_class_constructs_objects_from_python(mod):
    cls = type(mod.make_point(0, 0, ""))
    p = cls(4, 1.5, name="made in python")
    assert mod.point_name(p) == "made in python" and (p.x, p.y) == (4, 1.5)
    assert cls().name == "origin"  # unset fields keep their C++ defaults
    with pytest.raises(TypeError, match="at most 3"):
        cls(1, 2, "n", 4)
    with pytest.raises(TypeError, match="no field 'w'"):
        cls(w=1)
    handle_class = type(mod.make_handle(1))
    with pytest.raises(TypeError, match="cannot be made from Python"):
        handle_class(1)


def test_reflected_ffi_init_constructs_objects(mod):
    @tvm_ffi_jit.register_object("pyobj.Box")
    class Box(tvm_ffi_jit.Object):
        pass

    assert Box(4).value == 40


def test_reflected_objects_pickle_and_copy(mod):
    p = mod.make_point(1, 2.5, "p")
    for back in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert type(back) is type(p) and not back.same_as(p)
        assert (back.x, back.y, back.name) == (1, 2.5, "p")
    with pytest.raises(TypeError, match="cannot pickle or copy `pyobj.Handle`"):
        pickle.dumps(mod.make_handle(1))
    with pytest.raises(TypeError, match="cannot pickle or copy"):
        copy.copy(mod.add_ints)


def test_object_without_reflection_has_a_class_named_by_its_key(mod):
    plain = mod.make_plain()
    assert type(plain).__name__ == "Plain"
    assert repr(plain).startswith("<pyobj.Plain object at 0x")


def test_register_object_binds_a_class_and_keeps_its_own_members(mod):
    @tvm_ffi_jit.register_object("pyobj.Point")
    class Point(tvm_ffi_jit.Object):
        def sum(self, k):
            return "python sum"

        def norm1(self):
            return abs(self.x) + abs(self.y)

    p = mod.make_point(-2, 1.5, "q")
    assert type(p) is Point
    assert (p.norm1(), p.sum(1), p.move(1), p.x) == (3.5, "python sum", None, -1)
    assert Point(1, 2.0).x == 1
    # The subtype's class is made again, now deriving from the registered class.
    assert isinstance(mod.make_point3(), Point)
    assert Point.__tvm_ffi_type_info__.type_key == "pyobj.Point"
    assert [f.name for f in Point.__tvm_ffi_type_info__.fields] == ["x", "y", "name"]
    assert [f.frozen for f in Point.__tvm_ffi_type_info__.fields] == [True, False, True]


def test_bare_register_object_uses_the_class_name(mod):
    @tvm_ffi_jit.register_object
    class PyObjBare(tvm_ffi_jit.Object):
        pass

    assert type(mod.make_bare()) is PyObjBare and mod.make_bare().v == 5
    with pytest.raises(ValueError, match="no object type"):
        tvm_ffi_jit.register_object("pyobj.NoSuchType")(PyObjBare)
    with pytest.raises(TypeError, match="Object subclass"):
        tvm_ffi_jit.register_object("pyobj.Plain")(int)


def test_object_convertible_values_pass_as_their_object(mod):
    class Wrapped(tvm_ffi_jit.ObjectConvertible):
        def __init__(self, point):
            self.point = point

        def asobject(self):
            return self.point

    class Protocol:
        def __init__(self, point):
            self.point = point

        def __tvm_ffi_object__(self):
            return self.point

    p = mod.make_point(1, 2.5, "wrapped")
    assert mod.point_name(Wrapped(p)) == "wrapped"
    assert mod.point_name(Protocol(p)) == "wrapped"
    assert tvm_ffi_jit.convert(Wrapped(p)).same_as(p)
    assert list(Array([Wrapped(p)]))[0].same_as(p)

    class Broken(tvm_ffi_jit.ObjectConvertible):
        def asobject(self):
            return 3

    with pytest.raises(TypeError, match="must return a tvm_ffi_jit.Object"):
        mod.point_name(Broken())


# ---- errors ----


def test_register_error_bare_form_uses_the_class_name(mod):
    @tvm_ffi_jit.register_error
    class PyObjError(RuntimeError):
        pass

    @tvm_ffi_jit.register_global_func("pyobj.raise_it")
    def raise_it():
        raise PyObjError("boom")

    with pytest.raises(PyObjError, match="boom"):
        raise_it()
    tvm_ffi_jit.remove_global_func("pyobj.raise_it")
    assert tvm_ffi_jit.error.BuildError is tvm_ffi_jit.BuildError


# ---- the upstream names of this area ----

UPSTREAM_NAMES = [
    "Array",
    "CContainerBase",
    "Dict",
    "Function",
    "List",
    "Map",
    "Module",
    "Object",
    "ObjectConvertible",
    "Shape",
    "convert",
    "convert_func",
    "get_global_func",
    "get_global_func_metadata",
    "init_ffi_api",
    "load_module",
    "register_error",
    "register_global_func",
    "register_object",
    "remove_global_func",
    "system_lib",
]


def test_upstream_top_level_names_of_objects_and_functions_exist():
    missing = [n for n in UPSTREAM_NAMES if not hasattr(tvm_ffi_jit, n)]
    assert missing == [] and set(UPSTREAM_NAMES) <= set(tvm_ffi_jit.__all__)


def test_docs_of_a_library_survive_a_fresh_process(mod):
    code = f"""
        import tvm_ffi_jit
        mod = tvm_ffi_jit.load_module({mod.path!r})
        print(mod.add_ints.__doc__, repr(mod.add_ints))
    """
    out = run_isolated(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Adds two ints. <tvm_ffi_jit.Function add_ints(a: int, b: int) -> int>\n"
