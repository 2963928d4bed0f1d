/*
 * The C++ snippets of seed 000 about global functions, creating functions, throwing errors and
 * the system library. Each sits between `// seed 000: ...` and `// end of snippet`, unchanged but
 * for clang-format's whitespace and the `;` after `func(41)` that the review in seed 003 adds.
 * The fragments get only what they need to compile (`namespace ffi`, a function around their
 * statements; the system-library snippet includes only the C headers but uses the C++ API, which
 * the earlier include of tvm_ffi.h provides), and the exports that tests/test_seeds_cpp.py calls.
 * The error.h snippet comes first so that the header is compiled on its own. Loading this library
 * runs the static init blocks: they register my_ext.add_one and the system-library symbol
 * __tvm_ffi_my_prefix.add_one (which a real program would link into its executable).
 */
// seed 000: Throw and Catch Errors, C++
#include <tvm/ffi/error.h>

void ThrowError(int x) {
  if (x < 0) {
    TVM_FFI_THROW(ValueError) << "x must be non-negative, got " << x;
  }
}
// end of snippet

// seed 000: Register a global function
#include <tvm/ffi/tvm_ffi.h>

static int AddOne(int x) { return x + 1; }

TVM_FFI_STATIC_INIT_BLOCK() {
  namespace refl = tvm::ffi::reflection;
  refl::GlobalDef().def("my_ext.add_one", AddOne, "Add one to the input");
}
// end of snippet

// seed 000: Register symbols in C/C++
#include <tvm/ffi/c_api.h>
#include <tvm/ffi/extra/c_env_api.h>

// A function following the TVM-FFI ABI
static int add_one_impl(void*, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  TVM_FFI_SAFE_CALL_BEGIN();
  int64_t x = reinterpret_cast<const tvm::ffi::AnyView*>(args)[0].cast<int64_t>();
  reinterpret_cast<tvm::ffi::Any*>(result)[0] = x + 1;
  TVM_FFI_SAFE_CALL_END();
}

// Register during static initialization
// The symbol name follows the convention `__tvm_ffi_<prefix>.<name>`
TVM_FFI_STATIC_INIT_BLOCK() {
  TVMFFIEnvModRegisterSystemLibSymbol("__tvm_ffi_my_prefix.add_one",
                                      reinterpret_cast<void*>(add_one_impl));
}
// end of snippet

namespace ffi = tvm::ffi;

// Calls the global function my_ext.add_one from C++; returns what the snippet computed.
static int CallAddOneFromCpp() {
  // seed 000: Retrieve a global function, C++
  ffi::Function func = ffi::Function::GetGlobalRequired("my_ext.add_one");
  int result = func(41);  // -> 42
  // end of snippet
  return result;
}

// The three functions of the snippet: [add_type_erased, add_typed, generic].
static ffi::Array<ffi::Any> CreateFunctions() {
  // seed 000: Create Functions, From C++
  // Create type-erased function: add_type_erased
  ffi::Function add_type_erased = ffi::Function::FromTyped([](int x, int y) { return x + y; });

  // Create a typed function: add_typed
  ffi::TypedFunction<int(int, int)> add_typed = [](int x, int y) { return x + y; };

  // Convert a typed function to a type-erased function
  ffi::Function generic = add_typed;
  // end of snippet
  TVM_FFI_ICHECK_EQ(add_type_erased(1, 2).cast<int>(), 3);
  TVM_FFI_ICHECK_EQ(add_typed(3, 4), 7);
  TVM_FFI_ICHECK_EQ(generic(5, 6).cast<int>(), 11);
  return ffi::Array<ffi::Any>{add_type_erased, add_typed, generic};
}

TVM_FFI_DLL_EXPORT_TYPED_FUNC(throw_error, ThrowError);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(call_add_one_from_cpp, CallAddOneFromCpp);
TVM_FFI_DLL_EXPORT_TYPED_FUNC(create_functions, CreateFunctions);
