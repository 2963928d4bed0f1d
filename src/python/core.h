/*
 * Internal header of the CPython extension tvm_ffi_jit._core: the Python object layouts
 * and the conversion entry points shared by its files.
 */
#ifndef TVM_FFI_JIT_PYTHON_CORE_H_
#define TVM_FFI_JIT_PYTHON_CORE_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

// Python-version compatibility: what the extension uses that an older or newer CPython lacks.
#if PY_VERSION_HEX < 0x030A0000  // 3.9: these came in 3.10
static inline PyObject* TvmFfiJitNewRef(PyObject* obj) {
  Py_INCREF(obj);
  return obj;
}
static inline PyObject* TvmFfiJitXNewRef(PyObject* obj) {
  Py_XINCREF(obj);
  return obj;
}
#define Py_NewRef(obj) TvmFfiJitNewRef(_PyObject_CAST(obj))
#define Py_XNewRef(obj) TvmFfiJitXNewRef(_PyObject_CAST(obj))
static inline int PyModule_AddObjectRef(PyObject* module, const char* name, PyObject* value) {
  if (value == nullptr) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "PyModule_AddObjectRef: NULL value");
    return -1;
  }
  Py_INCREF(value);  // PyModule_AddObject steals the reference only on success
  if (PyModule_AddObject(module, name, value) < 0) {
    Py_DECREF(value);
    return -1;
  }
  return 0;
}
#endif
#if PY_VERSION_HEX >= 0x030D0000
// 3.13 moved its declaration to the internal headers; libpython still exports it.
extern "C" int _PyOS_IsMainThread(void);
#endif
#include <tvm/ffi/tvm_ffi.h>

#include <deque>
#include <memory>
#include <vector>

namespace tvm_ffi_jit {

struct ForeignRuntime;

/*! \brief A Python wrapper owning one reference to a TVM-FFI object. */
struct PyFFIObject {
  PyObject_HEAD TVMFFIObject* handle;
};

/*! \brief Function adds the vectorcall slot, a per-instance docstring and attributes. */
struct PyFFIFunction {
  PyFFIObject base;
  vectorcallfunc vectorcall;
  PyObject* dict;  // __dict__: __name__ and the metadata the package attaches
  PyObject* doc;
  char release_gil;    // calls release the GIL (the default; see call.cc)
  PyObject* weakrefs;  // weak references (torch.compiler.allow_in_graph keeps one)
  // Which of the first 32 parameters the library's type schema says are TensorView ("DLTensor*"):
  // a framework tensor passed there goes as a borrowed DLTensor*, with no Tensor object made.
  uint32_t view_params;
  char view_params_known;  // read from the metadata on the first call
};

/*!
 * \brief A framework tensor's DLTensor for one call, shape and strides copied: the argument of a
 * TensorView parameter. The caller's reference keeps the tensor alive during the call.
 */
struct BorrowedTensorView {
  static constexpr int32_t kMaxDims = 8;
  DLTensor tensor;
  int64_t dims[2 * kMaxDims];
};

/*!
 * \brief Whether Python objects may still be released. C++ may drop the last reference to a
 * Python object after the interpreter is gone (static storage at exit): then it must not.
 */
inline bool PythonAlive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

extern PyTypeObject* ObjectType;
extern PyTypeObject* FunctionType;
extern PyTypeObject* TensorType;

/*! \brief Wraps an owned handle in the Python class registered for its type (steals it). */
PyObject* WrapOwnedObject(TVMFFIObject* handle);
/*!
 * \brief The Python class for objects of a type index: the one registered for it, else the
 * one the package's class factory makes for it, else its nearest registered ancestor's, else
 * Object. NULL with an error set if the factory failed.
 */
PyTypeObject* ClassForTypeIndex(int32_t type_index);
/*! \brief Wraps objects of `type_index` in `cls` from now on. */
void RegisterClassForTypeIndex(int32_t type_index, PyTypeObject* cls);

/*! \brief Objects that temporary arguments create, released after the call. */
class TempObjects {
 public:
  ~TempObjects() { Release(); }
  /*!
   * \brief Releases the objects now. Call it before raising: a producer's DLPack deleter
   * may run Python code, which must not see a pending exception.
   */
  void Release() {
    for (size_t i = 0; i < count_ && i < kInline; ++i) TVMFFIObjectDecRef(inline_[i]);
    for (TVMFFIObject* obj : overflow_) TVMFFIObjectDecRef(obj);
    count_ = 0;
    overflow_.clear();
  }
  void Add(TVMFFIObject* obj) {
    if (count_ < kInline) {
      inline_[count_] = obj;
    } else {
      overflow_.push_back(obj);
    }
    ++count_;
  }
  /*! \brief Storage for a bytes argument's TVMFFIByteArray (stable until destruction). */
  TVMFFIByteArray* NewByteArray() {
    // Made on first use: an empty std::deque allocates, and most calls pass no bytes.
    if (!byte_arrays_) byte_arrays_ = std::make_unique<std::deque<TVMFFIByteArray>>();
    byte_arrays_->emplace_back();  // a deque: earlier elements never move
    return &byte_arrays_->back();
  }

