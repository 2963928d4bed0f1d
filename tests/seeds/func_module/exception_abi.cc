/*
 * The C-level snippets of seed 000 ("Function, Exception and Module": Exception ABI, Function
 * layout, C Registry APIs), which seed 002 repeats in its removed text. Each snippet sits between
 * `// seed 000: ...` and `// end of snippet`, unchanged but for clang-format's whitespace, which
 * also makes the review fix of seed 003 (the `RAII:` label of LookupAndCall at the function's
 * block scope). Around them is only what a fragment needs to compile (includes, names it assumes)
 * and the exports that tests/test_seeds_c_abi.py calls. The snippets are `cpp` blocks, so this is
 * C++.
 */
#include <tvm/ffi/c_api.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>

// seed 000: TVM-FFI C ABI (the calling convention)
int tvm_ffi_c_abi(void* handle,           // Resource handle
                  const TVMFFIAny* args,  // Input arguments (non-owning)
                  int32_t num_args,       // Number of input arguments
                  TVMFFIAny* result       // Output argument (owning, zero-initialized)
);
// end of snippet

// seed 000: Retrieve Errors in C, the error cell
namespace seed_error_cell {
typedef struct {
  TVMFFIByteArray kind;           // Error type (e.g., "ValueError")
  TVMFFIByteArray message;        // Error message
  TVMFFIByteArray backtrace;      // Stack trace (most-recent call first)
  void (*update_backtrace)(...);  // Hook to append/replace backtrace
} TVMFFIErrorCell;
}  // namespace seed_error_cell
// end of snippet

// seed 000: Print an Error
#include <tvm/ffi/c_api.h>

void PrintError(TVMFFIObject* err) {
  TVMFFIErrorCell* cell = (TVMFFIErrorCell*)((char*)err + sizeof(TVMFFIObject));
  fprintf(stderr, "%.*s: %.*s\n", (int)cell->kind.size, cell->kind.data, (int)cell->message.size,
          cell->message.data);
  if (cell->backtrace.size) {
    fprintf(stderr, "Backtrace:\n%.*s\n", (int)cell->backtrace.size, cell->backtrace.data);
  }
}
// end of snippet

// seed 000: Retrieve the error object
void HandleReturnCode(int rc) {
  TVMFFIObject* err = NULL;
  if (rc == 0) {
    // Success
  } else if (rc == -1) {
    // Move the raised error from TLS (clears TLS slot)
    TVMFFIErrorMoveFromRaised(&err);  // now `err` owns the error object
    if (err != NULL) {
      PrintError(err);          // print the error
      TVMFFIObjectDecRef(err);  // Release the error object
    }
  } else if (rc == -2) {
    // Frontend (e.g., Python) already has an exception set.
    // Do not fetch from TLS; consult the frontend's error mechanism.
  }
}
// end of snippet

// seed 000: Raise Errors in C (C linkage keeps the exported name `__tvm_ffi_my_kernel`)
#include <tvm/ffi/c_api.h>

extern "C" {
int __tvm_ffi_my_kernel(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  // Validate inputs
  if (num_args < 2) {
    TVMFFIErrorSetRaisedFromCStr("ValueError", "Expected at least 2 arguments");
    return -1;
  }
  // ... kernel implementation ...
  return 0;
}
}  // extern "C"
// end of snippet

// `inner_function(...)` in the next snippet stands for any call returning an error code;
// here it is one that fails when asked to.
static bool inner_function_fails = false;
static int InnerFunction() {
  if (inner_function_fails) {
    TVMFFIErrorSetRaisedFromCStr("RuntimeError", "inner_function failed");
    return -1;
  }
  return 0;
}
#define inner_function(...) InnerFunction()

// seed 000: Propagating errors
int outer_function(...) {
  int err_code = 0;

  err_code = inner_function(...);
  if (err_code != 0) goto RAII;  // Propagate error; TLS has the details

RAII:
  // clean up owned resources
  return err_code;
}
// end of snippet

// seed 000: Function, Layout and ABI
namespace seed_function_cell {
typedef struct {
  TVMFFISafeCallType safe_call;
  void* cpp_call;
} TVMFFIFunctionCell;
}  // namespace seed_function_cell
// end of snippet

