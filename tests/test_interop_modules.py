"""Modules cross runtimes (issue 7): one kernel library source (tests/interop/interop_module.cc)
is built against apache-tvm-ffi's headers with its documented flags and by
tvm_ffi_jit.cpp.build; each library is loaded by tvm_ffi_jit.load_module and by
tvm_ffi.load_module in a process of its own per cell, under every import order, and every
function is called and its value checked there (tests/interop/child.py). `pytest -s` prints
each cell.
"""

from functools import cache

import pytest
from interop import harness
from interop.child import JIT_ORDERS, UPSTREAM_ORDERS

SOURCE = harness.INTEROP_DIR / "interop_module.cc"
CHECKS = [
    "add_one_numpy",
    "add_one_torch",
    "add3",
    "string",
    "array_sum",
    "map_lookup",
    "map_returned",
    "value_error",
    "type_error",
    "global_function",
    "callback",
    "env_alloc_torch",
    "strided_view",
    "nd_alloc",
    "dlpack_roundtrip",
    "import_refusals",
    "env_semantics",
]
ORDER_CHECKS = {"blocked": ["upstream_blocked"], "not-imported": ["upstream_not_imported"]}
LEAK_CALLS, LEAK_SIZE, LEAK_LIMIT_MIB = 200, 1 << 20, 20.0

# Each cell: (built by, loaded by, import order); "upstream" is apache-tvm-ffi.
CELLS = [
    (build, loader, order)
    for build in ("upstream", "jit")
    for loader, orders in (("jit", JIT_ORDERS), ("upstream", UPSTREAM_ORDERS))
    for order in orders
]

# Cells that cannot pass until another branch lands: strict xfail, so that each one turns
# into a failure, for the lead to remove, as soon as it passes.
# e.g. {("jit", "upstream", "alone"): "Map objects in upstream's layout (map branch)"}
PENDING: "dict[tuple[str, str, str], str]" = {}


@pytest.fixture(autouse=True, scope="module")
def _keep_upstream_builds(request):
    harness.use_build_cache(request.config)


def _build_with_upstream_flags() -> str:
    up = harness.upstream()
    out = harness.workdir() / "upstream" / "interop_probe.so"
    out.parent.mkdir(exist_ok=True)
    # apache-tvm-ffi's documented command line (no rpath: its runtime is found once loaded).
    harness.build_against_upstream(
        [
            harness.compiler(),
            "-shared",
            "-fPIC",
            "-std=c++17",
            *up.cxxflags,
            str(SOURCE),
            "-o",
            str(out),
            *up.ldflags,
            *up.libs,
        ],
        out,
        [SOURCE],
        "building the interop module against apache-tvm-ffi",
    )
    return str(out)


def _build_with_jit() -> str:
    from tvm_ffi_jit import cpp

    return cpp.build(
        "interop_probe", cpp_files=[str(SOURCE)], build_directory=str(harness.workdir() / "jit")
    )


@cache
def libraries():
    """{"upstream": future path, "jit": future path}, built once per session, concurrently."""
    harness.upstream()
    return {
        "upstream": harness.submit(_build_with_upstream_flags),
        "jit": harness.submit(_build_with_jit),
    }


def _run_cell(build, loader, order):
    library = libraries()[build].result()
    return harness.run_child(["cell", library, loader, order])


def _run_leak():
    library = libraries()["jit"].result()
    return harness.run_child(["leak", library, str(LEAK_CALLS), str(LEAK_SIZE)])


def _run_context(build, loader):
    return harness.run_child(["context", libraries()[build].result(), loader])


@cache
def outcomes():
    """Every cell, the leak run and the context-symbol runs, started together in the
    background once per session."""
    libraries()
    runs = {cell: harness.submit(_run_cell, *cell) for cell in CELLS}
    runs["leak"] = harness.submit(_run_leak)
    for build in ("upstream", "jit"):
        for loader in ("jit", "upstream"):
            runs[("context", build, loader)] = harness.submit(_run_context, build, loader)
    return runs


def _cell_param(cell):
    build, loader, order = cell
    cell_id = f"built-by-{build}/loaded-by-{loader}/{order}"
    marks = [pytest.mark.xfail(strict=True, reason=PENDING[cell])] if cell in PENDING else []
    return pytest.param(*cell, id=cell_id, marks=marks)


@pytest.mark.parametrize("build,loader,order", [_cell_param(cell) for cell in CELLS])
def test_module_crosses_runtimes(build, loader, order):
    result = outcomes()[(build, loader, order)].result()
    expected = CHECKS + ORDER_CHECKS.get(order, [])
    problems = result.failures(expected)
    failing = ", ".join(name for name in expected if not result.checks.get(name, {}).get("ok"))
    print(
        f"\nbuilt by {build}, loaded by {loader}, {order}: "
        f"{result.passed(expected)}/{len(expected)} checks pass"
        + (f" (failing: {failing})" if failing else "")
    )
    assert not problems, "\n".join(problems)


@pytest.mark.leak_measuring
def test_jit_built_strings_do_not_leak_under_upstream():
    result = outcomes()["leak"].result()
    problems = result.failures(["rss_growth_mib"])
    assert not problems, "\n".join(problems)
    growth = float(result.checks["rss_growth_mib"]["detail"])
    print(f"\nRSS growth over {LEAK_CALLS} calls returning a 1 MiB String: {growth:.1f} MiB")
    assert growth < LEAK_LIMIT_MIB


# A library's context-symbol slot is filled at load by whichever runtime loads it.
# (build side, loader) pairs whose context-symbol check cannot pass yet, with the reason.
CONTEXT_PENDING: "dict[tuple[str, str], str]" = {}


@pytest.mark.parametrize(
    "build,loader",
    [
        pytest.param(
            build,
            loader,
            id=f"built-by-{build}/loaded-by-{loader}",
            marks=[pytest.mark.xfail(strict=True, reason=CONTEXT_PENDING[(build, loader)])]
            if (build, loader) in CONTEXT_PENDING
            else [],
        )
        for build in ("upstream", "jit")
        for loader in ("jit", "upstream")
    ],
)
def test_context_symbols_reach_libraries_loaded_afterwards(build, loader):
    result = outcomes()[("context", build, loader)].result()
    problems = result.failures(["context_registered", "context_symbol"])
    assert not problems, "\n".join(problems)
