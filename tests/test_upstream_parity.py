"""Code written for apache-tvm-ffi works here: its header paths, macros, Python names and C++ API.

The inventories come from the installed apache-tvm-ffi (tests/upstream_parity.py), so a new
upstream release that adds API shows up here as a failure naming what is missing.
"""

import pytest
import upstream_parity as parity

UPSTREAM = parity.upstream_include_dir()
pytestmark = pytest.mark.skipif(
    UPSTREAM is None, reason="apache-tvm-ffi (the test extra) is missing"
)


def test_every_upstream_header_path_exists_here():
    missing = [
        h
        for h in parity.upstream_headers(UPSTREAM)
        if not parity.header_exists_here(h) and h not in parity.NOT_PROVIDED
    ]
    assert missing == []


def test_every_upstream_public_macro_is_defined_here():
    defined = parity.our_macros()
    missing = [
        m
        for m in parity.upstream_macros(UPSTREAM)
        if m not in defined and m not in parity.NOT_PROVIDED
    ]
    assert missing == []


def test_every_upstream_top_level_python_name_exists_here():
    missing = [
        n
        for n in parity.upstream_python_names()
        if not parity.python_name_here(n) and n not in parity.NOT_PROVIDED
    ]
    assert missing == []


def test_upstream_cpp_loader_names_exist_here():
    import tvm_ffi_jit.cpp
    import tvm_ffi_jit.cpp.nvrtc

    for name in ("build", "build_inline", "load", "load_inline", "to_cpp_dtype"):
        assert callable(getattr(tvm_ffi_jit.cpp, name)), name
    assert callable(tvm_ffi_jit.cpp.nvrtc.nvrtc_compile)


def test_not_provided_list_names_only_upstream_things_that_are_really_absent():
    headers = set(parity.upstream_headers(UPSTREAM))
    macros = set(parity.upstream_macros(UPSTREAM)) | {"TVM_FFI_EXTRA_OVERLOAD_H"}
    names = set(parity.upstream_python_names())
    defined = parity.our_macros()
    for entry in parity.NOT_PROVIDED:
        assert entry in headers | macros | names, f"{entry} is not in apache-tvm-ffi any more"
        present = (
            parity.header_exists_here(entry)
            if entry in headers
            else entry in defined
            if entry in macros
            else parity.python_name_here(entry)
        )
        assert not present, f"{entry} is provided now: drop it from NOT_PROVIDED"


def test_cpp_api_probes_are_valid_upstream_code():
    ok, errors = parity.compile_probes(parity.PROBES, [UPSTREAM])
    assert ok, errors[-3000:]


def test_cpp_api_probes_compile_here():
    ok, errors = parity.compile_probes(parity.PROBES, parity.our_include_dirs())
    if not ok:
        failing = [
            name
            for name, body in parity.PROBES
            if not parity.compile_probes([(name, body)], parity.our_include_dirs())[0]
        ]
        pytest.fail(f"probes that do not compile here: {failing}\n{errors[-3000:]}")


def test_probe_library_exports_behave_as_written(tmp_path):
    import tvm_ffi_jit.cpp

    mod = tvm_ffi_jit.cpp.load_inline(
        "upstream_probes", cpp_sources=parity.probe_source(parity.PROBES)
    )
    assert mod.probe_add(2, 3) == 5
    assert mod.probe_scalars(1, 0.5, True, 0.25) == pytest.approx(2.75)
    assert list(mod.probe_vec([4, 5])) == [4, 5, 1]
    assert mod.probe_opt(None) == 0
    assert mod.probe_opt(9) == 9
    assert tuple(mod.probe_tuple(3)) == (3, 1.5)
    assert mod.probe_str("hi") == "hi!"
    import tvm_ffi_jit

    assert tvm_ffi_jit.get_global_func("probe.twice")(21) == 42
