/*
 * The Object and Function Python types, the type-index -> Python class registry,
 * and the module's entry point.
 */
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>

#include "python/core.h"
#include "python/foreign_runtime.h"
// structmember.h needs Python.h first (core.h includes it).
#include <structmember.h>

namespace tvm_ffi_jit {

PyTypeObject* ObjectType = nullptr;
PyTypeObject* FunctionType = nullptr;

namespace {

std::vector<PyTypeObject*> class_by_index;
// Classes the factory made for types without a registered class, by type index.
std::vector<PyTypeObject*> made_class_by_index;
PyObject* class_factory = nullptr;  // Python callable: type_index -> class, or None
// The types each class was registered or made for; a wrapper of that class holds only those.
std::unordered_map<PyTypeObject*, std::vector<int32_t>> indices_by_class;

/*! \brief Whether type `info` is the type `base_index` or derives from it (by key: `info` may
 * come from the foreign runtime's registry). */
bool TypeDerivesFrom(const TVMFFITypeInfo* info, int32_t base_index) {
  const TVMFFITypeInfo* base = TVMFFIGetTypeInfo(base_index);
  if (info == nullptr || base == nullptr) return false;
  for (int32_t depth = 0; depth <= info->type_depth; ++depth) {
    const TVMFFITypeInfo* type = depth == info->type_depth ? info : info->type_ancestors[depth];
    if (type == base ||
        (type->type_key.size == base->type_key.size &&
         std::memcmp(type->type_key.data, base->type_key.data, base->type_key.size) == 0)) {
      return true;
    }
  }
  return false;
}

/*!
 * \brief Whether objects of type `info` may be wrapped in `cls`: every class in its MRO (from
 * `first` on) that was registered for types must have been registered for `info`'s type or an
 * ancestor of it, since its methods may assume that type. Otherwise `expected` receives the
 * keys of the types the refusing class was registered for.
 */
bool ClassAcceptsType(PyTypeObject* cls, const TVMFFITypeInfo* info, std::string* expected,
                      Py_ssize_t first = 0) {
  PyObject* mro = cls->tp_mro;
  Py_ssize_t count = mro != nullptr ? PyTuple_GET_SIZE(mro) : 0;
  for (Py_ssize_t i = first; i < count; ++i) {
    auto found = indices_by_class.find(reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i)));
    if (found == indices_by_class.end()) continue;
    bool accepted = false;
    for (int32_t index : found->second) accepted = accepted || TypeDerivesFrom(info, index);
    if (accepted) continue;
    expected->clear();
    for (int32_t index : found->second) {
      const TVMFFITypeInfo* bound = TVMFFIGetTypeInfo(index);
      if (!expected->empty()) expected->append("` or `");
      if (bound != nullptr) expected->append(bound->type_key.data, bound->type_key.size);
    }
    return false;
  }
  return true;
}

/*! \brief ClassAcceptsType for the type of object `handle`. */
bool HandleFitsClass(PyTypeObject* cls, TVMFFIObject* handle, std::string* expected) {
  return ClassAcceptsType(cls, TypeInfoOfObject(handle), expected);
}

/*! \brief The type key of `info` for messages. */
std::string TypeKeyText(const TVMFFITypeInfo* info) {
  return info != nullptr ? std::string(info->type_key.data, info->type_key.size)
                         : std::string("an unknown type");
}

void ObjectDealloc(PyObject* self) {
  auto* obj = reinterpret_cast<PyFFIObject*>(self);
  if (obj->handle != nullptr) TVMFFIObjectDecRef(obj->handle);
  obj->handle = nullptr;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* ObjectNew(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self != nullptr) reinterpret_cast<PyFFIObject*>(self)->handle = nullptr;
  return self;
}

/*!
 * \brief Raises TypeError unless `handle` may live in `self`: a wrapper's class (or its
 * nearest registered ancestor) is bound to a type; its methods assume that type's layout.
 */
int CheckHandleFitsWrapper(PyObject* self, TVMFFIObject* handle) {
  if (handle == nullptr) return 0;
  std::string expected;
  if (HandleFitsClass(Py_TYPE(self), handle, &expected)) return 0;
  PyErr_Format(PyExc_TypeError, "a %s holds `%s` objects, not `%s`", Py_TYPE(self)->tp_name,
               expected.c_str(), TypeKeyText(TypeInfoOfObject(handle)).c_str());
  return -1;
}

