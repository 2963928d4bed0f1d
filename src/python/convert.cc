/*
 * Python <-> TVMFFIAny conversion, Python callables as Functions, and the mapping between
 * TVM-FFI errors and Python exceptions.
 */
#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "python/core.h"
#include "python/foreign_runtime.h"
#include "python/signals.h"
// After Python.h (core.h), which must come first.
#include <tvm/ffi/container/map_base.h>

namespace tvm_ffi_jit {

using tvm::ffi::Any;
using tvm::ffi::AnyView;
using tvm::ffi::Error;
using tvm::ffi::ErrorObj;
using tvm::ffi::Object;
namespace details = tvm::ffi::details;

PyObject* DeviceClass = nullptr;
PyObject* DTypeClass = nullptr;
PyObject* ObjectConvertibleClass = nullptr;

namespace {

PyObject* error_classes = nullptr;   // kind -> exception class, set from Python
TVMFFIObject* array_ctor = nullptr;  // "ffi.Array"
TVMFFIObject* map_ctor = nullptr;    // "ffi.Map"

/*! \brief A Python object carried through C++: the ABI's opaque object, handle = PyObject*. */
class OpaquePyObjectObj : public Object, public TVMFFIOpaqueObjectCell {
 public:
  explicit OpaquePyObjectObj(PyObject* obj) {
    Py_INCREF(obj);
    handle = obj;
  }
  ~OpaquePyObjectObj() {
    if (!PythonAlive()) return;
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(static_cast<PyObject*>(handle));
    PyGILState_Release(state);
  }
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.OpaquePyObject", kTVMFFIOpaquePyObject)
};

/*! \brief The Python object of an opaque object, whichever runtime made it. */
PyObject* OpaqueGet(TVMFFIObject* handle) {
  return static_cast<PyObject*>(TVMFFIOpaqueObjectGetCellPtr(handle)->handle);
}

void SetPod(TVMFFIAny* out, int32_t type_index) {
  out->type_index = type_index;
  out->zero_padding = 0;
  out->v_int64 = 0;
}

void SetObject(TVMFFIAny* out, TVMFFIObject* handle) {
  out->type_index = handle->type_index;
  out->zero_padding = 0;
  out->v_obj = handle;
}

/*! \brief The object a Python wrapper holds, borrowed (None for an empty wrapper). */
void WrappedObjectToAny(PyObject* obj, TVMFFIAny* out) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(obj)->handle;
  if (handle == nullptr) {
    SetPod(out, kTVMFFINone);
  } else {
    SetObject(out, handle);
  }
}

/*! \brief Reads Device(device_type, device_id) attributes. */
int DeviceFromPy(PyObject* obj, TVMFFIAny* out) {
  PyObject* type = PyObject_GetAttrString(obj, "device_type");
  PyObject* id = type ? PyObject_GetAttrString(obj, "device_id") : nullptr;
  long type_value = type ? PyLong_AsLong(type) : -1;
  long id_value = id ? PyLong_AsLong(id) : -1;
  Py_XDECREF(type);
  Py_XDECREF(id);
  if (PyErr_Occurred()) return -1;
  SetPod(out, kTVMFFIDevice);
  out->v_device = DLDevice{static_cast<DLDeviceType>(type_value), static_cast<int32_t>(id_value)};
  return 0;
}

/*! \brief dtype is a str subclass: parse its text. */
int DTypeFromPy(PyObject* obj, TVMFFIAny* out) {
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(obj, &size);
  if (text == nullptr) return -1;
  TVMFFIByteArray bytes = {text, static_cast<size_t>(size)};
  SetPod(out, kTVMFFIDataType);
  if (TVMFFIDataTypeFromString(&bytes, &out->v_dtype) != 0) {
    RaiseFromSafeCallCode(-1);
    return -1;
  }
  return 0;
}

/*! \brief How many keys of `dict` are float NaNs (each a distinct Python key). */
Py_ssize_t CountNaNKeys(PyObject* dict) {
  Py_ssize_t count = 0, pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    if (PyFloat_Check(key) && std::isnan(PyFloat_AS_DOUBLE(key))) ++count;
  }
  return count;
}

int PodToAny(PyObject* obj, TVMFFIAny* out);

/*!
 * \brief A str or bytes shorter than 8 bytes inline, a longer one as a String/Bytes object
 * (what an argument of either becomes once owned).
 */
__attribute__((noinline)) int TextToOwnedAny(PyObject* obj, bool is_str, TVMFFIAny* out) {
  Py_ssize_t size = 0;
  const char* data = is_str ? PyUnicode_AsUTF8AndSize(obj, &size) : PyBytes_AS_STRING(obj);
  if (data == nullptr) return -1;
  if (!is_str) size = PyBytes_GET_SIZE(obj);
  if (size < 8) {
    SetPod(out, is_str ? kTVMFFISmallStr : kTVMFFISmallBytes);
    out->small_str_len = static_cast<uint32_t>(size);
    std::memcpy(out->v_bytes, data, size);
    return 0;
  }
  TVMFFIByteArray bytes = {data, static_cast<size_t>(size)};
  SetPod(out, kTVMFFINone);
  int code =
      is_str ? TVMFFIStringFromByteArray(&bytes, out) : TVMFFIBytesFromByteArray(&bytes, out);
  if (code == 0) return 0;
  RaiseFromSafeCallCode(code);
  return -1;
}

