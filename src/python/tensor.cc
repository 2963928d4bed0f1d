/*
 * The Tensor Python type: shape, strides, dtype, device, numel(), data_ptr(), its repr, and
 * the DLPack export (__dlpack__, __dlpack_device__). Also the dtype text <-> fields helpers
 * behind tvm_ffi_jit.dtype. Importing other objects as tensors is in tensor_import.cc.
 */
#include <tvm/ffi/container/tensor.h>

#include <string>

#include "python/core.h"

namespace tvm_ffi_jit {

PyTypeObject* TensorType = nullptr;

namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

/*! \brief The tensor's DLTensor; NULL with an error set for a wrapper without an object. */
const DLTensor* AsDLTensor(PyObject* self) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  if (TVM_FFI_UNLIKELY(handle == nullptr)) {
    PyErr_SetString(PyExc_ValueError, "this Tensor holds no tensor (it was never initialized)");
    return nullptr;
  }
  return reinterpret_cast<const DLTensor*>(reinterpret_cast<char*>(handle) + sizeof(TVMFFIObject));
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
  return t ? IntTuple(t->shape, t->ndim) : nullptr;
}

PyObject* TensorStrides(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  if (t->strides != nullptr) return IntTuple(t->strides, t->ndim);
  // No strides in DLPack means row-major.
  std::vector<int64_t> strides(t->ndim);
  int64_t stride = 1;
  for (int32_t i = t->ndim - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= t->shape[i];
  }
  return IntTuple(strides.data(), t->ndim);
}

PyObject* TensorNdim(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  return t ? PyLong_FromLong(t->ndim) : nullptr;
}

PyObject* TensorByteOffset(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  return t ? PyLong_FromUnsignedLongLong(t->byte_offset) : nullptr;
}

PyObject* TensorDType(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  TVMFFIAny value;
  value.type_index = kTVMFFIDataType;
  value.zero_padding = 0;
  value.v_int64 = 0;
  value.v_dtype = t->dtype;
  return OwnedAnyToPy(&value);
}

PyObject* TensorDevice(PyObject* self, void*) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  TVMFFIAny value;
  value.type_index = kTVMFFIDevice;
  value.zero_padding = 0;
  value.v_int64 = 0;
  value.v_device = t->device;
  return OwnedAnyToPy(&value);
}

PyObject* TensorDataPtr(PyObject* self, PyObject*) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  return PyLong_FromVoidPtr(static_cast<char*>(t->data) + t->byte_offset);
}

PyObject* TensorNumel(PyObject* self, PyObject*) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  int64_t count = 1;
  for (int32_t i = 0; i < t->ndim; ++i) count *= t->shape[i];
  return PyLong_FromLongLong(count);
}

PyObject* TensorSize(PyObject* self, PyObject* arg) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  long index = PyLong_AsLong(arg);
  if (index == -1 && PyErr_Occurred()) return nullptr;
  if (index < -t->ndim || index >= t->ndim) {
    return PyErr_Format(PyExc_IndexError, "dimension %ld is out of range for a %d-d tensor", index,
                        t->ndim);
  }
  return PyLong_FromLongLong(t->shape[index < 0 ? index + t->ndim : index]);
}

PyObject* TensorIsContiguous(PyObject* self, PyObject*) {
  const DLTensor* t = AsDLTensor(self);
  return t ? PyBool_FromLong(tvm::ffi::IsContiguous(*t)) : nullptr;
}

/*! \brief "float32[2, 3]@cuda:0": data type, shape, and the device as str(device) prints it. */
PyObject* TensorRepr(PyObject* self) {
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) {
    PyErr_Clear();
    return PyUnicode_FromString("Tensor(None)");
  }
  PyObject* dtype = TensorDType(self, nullptr);
  PyObject* device = dtype ? TensorDevice(self, nullptr) : nullptr;
  if (device == nullptr) {
    Py_XDECREF(dtype);
    return nullptr;
  }
  std::string dims;
  for (int32_t i = 0; i < t->ndim; ++i) {
    if (i > 0) dims += ", ";
    dims += std::to_string(t->shape[i]);
  }
  PyObject* repr = PyUnicode_FromFormat("%S[%s]@%S", dtype, dims.c_str(), device);
  Py_DECREF(dtype);
  Py_DECREF(device);
  return repr;
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

