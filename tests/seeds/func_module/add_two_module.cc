/*
 * Seed 000, "Modules, Shared Library": the same export with a trailing `;`. The snippet is
 * complete as written; tests/test_seeds_cpp.py builds it with g++ and with tvm_ffi_jit.cpp.load.
 */
// seed 000: Export functions from C++
#include <tvm/ffi/tvm_ffi.h>

static int AddTwo(int x) { return x + 2; }

// Exports as symbol `__tvm_ffi_add_two`
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_two, AddTwo);
// end of snippet