/*!
 * \brief An exact int within 64 bits, float, bool, None, str or bytes as an owned value,
 * running no Python code (nor allocating Python objects, so no garbage collection either);
 * 1 if `obj` is anything else.
 */
inline __attribute__((always_inline)) int PlainToOwnedAny(PyObject* obj, TVMFFIAny* out) {
  if (ScalarToPod(obj, out) == 0) return 0;
  PyTypeObject* type = Py_TYPE(obj);
  if (type == &PyUnicode_Type) return TextToOwnedAny(obj, true, out);
  if (type == &PyBytes_Type) return TextToOwnedAny(obj, false, out);
  return 1;
}

/*! \brief A container element as an owned value: what an argument of the same value becomes. */
int ElementToOwnedAny(PyObject* obj, TVMFFIAny* out) {
  int code = PlainToOwnedAny(obj, out);
  if (code <= 0) return code;
  code = PodToAny(obj, out);  // big ints, Device, dtype
  if (code <= 0) return code;
  if (!PyObject_TypeCheck(obj, ObjectType)) {
    if (PyUnicode_Check(obj)) return TextToOwnedAny(obj, true, out);
    if (PyBytes_Check(obj)) return TextToOwnedAny(obj, false, out);
  }
  return PyToOwnedAny(obj, out);
}

/*! \brief Releases owned values (their deleters may run Python code: no error may be pending). */
void ReleaseOwnedValues(const TVMFFIAny* values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (values[i].type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectDecRef(values[i].v_obj);
  }
}

/*!
 * \brief Converts the pairs of `dict` from PyDict_Next position `*pos` on into `pairs` (key,
 * value, ... as owned values) from `*filled` on. Plain keys and values (numbers, strings) are
 * read in place: converting them runs no Python code, so the dict cannot change meanwhile. From
 * the first other pair on, the rest come from a snapshot that owns them, since converting one
 * may run Python code that edits the dict. False with the Python error set when one fails.
 */
bool DictPairsToOwnedAnys(PyObject* dict, std::vector<TVMFFIAny>* pairs, size_t* filled) {
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (*filled + 2 <= pairs->size()) {
    Py_ssize_t before = pos;
    if (!PyDict_Next(dict, &pos, &key, &value)) return true;
    TVMFFIAny* at = pairs->data() + *filled;
    int code = PlainToOwnedAny(key, at);
    if (code == 0) {
      code = PlainToOwnedAny(value, at + 1);
      if (code != 0) ReleaseOwnedValues(at, 1);
    }
    if (code < 0) return false;
    if (code == 1) {
      pos = before;  // this pair again, from the snapshot
      break;
    }
    *filled += 2;
  }
  std::vector<PyObject*> rest;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    rest.push_back(Py_NewRef(key));
    rest.push_back(Py_NewRef(value));
  }
  bool ok = true;
  for (size_t i = 0; ok && i < rest.size() && *filled < pairs->size(); ++i) {
    ok = ElementToOwnedAny(rest[i], pairs->data() + *filled) == 0;
    if (ok) ++*filled;
  }
  for (PyObject* item : rest) Py_DECREF(item);
  return ok;
}

int DictToMap(PyObject* dict, TVMFFIAny* out) {
  const size_t num_keys = static_cast<size_t>(PyDict_GET_SIZE(dict));
  std::vector<TVMFFIAny> pairs;
  size_t filled = 0;
  bool ok = true;
  try {
    pairs.resize(2 * num_keys);
    ok = DictPairsToOwnedAnys(dict, &pairs, &filled);
  } catch (const std::bad_alloc&) {
    if (!PyErr_Occurred()) PyErr_NoMemory();
    ok = false;
  }
  int code = 0;
  if (ok) {
    SetPod(out, kTVMFFINone);
    code = TVMFFIFunctionCall(map_ctor, pairs.data(), static_cast<int32_t>(filled), out);
  }
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  ReleaseOwnedValues(pairs.data(), filled);
  PyErr_Restore(type, value, traceback);
  if (!ok) return -1;
  if (code != 0) {
    RaiseFromSafeCallCode(code);
    return -1;
  }
  // Keys Python tells apart may be one Map key (NaN objects: a NaN equals itself there); a
  // later entry would silently replace an earlier one.
  if (out->type_index != kTVMFFIMap) return 0;
  size_t map_size = reinterpret_cast<const tvm::ffi::MapBaseObj*>(out->v_obj)->size();
  if (map_size == filled / 2) return 0;
  TVMFFIObjectDecRef(out->v_obj);
  SetPod(out, kTVMFFINone);
  Py_ssize_t nan_keys = CountNaNKeys(dict);
  PyErr_Format(
      PyExc_ValueError,
      "the dict's %zd keys would be %zu Map keys: %s are one key in a Map, and an "
      "entry would be lost",
      static_cast<Py_ssize_t>(filled / 2), map_size,
      nan_keys > 1 ? "its NaN keys (a NaN equals itself as a Map key)" : "keys Python tells apart");
  return -1;
}

/*!
 * \brief Converts items[begin, end) into `storage` (reserved for them, holding `*begin` values);
 * false with the Python error set when one fails. `plain_only` stops (true) before the first
 * element that PlainToOwnedAny does not take, leaving *begin there.
 */