// seed 000: C Registry APIs (the review in seed 003 aligns the `RAII:` label)
int LookupAndCall(const char* global_function_name, const TVMFFIAny* args, int num_args,
                  TVMFFIAny* result) {
  TVMFFIObject* func = NULL;
  int err_code;
  if ((err_code = TVMFFIFunctionGetGlobal(global_function_name, &func)) != 0) goto RAII;
  if ((err_code = TVMFFIFunctionCall(func, args, num_args, result)) != 0) goto RAII;

RAII:  // clean up owned resources
  if (func != NULL) TVMFFIObjectDecRef(func);
  return err_code;
}
// end of snippet

// ---- checks and exports used by tests/test_seeds_c_abi.py ----
#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;

// The documented signature is the one every function has.
static_assert(std::is_same_v<decltype(&tvm_ffi_c_abi), TVMFFISafeCallType>);

// The documented cells are prefixes of the real ones, field by field.
static_assert(offsetof(seed_error_cell::TVMFFIErrorCell, kind) == offsetof(TVMFFIErrorCell, kind));
static_assert(offsetof(seed_error_cell::TVMFFIErrorCell, message) ==
              offsetof(TVMFFIErrorCell, message));
static_assert(offsetof(seed_error_cell::TVMFFIErrorCell, backtrace) ==
              offsetof(TVMFFIErrorCell, backtrace));
static_assert(offsetof(seed_error_cell::TVMFFIErrorCell, update_backtrace) ==
              offsetof(TVMFFIErrorCell, update_backtrace));
static_assert(sizeof(seed_function_cell::TVMFFIFunctionCell) == sizeof(TVMFFIFunctionCell));
static_assert(offsetof(seed_function_cell::TVMFFIFunctionCell, cpp_call) ==
              offsetof(TVMFFIFunctionCell, cpp_call));

static TVMFFIAny IntArg(int64_t value) {
  TVMFFIAny arg;
  arg.type_index = kTVMFFIInt;
  arg.zero_padding = 0;
  arg.v_int64 = value;
  return arg;
}

static bool RaisedSlotIsEmpty() {
  TVMFFIObject* err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  if (err == nullptr) return true;
  TVMFFIObjectDecRef(err);
  return false;
}

// Calls my_kernel with `num_args` ints, hands the code to HandleReturnCode (which prints a
// raised error to stderr) and returns the code; the raised-error slot must end up empty.
static int CallKernelAndHandle(int num_args) {
  TVMFFIAny args[2] = {IntArg(1), IntArg(2)};
  TVMFFIAny result = IntArg(0);
  result.type_index = kTVMFFINone;
  int rc = __tvm_ffi_my_kernel(nullptr, args, num_args, &result);
  HandleReturnCode(rc);
  TVM_FFI_ICHECK(RaisedSlotIsEmpty()) << "HandleReturnCode left the error in TLS";
  return rc;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(call_kernel_and_handle, CallKernelAndHandle);

// HandleReturnCode(-2) must leave the raised-error slot alone; reports whether it did.
static bool FrontendCodeLeavesSlot() {
  TVMFFIErrorSetRaisedFromCStr("KeyError", "owned by the frontend");
  HandleReturnCode(-2);
  TVMFFIObject* err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  if (err == nullptr) return false;
  TVMFFIErrorCell* cell = (TVMFFIErrorCell*)((char*)err + sizeof(TVMFFIObject));
  bool untouched = std::string(cell->kind.data, cell->kind.size) == "KeyError";
  TVMFFIObjectDecRef(err);
  return untouched;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(frontend_code_leaves_slot, FrontendCodeLeavesSlot);

// Runs outer_function with inner_function failing or not; returns its code as a safe call.
extern "C" TVM_FFI_DLL_EXPORT int __tvm_ffi_propagate(void* handle, const TVMFFIAny* args,
                                                      int32_t num_args, TVMFFIAny* result) {
  if (num_args != 1 || args[0].type_index != kTVMFFIBool) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "propagate expects one bool");
    return -1;
  }
  inner_function_fails = args[0].v_int64 != 0;
  return outer_function();
}

// LookupAndCall(name, [x]): the owned result, or the raised error rethrown.
static ffi::Any LookupAndCallInt(const std::string& name, int64_t x) {
  TVMFFIAny args[1] = {IntArg(x)};
  TVMFFIAny result = IntArg(0);
  result.type_index = kTVMFFINone;
  TVM_FFI_CHECK_SAFE_CALL(LookupAndCall(name.c_str(), args, 1, &result));
  return ffi::details::AnyUnsafe::FromOwnedRaw(result);
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(lookup_and_call, LookupAndCallInt);