/*!
 * \brief Raises TypeError for a Tensor or Function: their methods read the object they hold,
 * so it may not be taken away (the wrapper would be left empty).
 */
int CheckHandleMayLeave(PyObject* wrapper) {
  if (!PyObject_TypeCheck(wrapper, TensorType) && !PyObject_TypeCheck(wrapper, FunctionType)) {
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "the object a %s holds cannot be moved out of it",
               Py_TYPE(wrapper)->tp_name);
  return -1;
}

/*! Object.__init_handle_by_constructor__(constructor, *args): self takes the result's handle. */
PyObject* ObjectInitByConstructor(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || !PyObject_TypeCheck(args[0], FunctionType)) {
    PyErr_SetString(PyExc_TypeError, "expected a Function as the constructor");
    return nullptr;
  }
  TVMFFIObject* ctor = reinterpret_cast<PyFFIObject*>(args[0])->handle;
  if (ctor == nullptr) {
    PyErr_SetString(PyExc_TypeError, "the constructor is an empty Function");
    return nullptr;
  }
  PyObject* result = CallFunction(ctor, args + 1, nargs - 1);
  if (result == nullptr) return nullptr;
  if (!PyObject_TypeCheck(result, ObjectType)) {
    Py_DECREF(result);
    PyErr_SetString(PyExc_TypeError, "the constructor did not return an object");
    return nullptr;
  }
  auto* target = reinterpret_cast<PyFFIObject*>(self);
  auto* source = reinterpret_cast<PyFFIObject*>(result);
  if (CheckHandleFitsWrapper(self, source->handle) != 0) {
    Py_DECREF(result);
    return nullptr;
  }
  if (target->handle != nullptr) TVMFFIObjectDecRef(target->handle);
  target->handle = source->handle;
  source->handle = nullptr;
  Py_DECREF(result);
  Py_RETURN_NONE;
}

/*! Object.__move_handle_from__(other): self takes other's handle; other becomes empty. */
PyObject* ObjectMoveHandleFrom(PyObject* self, PyObject* other) {
  if (!PyObject_TypeCheck(other, ObjectType)) {
    PyErr_Format(PyExc_TypeError, "__move_handle_from__ expects an Object, got %s",
                 Py_TYPE(other)->tp_name);
    return nullptr;
  }
  auto* target = reinterpret_cast<PyFFIObject*>(self);
  auto* source = reinterpret_cast<PyFFIObject*>(other);
  if (target == source) Py_RETURN_NONE;
  if (CheckHandleFitsWrapper(self, source->handle) != 0 || CheckHandleMayLeave(other) != 0) {
    return nullptr;
  }
  if (target->handle != nullptr) TVMFFIObjectDecRef(target->handle);
  target->handle = source->handle;
  source->handle = nullptr;
  Py_RETURN_NONE;
}

/*!
 * Object.__reduce__: objects are not picklable or copyable unless their class says how
 * (containers and reflected classes do); the default would make an empty wrapper.
 */
PyObject* ObjectReduce(PyObject* self, PyObject*) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  const TVMFFITypeInfo* info = handle != nullptr ? TypeInfoOfObject(handle) : nullptr;
  if (info != nullptr) {
    std::string key(info->type_key.data, info->type_key.size);
    PyErr_Format(PyExc_TypeError, "cannot pickle or copy `%s` objects (%s)", key.c_str(),
                 Py_TYPE(self)->tp_name);
  } else {
    PyErr_Format(PyExc_TypeError, "cannot pickle or copy %s objects", Py_TYPE(self)->tp_name);
  }
  return nullptr;
}

PyObject* ObjectSameAs(PyObject* self, PyObject* other) {
  bool same =
      PyObject_TypeCheck(other, ObjectType) &&
      reinterpret_cast<PyFFIObject*>(self)->handle == reinterpret_cast<PyFFIObject*>(other)->handle;
  return PyBool_FromLong(same);
}

