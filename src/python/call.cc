/*
 * The call path: Function objects' vectorcall converts the Python arguments, calls the
 * function's safe_call without the GIL (unless its release_gil is off) and converts the result.
 * Everything that touches Python happens with the GIL held: argument conversion, the framework's
 * stream and allocator lookup, before the release; the result and any error, after.
 */
#include <cstdlib>
#include <cstring>
#include <vector>

#include "python/core.h"
#include "python/signals.h"

namespace tvm_ffi_jit {

namespace {

char release_gil_by_default = 1;

/*! \brief The default's environment variable: ours, else apache-tvm-ffi's name for it. */
int ReadReleaseGilDefault() {
  const char* name = "TVM_FFI_JIT_RELEASE_GIL";
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    name = "TVM_FFI_RELEASE_GIL_BY_DEFAULT";
    text = std::getenv(name);
  }
  if (text == nullptr || *text == '\0') return 0;
  for (const char* on : {"1", "true", "yes", "on"}) {
    if (strcasecmp(text, on) == 0) return 0;
  }
  for (const char* off : {"0", "false", "no", "off"}) {
    if (strcasecmp(text, off) == 0) {
      release_gil_by_default = 0;
      return 0;
    }
  }
  return PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                          "%s='%s' is not one of 1/0, true/false, yes/no, on/off; calls release "
                          "the GIL",
                          name, text);
}

/*! \brief Adds a note naming the argument to the pending conversion error. */
void NoteFailedArgument(Py_ssize_t index, PyObject* arg) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (value != nullptr) {
    PyObject* note =
        PyUnicode_FromFormat("while converting argument #%zd (a %s)", index, Py_TYPE(arg)->tp_name);
    PyObject* added = note ? PyObject_CallMethod(value, "add_note", "O", note) : nullptr;
    Py_XDECREF(added);
    Py_XDECREF(note);
    PyErr_Clear();
  }
  PyErr_Restore(type, value, traceback);
}

/*!
 * \brief After a failed argument conversion with torch loaded: lets tvm_ffi_jit.torch replace
 * the error when the argument is a tensor without data (the FakeTensors torch.compile traces
 * with) by one naming the function and what to use instead. Runs on the error path only.
 */
TVM_FFI_NO_INLINE void ExplainFailedArgument(PyObject* self, Py_ssize_t index, PyObject* arg) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback != nullptr && value != nullptr) PyException_SetTraceback(value, traceback);
  static PyObject* torch_name = PyUnicode_InternFromString("torch");
  PyObject* torch = torch_name ? PyImport_GetModule(torch_name) : nullptr;
  PyObject* helpers = torch ? PyImport_ImportModule("tvm_ffi_jit.torch") : nullptr;
  PyObject* replacement = helpers ? PyObject_CallMethod(helpers, "_explain_failed_argument", "OnOO",
                                                        self, index, arg, value ? value : Py_None)
                                  : nullptr;
  Py_XDECREF(helpers);
  Py_XDECREF(torch);
  if (replacement != nullptr && PyExceptionInstance_Check(replacement)) {
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(replacement)), replacement);
  } else {
    PyErr_Clear();  // no torch, no explanation, or the helper failed: the original error stays
    PyErr_Restore(type, value, traceback);
  }
  Py_XDECREF(replacement);
}

/*! \brief The safe call with the GIL released: Python threads run meanwhile. */
int SafeCallWithoutGil(TVMFFISafeCallType safe_call, TVMFFIObject* func, const TVMFFIAny* args,
                       int32_t num_args, TVMFFIAny* result) {
  CallWithoutGil waits;
  PyThreadState* thread_state = PyEval_SaveThread();
  int code = safe_call(func, args, num_args, result);
  PyEval_RestoreThread(thread_state);
  return code;
}

/*! \brief The function's __name__ for messages ("function" when it has none); borrowed. */
PyObject* FunctionName(PyFFIFunction* func) {
  PyObject* name = func->dict != nullptr ? PyDict_GetItemString(func->dict, "__name__") : nullptr;
  if (name != nullptr && PyUnicode_Check(name)) return name;
  static PyObject* fallback = PyUnicode_InternFromString("function");
  return fallback;
}

/*!
 * \brief A call with keyword arguments: binds them by the parameter names the library recorded
 *  (``_arg_names``, from TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED) into positions, then calls.
 */
