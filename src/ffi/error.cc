/*
 * Errors: the per-thread raised error slot, error construction from C, and C++ backtraces
 * (most recent call first) for TVM_FFI_THROW.
 */
#include <cxxabi.h>
#include <dlfcn.h>
#include <tvm/ffi/error.h>
#include <unwind.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace tvm {
namespace ffi {
namespace {

/*! \brief This thread's raised error; released if the thread exits without fetching it. */
struct RaisedErrorSlot {
  TVMFFIObject* error = nullptr;
  ~RaisedErrorSlot() {
    if (error != nullptr) TVMFFIObjectDecRef(error);
  }
};
thread_local RaisedErrorSlot raised;

/*!
 * \brief The other TVM-FFI runtime's TVMFFIErrorSetRaised, when one is in the global scope
 * (e.g. apache-tvm-ffi's, loaded RTLD_GLOBAL); looked up on the error path only.
 */
using SetRaisedFn = void (*)(TVMFFIObjectHandle);
SetRaisedFn ForeignSetRaised() {
  static void* main_program = dlopen(nullptr, RTLD_LAZY);
  void* symbol = main_program != nullptr ? dlsym(main_program, "TVMFFIErrorSetRaised") : nullptr;
  if (symbol == reinterpret_cast<void*>(static_cast<SetRaisedFn>(&TVMFFIErrorSetRaised))) {
    return nullptr;
  }
  return reinterpret_cast<SetRaisedFn>(symbol);
}

void SetRaisedOwned(TVMFFIObject* error) {
  if (raised.error != nullptr) TVMFFIObjectDecRef(raised.error);
  raised.error = error;
  // Code bound to this runtime may have been called by the other one (a library opened by
  // both shares one binding): its caller reads errors there. The taker drops the other copy.
  if (error != nullptr) {
    if (SetRaisedFn foreign = ForeignSetRaised()) foreign(error);
  }
}

TVMFFIObject* MakeError(std::string kind, std::string message, std::string backtrace) {
  Error error(std::move(kind), std::move(message), std::move(backtrace));
  return details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(error));
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return name;
  std::string result(demangled);
  std::free(demangled);
  return result;
}

/*! \brief State of one backtrace walk (CaptureBacktrace). */
struct FrameWalk {
  static constexpr int kMaxFrames = 64;
  int first_frame;      // frames before it are the backtrace machinery's and its caller's
  bool cross_boundary;  // go on past the first frame of the Python interpreter
  int index = 0;
  std::string text;
};

/*! \brief Appends one frame's line; stops the walk at the interpreter or at kMaxFrames. */
_Unwind_Reason_Code AppendFrameLine(_Unwind_Context* context, void* arg) {
  auto* walk = static_cast<FrameWalk*>(arg);
  int index = walk->index++;
  if (index >= FrameWalk::kMaxFrames) return _URC_END_OF_STACK;
  void* address = reinterpret_cast<void*>(_Unwind_GetIP(context));
  if (address == nullptr) return _URC_END_OF_STACK;
  if (index < walk->first_frame) return _URC_NO_REASON;
  Dl_info info;
  std::memset(&info, 0, sizeof(info));
  if (dladdr(address, &info) == 0) return _URC_NO_REASON;
  // Frames past the Python interpreter are noise for a user of the extension.
  bool in_python = (info.dli_fname && std::strstr(info.dli_fname, "python") && !info.dli_sname);
  const char* library = info.dli_fname ? std::strrchr(info.dli_fname, '/') : nullptr;
  library = library ? library + 1 : (info.dli_fname ? info.dli_fname : "?");
  std::string symbol = info.dli_sname ? Demangle(info.dli_sname) : std::string("<unknown>");
  in_python = in_python || symbol.rfind("_Py", 0) == 0 || symbol.rfind("Py", 0) == 0;
  if (in_python && !walk->cross_boundary) return _URC_END_OF_STACK;
  walk->text += "  File \"" + std::string(library) + "\", in " + symbol + "\n";
  return _URC_NO_REASON;
}

/*!
 * \brief Frames of the calling thread, most recent first, as "  File ..., in symbol" lines;
 * stops at the first frame of the Python interpreter unless `cross_boundary`. The walk
 * unwinds no further than that frame: unwinding the interpreter's frames below it (up to 64)
 * was most of the cost of a C++ error reaching Python.
 */
// Not inlined: frame 0 must be this function's own frame, whatever calls it.
__attribute__((noinline)) std::string CaptureBacktrace(int skip_frames,
                                                       bool cross_boundary = false) {
  // Frame 0 is this function's; a negative skip counts as none.
  FrameWalk walk{(skip_frames < 0 ? 0 : skip_frames) + 1, cross_boundary};
  _Unwind_Backtrace(AppendFrameLine, &walk);
  return std::move(walk.text);
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFIErrorCreate(const TVMFFIByteArray* kind, const TVMFFIByteArray* message,
                      const TVMFFIByteArray* backtrace, TVMFFIObjectHandle* out) {
  return TVMFFIErrorCreateWithCauseAndExtraContext(kind, message, backtrace, nullptr, nullptr, out);
}

int TVMFFIErrorCreateWithCauseAndExtraContext(
    const TVMFFIByteArray* kind, const TVMFFIByteArray* message, const TVMFFIByteArray* backtrace,
    TVMFFIObjectHandle cause_chain, TVMFFIObjectHandle extra_context, TVMFFIObjectHandle* out) {
  // No error slot use here: an error while making an error is reported by the code alone.
  try {
    if (kind == nullptr || message == nullptr || out == nullptr) return -1;
    TVMFFIObject* error =
        MakeError(std::string(kind->data, kind->size), std::string(message->data, message->size),
                  backtrace ? std::string(backtrace->data, backtrace->size) : std::string());
    TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(error);
    if (cause_chain != nullptr) TVMFFIObjectIncRef(cause_chain);
    if (extra_context != nullptr) TVMFFIObjectIncRef(extra_context);
    cell->cause_chain = cause_chain;
    cell->extra_context = extra_context;
    *out = error;
    return 0;
  }
  TVM_FFI_RETHROW_FORCED_UNWIND()
  catch (...) {
    return -1;
  }
}

void TVMFFIErrorMoveFromRaised(TVMFFIObjectHandle* result) {
  if (result == nullptr) return;  // nowhere to move it: the error stays raised
  *result = raised.error;
  raised.error = nullptr;
}

void TVMFFIErrorSetRaised(TVMFFIObjectHandle error) {
  TVMFFIObjectIncRef(error);
  SetRaisedOwned(static_cast<TVMFFIObject*>(error));
}

void TVMFFIErrorSetRaisedFromCStr(const char* kind, const char* message) {
  const char* parts[] = {message};
  TVMFFIErrorSetRaisedFromCStrParts(kind, parts, 1);
}

void TVMFFIErrorSetRaisedFromCStrParts(const char* kind, const char** message_parts,
                                       int32_t num_parts) {
  try {
    std::string message;
    if (message_parts == nullptr) num_parts = 0;
    for (int32_t i = 0; i < num_parts; ++i) {
      if (message_parts[i] != nullptr) message += message_parts[i];
    }
    SetRaisedOwned(MakeError(kind ? kind : "RuntimeError", message, CaptureBacktrace(1)));
  }
  TVM_FFI_RETHROW_FORCED_UNWIND()
  catch (...) {
    // Out of memory while building the error: leave the slot as it was.
  }
}

const TVMFFIByteArray* TVMFFIBacktrace(const char* filename, int lineno, const char* func,
                                       int cross_ffi_boundary) {
  thread_local std::string text;
  thread_local TVMFFIByteArray bytes;
  try {
    text.clear();
    if (filename != nullptr) {
      text += "  File \"" + std::string(filename) + "\", line " + std::to_string(lineno);
      if (func != nullptr) text += ", in " + std::string(func);
      text += "\n";
    }
    // The caller's own frame is the filename:lineno line when given.
    int skip_frames = filename != nullptr ? 2 : 1;
    text += CaptureBacktrace(skip_frames, cross_ffi_boundary != 0);
  }
  TVM_FFI_RETHROW_FORCED_UNWIND()
  catch (...) {
    text.clear();  // out of memory: an empty backtrace rather than an escaping exception
  }
  bytes = {text.data(), text.size()};
  return &bytes;
}

}  // extern "C"