bool AppendElements(PyObject* const* items, Py_ssize_t* begin, Py_ssize_t end, bool plain_only,
                    tvm::ffi::ArrayObj* storage) {
  // The ABI's sequence cell follows the object header. Values go straight into the buffer;
  // `size` then counts those written, so the Array releases exactly them.
  auto* cell = reinterpret_cast<TVMFFISeqCell*>(
      reinterpret_cast<char*>(static_cast<Object*>(storage)) + sizeof(TVMFFIObject));
  auto* values = static_cast<TVMFFIAny*>(cell->data);
  Py_ssize_t i = *begin;
  int code = 0;
  for (; i < end; ++i) {
    code = plain_only ? PlainToOwnedAny(items[i], values + i)
                      : ElementToOwnedAny(items[i], values + i);
    if (code != 0) break;
  }
  cell->size = i;
  *begin = i;
  return code >= 0;
}

/*!
 * \brief A list or tuple as an Array, its storage allocated once. Plain elements (numbers,
 * strings) are read in place; from the first other one on, elements come from a snapshot
 * that owns them, since converting one may run Python code that edits the list.
 */
int SequenceToArray(PyObject* seq, TVMFFIAny* out) {
  bool in_place = PyList_CheckExact(seq) || PyTuple_CheckExact(seq);
  // A subclass is iterated as Python would (it may define __iter__).
  PyObject* snapshot = in_place ? nullptr : PySequence_Tuple(seq);
  if (!in_place && snapshot == nullptr) return -1;
  PyObject* source = in_place ? seq : snapshot;
  Py_ssize_t size = PySequence_Fast_GET_SIZE(source);
  bool ok = true;
  try {
    tvm::ffi::Array<Any> array;
    tvm::ffi::ArrayObj* storage = array.CopyOnWrite();
    storage->Reserve(size);
    Py_ssize_t next = 0;
    ok = AppendElements(PySequence_Fast_ITEMS(source), &next, size, true, storage);
    if (ok && next < size) {
      if (snapshot == nullptr) snapshot = PySequence_Tuple(seq);  // not yet edited: no code ran
      ok = snapshot != nullptr &&
           AppendElements(PySequence_Fast_ITEMS(snapshot), &next, size, false, storage);
    }
    if (ok) SetObject(out, details::ObjectUnsafe::MoveToOwned(std::move(array)));
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    ok = false;
  }
  Py_XDECREF(snapshot);
  return ok ? 0 : -1;
}

/*!
 * \brief Most lists/tuples/dicts nested in one another that one conversion takes: each level
 * uses about 0.5 KB of C stack, so a deeper structure could overflow a thread's stack even
 * when the Python recursion limit has been raised.
 */
constexpr size_t kMaxNesting = 2000;

/*! \brief The lists, tuples and dicts this thread is converting, outermost first. */
thread_local std::vector<PyObject*> open_containers;

/*!
 * \brief A list, tuple or dict as an Array or Map: RecursionError for a structure nested too
 * deeply, ValueError for one that contains itself (both would overflow the C stack).
 */
int ContainerToAny(PyObject* obj, TVMFFIAny* out) {
  bool is_dict = PyDict_Check(obj);
  const char* target = is_dict ? "a Map" : "an Array";
  for (PyObject* outer : open_containers) {
    if (outer == obj) {
      PyErr_Format(PyExc_ValueError,
                   "cannot convert a %s that contains itself to %s (a reference cycle)",
                   Py_TYPE(obj)->tp_name, target);
      return -1;
    }
  }
  if (open_containers.size() >= kMaxNesting) {
    PyErr_Format(PyExc_RecursionError,
                 "lists/tuples/dicts nested more than %zu deep cannot be converted to %s",
                 kMaxNesting, target);
    return -1;
  }
  if (Py_EnterRecursiveCall(" while converting nested lists/tuples/dicts to Array/Map")) return -1;
  try {
    open_containers.push_back(obj);
  } catch (const std::bad_alloc&) {
    Py_LeaveRecursiveCall();
    PyErr_NoMemory();
    return -1;
  }
  int code = is_dict ? DictToMap(obj, out) : SequenceToArray(obj, out);
  open_containers.pop_back();
  Py_LeaveRecursiveCall();
  return code;
}

/*! \brief A Python int wider than 64 bits as a BigInt (words of the little-endian bytes). */
int BigIntFromPy(PyObject* obj, TVMFFIAny* out) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "BigInt words are native-endian");
  PyObject* bits = PyObject_CallMethod(obj, "bit_length", nullptr);
  if (bits == nullptr) return -1;
  Py_ssize_t bit_length = PyLong_AsSsize_t(bits);
  Py_DECREF(bits);
  if (bit_length < 0) return -1;
  Py_ssize_t num_bytes = (bit_length / 64 + 1) * 8;  // room for the sign bit
  PyObject* method = PyObject_GetAttrString(obj, "to_bytes");
  if (method == nullptr) return -1;
  PyObject* args = Py_BuildValue("(ns)", num_bytes, "little");
  PyObject* kwargs = Py_BuildValue("{s:O}", "signed", Py_True);
  PyObject* bytes = args && kwargs ? PyObject_Call(method, args, kwargs) : nullptr;
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
  Py_DECREF(method);
  if (bytes == nullptr) return -1;
  TVMFFIByteArray words{PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes))};
  int code = TVMFFIBigIntFromByteArray(&words, out);
  Py_DECREF(bytes);
  if (code == 0) return 0;
  RaiseFromSafeCallCode(code);
  return -1;
}