TVM_FFI_NO_INLINE PyObject* CallWithKeywords(PyFFIFunction* func, PyObject* const* args,
                                             Py_ssize_t nargs, PyObject* kwnames) {
  static PyObject* arg_names_key = PyUnicode_InternFromString("_arg_names");
  PyObject* names = func->dict != nullptr ? PyDict_GetItem(func->dict, arg_names_key) : nullptr;
  if (names == nullptr || !PyTuple_Check(names)) {
    PyErr_Format(PyExc_TypeError,
                 "%U() takes positional arguments only: its library recorded no parameter names "
                 "(export it with TVM_FFI_DLL_EXPORT_TYPED_FUNC_NAMED to call it with keywords)",
                 FunctionName(func));
    return nullptr;
  }
  Py_ssize_t num_params = PyTuple_GET_SIZE(names);
  if (nargs > num_params) {
    PyErr_Format(PyExc_TypeError, "%U() takes %zd arguments but %zd positional ones were given",
                 FunctionName(func), num_params, nargs);
    return nullptr;
  }
  std::vector<PyObject*> bound(args, args + nargs);  // borrowed: the caller holds them
  bound.resize(num_params, nullptr);
  Py_ssize_t num_keywords = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < num_keywords; ++k) {
    PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
    Py_ssize_t index = 0;
    // The names are interned (function.py), as keywords usually are: identity first.
    while (index < num_params && PyTuple_GET_ITEM(names, index) != keyword &&
           PyUnicode_Compare(PyTuple_GET_ITEM(names, index), keyword) != 0) {
      ++index;
    }
    if (index == num_params) {
      PyErr_Format(PyExc_TypeError, "%U() got an unexpected keyword argument '%U'",
                   FunctionName(func), keyword);
      return nullptr;
    }
    if (bound[index] != nullptr) {
      PyErr_Format(PyExc_TypeError, "%U() got multiple values for argument '%U'",
                   FunctionName(func), keyword);
      return nullptr;
    }
    bound[index] = args[nargs + k];
  }
  for (Py_ssize_t i = 0; i < num_params; ++i) {
    if (bound[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%U() missing required argument '%U' (position %zd)",
                   FunctionName(func), PyTuple_GET_ITEM(names, i), i);
      return nullptr;
    }
  }
  return CallFunction(func->base.handle, bound.data(), num_params, func->release_gil,
                      reinterpret_cast<PyObject*>(func), func->view_params);
}

/*!
 * \brief Sets func->view_params from the type schema in its metadata (function.py's describe()
 * puts it in __dict__ when the function is handed out): {"type": "ffi.Function", "named_args":
 * {"params": [{"type": "DLTensor*"}, ...]}}. Without one, every tensor goes as a Tensor object.
 */
TVM_FFI_NO_INLINE void ReadViewParams(PyFFIFunction* func) {
  func->view_params_known = 1;
  func->view_params = 0;
  static PyObject* metadata_key = PyUnicode_InternFromString("_metadata");
  PyObject* metadata = func->dict != nullptr ? PyDict_GetItem(func->dict, metadata_key) : nullptr;
  PyObject* text =
      metadata && PyDict_Check(metadata) ? PyDict_GetItemString(metadata, "type_schema") : nullptr;
  if (text == nullptr || !PyUnicode_Check(text)) return;
  PyObject* json = PyImport_ImportModule("json");
  PyObject* schema = json ? PyObject_CallMethod(json, "loads", "O", text) : nullptr;
  Py_XDECREF(json);
  PyObject* named =
      schema && PyDict_Check(schema) ? PyDict_GetItemString(schema, "named_args") : nullptr;
  PyObject* params = named && PyDict_Check(named) ? PyDict_GetItemString(named, "params") : nullptr;
  if (params != nullptr && PyList_Check(params)) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(params) && i < 32; ++i) {
      PyObject* param = PyList_GET_ITEM(params, i);
      PyObject* type = PyDict_Check(param) ? PyDict_GetItemString(param, "type") : nullptr;
      if (type != nullptr && PyUnicode_Check(type) &&
          PyUnicode_CompareWithASCIIString(type, "DLTensor*") == 0) {
        func->view_params |= 1u << i;
      }
    }
  }
  Py_XDECREF(schema);
  PyErr_Clear();  // a schema that does not parse only loses the shortcut
}