PyObject* ObjectGetTypeIndex(PyObject* self, void*) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  return PyLong_FromLong(handle ? handle->type_index : kTVMFFINone);
}

PyObject* ObjectGetTypeKey(PyObject* self, void*) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  if (handle == nullptr) Py_RETURN_NONE;
  const TVMFFITypeInfo* info = TypeInfoOfObject(handle);
  if (info == nullptr) Py_RETURN_NONE;
  return PyUnicode_FromStringAndSize(info->type_key.data, info->type_key.size);
}

PyObject* ObjectGetHandle(PyObject* self, void*) {
  return PyLong_FromVoidPtr(reinterpret_cast<PyFFIObject*>(self)->handle);
}

PyObject* ObjectGetRefCount(PyObject* self, void*) {
  TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(self)->handle;
  if (handle == nullptr) return PyLong_FromLong(0);
  return PyLong_FromUnsignedLong(static_cast<uint32_t>(handle->combined_ref_count));
}

Py_hash_t ObjectHash(PyObject* self) {
  return _Py_HashPointer(reinterpret_cast<PyFFIObject*>(self)->handle);
}

PyObject* ObjectRichCompare(PyObject* self, PyObject* other, int op) {
  if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(other, ObjectType)) {
    Py_RETURN_NOTIMPLEMENTED;
  }
  bool same =
      reinterpret_cast<PyFFIObject*>(self)->handle == reinterpret_cast<PyFFIObject*>(other)->handle;
  return PyBool_FromLong(op == Py_EQ ? same : !same);
}

PyMethodDef object_methods[] = {
    {"__init_handle_by_constructor__", reinterpret_cast<PyCFunction>(ObjectInitByConstructor),
     METH_FASTCALL, "Initializes this object with the object a constructor function returns."},
    {"__move_handle_from__", ObjectMoveHandleFrom, METH_O,
     "Takes the other object's handle; the other object becomes empty."},
    {"__reduce__", ObjectReduce, METH_NOARGS, "Objects are not picklable by default."},
    {"same_as", ObjectSameAs, METH_O, "Whether both refer to the same underlying object."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef object_getset[] = {
    {"type_index", ObjectGetTypeIndex, nullptr, "The runtime type index.", nullptr},
    {"type_key", ObjectGetTypeKey, nullptr, "The registered type key, e.g. 'ffi.Array'.", nullptr},
    {"_handle", ObjectGetHandle, nullptr, "Address of the object header.", nullptr},
    {"_ref_count", ObjectGetRefCount, nullptr, "Strong reference count (for tests).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyType_Slot object_slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(ObjectDealloc)},
                              {Py_tp_new, reinterpret_cast<void*>(ObjectNew)},
                              {Py_tp_methods, object_methods},
                              {Py_tp_getset, object_getset},
                              {Py_tp_hash, reinterpret_cast<void*>(ObjectHash)},
                              {Py_tp_richcompare, reinterpret_cast<void*>(ObjectRichCompare)},
                              {Py_tp_doc, const_cast<char*>("Base of all TVM-FFI objects.")},
                              {0, nullptr}};

PyType_Spec object_spec = {"tvm_ffi_jit.Object", sizeof(PyFFIObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, object_slots};

/* ---- Function ---- */

void FunctionDealloc(PyObject* self) {
  if (reinterpret_cast<PyFFIFunction*>(self)->weakrefs != nullptr) PyObject_ClearWeakRefs(self);
  Py_CLEAR(reinterpret_cast<PyFFIFunction*>(self)->dict);
  Py_CLEAR(reinterpret_cast<PyFFIFunction*>(self)->doc);
  ObjectDealloc(self);
}

PyObject* FunctionNew(PyTypeObject*, PyObject*, PyObject*) {
  // Only the core makes Function objects: an empty one would have nothing to call.
  PyErr_SetString(PyExc_TypeError,
                  "Function objects come from get_global_func, convert(callable) or a module");
  return nullptr;
}

PyObject* FunctionGetDoc(PyObject* self, void*) {
  PyObject* doc = reinterpret_cast<PyFFIFunction*>(self)->doc;
  if (doc == nullptr) Py_RETURN_NONE;
  Py_INCREF(doc);
  return doc;
}

int FunctionSetDoc(PyObject* self, PyObject* value, void*) {
  auto* func = reinterpret_cast<PyFFIFunction*>(self);
  Py_XINCREF(value);
  Py_XSETREF(func->doc, value);
  return 0;
}

PyGetSetDef function_getset[] = {
    {"__doc__", FunctionGetDoc, FunctionSetDoc, "Docstring of this function.", nullptr},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, "Attributes.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMemberDef function_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(PyFFIFunction, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(PyFFIFunction, dict), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PyFFIFunction, weakrefs), READONLY, nullptr},
    {"release_gil", T_BOOL, offsetof(PyFFIFunction, release_gil), 0,
     "Whether calls release the GIL while the function runs (the default). Turn it off for the "
     "fastest calls of very short functions."},
    {nullptr, 0, 0, 0, nullptr}};

PyType_Slot function_slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(FunctionDealloc)},
                                {Py_tp_new, reinterpret_cast<void*>(FunctionNew)},
                                {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
                                {Py_tp_getset, function_getset},
                                {Py_tp_members, function_members},
                                {0, nullptr}};

PyType_Spec function_spec = {"tvm_ffi_jit.Function", sizeof(PyFFIFunction), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_VECTORCALL,
                             function_slots};

/* ---- module functions ---- */

PyObject* RegisterObjectClass(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  int32_t index = 0;
  if (nargs != 2 || (index = PyLong_AsLong(args[0])) < 0 || !PyType_Check(args[1]) ||
      !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(args[1]), ObjectType)) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_TypeError, "expected (type_index, Object subclass)");
    return nullptr;
  }
  auto* cls = reinterpret_cast<PyTypeObject*>(args[1]);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
  if (info == nullptr) {
    PyErr_Format(PyExc_ValueError, "no object type has index %d", index);
    return nullptr;
  }
  // Its base classes' methods must see the types they were written for.
  std::string expected;
  if (!ClassAcceptsType(cls, info, &expected, /*first=*/1)) {
    PyErr_Format(PyExc_TypeError,
                 "%s derives from a class that holds `%s` objects: it cannot be the class of `%s`",
                 cls->tp_name, expected.c_str(), TypeKeyText(info).c_str());
    return nullptr;
  }
  RegisterClassForTypeIndex(index, cls);
  Py_RETURN_NONE;
}