/*! \brief A BigInt value as a Python int. */
PyObject* BigIntToPy(const TVMFFIAny* value) {
  TVMFFIByteArray words = TVMFFIBigIntGetContentByteArray(value);
  PyObject* bytes = PyBytes_FromStringAndSize(words.data, static_cast<Py_ssize_t>(words.size));
  if (bytes == nullptr) return nullptr;
  PyObject* args = Py_BuildValue("(Os)", bytes, "little");
  PyObject* kwargs = Py_BuildValue("{s:O}", "signed", Py_True);
  PyObject* from_bytes =
      PyObject_GetAttrString(reinterpret_cast<PyObject*>(&PyLong_Type), "from_bytes");
  PyObject* result =
      args && kwargs && from_bytes ? PyObject_Call(from_bytes, args, kwargs) : nullptr;
  Py_XDECREF(from_bytes);
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_DECREF(bytes);
  return result;
}

/*! \brief Values needing no allocation; returns 1 if `obj` is none of them. */
int PodToAny(PyObject* obj, TVMFFIAny* out) {
  if (ScalarToPod(obj, out) == 0) return 0;
  PyTypeObject* type = Py_TYPE(obj);
  if (type == &PyLong_Type) return BigIntFromPy(obj, out);  // beyond 64 bits
  if (DeviceClass != nullptr && type == reinterpret_cast<PyTypeObject*>(DeviceClass)) {
    return DeviceFromPy(obj, out);
  }
  if (DTypeClass != nullptr && type == reinterpret_cast<PyTypeObject*>(DTypeClass)) {
    return DTypeFromPy(obj, out);
  }
  return 1;
}

/*! \brief Numbers that are not exactly int/float (numpy scalars, IntEnum); 1 if not one. */
int NumberToAny(PyObject* obj, TVMFFIAny* out) {
  if (PyLong_Check(obj) || PyIndex_Check(obj)) {
    PyObject* index = PyNumber_Index(obj);
    if (index == nullptr) return -1;
    int code = PodToAny(index, out);
    Py_DECREF(index);
    return code;
  }
  const char* type_name = Py_TYPE(obj)->tp_name;
  if (std::strcmp(type_name, "numpy.bool") == 0 || std::strcmp(type_name, "numpy.bool_") == 0) {
    int truth = PyObject_IsTrue(obj);
    if (truth < 0) return -1;
    SetPod(out, kTVMFFIBool);
    out->v_int64 = truth;
    return 0;
  }
  if (PyFloat_Check(obj) || (Py_TYPE(obj)->tp_as_number && Py_TYPE(obj)->tp_as_number->nb_float &&
                             !PyObject_HasAttrString(obj, "__dlpack__"))) {
    double value = PyFloat_AsDouble(obj);
    if (value == -1.0 && PyErr_Occurred()) return -1;
    SetPod(out, kTVMFFIFloat);
    out->v_float64 = value;
    return 0;
  }
  return 1;
}

/*!
 * \brief A Python value standing for an object (an ObjectConvertible's asobject(), or
 * __tvm_ffi_object__()) as that object, owned; 1 if `obj` is neither.
 */
