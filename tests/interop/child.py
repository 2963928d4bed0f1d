"""One cell of the interop matrix, in a process of its own.

    child.py cell LIBRARY LOADER ORDER [SKIP]
                                         loads LIBRARY (tests/interop/interop_module.cc built
                                         by either side) with LOADER ("jit": tvm_ffi_jit,
                                         "upstream": tvm_ffi) after the imports ORDER names,
                                         then calls every function and checks real values
                                         (but the comma-separated checks SKIP)
    child.py context LIBRARY LOADER      registers a context symbol with LOADER's runtime,
                                         then checks LIBRARY received it at load
    child.py leak LIBRARY CALLS SIZE     RSS growth over CALLS calls of big_string(SIZE)
                                         under tvm_ffi.load_module
    child.py serve                       a fork server: imports numpy and torch once, then
                                         forks one process per request line (JSON: id, argv,
                                         stdout, stderr) and answers "DONE id exitcode"

Each check prints "BEGIN name", runs, then prints "CHECK {json}"; after a crash the harness
reruns the cell without the checks that began. Cells forked by the server start with neither
tvm_ffi nor tvm_ffi_jit imported; only torch's 3-second import is shared.
"""

import importlib.abc
import json
import os
import select
import sys
import traceback

# ORDER for LOADER "jit": what happens to apache-tvm-ffi (tvm_ffi) around `import tvm_ffi_jit`.
JIT_ORDERS = ("blocked", "not-imported", "upstream-before", "upstream-after")
# ORDER for LOADER "upstream": what happens to tvm_ffi_jit around `import tvm_ffi`.
UPSTREAM_ORDERS = ("alone", "jit-before", "jit-after")


class BlockUpstream(importlib.abc.MetaPathFinder):
    """Makes apache-tvm-ffi unimportable, as if it were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == "tvm_ffi" or name.startswith("tvm_ffi."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None


def report(name, ok, detail=""):
    print("CHECK " + json.dumps({"name": name, "ok": bool(ok), "detail": detail}), flush=True)


def check(name, fn):
    """Runs fn(), which returns (ok, detail); an exception is a failure with its traceback.
    "BEGIN name" goes out first, so that a crash is pinned on the check that ran."""
    print(f"BEGIN {name}", flush=True)
    try:
        ok, detail = fn()
    except BaseException as error:  # noqa: BLE001 - every failure is reported, not raised
        ok, detail = False, "".join(traceback.format_exception(error))[-1500:]
    report(name, ok, detail)


def expect(value, wanted):
    return value == wanted, f"got {value!r}, want {wanted!r}"


def expect_raises(fn, kind, *needles):
    """fn() must raise `kind` whose formatted traceback contains every needle."""
    try:
        value = fn()
    except Exception as error:  # noqa: BLE001
        text = "".join(traceback.format_exception(error))
        missing = [needle for needle in needles if needle not in text]
        ok = type(error).__name__ == kind and not missing
        return ok, f"raised {type(error).__name__}: {error}; missing {missing}\n{text[-800:]}"
    return False, f"returned {value!r} instead of raising {kind}"


def import_in_order(loader, order):
    if loader == "jit":
        if order == "blocked":
            sys.meta_path.insert(0, BlockUpstream())
        if order == "upstream-before":
            import tvm_ffi  # noqa: F401
        import tvm_ffi_jit

        if order == "upstream-after":
            import tvm_ffi  # noqa: F401
        return tvm_ffi_jit
    if order == "jit-before":
        import tvm_ffi_jit  # noqa: F401
    import tvm_ffi

    if order == "jit-after":
        import tvm_ffi_jit  # noqa: F401
    return tvm_ffi


def run_cell(library, loader, order, skip):
    ffi = import_in_order(loader, order)
    import numpy as np
    import torch

    mod = ffi.load_module(library)

    def add_one_numpy():
        x = np.arange(5, dtype="float32")
        y = np.zeros_like(x)
        mod.add_one(x, y)
        return expect(y.tolist(), [1.0, 2.0, 3.0, 4.0, 5.0])

    def add_one_torch():
        x = torch.arange(4, dtype=torch.float32) * 2
        y = torch.zeros(4)
        mod.add_one(x, y)
        return expect(y.tolist(), [1.0, 3.0, 5.0, 7.0])

    def greet():
        short, long = mod.greet("bob"), mod.greet("x" * 40)
        return expect((str(short), str(long)), ("hello, bob", "hello, " + "x" * 40))

    def returned_map():
        return expect(dict(mod.make_map(3).items()), {"k0": 0, "k1": 1, "k2": 4})

    def callback():
        return expect(mod.call_back(lambda a, b: a * b, 7), 71)

    def global_function():
        return expect(ffi.get_global_func("interop_probe.scaled_sum")(3, 4), 304)

    def env_alloc_torch():
        out = mod.env_alloc_iota(torch.zeros(2), 4)
        return expect(torch.from_dlpack(out).tolist(), [0.0, 0.5, 1.0, 1.5])

    def strided_view():
        view = mod.every_other(torch.arange(6, dtype=torch.float32))  # the source is dropped
        return expect(torch.from_dlpack(view).tolist(), [1.0, 3.0])

    def nd_alloc():
        return expect(np.from_dlpack(mod.nd_alloc_iota(4)).tolist(), [0.0, 2.0, 4.0, 6.0])

    def dlpack_roundtrip():
        facts = mod.dlpack_roundtrip(np.ones((2, 3), dtype="float32"))
        return expect(list(facts), [1, 3, 0, 2, 6, 1])

    def import_refusals():
        return expect(list(mod.import_refusals(np.ones(8, dtype="float32"))), [1, 1, 1, 0, 1])

    checks = [
        ("add_one_numpy", add_one_numpy),
        ("add_one_torch", add_one_torch),
        ("add3", lambda: expect(mod.add3(1, 2, 39), 42)),
        ("string", greet),
        ("array_sum", lambda: expect(mod.sum_array([1, 2, 3, 40]), 46)),
        ("map_lookup", lambda: expect(mod.map_lookup({"a": 5, "b": 7}, "b"), 7)),
        ("map_returned", returned_map),
        (
            "value_error",
            lambda: expect_raises(
                lambda: mod.raise_value_error(3), "ValueError", "bad value 3", "interop_module.cc"
            ),
        ),
        ("type_error", lambda: expect_raises(lambda: mod.add3("x", 2, 3), "TypeError")),
        ("global_function", global_function),
        ("callback", callback),
        ("env_alloc_torch", env_alloc_torch),
        ("strided_view", strided_view),
        ("nd_alloc", nd_alloc),
        ("dlpack_roundtrip", dlpack_roundtrip),
        ("import_refusals", import_refusals),
        ("env_semantics", lambda: expect(list(mod.env_semantics()), [1] * 8)),
    ]
    if order == "blocked":
        checks.append(
            (
                "upstream_blocked",
                lambda: expect_raises(lambda: __import__("tvm_ffi"), "ModuleNotFoundError"),
            )
        )
    if order == "not-imported":
        checks.append(("upstream_not_imported", lambda: expect("tvm_ffi" in sys.modules, False)))
    # A rerun after a crash skips the checks that already ran.
    for name, fn in checks:
        if name not in skip:
            check(name, fn)


def register_context_symbol(loader, ffi, value):
    """TVMFFIEnvModRegisterContextSymbol of the loader's runtime, called through ctypes."""
    import ctypes

    if loader == "jit":
        from tvm_ffi_jit import libinfo

        name = f"lib{libinfo.library_name()}.so"
        runtime = ctypes.CDLL(os.path.join(libinfo.library_dir(), name))
    else:
        runtime = ffi.LIB
    register = runtime.TVMFFIEnvModRegisterContextSymbol
    register.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    return register(b"__interop_probe_context", ctypes.addressof(value))