PyObject* ClassForTypeIndexPy(PyObject*, PyObject* arg) {
  long index = PyLong_AsLong(arg);
  if (index == -1 && PyErr_Occurred()) return nullptr;
  PyTypeObject* cls = ClassForTypeIndex(static_cast<int32_t>(index));
  return cls != nullptr ? Py_NewRef(reinterpret_cast<PyObject*>(cls)) : nullptr;
}

PyObject* SetClassFactory(PyObject*, PyObject* factory) {
  if (factory != Py_None && !PyCallable_Check(factory)) {
    PyErr_SetString(PyExc_TypeError, "the class factory must be callable or None");
    return nullptr;
  }
  Py_INCREF(factory);
  Py_XSETREF(class_factory, factory);
  Py_RETURN_NONE;
}

/*! _registered_type_keys(): the keys of every type registered in this runtime. */
PyObject* RegisteredTypeKeys(PyObject*, PyObject*) {
  PyObject* keys = PyList_New(0);
  if (keys == nullptr) return nullptr;
  // Static indices are sparse below kTVMFFIDynObjectBegin; dynamic ones are dense above it.
  for (int32_t index = 0;; ++index) {
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
    if (info == nullptr) {
      if (index >= kTVMFFIDynObjectBegin) break;
      continue;
    }
    PyObject* key = PyUnicode_FromStringAndSize(info->type_key.data, info->type_key.size);
    if (key == nullptr || PyList_Append(keys, key) != 0) {
      Py_XDECREF(key);
      Py_DECREF(keys);
      return nullptr;
    }
    Py_DECREF(key);
  }
  return keys;
}

