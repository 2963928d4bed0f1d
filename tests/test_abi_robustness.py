"""Defects a review of the ABI work found, each reproduced before its fix: every case that
could crash runs in a fresh interpreter, so a crash fails one test, not the run."""

import struct

import pytest
from isolated import run_isolated


def test_empty_sequences_carry_a_buffer_deleter():
    # List code compiled against other TVM-FFI headers frees the old buffer when it grows,
    # without checking for NULL: an empty List must carry a deleter too.
    import tvm_ffi_jit as ffi
    import tvm_ffi_jit.cpp

    mod = tvm_ffi_jit.cpp.load_inline(
        "robust_seq_deleter",
        cpp_sources=r"""
        #include <tvm/ffi/tvm_ffi.h>
        namespace ffi = tvm::ffi;
        bool has_deleter(ffi::Any seq) {
          TVMFFIAny raw = ffi::details::AnyUnsafe::MoveToRaw(std::move(seq));
          auto* cell = reinterpret_cast<TVMFFISeqCell*>(reinterpret_cast<char*>(raw.v_obj) +
                                                        sizeof(TVMFFIObject));
          bool result = cell->data_deleter != nullptr;
          ffi::Any release = ffi::details::AnyUnsafe::FromOwnedRaw(raw);
          return result;
        }""",
        functions=["has_deleter"],
    )
    assert mod.has_deleter(ffi.List()) is True
    assert mod.has_deleter(ffi.List([1, 2])) is True
    assert mod.has_deleter(ffi.Array([])) is True