def run_context(library, loader):
    import ctypes

    ffi = import_in_order(loader, "alone" if loader == "upstream" else "not-imported")
    value = ctypes.c_int64(4242)  # alive until exit: the library keeps its address
    code = register_context_symbol(loader, ffi, value)
    check("context_registered", lambda: expect(code, 0))
    mod = ffi.load_module(library)
    check("context_symbol", lambda: expect(mod.context_symbol_value(), 4242))


def rss_bytes():
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    import resource

    return resident_pages * resource.getpagesize()


def run_leak(library, calls, size):
    import tvm_ffi

    mod = tvm_ffi.load_module(library)

    def measure():
        for _ in range(5):  # warm up allocator pools and caches
            mod.big_string(size)
        before = rss_bytes()
        for _ in range(calls):
            value = mod.big_string(size)
            assert len(value) == size
            del value
        growth = (rss_bytes() - before) / (1 << 20)
        return True, f"{growth:.1f}"

    check("rss_growth_mib", measure)


def run_forked(request):
    """In a forked process: runs one request with its output in the named files."""
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    import faulthandler

    faulthandler.enable()
    code = 0
    try:
        main(request["argv"])
    except BaseException:  # noqa: BLE001 - reported through the exit code and stderr
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve():
    import numpy  # noqa: F401 - shared by every forked cell
    import torch  # noqa: F401

    print("READY", flush=True)
    running = {}
    pending = b""
    stdin_open = True
    while stdin_open or running:
        if stdin_open and select.select([0], [], [], 0.05)[0]:
            data = os.read(0, 1 << 16)
            stdin_open = bool(data)
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    run_forked(request)
                running[pid] = request["id"]
                print(f"STARTED {request['id']} {pid}", flush=True)
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG if stdin_open else 0)
            if pid == 0:
                break
            print(f"DONE {running.pop(pid)} {os.waitstatus_to_exitcode(status)}", flush=True)


def main(argv):
    if argv[0] == "cell":
        library, loader, order = argv[1:4]
        skip = set(argv[4].split(",")) if len(argv) > 4 else set()
        valid = JIT_ORDERS if loader == "jit" else UPSTREAM_ORDERS
        if loader not in ("jit", "upstream") or order not in valid:
            raise SystemExit(f"unknown loader/order {loader}/{order}")
        run_cell(library, loader, order, skip)
    elif argv[0] == "context":
        run_context(argv[1], argv[2])
    elif argv[0] == "leak":
        run_leak(argv[1], int(argv[2]), int(argv[3]))
    elif argv[0] == "serve":
        serve()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
