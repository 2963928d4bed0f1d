/*
 * The Tensor Python type (shape, strides, dtype, device, DLPack export) and the import
 * of any object implementing __dlpack__.
 */
#include <cstring>

#include "python/core.h"

namespace tvm_ffi_jit {

PyTypeObject* TensorType = nullptr;

namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

const DLTensor* AsDLTensor(PyObject* self) {
  return reinterpret_cast<const DLTensor*>(
      reinterpret_cast<char*>(reinterpret_cast<PyFFIObject*>(self)->handle) + sizeof(TVMFFIObject));
}

PyObject* IntTuple(const int64_t* data, int32_t size) {
  PyObject* tuple = PyTuple_New(size);
  if (tuple == nullptr) return nullptr;
  for (int32_t i = 0; i < size; ++i) {
    PyObject* item = PyLong_FromLongLong(data[i]);
    if (item == nullptr) {
      Py_DECREF(tuple);
      return nullptr;
    }
    PyTuple_SET_ITEM(tuple, i, item);
  }
  return tuple;
}

PyObject* TensorShape(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  return IntTuple(t->shape, t->ndim);
}

PyObject* TensorStrides(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  return IntTuple(t->strides, t->ndim);
}

PyObject* TensorNdim(PyObject* self, void*) { return PyLong_FromLong(AsDLTensor(self)->ndim); }

PyObject* TensorDataPtr(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  return PyLong_FromVoidPtr(static_cast<char*>(t->data) + t->byte_offset);
}

PyObject* TensorDType(PyObject* self, void*) {
  TVMFFIAny value;
  value.type_index = kTVMFFIDataType;
  value.zero_padding = 0;
  value.v_int64 = 0;
  value.v_dtype = AsDLTensor(self)->dtype;
  return OwnedAnyToPy(&value);
}

PyObject* TensorDevice(PyObject* self, void*) {
  TVMFFIAny value;
  value.type_index = kTVMFFIDevice;
  value.zero_padding = 0;
  value.v_int64 = 0;
  value.v_device = AsDLTensor(self)->device;
  return OwnedAnyToPy(&value);
}

void VersionedCapsuleDestructor(PyObject* capsule) {
  // Only an unconsumed capsule still owns its tensor.
  if (!PyCapsule_IsValid(capsule, kVersionedName)) return;
  auto* managed =
      static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kVersionedName));
  if (managed && managed->deleter) managed->deleter(managed);
}

void LegacyCapsuleDestructor(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, kLegacyName)) return;
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kLegacyName));
  if (managed && managed->deleter) managed->deleter(managed);
}

/*! Tensor.__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) */
PyObject* TensorDLPack(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"stream", "max_version", "dl_device", "copy", nullptr};
  PyObject *stream = Py_None, *max_version = Py_None, *dl_device = Py_None, *copy = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOO", const_cast<char**>(keywords), &stream,
                                   &max_version, &dl_device, &copy)) {
    return nullptr;
  }
  if (copy == Py_True) {
    PyErr_SetString(PyExc_BufferError, "Tensor.__dlpack__ cannot copy");
    return nullptr;
  }
  long major = 0;
  if (max_version != Py_None) {
    PyObject* first = PySequence_GetItem(max_version, 0);
    if (first == nullptr) return nullptr;
    major = PyLong_AsLong(first);
    Py_DECREF(first);
    if (major == -1 && PyErr_Occurred()) return nullptr;
  }
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  if (major >= 1) {
    DLManagedTensorVersioned* managed = nullptr;
    if (TVMFFITensorToDLPackVersioned(handle, &managed) != 0) return RaiseFromSafeCallCode(-1);
    PyObject* capsule = PyCapsule_New(managed, kVersionedName, VersionedCapsuleDestructor);
    if (capsule == nullptr) managed->deleter(managed);
    return capsule;
  }
  DLManagedTensor* managed = nullptr;
  if (TVMFFITensorToDLPack(handle, &managed) != 0) return RaiseFromSafeCallCode(-1);
  PyObject* capsule = PyCapsule_New(managed, kLegacyName, LegacyCapsuleDestructor);
  if (capsule == nullptr) managed->deleter(managed);
  return capsule;
}

PyObject* TensorDLPackDevice(PyObject* self, PyObject*) {
  const DLTensor* t = AsDLTensor(self);
  return Py_BuildValue("(ii)", static_cast<int>(t->device.device_type),
                       static_cast<int>(t->device.device_id));
}

PyObject* FromDLPack(PyObject*, PyObject* obj) {
  if (PyObject_TypeCheck(obj, TensorType)) return Py_NewRef(obj);
  TVMFFIObject* tensor = nullptr;
  int code = TensorFromDLPackObject(obj, &tensor);
  if (code < 0) return nullptr;
  if (code == 1) {
    PyErr_Format(PyExc_TypeError, "from_dlpack expects an object with __dlpack__, got %s",
                 Py_TYPE(obj)->tp_name);
    return nullptr;
  }
  return WrapOwnedObject(tensor);
}

