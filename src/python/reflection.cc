/*
 * Reflection for Python: the fields and methods C++ registers with ObjectDef<T> (kept in the
 * runtime's TVMFFITypeInfo) as data the package builds Python classes from, a descriptor that
 * reads and writes one field through its getter and setter, and default construction through
 * the type's creator.
 */
#include <string>

#include "python/core.h"
// structmember.h needs Python.h first (core.h includes it).
#include <structmember.h>

namespace tvm_ffi_jit {
namespace {

PyObject* BytesToStr(const TVMFFIByteArray& bytes) {
  return PyUnicode_DecodeUTF8(bytes.data, static_cast<Py_ssize_t>(bytes.size), "replace");
}

/*! \brief The text, or None when empty (an absent doc or metadata). */
PyObject* BytesToStrOrNone(const TVMFFIByteArray& bytes) {
  if (bytes.size == 0) Py_RETURN_NONE;
  return BytesToStr(bytes);
}

std::string TypeKeyOf(const TVMFFITypeInfo* info) {
  return std::string(info->type_key.data, info->type_key.size);
}

/* ---- Field descriptor ---- */

/*! \brief A data descriptor for one reflected field of objects of one type (and subtypes). */
struct PyFieldDescriptor {
  PyObject_HEAD const TVMFFIFieldInfo* field;  // kept by the runtime for the process
  const TVMFFITypeInfo* owner;                 // the type that registered the field
  PyObject* name;
  PyObject* doc;
};

PyTypeObject* FieldDescriptorType = nullptr;

/*! \brief The object's field address, or nullptr with TypeError if it is not of the owner type. */
char* FieldAddress(PyFieldDescriptor* self, PyObject* obj) {
  TVMFFIObject* handle =
      PyObject_TypeCheck(obj, ObjectType) ? reinterpret_cast<PyFFIObject*>(obj)->handle : nullptr;
  const TVMFFITypeInfo* info = handle != nullptr ? TVMFFIGetTypeInfo(handle->type_index) : nullptr;
  int32_t depth = self->owner->type_depth;
  bool of_owner_type =
      info != nullptr && (info == self->owner ||
                          (info->type_depth > depth && info->type_ancestors[depth] == self->owner));
  if (!of_owner_type) {
    PyErr_Format(PyExc_TypeError, "field `%U` belongs to `%s` objects, not to %s", self->name,
                 TypeKeyOf(self->owner).c_str(),
                 handle == nullptr ? "an empty object" : Py_TYPE(obj)->tp_name);
    return nullptr;
  }
  return reinterpret_cast<char*>(handle) + self->field->offset;
}

PyObject* FieldGet(PyObject* descr, PyObject* obj, PyObject*) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  if (obj == nullptr || obj == Py_None) return Py_NewRef(descr);
  char* address = FieldAddress(self, obj);
  if (address == nullptr) return nullptr;
  TVMFFIAny result;
  result.type_index = kTVMFFINone;
  result.zero_padding = 0;
  result.v_int64 = 0;
  int code = self->field->getter(address, &result);
  if (code != 0) return RaiseFromSafeCallCode(code);
  return OwnedAnyToPy(&result);
}

/*! \brief Stores `value` through the field's setter, writable or not. */
int FieldStore(PyFieldDescriptor* self, PyObject* obj, PyObject* value) {
  char* address = FieldAddress(self, obj);
  if (address == nullptr) return -1;
  TempObjects temps;
  TVMFFIAny arg;
  if (PyToAnyView(value, &arg, &temps) != 0) return -1;
  int code;
  if (self->field->flags & kTVMFFIFieldFlagBitSetterIsFunctionObj) {
    // A Function setter takes (field address as an opaque pointer, value).
    TVMFFIAny args[2];
    args[0].type_index = kTVMFFIOpaquePtr;
    args[0].zero_padding = 0;
    args[0].v_ptr = address;
    args[1] = arg;
    TVMFFIAny ignored;
    ignored.type_index = kTVMFFINone;
    ignored.zero_padding = 0;
    ignored.v_int64 = 0;
    code = TVMFFIFunctionCall(self->field->setter, args, 2, &ignored);
    if (code == 0 && ignored.type_index >= kTVMFFIStaticObjectBegin) {
      TVMFFIObjectDecRef(ignored.v_obj);
    }
  } else {
    code = reinterpret_cast<TVMFFIFieldSetter>(self->field->setter)(address, &arg);
  }
  if (code != 0) {
    temps.Release();
    RaiseFromSafeCallCode(code);
    return -1;
  }
  return 0;
}

int FieldSet(PyObject* descr, PyObject* obj, PyObject* value) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  if (value == nullptr) {
    PyErr_Format(PyExc_AttributeError, "field `%U` of `%s` cannot be deleted", self->name,
                 TypeKeyOf(self->owner).c_str());
    return -1;
  }
  if (!(self->field->flags & kTVMFFIFieldFlagBitMaskWritable)) {
    PyErr_Format(PyExc_AttributeError, "field `%U` of `%s` is read-only (def_ro)", self->name,
                 TypeKeyOf(self->owner).c_str());
    return -1;
  }
  if (self->field->setter == nullptr) {
    PyErr_Format(PyExc_AttributeError, "field `%U` of `%s` has no setter", self->name,
                 TypeKeyOf(self->owner).c_str());
    return -1;
  }
  return FieldStore(self, obj, value);
}