PyObject* TypeKeyToIndex(PyObject*, PyObject* arg) {
  Py_ssize_t size = 0;
  const char* key = PyUnicode_AsUTF8AndSize(arg, &size);
  if (key == nullptr) return nullptr;
  TVMFFIByteArray bytes = {key, static_cast<size_t>(size)};
  int32_t index = 0;
  if (TVMFFITypeKeyToIndex(&bytes, &index) != 0) return RaiseFromSafeCallCode(-1);
  return PyLong_FromLong(index);
}

PyObject* GetGlobalFunc(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 2) {
    PyErr_SetString(PyExc_TypeError, "get_global_func(name, allow_missing=False)");
    return nullptr;
  }
  Py_ssize_t size = 0;
  const char* name = PyUnicode_AsUTF8AndSize(args[0], &size);
  if (name == nullptr) return nullptr;
  int allow_missing = nargs == 2 ? PyObject_IsTrue(args[1]) : 0;
  if (allow_missing < 0) return nullptr;
  TVMFFIByteArray bytes = {name, static_cast<size_t>(size)};
  TVMFFIObjectHandle handle = nullptr;
  if (TVMFFIFunctionGetGlobal(&bytes, &handle) != 0) return RaiseFromSafeCallCode(-1);
  if (handle == nullptr && ForeignGetGlobal(&bytes, &handle) != 0) {
    return RaiseFromSafeCallCode(-1);
  }
  if (handle == nullptr) {
    if (allow_missing) Py_RETURN_NONE;
    PyErr_Format(PyExc_ValueError, "Global function `%s` is not registered", name);
    return nullptr;
  }
  return WrapOwnedObject(static_cast<TVMFFIObject*>(handle));
}

PyObject* RegisterGlobalFunc(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "register_global_func(name, func, override)");
    return nullptr;
  }
  Py_ssize_t size = 0;
  const char* name = PyUnicode_AsUTF8AndSize(args[0], &size);
  if (name == nullptr) return nullptr;
  int override = PyObject_IsTrue(args[2]);
  if (override < 0) return nullptr;
  TVMFFIObject* func = nullptr;
  if (PyObject_TypeCheck(args[1], FunctionType)) {
    func = reinterpret_cast<PyFFIObject*>(args[1])->handle;
    TVMFFIObjectIncRef(func);
  } else if (PyCallable_Check(args[1])) {
    func = FunctionFromCallable(args[1]);
    if (func == nullptr) return nullptr;
  } else {
    PyErr_Format(PyExc_TypeError, "register_global_func expects a callable, got %s",
                 Py_TYPE(args[1])->tp_name);
    return nullptr;
  }
  TVMFFIByteArray bytes = {name, static_cast<size_t>(size)};
  int code = TVMFFIFunctionSetGlobal(&bytes, func, override);
  if (code != 0) {
    TVMFFIObjectDecRef(func);
    return RaiseFromSafeCallCode(code);
  }
  return WrapOwnedObject(func);  // the registered Function
}

PyObject* Convert(PyObject*, PyObject* arg) {
  TVMFFIAny value;
  if (PyToOwnedAny(arg, &value) != 0) return nullptr;
  return OwnedAnyToPy(&value);
}

PyObject* RegisterPythonTypes(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "_register_python_types(Device, dtype)");
    return nullptr;
  }
  Py_INCREF(args[0]);
  Py_XSETREF(DeviceClass, args[0]);
  Py_INCREF(args[1]);
  Py_XSETREF(DTypeClass, args[1]);
  Py_RETURN_NONE;
}

PyObject* SetObjectConvertible(PyObject*, PyObject* cls) {
  if (!PyType_Check(cls)) {
    PyErr_SetString(PyExc_TypeError, "_set_object_convertible expects a class");
    return nullptr;
  }
  Py_INCREF(cls);
  Py_XSETREF(ObjectConvertibleClass, cls);
  Py_RETURN_NONE;
}