int ConvertibleToAny(PyObject* obj, TVMFFIAny* out) {
  const char* method = nullptr;
  if (ObjectConvertibleClass != nullptr) {
    int is_convertible = PyObject_IsInstance(obj, ObjectConvertibleClass);
    if (is_convertible < 0) return -1;
    if (is_convertible) method = "asobject";
  }
  if (method == nullptr &&
      PyObject_HasAttrString(reinterpret_cast<PyObject*>(Py_TYPE(obj)), "__tvm_ffi_object__")) {
    method = "__tvm_ffi_object__";
  }
  if (method == nullptr) return 1;
  PyObject* object = PyObject_CallMethod(obj, method, nullptr);
  if (object == nullptr) return -1;
  if (!PyObject_TypeCheck(object, ObjectType)) {
    PyErr_Format(PyExc_TypeError, "%s.%s() must return a tvm_ffi_jit.Object, got %s",
                 Py_TYPE(obj)->tp_name, method, Py_TYPE(object)->tp_name);
    Py_DECREF(object);
    return -1;
  }
  WrappedObjectToAny(object, out);
  if (out->type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectIncRef(out->v_obj);
  Py_DECREF(object);
  return 0;
}

/*! \brief Python exception class for an error kind. */
PyObject* ErrorClassForKind(const std::string& kind) {
  if (error_classes != nullptr) {
    PyObject* cls = PyDict_GetItemString(error_classes, kind.c_str());
    if (cls != nullptr) return cls;
  }
  PyObject* builtins = PyEval_GetBuiltins();
  PyObject* cls = builtins ? PyDict_GetItemString(builtins, kind.c_str()) : nullptr;
  // KeyboardInterrupt and SystemExit too: they derive from BaseException only.
  if (cls != nullptr && PyExceptionClass_Check(cls)) return cls;
  return PyExc_RuntimeError;
}

/*!
 * \brief The exception of a C++ error: kind's class called with the message. A class that
 * takes other arguments (ExceptionGroup) gives a RuntimeError naming the kind instead.
 */
PyObject* MakeException(const std::string& kind, PyObject* message) {
  PyObject* exc = PyObject_CallOneArg(ErrorClassForKind(kind), message);
  if (exc != nullptr && PyExceptionInstance_Check(exc)) return exc;
  Py_XDECREF(exc);
  PyErr_Clear();
  PyObject* text = PyUnicode_FromFormat("%s: %U", kind.c_str(), message);
  if (text == nullptr) return nullptr;
  exc = PyObject_CallOneArg(PyExc_RuntimeError, text);
  Py_DECREF(text);
  return exc;
}

/*! \brief Innermost Python frames that an error leaving a callback records as its backtrace. */
constexpr Py_ssize_t kBacktraceFrames = 32;

/*! \brief '  File "<file>", line <n>, in <function>' for one traceback entry. */
void AppendFrame(PyObject* tb, std::string* text) {
  PyCodeObject* code = PyFrame_GetCode(reinterpret_cast<PyTracebackObject*>(tb)->tb_frame);
  PyObject* file = PyObject_GetAttrString(reinterpret_cast<PyObject*>(code), "co_filename");
  PyObject* name = PyObject_GetAttrString(reinterpret_cast<PyObject*>(code), "co_name");
  PyObject* line = PyObject_GetAttrString(tb, "tb_lineno");
  const char* file_text = file && PyUnicode_Check(file) ? PyUnicode_AsUTF8(file) : nullptr;
  const char* name_text = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
  long line_number = line ? PyLong_AsLong(line) : -1;
  text->append("  File \"").append(file_text ? file_text : "?").append("\", line ");
  text->append(std::to_string(line_number)).append(", in ").append(name_text ? name_text : "?");
  text->append("\n");
  Py_XDECREF(line);
  Py_XDECREF(name);
  Py_XDECREF(file);
  Py_DECREF(code);
  PyErr_Clear();
}

/*!
 * \brief The innermost kBacktraceFrames entries of a traceback, oldest first, without source
 * lines. An exception crossing N nested Python <-> C++ levels gains a frame at each; formatting
 * all of them (and reading their source) at every level took O(N^2) time.
 */
std::string FormatInnermostFrames(PyObject* traceback) {
  auto next = [](PyObject* tb) {
    return reinterpret_cast<PyObject*>(reinterpret_cast<PyTracebackObject*>(tb)->tb_next);
  };
  Py_ssize_t depth = 0;
  for (PyObject* tb = traceback; tb != nullptr && PyTraceBack_Check(tb); tb = next(tb)) ++depth;
  std::string text;
  PyObject* tb = traceback;
  if (depth > kBacktraceFrames) {
    text = "  ... " + std::to_string(depth - kBacktraceFrames) + " earlier frames not shown\n";
    for (Py_ssize_t skip = depth - kBacktraceFrames; skip > 0; --skip) tb = next(tb);
  }
  for (; tb != nullptr && PyTraceBack_Check(tb); tb = next(tb)) AppendFrame(tb, &text);
  return text;
}

/*! \brief The pending Python exception as an Error that carries the exception itself. */
Error ErrorFromPythonException() {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback != nullptr && value != nullptr) PyException_SetTraceback(value, traceback);
  std::string kind = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "RuntimeError";
  size_t dot = kind.rfind('.');
  if (dot != std::string::npos) kind = kind.substr(dot + 1);
  std::string message, backtrace;
  if (PyObject* text = value ? PyObject_Str(value) : nullptr) {
    if (const char* utf8 = PyUnicode_AsUTF8(text)) message = utf8;
    Py_DECREF(text);
  }
  backtrace = FormatInnermostFrames(traceback);
  PyErr_Clear();
  Error error(kind, message, backtrace);
  if (value != nullptr) {
    // Keep the exception object so it comes back to Python with its own type.
    auto opaque = tvm::ffi::make_object<OpaquePyObjectObj>(value);
    const_cast<ErrorObj*>(error.get())->extra_context =
        details::ObjectUnsafe::MoveToOwned(std::move(opaque));
  }
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return error;
}

/*! \brief Throws the pending Python exception as an Error. */
[[noreturn]] void ThrowPythonException() { throw ErrorFromPythonException(); }

/*! \brief Holds a Python callable for a Function; calls take the GIL. */
class PyCallable {
 public:
  explicit PyCallable(PyObject* callable) : callable_(callable) { Py_INCREF(callable); }
  PyCallable(PyCallable&& other) noexcept : callable_(other.callable_) {
    other.callable_ = nullptr;
  }
  PyCallable(const PyCallable&) = delete;
  ~PyCallable() {
    if (callable_ == nullptr || !PythonAlive()) return;
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(callable_);
    PyGILState_Release(state);
  }

  void operator()(const AnyView* args, int32_t num_args, Any* result) const {
    PyGILState_STATE state = PyGILState_Ensure();
    struct Release {
      PyGILState_STATE state;
      ~Release() { PyGILState_Release(state); }
    } release{state};
    std::vector<PyObject*> py_args(num_args, nullptr);
    auto clear_args = [&] {
      for (PyObject* arg : py_args) Py_XDECREF(arg);
    };
    for (int32_t i = 0; i < num_args; ++i) {
      py_args[i] = AnyViewToPy(details::AnyUnsafe::Raw(args[i]));
      if (py_args[i] == nullptr) {
        clear_args();
        ThrowPythonException();
      }
    }
    PyObject* ret = PyObject_Vectorcall(callable_, py_args.data(), num_args, nullptr);
    clear_args();
    if (ret == nullptr) ThrowPythonException();
    TVMFFIAny owned;
    int code = PyToOwnedAny(ret, &owned);
    Py_DECREF(ret);
    if (code != 0) ThrowPythonException();
    *result = details::AnyUnsafe::FromOwnedRaw(owned);
  }

