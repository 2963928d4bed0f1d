"""Warm loads of an installed package stat the runtime library instead of each shipped header."""

import marshal
import os

from tvm_ffi_jit import libinfo
from tvm_ffi_jit.cpp import request_index

SOURCE = "#include <tvm/ffi/tvm_ffi.h>\nint twice(int x) { return 2 * x; }\n"


def _record(cache_dir, name):
    index = os.path.join(cache_dir, request_index.INDEX_DIR)
    (path,) = [os.path.join(index, f) for f in os.listdir(index) if f.startswith(name + ".")]
    with open(path, "rb") as f:
        return marshal.loads(f.read())


def test_installed_headers_are_covered_by_the_runtime_library(tmp_path, monkeypatch):
    import tvm_ffi_jit.cpp as cpp

    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path))
    # As if installed: the shipped include dirs count as the package's own.
    monkeypatch.setattr(libinfo, "installed_include_dirs", libinfo.include_dirs)
    path = cpp.build_inline("installed_headers", cpp_sources=SOURCE, functions=["twice"])
    stamped = [s[0] for s in _record(tmp_path, "installed_headers")["stamps"]]
    shipped = tuple(d + os.sep for d in libinfo.include_dirs())
    assert not [p for p in stamped if p.startswith(shipped)]
    assert libinfo.runtime_library_path() in stamped
    assert cpp.build_inline("installed_headers", cpp_sources=SOURCE, functions=["twice"]) == path


def test_checkout_headers_are_stamped_one_by_one(tmp_path, monkeypatch):
    import tvm_ffi_jit.cpp as cpp

    monkeypatch.setenv("TVM_FFI_JIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(libinfo, "installed_include_dirs", lambda: [])  # a source checkout
    cpp.build_inline("checkout_headers", cpp_sources=SOURCE, functions=["twice"])
    stamped = [s[0] for s in _record(tmp_path, "checkout_headers")["stamps"]]
    assert os.path.join(libinfo.include_dir(), "tvm", "ffi", "tvm_ffi.h") in stamped