/*! descriptor.init_value(obj, value): sets a field while constructing, read-only or not. */
PyObject* FieldInitValue(PyObject* descr, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "init_value(obj, value)");
    return nullptr;
  }
  if (self->field->setter == nullptr) {
    PyErr_Format(PyExc_TypeError, "field `%U` of `%s` has no setter", self->name,
                 TypeKeyOf(self->owner).c_str());
    return nullptr;
  }
  if (FieldStore(self, args[0], args[1]) != 0) return nullptr;
  Py_RETURN_NONE;
}

PyObject* FieldNew(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  int type_index = 0, field_index = 0;
  static const char* keywords[] = {"type_index", "field_index", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ii", const_cast<char**>(keywords), &type_index,
                                   &field_index)) {
    return nullptr;
  }
  const TVMFFITypeInfo* owner = TVMFFIGetTypeInfo(type_index);
  if (owner == nullptr || field_index < 0 || field_index >= owner->num_fields) {
    PyErr_Format(PyExc_ValueError, "type %d has no field #%d", type_index, field_index);
    return nullptr;
  }
  const TVMFFIFieldInfo* field = &owner->fields[field_index];
  if (field->getter == nullptr) {
    PyErr_Format(PyExc_ValueError, "field #%d of `%s` has no getter", field_index,
                 TypeKeyOf(owner).c_str());
    return nullptr;
  }
  PyObject* name = BytesToStr(field->name);
  PyObject* doc = name != nullptr ? BytesToStrOrNone(field->doc) : nullptr;
  auto* self =
      doc != nullptr ? reinterpret_cast<PyFieldDescriptor*>(type->tp_alloc(type, 0)) : nullptr;
  if (self == nullptr) {
    Py_XDECREF(name);
    Py_XDECREF(doc);
    return nullptr;
  }
  self->field = field;
  self->owner = owner;
  self->name = name;
  self->doc = doc;
  return reinterpret_cast<PyObject*>(self);
}

void FieldDealloc(PyObject* descr) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  Py_CLEAR(self->name);
  Py_CLEAR(self->doc);
  PyTypeObject* type = Py_TYPE(descr);
  type->tp_free(descr);
  Py_DECREF(type);
}

PyObject* FieldRepr(PyObject* descr) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  return PyUnicode_FromFormat("<field `%U` of `%s`>", self->name, TypeKeyOf(self->owner).c_str());
}

PyObject* FieldWritable(PyObject* descr, void*) {
  auto* self = reinterpret_cast<PyFieldDescriptor*>(descr);
  return PyBool_FromLong((self->field->flags & kTVMFFIFieldFlagBitMaskWritable) != 0);
}