 private:
  PyObject* callable_;
};

/*! \brief Shared body of OwnedAnyToPy / AnyViewToPy. */
PyObject* AnyToPy(const TVMFFIAny* value, bool owned) {
  switch (value->type_index) {
    case kTVMFFINone:
      Py_RETURN_NONE;
    case kTVMFFIInt:
      return PyLong_FromLongLong(value->v_int64);
    case kTVMFFIBool:
      return PyBool_FromLong(value->v_int64 != 0);
    case kTVMFFIFloat:
      return PyFloat_FromDouble(value->v_float64);
    case kTVMFFIOpaquePtr:
      return value->v_ptr ? PyLong_FromVoidPtr(value->v_ptr) : Py_NewRef(Py_None);
    case kTVMFFIDevice:
      return PyObject_CallFunction(DeviceClass, "ii", static_cast<int>(value->v_device.device_type),
                                   static_cast<int>(value->v_device.device_id));
    case kTVMFFIDataType: {
      TVMFFIAny text;
      SetPod(&text, kTVMFFINone);
      if (TVMFFIDataTypeToString(&value->v_dtype, &text) != 0) return RaiseFromSafeCallCode(-1);
      PyObject* str = OwnedAnyToPy(&text);
      if (str == nullptr) return nullptr;
      PyObject* dtype = PyObject_CallOneArg(DTypeClass, str);
      Py_DECREF(str);
      return dtype;
    }
    case kTVMFFIRawStr:
      return PyUnicode_DecodeUTF8(value->v_c_str, std::strlen(value->v_c_str), "surrogateescape");
    case kTVMFFISmallStr:
      return PyUnicode_DecodeUTF8(value->v_bytes, value->small_str_len, "surrogateescape");
    case kTVMFFISmallBytes:
      return PyBytes_FromStringAndSize(value->v_bytes, value->small_str_len);
    case kTVMFFIByteArrayPtr: {
      auto* bytes = static_cast<const TVMFFIByteArray*>(value->v_ptr);
      return PyBytes_FromStringAndSize(bytes->data, static_cast<Py_ssize_t>(bytes->size));
    }
    case kTVMFFIDLTensorPtr:
      PyErr_SetString(PyExc_TypeError,
                      "a borrowed DLTensor* cannot be returned to Python; return a Tensor");
      return nullptr;
    default:
      break;
  }
  if (value->type_index < kTVMFFIStaticObjectBegin) {
    PyErr_Format(PyExc_TypeError, "cannot convert value of type index %d to Python",
                 value->type_index);
    return nullptr;
  }
  TVMFFIObject* handle = value->v_obj;
  PyObject* result = nullptr;
  if (value->type_index == kTVMFFIBigInt) {
    result = BigIntToPy(value);
    if (owned) TVMFFIObjectDecRef(handle);
    return result;
  }
  if (value->type_index == kTVMFFIStr || value->type_index == kTVMFFIBytes) {
    auto* cell = reinterpret_cast<const TVMFFIByteArray*>(reinterpret_cast<char*>(handle) +
                                                          sizeof(TVMFFIObject));
    result = value->type_index == kTVMFFIStr
                 ? PyUnicode_DecodeUTF8(cell->data, static_cast<Py_ssize_t>(cell->size),
                                        "surrogateescape")
                 : PyBytes_FromStringAndSize(cell->data, static_cast<Py_ssize_t>(cell->size));
  } else if (value->type_index == kTVMFFIOpaquePyObject) {
    result = Py_NewRef(OpaqueGet(handle));
  } else {
    if (!owned) TVMFFIObjectIncRef(handle);
    return WrapOwnedObject(handle);
  }
  if (owned) TVMFFIObjectDecRef(handle);
  return result;
}

PyObject* SetErrorClasses(PyObject*, PyObject* dict) {
  if (!PyDict_Check(dict)) {
    PyErr_SetString(PyExc_TypeError, "expected a dict of kind -> exception class");
    return nullptr;
  }
  Py_INCREF(dict);
  Py_XSETREF(error_classes, dict);
  Py_RETURN_NONE;
}

/*! \brief _core._raise_from_kind(kind, message, backtrace): raises like a failed call would. */
PyObject* RaiseFromKind(PyObject*, PyObject* args) {
  const char *kind, *message, *backtrace;
  if (!PyArg_ParseTuple(args, "sss", &kind, &message, &backtrace)) return nullptr;
  TVMFFIByteArray k = {kind, std::strlen(kind)}, m = {message, std::strlen(message)},
                  b = {backtrace, std::strlen(backtrace)};
  TVMFFIObjectHandle error = nullptr;
  if (TVMFFIErrorCreate(&k, &m, &b, &error) != 0) return PyErr_NoMemory();
  TVMFFIErrorSetRaised(error);
  TVMFFIObjectDecRef(error);
  return RaiseFromSafeCallCode(-1);
}

