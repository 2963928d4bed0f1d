/*
 * Signals (Ctrl-C) during calls that release the GIL. Python runs its signal handlers on the
 * main thread only, so a C++ thread polling TVMFFIEnvCheckSignals() learns of a SIGINT that
 * arrived during a call without the GIL from a count kept by a C-level handler (see signals.cc):
 * worker threads of a call made by the main thread or by any other Python thread stop too.
 */
#ifndef TVM_FFI_JIT_PYTHON_SIGNALS_H_
#define TVM_FFI_JIT_PYTHON_SIGNALS_H_

#include <pthread.h>

#include <atomic>
#include <cstdint>

namespace tvm_ffi_jit {

/*! \brief The thread Python runs signal handlers on. */
extern pthread_t python_main_thread;

inline bool OnPythonMainThread() { return pthread_equal(pthread_self(), python_main_thread); }

/*!
 * \brief Marks, for its lifetime, a call that runs without the GIL: a SIGINT arriving meanwhile
 * is reported to the C++ threads that poll for signals. Made and destroyed with the GIL held.
 */
class CallWithoutGil {
 public:
  CallWithoutGil();
  ~CallWithoutGil();
  CallWithoutGil(const CallWithoutGil&) = delete;
  CallWithoutGil& operator=(const CallWithoutGil&) = delete;

 private:
  uint64_t since_;        // SIGINTs counted when the call began
  uint64_t outer_since_;  // the same for the call this one is nested in on this thread
};

/*!
 * \brief On a Python thread other than the main one, after a call stopped for the frontend:
 * sets KeyboardInterrupt if a Ctrl-C (with Python's default handler) arrived during the call.
 * Python raises it on the main thread only; this call stopped for it too. Needs the GIL.
 */
void RaiseInterruptOfLastCall();

}  // namespace tvm_ffi_jit
#endif  // TVM_FFI_JIT_PYTHON_SIGNALS_H_
