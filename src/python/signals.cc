/*
 * TVMFFIEnvCheckSignals() for this extension. On Python's main thread it runs Python's signal
 * handlers (KeyboardInterrupt for Ctrl-C). Elsewhere Python runs none, so a C++ thread the main
 * thread waits for would never see Ctrl-C: a SIGINT handler placed in front of Python's (which
 * it still calls) records the signal, and the check on such a thread reports it while the main
 * thread waits in a call and Python's handler raises KeyboardInterrupt. The call then fails and
 * the main thread raises it.
 */
#include "python/signals.h"

#include <signal.h>

#include <mutex>

#include "python/core.h"

namespace tvm_ffi_jit {

pthread_t python_main_thread;
std::atomic<int> main_thread_calls_without_gil{0};
std::atomic<bool> interrupt_arrived{false};

namespace {

struct sigaction python_interrupt_action;  // the SIGINT handler ours forwards to
std::mutex chain_mutex;

void OnInterrupt(int signum, siginfo_t* info, void* context) {
  interrupt_arrived.store(true, std::memory_order_relaxed);
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
    if (main_thread_calls_without_gil.load(std::memory_order_relaxed) == 0) return 0;
    ChainInterruptHandler();
    if (!interrupt_arrived.load(std::memory_order_relaxed)) return 0;
    return InterruptRaisesKeyboardInterrupt() ? -1 : 0;
  }
  PyGILState_STATE state = PyGILState_Ensure();
  interrupt_arrived.store(false, std::memory_order_relaxed);  // Python's handlers see it now
  int code = PyErr_CheckSignals();
  PyGILState_Release(state);
  return code != 0 ? -1 : 0;
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

int InitSignals() {
  if (FindPythonMainThread() != 0) return -1;
  // From the start: a Ctrl-C that comes before a C++ thread's first check is recorded too.
  ChainInterruptHandler();
  TVMFFIEnvRegisterCAPI("PyErr_CheckSignals", reinterpret_cast<void*>(&CheckSignals));
  return 0;
}

}  // namespace tvm_ffi_jit