 private:
  static constexpr size_t kInline = 8;  // typical calls allocate nothing here
  TVMFFIObject* inline_[kInline];
  size_t count_ = 0;
  std::vector<TVMFFIObject*> overflow_;
  std::unique_ptr<std::deque<TVMFFIByteArray>> byte_arrays_;
};

/*!
 * \brief What a call learned from its tensor arguments: the framework (its exchange API),
 * whose allocator and stream apply during the call and whose type returned tensors take.
 */
struct CallContext {
  const void* api = nullptr;  // DLPackExchangeAPI of the first framework tensor argument
  DLDevice device{kDLCPU, 0};
  DLPackManagedTensorAllocator saved_allocator = nullptr;
  TVMFFIStreamHandle saved_stream = nullptr;
  bool cupy = false;  // a cupy array was passed: its current stream applies
  bool allocator_set = false;
  bool stream_set = false;
  // The other runtime (see foreign_runtime.h) the stream and allocator were also set in.
  ForeignRuntime* foreign = nullptr;
  DLPackManagedTensorAllocator foreign_saved_allocator = nullptr;
  TVMFFIStreamHandle foreign_saved_stream = nullptr;

  /*! \brief Installs the framework's allocator and current stream for the call. */
  void Enter() {
    if (api != nullptr || cupy) InstallFrameworkEnv();  // calls without tensors skip the call
  }
  /*! \brief Restores what Enter replaced. */
  void Exit() {
    if (allocator_set || stream_set || foreign != nullptr) RestoreEnv();
  }
  void InstallFrameworkEnv();
  void RestoreEnv();
  /*! \brief Sets the call's stream in this runtime and the foreign one. */
  void InstallStream(TVMFFIStreamHandle stream);
  /*! \brief Sets the call's allocator in this runtime and the foreign one. */
  void InstallAllocator(DLPackManagedTensorAllocator allocator);
  /*! \brief A returned Tensor (owned handle) as the framework's tensor type, else Tensor. */
  PyObject* TensorResultToPy(TVMFFIObject* tensor);
};

/*! \brief A Python int within 64 bits as its value; false for a wider one. */
inline bool ExactIntValue(PyObject* obj, int64_t* value) {
#if PY_VERSION_HEX >= 0x030C0000
  if (PyUnstable_Long_IsCompact(reinterpret_cast<PyLongObject*>(obj))) {
    *value = PyUnstable_Long_CompactValue(reinterpret_cast<PyLongObject*>(obj));
    return true;
  }
#else
  Py_ssize_t digits = Py_SIZE(obj);  // one digit or none: the value is the digit and the sign
  if (digits >= -1 && digits <= 1) {
    *value = digits * static_cast<int64_t>(reinterpret_cast<PyLongObject*>(obj)->ob_digit[0]);
    return true;
  }
#endif
  int overflow = 0;
  *value = PyLong_AsLongLongAndOverflow(obj, &overflow);
  return overflow == 0;
}

/*!
 * \brief An exact int within 64 bits, float, bool or None as a POD value (nothing allocated,
 * no Python code run); 1 for anything else, a wider int included.
 */
inline int ScalarToPod(PyObject* obj, TVMFFIAny* out) {
  PyTypeObject* type = Py_TYPE(obj);
  out->zero_padding = 0;
  if (type == &PyLong_Type) {
    if (!ExactIntValue(obj, &out->v_int64)) return 1;
    out->type_index = kTVMFFIInt;
    return 0;
  }
  if (type == &PyFloat_Type) {
    out->type_index = kTVMFFIFloat;
    out->v_float64 = PyFloat_AS_DOUBLE(obj);
    return 0;
  }
  if (obj == Py_None || type == &PyBool_Type) {
    out->type_index = obj == Py_None ? kTVMFFINone : kTVMFFIBool;
    out->v_int64 = obj == Py_True;
    return 0;
  }
  return 1;
}

/*!
 * \brief Converts a Python argument to a borrowed TVMFFIAny; new objects go to `temps`.
 * Returns -1 with a Python error set on failure.
 */
int PyToAnyView(PyObject* obj, TVMFFIAny* out, TempObjects* temps, CallContext* context = nullptr);
/*! \brief Converts a Python value to an owned TVMFFIAny. Returns -1 with an error set. */
int PyToOwnedAny(PyObject* obj, TVMFFIAny* out);
/*! \brief Converts an owned TVMFFIAny to Python, consuming it. NULL on error. */
PyObject* OwnedAnyToPy(TVMFFIAny* value);
/*! \brief Converts a borrowed TVMFFIAny to Python (new references). NULL on error. */
PyObject* AnyViewToPy(const TVMFFIAny* value);
/*! \brief Wraps a Python callable as an owned Function handle. NULL with error set on failure. */
TVMFFIObject* FunctionFromCallable(PyObject* callable);

/*!
 * \brief Sets the Python error matching a failed safe call's code; returns NULL. `callee`,
 * the safe_call that failed, tells which runtime holds the error when two are loaded.
 */
PyObject* RaiseFromSafeCallCode(int code, const void* callee = nullptr);
/*!
 * \brief Calls a function object with Python arguments; the shared call path. With
 * `release_gil`, the function runs without the GIL. `self`, the Function object when there is
 * one, lets an argument conversion error name it.
 */
PyObject* CallFunction(TVMFFIObject* func, PyObject* const* args, Py_ssize_t nargs,
                       bool release_gil = false, PyObject* self = nullptr,
                       uint32_t view_params = 0);
/*! \brief Sets a new Function object's call entry and its release_gil to the default. */
void InitFunctionCall(PyFFIFunction* func);

/*!
 * \brief A Tensor for `obj` through its type's route (exchange API or __dlpack__).
 * Returns 0 with an owned handle, 1 if `obj` is not a tensor, -1 with an error set.
 */
int TensorFromPyObject(PyObject* obj, TVMFFIObject** out, CallContext* context);
/*!
 * \brief `obj`'s DLTensor when it is a framework tensor with a DLTensor view in its exchange API
 * (torch): no Tensor object is made; the same checks as TensorFromPyObject. Returns 0, 1 when
 * that route does not apply (then TensorFromPyObject's does), -1 with an error set.
 */
int BorrowTensorView(PyObject* obj, BorrowedTensorView* out, CallContext* context);
/*! \brief A CPU Tensor viewing `obj`'s writable buffer; 1 if unsuitable, -1 on error. */
int TensorFromBuffer(PyObject* obj, TVMFFIObject** out);
/*!
 * \brief A writable numpy array (exact type) as a borrowed DLTensor for the call, read from
 * the array's fields; 1 if it is not one this reads (the general route takes it).
 */
int BorrowNumpyArray(PyObject* obj, BorrowedTensorView* out);
/*! \brief Tensor conversion of an object with __dlpack__; -1 with error set, 1 if not one. */
int TensorFromDLPackObject(PyObject* obj, TVMFFIObject** out);

/*! \brief Setup of each file's types and functions; return -1 on failure. */
int InitObjectTypes(PyObject* module);
int InitTensorType(PyObject* module);
int InitTensorImport(PyObject* module);  // from_dlpack; called by InitTensorType
int InitConvert(PyObject* module);
int InitEnv(PyObject* module);
int InitReflection(PyObject* module);
int InitCall(PyObject* module);
/*! \brief Gives the runtime this extension's signal check (see signals.cc). */
int InitSignals();

/*! \brief Python classes the package registers: Device, dtype factories. */
extern PyObject* DeviceClass;
extern PyObject* DTypeClass;
/*! \brief tvm_ffi_jit.ObjectConvertible: its instances convert as their asobject(). */
extern PyObject* ObjectConvertibleClass;

}  // namespace tvm_ffi_jit
#endif  // TVM_FFI_JIT_PYTHON_CORE_H_