/*! \brief Whether `dl_device` (None or a (type, id) pair) names the tensor's own device. */
int IsOwnDevice(PyObject* dl_device, const DLDevice& own) {
  if (dl_device == Py_None) return 1;
  int type = 0, id = 0;
  if (!PyArg_ParseTuple(dl_device, "ii;dl_device must be a (device_type, device_id) pair", &type,
                        &id)) {
    return -1;
  }
  return type == own.device_type && id == own.device_id;
}

/*!
 * Tensor.__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None): a capsule
 * sharing the tensor's memory; versioned when the consumer supports DLPack 1.x.
 */
PyObject* TensorDLPack(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"stream", "max_version", "dl_device", "copy", nullptr};
  PyObject *stream = Py_None, *max_version = Py_None, *dl_device = Py_None, *copy = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOO:__dlpack__", const_cast<char**>(keywords),
                                   &stream, &max_version, &dl_device, &copy)) {
    return nullptr;
  }
  const DLTensor* t = AsDLTensor(self);
  if (t == nullptr) return nullptr;
  if (copy != Py_None && PyObject_IsTrue(copy)) {
    PyErr_SetString(PyExc_BufferError, "Tensor.__dlpack__ cannot copy (copy=True)");
    return nullptr;
  }
  int own_device = IsOwnDevice(dl_device, t->device);
  if (own_device < 0) return nullptr;
  if (own_device == 0) {
    PyErr_SetString(PyExc_BufferError, "Tensor.__dlpack__ cannot move data to another dl_device");
    return nullptr;
  }
  long major = 0;  // no max_version: a consumer from before DLPack 1.0
  if (max_version != Py_None) {
    PyObject* first = PySequence_Check(max_version) ? PySequence_GetItem(max_version, 0) : nullptr;
    if (first == nullptr) {
      PyErr_Format(PyExc_TypeError, "max_version must be a (major, minor) tuple, got %R",
                   max_version);
      return nullptr;
    }
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
  if (t == nullptr) return nullptr;
  return Py_BuildValue("(ii)", static_cast<int>(t->device.device_type),
                       static_cast<int>(t->device.device_id));
}