PyMethodDef field_methods[] = {
    {"init_value", reinterpret_cast<PyCFunction>(FieldInitValue), METH_FASTCALL,
     "init_value(obj, value): sets the field while constructing obj, even a read-only one."},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef field_members[] = {
    {"__name__", T_OBJECT, offsetof(PyFieldDescriptor, name), READONLY, "The field's name."},
    {"__doc__", T_OBJECT, offsetof(PyFieldDescriptor, doc), READONLY, "The field's doc."},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef field_getset[] = {
    {"writable", FieldWritable, nullptr, "Whether the field was registered with def_rw.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyType_Slot field_slots[] = {{Py_tp_new, reinterpret_cast<void*>(FieldNew)},
                             {Py_tp_dealloc, reinterpret_cast<void*>(FieldDealloc)},
                             {Py_tp_descr_get, reinterpret_cast<void*>(FieldGet)},
                             {Py_tp_descr_set, reinterpret_cast<void*>(FieldSet)},
                             {Py_tp_repr, reinterpret_cast<void*>(FieldRepr)},
                             {Py_tp_methods, field_methods},
                             {Py_tp_members, field_members},
                             {Py_tp_getset, field_getset},
                             {0, nullptr}};

PyType_Spec field_spec = {"tvm_ffi_jit.Field", sizeof(PyFieldDescriptor), 0, Py_TPFLAGS_DEFAULT,
                          field_slots};

/* ---- type information ---- */

PyObject* FieldRecord(const TVMFFIFieldInfo& field) {
  return Py_BuildValue("(NNNLi)", BytesToStr(field.name), BytesToStrOrNone(field.doc),
                       BytesToStrOrNone(field.metadata), static_cast<long long>(field.flags),
                       static_cast<int>(field.field_static_type_index));
}

PyObject* MethodRecord(const TVMFFIMethodInfo& method) {
  PyObject* func = AnyViewToPy(&method.method);
  if (func == nullptr) return nullptr;
  return Py_BuildValue("(NNNLN)", BytesToStr(method.name), BytesToStrOrNone(method.doc),
                       BytesToStrOrNone(method.metadata), static_cast<long long>(method.flags),
                       func);
}

template <typename T, typename Record>
PyObject* RecordList(const T* items, int32_t count, Record record) {
  PyObject* list = PyList_New(count);
  if (list == nullptr) return nullptr;
  for (int32_t i = 0; i < count; ++i) {
    PyObject* item = record(items[i]);
    if (item == nullptr) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, i, item);
  }
  return list;
}

/*!
 * _type_info(type_index): None for an unknown index, else a dict with type_key, type_index,
 * parent_index (None for Object), doc, has_creator, fields [(name, doc, metadata, flags,
 * static_type_index)] and methods [(name, doc, metadata, flags, Function)] of this type alone.
 */
PyObject* TypeInfoPy(PyObject*, PyObject* arg) {
  long index = PyLong_AsLong(arg);
  if (index == -1 && PyErr_Occurred()) return nullptr;
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(static_cast<int32_t>(index));
  if (info == nullptr) Py_RETURN_NONE;
  // Read once: registration may publish a longer array meanwhile (acquire pairs with it).
  int32_t num_fields = __atomic_load_n(&info->num_fields, __ATOMIC_ACQUIRE);
  int32_t num_methods = __atomic_load_n(&info->num_methods, __ATOMIC_ACQUIRE);
  const TVMFFITypeMetadata* metadata = __atomic_load_n(&info->metadata, __ATOMIC_ACQUIRE);
  PyObject* parent = info->type_depth > 0
                         ? PyLong_FromLong(info->type_ancestors[info->type_depth - 1]->type_index)
                         : Py_NewRef(Py_None);
  PyObject* doc = metadata != nullptr ? BytesToStrOrNone(metadata->doc) : Py_NewRef(Py_None);
  return Py_BuildValue("{s:N,s:i,s:N,s:N,s:O,s:N,s:N}", "type_key", BytesToStr(info->type_key),
                       "type_index", static_cast<int>(info->type_index), "parent_index", parent,
                       "doc", doc, "has_creator",
                       metadata != nullptr && metadata->creator != nullptr ? Py_True : Py_False,
                       "fields", RecordList(info->fields, num_fields, FieldRecord), "methods",
                       RecordList(info->methods, num_methods, MethodRecord));
}

/*! _create_object(type_index): a default-constructed object from the type's creator. */
PyObject* CreateObject(PyObject*, PyObject* arg) {
  long index = PyLong_AsLong(arg);
  if (index == -1 && PyErr_Occurred()) return nullptr;
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(static_cast<int32_t>(index));
  const TVMFFITypeMetadata* metadata =
      info != nullptr ? __atomic_load_n(&info->metadata, __ATOMIC_ACQUIRE) : nullptr;
  if (metadata == nullptr || metadata->creator == nullptr) {
    PyErr_Format(PyExc_TypeError, "type %ld has no creator (it is not default-constructible)",
                 index);
    return nullptr;
  }
  TVMFFIObjectHandle handle = nullptr;
  int code = metadata->creator(&handle);
  if (code != 0) return RaiseFromSafeCallCode(code);
  if (handle == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "the type's creator returned no object");
    return nullptr;
  }
  return WrapOwnedObject(static_cast<TVMFFIObject*>(handle));
}

PyMethodDef reflection_methods[] = {
    {"_type_info", TypeInfoPy, METH_O,
     "_type_info(type_index): the reflected fields and methods of a type, or None."},
    {"_create_object", CreateObject, METH_O,
     "_create_object(type_index): a default-constructed object of the type."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int InitReflection(PyObject* module) {
  FieldDescriptorType = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&field_spec));
  if (FieldDescriptorType == nullptr) return -1;
  if (PyModule_AddObjectRef(module, "Field", reinterpret_cast<PyObject*>(FieldDescriptorType)) <
      0) {
    return -1;
  }
  return PyModule_AddFunctions(module, reflection_methods);
}

}  // namespace tvm_ffi_jit