PyMethodDef module_methods[] = {
    {"get_global_func", reinterpret_cast<PyCFunction>(GetGlobalFunc), METH_FASTCALL,
     "get_global_func(name, allow_missing=False): the global function `name`."},
    {"_register_global_func", reinterpret_cast<PyCFunction>(RegisterGlobalFunc), METH_FASTCALL,
     "_register_global_func(name, func, override) -> the registered Function."},
    {"convert", Convert, METH_O,
     "convert(value): the TVM-FFI value for a Python value (list -> Array, callable -> "
     "Function, ...)."},
    {"_register_object_class", reinterpret_cast<PyCFunction>(RegisterObjectClass), METH_FASTCALL,
     "_register_object_class(type_index, cls): wrap objects of this type in cls."},
    {"_register_python_types", reinterpret_cast<PyCFunction>(RegisterPythonTypes), METH_FASTCALL,
     "_register_python_types(Device, dtype)."},
    {"_type_key_to_index", TypeKeyToIndex, METH_O, "_type_key_to_index(key) -> int."},
    {"_set_object_convertible", SetObjectConvertible, METH_O,
     "_set_object_convertible(cls): instances of cls convert as their asobject()."},
    {"_class_for_type_index", ClassForTypeIndexPy, METH_O,
     "_class_for_type_index(index): the class objects of this type are wrapped in."},
    {"_set_class_factory", SetClassFactory, METH_O,
     "_set_class_factory(f): f(type_index) makes the class of a type no class is registered "
     "for (None: the nearest registered ancestor's)."},
    {"_registered_type_keys", RegisteredTypeKeys, METH_NOARGS,
     "_registered_type_keys(): keys of all types registered in this runtime."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef core_module = {PyModuleDef_HEAD_INIT, "tvm_ffi_jit._core",
                           "The compiled core of tvm_ffi_jit.", -1, module_methods};

}  // namespace

void RegisterClassForTypeIndex(int32_t index, PyTypeObject* cls) {
  auto [entry, added] = indices_by_class.try_emplace(cls);
  if (added) Py_INCREF(cls);  // kept: a freed class's address must not inherit its binding
  entry->second.push_back(index);
  if (static_cast<size_t>(index) >= class_by_index.size())
    class_by_index.resize(index + 1, nullptr);
  Py_INCREF(cls);
  Py_XDECREF(reinterpret_cast<PyObject*>(class_by_index[index]));
  class_by_index[index] = cls;
  // Made classes derive from their ancestors' classes: make them again on next use.
  for (PyTypeObject*& made : made_class_by_index) Py_CLEAR(made);
}

namespace {
/*! \brief The class the factory makes for a dynamic type; nullptr for none, or on error. */
PyTypeObject* MadeClassForTypeIndex(int32_t type_index) {
  if (class_factory == nullptr || class_factory == Py_None || type_index < kTVMFFIDynObjectBegin) {
    return nullptr;
  }
  if (static_cast<size_t>(type_index) < made_class_by_index.size() &&
      made_class_by_index[type_index] != nullptr) {
    return made_class_by_index[type_index];
  }
  PyObject* made = PyObject_CallFunction(class_factory, "i", type_index);
  if (made == nullptr) return nullptr;
  if (made == Py_None) {
    Py_DECREF(made);
    return nullptr;
  }
  if (!PyType_Check(made) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(made), ObjectType)) {
    Py_DECREF(made);
    PyErr_SetString(PyExc_TypeError, "the class factory must return an Object subclass");
    return nullptr;
  }
  std::string expected;
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (!ClassAcceptsType(reinterpret_cast<PyTypeObject*>(made), info, &expected)) {
    PyErr_Format(PyExc_TypeError, "the class factory made %s, which holds `%s` objects, for `%s`",
                 reinterpret_cast<PyTypeObject*>(made)->tp_name, expected.c_str(),
                 TypeKeyText(info).c_str());
    Py_DECREF(made);
    return nullptr;
  }
  if (static_cast<size_t>(type_index) >= made_class_by_index.size()) {
    made_class_by_index.resize(type_index + 1, nullptr);
  }
  Py_XSETREF(made_class_by_index[type_index], reinterpret_cast<PyTypeObject*>(made));
  return made_class_by_index[type_index];
}
}  // namespace