def test_module_of_another_kind_has_no_path_and_no_listing():
    result = run_isolated(
        r"""
        import tvm_ffi_jit.cpp as cpp
        src = r'''
        #include <tvm/ffi/function.h>
        #include <tvm/ffi/extra/module.h>
        namespace ffi = tvm::ffi;
        class MyModuleObj : public ffi::ModuleObj {
         public:
          const char* kind() const final { return "my"; }
          ffi::Optional<ffi::Function> GetFunction(const ffi::String& name) final {
            if (std::string(name) == "answer") return ffi::Function::FromTyped([] { return 42; });
            return ffi::Optional<ffi::Function>();
          }
          using ffi::ModuleObj::GetFunction;
        };
        ffi::Module make_module() { return ffi::Module(ffi::make_object<MyModuleObj>()); }
        '''
        m = cpp.load_inline("robust_custom_module", cpp_sources=src, functions=["make_module"])
        mine = m.make_module()
        print(mine.kind, mine.answer(), repr(mine.path), mine.list_functions())
        try:
            mine.missing
        except AttributeError as err:
            print("AttributeError", "missing" in str(err))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["my 42 '' []", "AttributeError True"]


def test_section_table_past_the_end_of_an_elf_file_is_an_import_error(tmp_path):
    # One section header whose offset + size wraps around 2**64.
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, 64, 0, 64, 0, 0, 64, 1, 0)
    offset = 0x4141414141410000
    section = struct.pack("<IIQQQQIIQQ", 0, 6, 0, 0, offset, (1 << 64) - offset, 0, 0, 8, 16)
    path = tmp_path / "wrapped.so"
    path.write_bytes(header + section)
    result = run_isolated(
        f"""
        import tvm_ffi_jit
        try:
            tvm_ffi_jit.load_module({str(path)!r})
        except ImportError as err:
            print("ImportError")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ImportError"


@pytest.mark.leak_measuring
def test_wide_int_arguments_are_released_after_the_call():
    result = run_isolated(
        r"""
        import resource
        import tvm_ffi_jit
        ident = tvm_ffi_jit.convert(lambda x: None)
        big = 1 << 100000  # a 12.5 kB BigInt per call
        for _ in range(200):
            ident(big)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(4000):
            ident(big)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024)
        """
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) < 10  # MiB; 4000 leaked BigInts would be ~48 MiB


def test_failing_static_init_block_is_an_import_error_and_reload_replaces_reflection():
    result = run_isolated(
        r"""
        import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
        failing = r'''
        #include <tvm/ffi/tvm_ffi.h>
        TVM_FFI_STATIC_INIT_BLOCK() { TVM_FFI_THROW(ValueError) << "init refused"; }
        int64_t one() { return 1; }
        '''
        try:
            cpp.load_inline("robust_init_fails", cpp_sources=failing, functions=["one"])
        except ImportError as err:
            print("ImportError", "init refused" in str(err))

        def point(version):
            return r'''
            #include <tvm/ffi/tvm_ffi.h>
            namespace ffi = tvm::ffi;
            class PointObj : public ffi::Object {
             public:
              int64_t x = 0;
              TVM_FFI_DECLARE_OBJECT_INFO_FINAL("robust.Point", PointObj, ffi::Object);
            };
            TVM_FFI_STATIC_INIT_BLOCK() {
              ffi::reflection::ObjectDef<PointObj>().def_ro("x", &PointObj::x);
            }
            int64_t version() { return VERSION; }
            '''.replace("VERSION", str(version))

        for version in (1, 2):
            mod = cpp.load_inline(f"robust_point_v{version}", cpp_sources=point(version),
                                  functions=["version"])
            print("loaded", mod.version())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["ImportError True", "loaded 1", "loaded 2"]


def _apache_tvm_ffi_importable():
    return run_isolated("import tvm_ffi").returncode == 0


@pytest.mark.skipif(not _apache_tvm_ffi_importable(), reason="apache-tvm-ffi is not installed")
def test_callback_error_is_raised_once_where_its_caller_looks():
    result = run_isolated(
        r"""
        import gc, weakref
        import tvm_ffi
        import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
        src = r'''
        #include <tvm/ffi/c_api.h>
        extern "C" int __tvm_ffi_fail_silently(void*, const TVMFFIAny*, int32_t, TVMFFIAny*) {
          return -1;
        }
        '''
        m = cpp.load_inline("robust_fail_silently", cpp_sources=src)

        class Payload:
            pass

        def callback():
            local = Payload()
            holder.append(weakref.ref(local))
            raise ValueError("handled callback error")

        holder = []
        try:
            tvm_ffi_jit.convert(callback)()
        except ValueError as err:
            print("handled", err)
        gc.collect()
        print("frame local alive", holder[0]() is not None)
        try:
            m.fail_silently()
        except Exception as err:
            print("later", type(err).__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "handled handled callback error",
        "frame local alive False",
        "later RuntimeError",
    ]


@pytest.mark.skipif(not _apache_tvm_ffi_importable(), reason="apache-tvm-ffi is not installed")
def test_object_of_a_type_registered_in_the_other_runtime_keeps_its_key():
    result = run_isolated(
        r"""
        import tvm_ffi  # first: modules loaded afterwards bind to its runtime
        import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
        src = r'''
        #include <tvm/ffi/tvm_ffi.h>
        namespace ffi = tvm::ffi;
        class BObj : public ffi::Object {
         public:
          TVM_FFI_DECLARE_OBJECT_INFO_FINAL("robust.B", BObj, ffi::Object);
        };
        ffi::ObjectRef make_b() { return ffi::ObjectRef(ffi::make_object<BObj>()); }
        '''
        m = cpp.load_inline("robust_foreign_type", cpp_sources=src, functions=["make_b"])
        b = m.make_b()
        print(b.type_key, type(b).__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "robust.B Object"


@pytest.mark.skipif(not _apache_tvm_ffi_importable(), reason="apache-tvm-ffi is not installed")
def test_library_opened_by_both_runtimes_reports_errors_to_both():
    # The second dlopen of a file returns the first: the library stays bound to this runtime,
    # and its errors must reach apache-tvm-ffi's callers too (and not linger here).
    result = run_isolated(
        r"""
        import tvm_ffi_jit, tvm_ffi_jit.cpp as cpp
        src = r'''
        #include <tvm/ffi/tvm_ffi.h>
        int64_t boom(int64_t x) { TVM_FFI_THROW(ValueError) << "boom " << x; }
        '''
        path = cpp.build_inline("robust_boom", cpp_sources=src, functions=["boom"])
        ours = tvm_ffi_jit.load_module(path)
        import tvm_ffi
        theirs = tvm_ffi.load_module(path)
        for label, mod in (("tvm_ffi", theirs), ("tvm_ffi_jit", ours), ("tvm_ffi", theirs)):
            try:
                mod.boom(1)
            except ValueError as err:
                print(label, str(err).splitlines()[0])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "tvm_ffi boom 1",
        "tvm_ffi_jit boom 1",
        "tvm_ffi boom 1",
    ]
