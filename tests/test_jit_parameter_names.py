"""load_inline reads the exported functions' parameter names from the source (no compiler here:
tests/test_torch_integration.py calls a built module with keywords)."""

import pytest

from tvm_ffi_jit.cpp import sources
from tvm_ffi_jit.cpp.signatures import parameter_names

NAMED = [
    ("void f(int a, int b) {}", ["a", "b"]),
    ("int64_t f(tvm::ffi::TensorView x, double alpha) { return 0; }", ["x", "alpha"]),
    ("void f(const std::map<int, std::vector<int>>& m, float* out) {}", ["m", "out"]),
    ('void f(int a = 1, const char* s = "x, y", int b = f2(3, 4)) {}', ["a", "s", "b"]),
    ("void f([[maybe_unused]] int a, int b[3], const int* const p) {}", ["a", "b", "p"]),
    ("void f(int a /* rows, cols */, int b) {} // void f(int q)", ["a", "b"]),
    ("static inline void f(unsigned long long n) noexcept {}", ["n"]),
    ("auto f(int a) -> int { return a; }", ["a"]),
    ("std::vector<int> f(int a) { return {a}; }", ["a"]),
    ("void f(void) {}", None),  # no parameters: nothing to name
    ("namespace ns { void f(int a) {} }", ["a"]),
    ('extern "C" { int f(int a) { return a; } }', ["a"]),
    # A declaration and its definition: the definition's names count.
    ("void f(int x, int y);\nvoid f(int a, int b) {}", ["a", "b"]),
    ("void f(int a, int b);", ["a", "b"]),  # declared here, defined in the CUDA source
    # What only looks like a declaration of f is skipped.
    ("int g() { return f(1, 2); }\nvoid f(int a, int b) {}", ["a", "b"]),
    ("struct S { void f(int q); };\nvoid f(int a) {}", ["a"]),
    ('const char* doc = "void f(int q) {}";\nvoid f(int a) {}', ["a"]),
    ('auto raw = R"x(void f(int q) {})x";\nvoid f(int a) {}', ["a"]),
    ("int big = 1'000'000;\nvoid f(int a) {}", ["a"]),
    ("#define F(x) f(x)\nvoid f(int a) {}", ["a"]),
]

UNNAMED = [
    "void f(int, int b) {}",  # an unnamed parameter
    "void f(tvm::ffi::TensorView) {}",
    "void f(std::string) {}",
    "void f(int a) {}\nvoid f(float a, float b) {}",  # overloads
    "void f(int a) {}\nnamespace other { void f(int b) {} }",  # two definitions
    "void f(int x);\nvoid f(int y);",  # declarations that disagree
    "#define ARGS int a, int b\nvoid f(ARGS) {}",  # a macro
    "void f(int a,\n#ifdef WIDE\n int b\n#endif\n) {}",  # a preprocessor line inside
    "void f(void (*callback)(int), int n) {}",  # a function pointer
    "template <typename... T> void f(T... xs) {}",  # variadic
    "void f(int a, ...) {}",
    "void f(int lambda) {}",  # a Python keyword cannot be passed by keyword
    "void f(std::vector<int> v = {}) {}",  # braces in the parameters
    "int /* why */ f(int a) { return a; }",  # a comment hides what comes before the name
    'const char* s = "unterminated;\nvoid f(int a) {}',  # the scan cannot trust what follows
    "auto f = [](int a) { return a; };",  # a lambda
]


@pytest.mark.parametrize("source, names", NAMED)
def test_names_are_read_from_definitions_and_declarations(source, names):
    assert parameter_names(source, ["f"]).get("f") == names


@pytest.mark.parametrize("source", UNNAMED)
def test_anything_uncertain_gives_no_names(source):
    assert parameter_names(source, ["f"]) == {}


def test_a_count_the_compiler_may_disagree_with_is_left_to_the_export():
    # `1 < 2, int b = 3 > 4` reads as one template argument list: one name for two parameters.
    # The generated export (NAMED_IF_ARITY) drops names whose count is not the arity.
    assert parameter_names("void f(int a = 1 < 2, int b = 3 > 4) {}", ["f"]) == {"f": ["a"]}


def test_generated_exports_name_the_parameters_and_keep_the_plain_form_as_fallback():
    text = sources.decorate(
        "m",
        "cpp_sources",
        ["int add(int a, int b) { return a + b; }\nint one(int) { return 1; }"],
        ["add", "one"],
    )
    exports = text[text.index('"m/generated_exports"') :].splitlines()[1:]
    assert exports == [
        "#ifdef TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY",
        'TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED_IF_ARITY(add, add, "a", "b");',
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(one, one);",
        "#else",
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(add, add);",
        "TVM_FFI_DLL_EXPORT_TYPED_FUNC(one, one);",
        "#endif",
    ]


def test_a_warm_load_keys_inline_sources_without_parsing_them(monkeypatch):
    from tvm_ffi_jit.cpp import signatures

    calls = []

    def counting(source, functions):
        calls.append(functions)
        return {"add": ["a", "b"]}

    monkeypatch.setattr(signatures, "parameter_names", counting)
    texts = ["int add(int a, int b) { return a + b; }"]
    (keyed,) = sources.inline_files("m", texts, None, ["add"])
    (again,) = sources.inline_files("m", texts, None, ["add"])
    # The digest (what a warm load computes) needs no parse, and is the same each time ...
    assert calls == [] and keyed.digest == again.digest
    # ... the text a build writes has the names, made once when first asked for.
    assert 'NAMED_IF_ARITY(add, add, "a", "b")' in keyed.generated_text
    assert keyed.generated_text is keyed.generated_text and calls == [["add"]]
    # Another text is another key.
    (other,) = sources.inline_files("m", ["int add(int a, int c) { return a + c; }"], None, ["add"])
    assert other.digest != keyed.digest