PyTypeObject* ClassForTypeIndex(int32_t type_index) {
  if (type_index >= 0 && static_cast<size_t>(type_index) < class_by_index.size() &&
      class_by_index[type_index] != nullptr) {
    return class_by_index[type_index];
  }
  if (PyTypeObject* made = MadeClassForTypeIndex(type_index)) return made;
  if (PyErr_Occurred()) return nullptr;
  // An unregistered subtype is wrapped in the class of its nearest registered ancestor.
  if (const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index)) {
    for (int32_t depth = info->type_depth - 1; depth >= 0; --depth) {
      int32_t parent = info->type_ancestors[depth]->type_index;
      if (static_cast<size_t>(parent) < class_by_index.size() && class_by_index[parent]) {
        return class_by_index[parent];
      }
    }
  }
  return ObjectType;
}

/*!
 * \brief The class of an object of a dynamic type from the foreign registry: the class
 * registered here for the same type key, or for its nearest ancestor's.
 */
PyTypeObject* ClassForForeignType(const TVMFFITypeInfo* info) {
  for (int32_t depth = info->type_depth; depth >= 0; --depth) {
    const TVMFFITypeInfo* type = depth == info->type_depth ? info : info->type_ancestors[depth];
    int32_t index = type->type_index;
    if (index >= kTVMFFIDynObjectBegin) {
      index = -1;
      if (TVMFFITypeKeyToIndex(&type->type_key, &index) != 0) {
        TVMFFIObjectHandle unknown_key = nullptr;  // not registered here: try the parent
        TVMFFIErrorMoveFromRaised(&unknown_key);
        if (unknown_key != nullptr) TVMFFIObjectDecRef(unknown_key);
        continue;
      }
    }
    if (index >= 0 && static_cast<size_t>(index) < class_by_index.size() &&
        class_by_index[index] != nullptr) {
      return class_by_index[index];
    }
  }
  return ObjectType;
}

PyObject* WrapOwnedObject(TVMFFIObject* handle) {
  const TVMFFITypeInfo* foreign_info =
      handle->type_index >= kTVMFFIDynObjectBegin ? TypeInfoOfObject(handle) : nullptr;
  PyTypeObject* cls =
      foreign_info != nullptr && foreign_info != TVMFFIGetTypeInfo(handle->type_index)
          ? ClassForForeignType(foreign_info)
          : ClassForTypeIndex(handle->type_index);
  PyObject* self = cls != nullptr ? cls->tp_alloc(cls, 0) : nullptr;
  if (self == nullptr) {
    TVMFFIObjectDecRef(handle);
    return nullptr;
  }
  reinterpret_cast<PyFFIObject*>(self)->handle = handle;
  if (PyType_IsSubtype(cls, FunctionType)) {
    InitFunctionCall(reinterpret_cast<PyFFIFunction*>(self));
    reinterpret_cast<PyFFIFunction*>(self)->dict = nullptr;
    reinterpret_cast<PyFFIFunction*>(self)->doc = nullptr;
    reinterpret_cast<PyFFIFunction*>(self)->weakrefs = nullptr;
  }
  return self;
}

int InitObjectTypes(PyObject* module) {
  ObjectType = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&object_spec));
  if (ObjectType == nullptr) return -1;
  PyObject* bases = PyTuple_Pack(1, reinterpret_cast<PyObject*>(ObjectType));
  FunctionType = reinterpret_cast<PyTypeObject*>(PyType_FromSpecWithBases(&function_spec, bases));
  Py_DECREF(bases);
  if (FunctionType == nullptr) return -1;
  RegisterClassForTypeIndex(kTVMFFIFunction, FunctionType);
  if (PyModule_AddObjectRef(module, "Object", reinterpret_cast<PyObject*>(ObjectType)) < 0 ||
      PyModule_AddObjectRef(module, "Function", reinterpret_cast<PyObject*>(FunctionType)) < 0) {
    return -1;
  }
  return 0;
}

}  // namespace tvm_ffi_jit

PyMODINIT_FUNC PyInit__core(void) {
  using namespace tvm_ffi_jit;  // NOLINT(*)
  PyObject* module = PyModule_Create(&core_module);
  if (module == nullptr) return nullptr;
  if (InitObjectTypes(module) != 0 || InitTensorType(module) != 0 || InitConvert(module) != 0 ||
      InitEnv(module) != 0 || InitForeignRuntime(module) != 0 || InitCall(module) != 0 ||
      InitReflection(module) != 0) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
