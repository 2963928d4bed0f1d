/*
 * TVMFFIEnvCheckSignals() for this extension. On Python's main thread it runs Python's signal
 * handlers (KeyboardInterrupt for Ctrl-C). Elsewhere Python runs none, so a C++ thread would
 * never see Ctrl-C: a SIGINT handler placed in front of Python's (which it still calls) counts
 * the signals, and the check on such a thread reports one that arrived during a call without
 * the GIL, when Python's handler raises KeyboardInterrupt. The call then fails and its Python
 * thread raises KeyboardInterrupt (the main thread from its handler, any other from here).
 *
 * Which call a polling thread serves: a Python thread polling inside its own call, that call;
 * a C++ thread, the oldest call in flight without the GIL (it cannot say which started it).
 */
#include "python/signals.h"

#include <signal.h>

#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "python/core.h"

namespace tvm_ffi_jit {

pthread_t python_main_thread;

namespace {

constexpr uint64_t kNoCall = UINT64_MAX;

std::atomic<uint64_t> interrupt_count{0};  // SIGINTs seen by OnInterrupt
// interrupt_count when the oldest call in flight without the GIL began; kNoCall if none.
std::atomic<uint64_t> oldest_call_since{kNoCall};
// The calls in flight without the GIL, by the count they began at. Those that began at the
// newest count are two plain numbers (every call without a Ctrl-C in between lands there);
// older ones, one entry per Ctrl-C during long calls, in ascending order. GIL held only.
uint64_t newest_since = kNoCall;
int newest_calls = 0;
std::vector<std::pair<uint64_t, int>> older_calls;

// This thread's innermost call without the GIL, and whether its last one saw a SIGINT arrive.
struct ThreadCalls {
  uint64_t own_call_since = kNoCall;
  bool last_call_interrupted = false;
};
#if defined(__GLIBC__)
// A fixed offset from the thread pointer instead of a __tls_get_addr call per access: glibc
// keeps room in the static TLS block for dlopened libraries' few initial-exec bytes.
__attribute__((tls_model("initial-exec"))) thread_local ThreadCalls this_thread;
#else
thread_local ThreadCalls this_thread;
#endif

struct sigaction python_interrupt_action;  // the SIGINT handler ours forwards to
std::mutex chain_mutex;

void OnInterrupt(int signum, siginfo_t* info, void* context) {
  interrupt_count.fetch_add(1, std::memory_order_relaxed);
  if (python_interrupt_action.sa_flags & SA_SIGINFO) {
    python_interrupt_action.sa_sigaction(signum, info, context);
  } else {
    python_interrupt_action.sa_handler(signum);
  }
}

bool IsOurs(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) && action.sa_sigaction == OnInterrupt;
}

bool IsFunction(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) ||
         (action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN);
}

/*!
 * \brief Puts OnInterrupt in front of the process's SIGINT handler, again if Python replaced
 * it since (signal.signal installs its handler anew). Nothing when SIGINT is ignored or left
 * to its default (then no handler would run anyway).
 */
void ChainInterruptHandler() {
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0 || IsOurs(current) || !IsFunction(current)) {
    return;
  }
  std::lock_guard<std::mutex> lock(chain_mutex);
  if (sigaction(SIGINT, nullptr, &current) != 0 || IsOurs(current) || !IsFunction(current)) {
    return;
  }
  python_interrupt_action = current;
  struct sigaction ours = current;
  ours.sa_sigaction = OnInterrupt;
  ours.sa_flags = current.sa_flags | SA_SIGINFO;
  sigaction(SIGINT, &ours, nullptr);
}

/*!
 * \brief Whether Python answers SIGINT with KeyboardInterrupt (its default handler). A handler of
 * the program's own may choose to go on: then C++ threads go on too, and it runs after the call.
 */
bool InterruptRaisesKeyboardInterrupt() {
  if (!PythonAlive()) return false;
  PyGILState_STATE state = PyGILState_Ensure();  // free: the main thread waits without it
  PyObject* module = PyImport_ImportModule("_signal");
  PyObject* handler = module ? PyObject_CallMethod(module, "getsignal", "i", SIGINT) : nullptr;
  PyObject* fallback = module ? PyObject_GetAttrString(module, "default_int_handler") : nullptr;
  bool raises = handler != nullptr && handler == fallback;
  Py_XDECREF(fallback);
  Py_XDECREF(handler);
  Py_XDECREF(module);
  PyErr_Clear();
  PyGILState_Release(state);
  return raises;
}