PyGetSetDef tensor_getset[] = {
    {"shape", TensorShape, nullptr, "Extents, as a tuple of ints.", nullptr},
    {"strides", TensorStrides, nullptr, "Strides in elements, as a tuple of ints.", nullptr},
    {"ndim", TensorNdim, nullptr, "Number of dimensions.", nullptr},
    {"dtype", TensorDType, nullptr, "Element type, a tvm_ffi_jit.dtype.", nullptr},
    {"device", TensorDevice, nullptr, "Device holding the data, a tvm_ffi_jit.Device.", nullptr},
    {"byte_offset", TensorByteOffset, nullptr, "Bytes from the data pointer to the first element.",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef tensor_methods[] = {
    {"data_ptr", TensorDataPtr, METH_NOARGS,
     "data_ptr(): the address of the first element (byte offset included)."},
    {"numel", TensorNumel, METH_NOARGS, "numel(): the number of elements."},
    {"size", TensorSize, METH_O,
     "size(dim): the extent of dimension `dim` (negative counts back)."},
    {"is_contiguous", TensorIsContiguous, METH_NOARGS,
     "is_contiguous(): whether the elements are row-major without gaps."},
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
                              {Py_tp_repr, reinterpret_cast<void*>(TensorRepr)},
                              {Py_tp_getset, tensor_getset},
                              {Py_tp_methods, tensor_methods},
                              {Py_tp_doc, const_cast<char*>("A tensor (DLPack-compatible).")},
                              {0, nullptr}};

PyType_Spec tensor_spec = {"tvm_ffi_jit.Tensor", sizeof(PyFFIObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, tensor_slots};

/*! _dtype_fields(text) -> (type_code, bits, lanes); ValueError naming the text if unknown. */
PyObject* DTypeFields(PyObject*, PyObject* arg) {
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(arg, &size);
  if (text == nullptr) return nullptr;
  TVMFFIByteArray bytes = {text, static_cast<size_t>(size)};
  DLDataType dtype;
  if (TVMFFIDataTypeFromString(&bytes, &dtype) != 0) return RaiseFromSafeCallCode(-1);
  return Py_BuildValue("(iii)", dtype.code, dtype.bits, dtype.lanes);
}

/*! _dtype_text(type_code, bits, lanes) -> the dtype's text; ValueError if not a data type. */
PyObject* DTypeText(PyObject*, PyObject* args) {
  int code = 0, bits = 0, lanes = 0;
  if (!PyArg_ParseTuple(args, "iii:_dtype_text", &code, &bits, &lanes)) return nullptr;
  if (code < 0 || code > 255 || bits < 1 || bits > 255 || lanes < 1 || lanes > 65535) {
    return PyErr_Format(PyExc_ValueError,
                        "(type_code=%d, bits=%d, lanes=%d) is not a data type: type_code and "
                        "bits must be in 0..255 and 1..255, lanes in 1..65535",
                        code, bits, lanes);
  }
  DLDataType dtype{static_cast<uint8_t>(code), static_cast<uint8_t>(bits),
                   static_cast<uint16_t>(lanes)};
  TVMFFIAny text;
  text.type_index = kTVMFFINone;
  text.zero_padding = 0;
  text.v_int64 = 0;
  if (TVMFFIDataTypeToString(&dtype, &text) != 0) return RaiseFromSafeCallCode(-1);
  PyObject* result = OwnedAnyToPy(&text);
  if (result == nullptr) return nullptr;
  // The text must read back as the same fields: unknown type codes print as no data type.
  DLDataType parsed;
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(result, &size);
  TVMFFIByteArray bytes = {data, static_cast<size_t>(size)};
  bool readable = data != nullptr;
  if (readable && TVMFFIDataTypeFromString(&bytes, &parsed) != 0) {
    RaiseFromSafeCallCode(-1);  // takes the runtime's error; the message below replaces it
    readable = false;
  }
  if (!readable || parsed.code != dtype.code || parsed.bits != dtype.bits ||
      parsed.lanes != dtype.lanes) {
    Py_DECREF(result);
    PyErr_Clear();
    return PyErr_Format(PyExc_ValueError, "unknown data type (type_code=%d, bits=%d, lanes=%d)",
                        code, bits, lanes);
  }
  return result;
}

PyMethodDef dtype_methods[] = {
    {"_dtype_fields", DTypeFields, METH_O, "_dtype_fields(text) -> (type_code, bits, lanes)."},
    {"_dtype_text", DTypeText, METH_VARARGS, "_dtype_text(type_code, bits, lanes) -> text."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int InitTensorType(PyObject* module) {
  PyObject* bases = PyTuple_Pack(1, reinterpret_cast<PyObject*>(ObjectType));
  TensorType = reinterpret_cast<PyTypeObject*>(PyType_FromSpecWithBases(&tensor_spec, bases));
  Py_DECREF(bases);
  if (TensorType == nullptr) return -1;
  RegisterClassForTypeIndex(kTVMFFITensor, TensorType);
  if (PyModule_AddObjectRef(module, "Tensor", reinterpret_cast<PyObject*>(TensorType)) < 0)
    return -1;
  if (PyModule_AddFunctions(module, dtype_methods) < 0) return -1;
  return InitTensorImport(module);
}

}  // namespace tvm_ffi_jit