PyObject* FunctionVectorcall(PyObject* self, PyObject* const* args, size_t nargsf,
                             PyObject* kwnames) {
  auto* func = reinterpret_cast<PyFFIFunction*>(self);
  if (TVM_FFI_UNLIKELY(func->base.handle == nullptr)) {
    PyErr_SetString(PyExc_TypeError, "this Function holds no function");
    return nullptr;
  }
  if (TVM_FFI_UNLIKELY(!func->view_params_known)) ReadViewParams(func);
  if (TVM_FFI_UNLIKELY(kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0)) {
    return CallWithKeywords(func, args, PyVectorcall_NARGS(nargsf), kwnames);
  }
  return CallFunction(func->base.handle, args, PyVectorcall_NARGS(nargsf), func->release_gil, self,
                      func->view_params);
}

}  // namespace

void InitFunctionCall(PyFFIFunction* func) {
  func->vectorcall = FunctionVectorcall;
  func->view_params = 0;
  func->view_params_known = 0;
  func->release_gil = release_gil_by_default;
}

PyObject* CallFunction(TVMFFIObject* func, PyObject* const* args, Py_ssize_t nargs,
                       bool release_gil, PyObject* self, uint32_t view_params) {
  constexpr Py_ssize_t kStackArgs = 8;
  TVMFFIAny stack_args[kStackArgs];
  std::vector<TVMFFIAny> heap_args;
  TVMFFIAny* packed = stack_args;
  if (nargs > kStackArgs) {
    heap_args.resize(nargs);
    packed = heap_args.data();
  }
  TempObjects temps;
  CallContext context;
  BorrowedTensorView views[kStackArgs];
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    int code = 1;
    if (i < kStackArgs && (view_params >> i & 1u)) {
      code = BorrowTensorView(args[i], &views[i], &context);
      if (code == 0) {
        packed[i].type_index = kTVMFFIDLTensorPtr;
        packed[i].zero_padding = 0;
        packed[i].v_ptr = &views[i].tensor;
      }
    }
    if (code == 1) code = ScalarToPod(args[i], &packed[i]);  // inline: no converter call
    if (code == 1) code = PyToAnyView(args[i], &packed[i], &temps, &context);
    if (TVM_FFI_UNLIKELY(code != 0)) {
      PyObject *type, *value, *traceback;
      PyErr_Fetch(&type, &value, &traceback);
      temps.Release();  // deleters may run Python code, which must not see a pending error
      PyErr_Restore(type, value, traceback);
      NoteFailedArgument(i, args[i]);
      if (self != nullptr) ExplainFailedArgument(self, i, args[i]);
      return nullptr;
    }
  }
  TVMFFIAny result;
  result.type_index = kTVMFFINone;
  result.zero_padding = 0;
  result.v_int64 = 0;
  auto* cell =
      reinterpret_cast<TVMFFIFunctionCell*>(reinterpret_cast<char*>(func) + sizeof(TVMFFIObject));
  context.Enter();
  int code = release_gil ? SafeCallWithoutGil(cell->safe_call, func, packed,
                                              static_cast<int32_t>(nargs), &result)
                         : cell->safe_call(func, packed, static_cast<int32_t>(nargs), &result);
  context.Exit();
  if (TVM_FFI_UNLIKELY(code != 0)) {
    // A signal handler may have raised during the call: the temporaries' deleters, which may run
    // Python code, must not see that exception pending.
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    temps.Release();
    PyErr_Restore(type, value, traceback);
    return RaiseFromSafeCallCode(code, reinterpret_cast<const void*>(cell->safe_call));
  }
  temps.Release();
  switch (result.type_index) {  // the common results without a call into the converter
    case kTVMFFINone:
      Py_RETURN_NONE;
    case kTVMFFIInt:
      return PyLong_FromLongLong(result.v_int64);
    case kTVMFFIFloat:
      return PyFloat_FromDouble(result.v_float64);
    case kTVMFFIBool:
      return PyBool_FromLong(result.v_int64 != 0);
    case kTVMFFITensor:
      if (context.api != nullptr) return context.TensorResultToPy(result.v_obj);  // caller's type
      break;
  }
  return OwnedAnyToPy(&result);
}

int InitCall(PyObject*) {
  if (ReadReleaseGilDefault() != 0) return -1;
  return InitSignals();
}

}  // namespace tvm_ffi_jit
