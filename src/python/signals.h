/*
 * Signals (Ctrl-C) during calls that release the GIL. Python runs its signal handlers on the
 * main thread only, so a C++ thread polling TVMFFIEnvCheckSignals() while the main thread waits
 * in a call learns of a SIGINT from these flags instead (see signals.cc).
 */
#ifndef TVM_FFI_JIT_PYTHON_SIGNALS_H_
#define TVM_FFI_JIT_PYTHON_SIGNALS_H_

#include <pthread.h>

#include <atomic>

namespace tvm_ffi_jit {

/*! \brief The thread Python runs signal handlers on. */
extern pthread_t python_main_thread;
/*! \brief How deep the main thread is in calls that released the GIL (only it writes). */
extern std::atomic<int> main_thread_calls_without_gil;
/*! \brief A SIGINT arrived since the main thread last entered such a call. */
extern std::atomic<bool> interrupt_arrived;

inline bool OnPythonMainThread() { return pthread_equal(pthread_self(), python_main_thread); }

/*! \brief Marks, for its lifetime, the main thread as waiting in a call without the GIL. */
class MainThreadWaits {
 public:
  MainThreadWaits() : on_main_(OnPythonMainThread()) {
    if (!on_main_) return;
    // An earlier SIGINT was Python's to handle already: only one arriving from now on counts.
    if (interrupt_arrived.load(std::memory_order_relaxed)) {
      interrupt_arrived.store(false, std::memory_order_relaxed);
    }
    Add(1);
  }
  ~MainThreadWaits() {
    if (on_main_) Add(-1);
  }
  MainThreadWaits(const MainThreadWaits&) = delete;
  MainThreadWaits& operator=(const MainThreadWaits&) = delete;

 private:
  // Only the main thread writes the depth: no read-modify-write instruction needed.
  static void Add(int delta) {
    int depth = main_thread_calls_without_gil.load(std::memory_order_relaxed);
    main_thread_calls_without_gil.store(depth + delta, std::memory_order_relaxed);
  }
  bool on_main_;
};

}  // namespace tvm_ffi_jit
#endif  // TVM_FFI_JIT_PYTHON_SIGNALS_H_
