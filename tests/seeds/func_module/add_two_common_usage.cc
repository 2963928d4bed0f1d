/*
 * Seed 000, "TVM-FFI C Symbols": exporting a function as __tvm_ffi_add_two, here without a
 * trailing `;` after the macro, as the snippet writes it. The snippet is a fragment; the
 * include is the context it needs.
 */
#include <tvm/ffi/tvm_ffi.h>

// seed 000: TVM-FFI C Symbols, Shared library
static int AddTwo(int x) { return x + 2; }

TVM_FFI_DLL_EXPORT_TYPED_FUNC(/*ExportName=*/add_two, /*Function=*/AddTwo)
// end of snippet