PyGetSetDef tensor_getset[] = {
    {"shape", TensorShape, nullptr, "Extents, as a tuple.", nullptr},
    {"strides", TensorStrides, nullptr, "Strides in elements, as a tuple.", nullptr},
    {"ndim", TensorNdim, nullptr, "Number of dimensions.", nullptr},
    {"dtype", TensorDType, nullptr, "Element type.", nullptr},
    {"device", TensorDevice, nullptr, "Device holding the data.", nullptr},
    {"data_ptr", TensorDataPtr, nullptr, "Address of the first element.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef tensor_methods[] = {
    {"__dlpack__", reinterpret_cast<PyCFunction>(TensorDLPack), METH_VARARGS | METH_KEYWORDS,
     "Exports the tensor as a DLPack capsule (zero-copy)."},
    {"__dlpack_device__", TensorDLPackDevice, METH_NOARGS, "(device_type, device_id)."},
    {nullptr, nullptr, 0, nullptr}};

PyObject* TensorNew(PyTypeObject*, PyObject*, PyObject*) {
  // An empty Tensor would have no DLTensor to describe.
  PyErr_SetString(PyExc_TypeError, "create tensors with tvm_ffi_jit.from_dlpack(array)");
  return nullptr;
}

PyType_Slot tensor_slots[] = {{Py_tp_new, reinterpret_cast<void*>(TensorNew)},
                              {Py_tp_getset, tensor_getset},
                              {Py_tp_methods, tensor_methods},
                              {Py_tp_doc, const_cast<char*>("A tensor (DLPack-compatible).")},
                              {0, nullptr}};

PyType_Spec tensor_spec = {"tvm_ffi_jit.Tensor", sizeof(PyFFIObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, tensor_slots};

PyMethodDef tensor_module_methods[] = {
    {"from_dlpack", FromDLPack, METH_O,
     "from_dlpack(obj): a Tensor sharing the memory of any object implementing __dlpack__."},
    {nullptr, nullptr, 0, nullptr}};

/*! \brief obj.__dlpack__(max_version=(1, 1)), falling back to obj.__dlpack__(). */
PyObject* CallDLPack(PyObject* method) {
  PyObject* kwargs =
      Py_BuildValue("{s:(ii)}", "max_version", DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION);
  if (kwargs == nullptr) return nullptr;
  PyObject* empty = PyTuple_New(0);
  PyObject* capsule = PyObject_Call(method, empty, kwargs);
  Py_DECREF(empty);
  Py_DECREF(kwargs);
  if (capsule == nullptr && PyErr_ExceptionMatches(PyExc_TypeError)) {
    PyErr_Clear();  // a producer that predates DLPack 1.0 takes no max_version
    capsule = PyObject_CallNoArgs(method);
  }
  return capsule;
}

}  // namespace

int TensorFromDLPackObject(PyObject* obj, TVMFFIObject** out) {
  PyObject* method = PyObject_GetAttrString(obj, "__dlpack__");
  if (method == nullptr) {
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return 1;
  }
  PyObject* capsule = CallDLPack(method);
  Py_DECREF(method);
  if (capsule == nullptr) return -1;
  int code = 0;
  TVMFFIObjectHandle handle = nullptr;
  // On success the tensor owns the managed tensor and the capsule is marked used; on
  // failure the capsule keeps it and its destructor calls the deleter.
  if (PyCapsule_IsValid(capsule, kVersionedName)) {
    void* managed = PyCapsule_GetPointer(capsule, kVersionedName);
    code = TVMFFITensorFromDLPackVersioned(static_cast<DLManagedTensorVersioned*>(managed), 0, 0,
                                           &handle);
    if (code == 0) PyCapsule_SetName(capsule, "used_dltensor_versioned");
  } else if (PyCapsule_IsValid(capsule, kLegacyName)) {
    void* managed = PyCapsule_GetPointer(capsule, kLegacyName);
    code = TVMFFITensorFromDLPack(static_cast<DLManagedTensor*>(managed), 0, 0, &handle);
    if (code == 0) PyCapsule_SetName(capsule, "used_dltensor");
  } else {
    Py_DECREF(capsule);
    PyErr_Format(PyExc_TypeError, "%s.__dlpack__ did not return a DLPack capsule",
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  Py_DECREF(capsule);
  if (code != 0) {
    RaiseFromSafeCallCode(code);
    return -1;
  }
  *out = static_cast<TVMFFIObject*>(handle);
  return 0;
}

int InitTensorType(PyObject* module) {
  PyObject* bases = PyTuple_Pack(1, reinterpret_cast<PyObject*>(ObjectType));
  TensorType = reinterpret_cast<PyTypeObject*>(PyType_FromSpecWithBases(&tensor_spec, bases));
  Py_DECREF(bases);
  if (TensorType == nullptr) return -1;
  RegisterClassForTypeIndex(kTVMFFITensor, TensorType);
  if (PyModule_AddObjectRef(module, "Tensor", reinterpret_cast<PyObject*>(TensorType)) < 0)
    return -1;
  return PyModule_AddFunctions(module, tensor_module_methods);
}

}  // namespace tvm_ffi_jit