/*! \brief Registered with the runtime as the frontend's PyErr_CheckSignals. */
int CheckSignals() {
  if (!OnPythonMainThread()) {
    // Only a call that released the GIL tells: a caller holding it may be waiting for this thread.
    uint64_t own = this_thread.own_call_since;
    uint64_t since = own != kNoCall ? own : oldest_call_since.load(std::memory_order_acquire);
    if (since == kNoCall) return 0;
    ChainInterruptHandler();
    if (interrupt_count.load(std::memory_order_relaxed) == since) return 0;
    return InterruptRaisesKeyboardInterrupt() ? -1 : 0;
  }
  PyGILState_STATE state = PyGILState_Ensure();
  int code = PyErr_CheckSignals();
  PyGILState_Release(state);
  return code != 0 ? -1 : 0;
}

void PublishOldestCall() {
  uint64_t oldest = !older_calls.empty() ? older_calls.front().first
                    : newest_calls > 0   ? newest_since
                                         : kNoCall;
  oldest_call_since.store(oldest, std::memory_order_release);
}

/*! \brief The main thread's id, through the threading module when this is not it. */
int FindPythonMainThread() {
  if (_PyOS_IsMainThread()) {
    python_main_thread = pthread_self();
    return 0;
  }
  PyObject* threading = PyImport_ImportModule("threading");
  PyObject* main = threading ? PyObject_CallMethod(threading, "main_thread", nullptr) : nullptr;
  PyObject* ident = main ? PyObject_GetAttrString(main, "ident") : nullptr;
  unsigned long value = ident ? PyLong_AsUnsignedLong(ident) : 0;
  Py_XDECREF(ident);
  Py_XDECREF(main);
  Py_XDECREF(threading);
  if (PyErr_Occurred()) return -1;
  python_main_thread = static_cast<pthread_t>(value);  // Python's thread ident is the pthread_t
  return 0;
}

}  // namespace

CallWithoutGil::CallWithoutGil()
    : since_(interrupt_count.load(std::memory_order_relaxed)),
      outer_since_(this_thread.own_call_since) {
  this_thread.own_call_since = since_;
  if (TVM_FFI_LIKELY(since_ == newest_since)) {
    if (newest_calls++ == 0 && older_calls.empty()) PublishOldestCall();
    return;
  }
  // A Ctrl-C came since the newest calls began (the count never goes down): those still in
  // flight become the youngest of the older entries.
  if (newest_calls > 0) {
    try {
      older_calls.emplace_back(newest_since, newest_calls);
    } catch (const std::bad_alloc&) {
      since_ = kNoCall;  // untracked: its C++ threads are not told of a Ctrl-C
      return;
    }
  }
  newest_since = since_;
  newest_calls = 1;
  if (older_calls.empty()) PublishOldestCall();
}

CallWithoutGil::~CallWithoutGil() {
  this_thread.own_call_since = outer_since_;
  if (since_ == kNoCall) return;
  this_thread.last_call_interrupted = interrupt_count.load(std::memory_order_relaxed) != since_;
  if (TVM_FFI_LIKELY(since_ == newest_since)) {
    if (--newest_calls == 0 && older_calls.empty()) PublishOldestCall();
    return;
  }
  for (size_t i = older_calls.size(); i-- > 0;) {
    if (older_calls[i].first != since_) continue;
    if (--older_calls[i].second == 0) {
      older_calls.erase(older_calls.begin() + i);
      if (i == 0) PublishOldestCall();
    }
    return;
  }
}

void RaiseInterruptOfLastCall() {
  bool interrupted = this_thread.last_call_interrupted;
  this_thread.last_call_interrupted = false;
  if (interrupted && !OnPythonMainThread() && InterruptRaisesKeyboardInterrupt()) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
  }
}

int InitSignals() {
  if (FindPythonMainThread() != 0) return -1;
  older_calls.reserve(16);
  // From the start: a Ctrl-C that comes before a C++ thread's first check is recorded too.
  ChainInterruptHandler();
  TVMFFIEnvRegisterCAPI("PyErr_CheckSignals", reinterpret_cast<void*>(&CheckSignals));
  return 0;
}

}  // namespace tvm_ffi_jit