PyMethodDef convert_methods[] = {
    {"_set_error_classes", SetErrorClasses, METH_O, "Sets the kind -> exception class map."},
    {"_raise_from_kind", RaiseFromKind, METH_VARARGS, "Raises the exception of an error kind."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int PyToAnyView(PyObject* obj, TVMFFIAny* out, TempObjects* temps, CallContext* context) {
  int code = PodToAny(obj, out);
  // A Python int beyond 64 bits became a BigInt object: the call holds it, then releases it.
  if (code == 0 && out->type_index >= kTVMFFIStaticObjectBegin) temps->Add(out->v_obj);
  if (code <= 0) return code;
  if (PyObject_TypeCheck(obj, ObjectType)) {
    WrappedObjectToAny(obj, out);
    return 0;
  }
  if (PyUnicode_Check(obj)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
    if (data == nullptr) return -1;
    if (size < 8) {
      SetPod(out, kTVMFFISmallStr);
      out->small_str_len = static_cast<uint32_t>(size);
      std::memcpy(out->v_bytes, data, size);
      return 0;
    }
    if (std::strlen(data) == static_cast<size_t>(size)) {
      SetPod(out, kTVMFFIRawStr);  // borrowed: the str outlives the call
      out->v_c_str = data;
      return 0;
    }
  } else if (PyBytes_Check(obj)) {
    Py_ssize_t size = PyBytes_GET_SIZE(obj);
    if (size < 8) {
      SetPod(out, kTVMFFISmallBytes);
      out->small_str_len = static_cast<uint32_t>(size);
      std::memcpy(out->v_bytes, PyBytes_AS_STRING(obj), size);
      return 0;
    }
    TVMFFIByteArray* bytes = temps->NewByteArray();
    *bytes = {PyBytes_AS_STRING(obj), static_cast<size_t>(size)};
    SetPod(out, kTVMFFIByteArrayPtr);
    out->v_ptr = bytes;
    return 0;
  }
  TVMFFIObject* tensor = nullptr;
  code = TensorFromPyObject(obj, &tensor, context);
  if (code < 0) return -1;
  if (code == 0) {
    SetObject(out, tensor);
    temps->Add(tensor);
    return 0;
  }
  // Everything else becomes an owned value that lives until the call returns.
  if (PyToOwnedAny(obj, out) != 0) return -1;
  if (out->type_index >= kTVMFFIStaticObjectBegin) temps->Add(out->v_obj);
  return 0;
}

int PyToOwnedAny(PyObject* obj, TVMFFIAny* out) {
  int code = PodToAny(obj, out);
  if (code <= 0) return code;
  if (PyObject_TypeCheck(obj, ObjectType)) {
    WrappedObjectToAny(obj, out);
    if (out->type_index >= kTVMFFIStaticObjectBegin) TVMFFIObjectIncRef(out->v_obj);
    return 0;
  }
  if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
    bool is_str = PyUnicode_Check(obj);
    Py_ssize_t size = 0;
    const char* data = is_str ? PyUnicode_AsUTF8AndSize(obj, &size) : PyBytes_AS_STRING(obj);
    if (data == nullptr) return -1;
    if (!is_str) size = PyBytes_GET_SIZE(obj);
    TVMFFIByteArray bytes = {data, static_cast<size_t>(size)};
    SetPod(out, kTVMFFINone);
    int rc =
        is_str ? TVMFFIStringFromByteArray(&bytes, out) : TVMFFIBytesFromByteArray(&bytes, out);
    if (rc != 0) {
      RaiseFromSafeCallCode(rc);
      return -1;
    }
    return 0;
  }
  TVMFFIObject* tensor = nullptr;
  code = TensorFromPyObject(obj, &tensor, nullptr);
  if (code < 0) return -1;
  if (code == 0) {
    SetObject(out, tensor);
    return 0;
  }
  code = NumberToAny(obj, out);
  if (code <= 0) return code;
  if (PyList_Check(obj) || PyTuple_Check(obj) || PyDict_Check(obj)) {
    return ContainerToAny(obj, out);
  }
  if (PyCallable_Check(obj)) {
    TVMFFIObject* func = FunctionFromCallable(obj);
    if (func == nullptr) return -1;
    SetObject(out, func);
    return 0;
  }
  code = ConvertibleToAny(obj, out);
  if (code <= 0) return code;
  // Anything else travels as an opaque Python object and comes back as itself.
  auto opaque = tvm::ffi::make_object<OpaquePyObjectObj>(obj);
  SetObject(out, details::ObjectUnsafe::MoveToOwned(std::move(opaque)));
  return 0;
}

PyObject* OwnedAnyToPy(TVMFFIAny* value) {
  PyObject* result = AnyToPy(value, true);
  SetPod(value, kTVMFFINone);
  return result;
}

PyObject* AnyViewToPy(const TVMFFIAny* value) { return AnyToPy(value, false); }

namespace {
using CallbackObj = details::FunctionObjImpl<PyCallable>;
TVMFFISafeCallType callback_safe_call = nullptr;  // CallbackObj's own entry, the same for all

/*!
 * \brief The entry of a Python callback: a failure is raised in the runtime of the code that
 * called it (the one that will look for it), never left behind in the other one.
 */
int CallbackSafeCall(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  const void* caller = __builtin_return_address(0);
  int code = callback_safe_call(handle, args, num_args, result);
  if (TVM_FFI_LIKELY(code != -1 || foreign_runtime == nullptr) || !PythonAlive()) return code;
  // Any thread may call back: the GIL guards the foreign runtime's bookkeeping.
  PyGILState_STATE state = PyGILState_Ensure();
  if (RunsOnForeignRuntime(caller)) {
    TVMFFIObjectHandle error = nullptr;
    TVMFFIErrorMoveFromRaised(&error);
    if (error != nullptr) {
      RaiseInForeignRuntime(error);
      TVMFFIObjectDecRef(error);
    }
  }
  PyGILState_Release(state);
  return code;
}
}  // namespace

TVMFFIObject* FunctionFromCallable(PyObject* callable) {
  try {
    auto func = tvm::ffi::make_object<CallbackObj>(PyCallable(callable));
    callback_safe_call = func->safe_call;
    func->safe_call = CallbackSafeCall;
    return details::ObjectUnsafe::MoveToOwned(std::move(func));
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return nullptr;
  }
}

namespace {
/*!
 * \brief A call stopped because the frontend holds the error: the Python exception already set,
 * else what Python's signal handlers raise now (a C++ thread stopped for a Ctrl-C that only the
 * main thread handles, once the call is over).
 */
PyObject* RaiseFrontendError() {
  if (!PyErr_Occurred()) PyErr_CheckSignals();
  if (!PyErr_Occurred()) RaiseInterruptOfLastCall();  // a thread other than the main one
  if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "call interrupted by the frontend");
  return nullptr;
}

/*! \brief Adds "C++ backtrace (most recent call first):" and the frames as a note of `exc`. */
void AddBacktraceNote(PyObject* exc, const TVMFFIByteArray& backtrace) {
  static PyObject* add_note = PyUnicode_InternFromString("add_note");
  std::string text = "C++ backtrace (most recent call first):\n";
  text.append(backtrace.data, backtrace.size);
  PyObject* note =
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  PyObject* args[] = {exc, note};
  PyObject* result =
      note && add_note ? PyObject_VectorcallMethod(add_note, args, 2, nullptr) : nullptr;
  if (result == nullptr) PyErr_Clear();
  Py_XDECREF(result);
  Py_XDECREF(note);
}

bool IsKind(const TVMFFIErrorCell* cell, const char* kind) {
  return cell->kind.size == std::strlen(kind) &&
         std::memcmp(cell->kind.data, kind, cell->kind.size) == 0;
}
}  // namespace

PyObject* RaiseFromSafeCallCode(int code, const void* callee) {
  if (code == -2) return RaiseFrontendError();
  // A function bound to another runtime raised there; its error object has the same layout.
  // Its own runtime first: the other may hold a stale copy of a callback's error.
  TVMFFIObjectHandle handle = nullptr;
  if (TVM_FFI_UNLIKELY(callee != nullptr && RunsOnForeignRuntime(callee))) {
    handle = MoveForeignRaisedError();
  }
  if (handle == nullptr) TVMFFIErrorMoveFromRaised(&handle);
  // Only for a callee of unknown origin: a function of this runtime never raises there.
  if (handle == nullptr && callee == nullptr) handle = MoveForeignRaisedError();
  if (handle == nullptr) {
    PyErr_Format(PyExc_RuntimeError, "call failed with code %d and no error was raised", code);
    return nullptr;
  }
  DropMirroredError(handle);
  auto* cell =
      reinterpret_cast<TVMFFIErrorCell*>(static_cast<char*>(handle) + sizeof(TVMFFIObject));
  if (IsKind(cell, "EnvErrorAlreadySet")) {  // what code built on apache-tvm-ffi throws
    TVMFFIObjectDecRef(handle);
    return RaiseFrontendError();
  }
  auto* extra = static_cast<TVMFFIObject*>(cell->extra_context);
  if (extra != nullptr && extra->type_index == kTVMFFIOpaquePyObject &&
      PyExceptionInstance_Check(OpaqueGet(extra))) {
    // An exception raised by Python code that C++ called: re-raise the very same object.
    PyObject* exc = OpaqueGet(extra);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
    TVMFFIObjectDecRef(handle);
    return nullptr;
  }
  std::string kind(cell->kind.data, cell->kind.size);
  PyObject* message = PyUnicode_DecodeUTF8(cell->message.data,
                                           static_cast<Py_ssize_t>(cell->message.size), "replace");
  PyObject* exc = message ? MakeException(kind, message) : nullptr;
  Py_XDECREF(message);
  if (exc != nullptr && cell->backtrace.size != 0) AddBacktraceNote(exc, cell->backtrace);
  TVMFFIObjectDecRef(handle);
  if (exc == nullptr) return nullptr;
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
  Py_DECREF(exc);
  return nullptr;
}

int InitConvert(PyObject* module) {
  auto global = [](const char* name) -> TVMFFIObject* {
    TVMFFIByteArray bytes = {name, std::strlen(name)};
    TVMFFIObjectHandle handle = nullptr;
    TVMFFIFunctionGetGlobal(&bytes, &handle);
    return static_cast<TVMFFIObject*>(handle);
  };
  array_ctor = global("ffi.Array");
  map_ctor = global("ffi.Map");
  if (array_ctor == nullptr || map_ctor == nullptr) {
    PyErr_SetString(PyExc_ImportError, "the runtime library lacks its built-in functions");
    return -1;
  }
  return PyModule_AddFunctions(module, convert_methods);
}

}  // namespace tvm_ffi_jit
