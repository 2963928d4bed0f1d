/*
 * How a Python object becomes a Tensor, as an argument or through from_dlpack(): the route
 * is decided once per Python type: the framework's C exchange API (torch), the buffer
 * protocol (numpy), __dlpack__, or not a tensor. Also the per-call framework context:
 * allocator, stream, and tensors returned as the caller's own type.
 */
#include <tvm/ffi/container/tensor.h>

#include <cstring>
#include <unordered_map>

#include "python/core.h"
#include "python/dlpack_exchange.h"
#include "python/foreign_runtime.h"

namespace tvm_ffi_jit {
namespace {

// from_dlpack(..., allow_readonly=True) in progress on this thread.
thread_local int readonly_allowed_by_call = 0;
// The ContextVar tvm_ffi_jit.allow_readonly() sets: per thread and per asyncio task.
PyObject* readonly_allowed_var = nullptr;

}  // namespace

bool ReadOnlyInputsAllowed() {
  if (readonly_allowed_by_call > 0) return true;
  PyObject* value = nullptr;
  if (readonly_allowed_var == nullptr ||
      PyContextVar_Get(readonly_allowed_var, Py_False, &value) != 0) {
    PyErr_Clear();
    return false;
  }
  const bool allowed = value == Py_True;
  Py_DECREF(value);
  return allowed;
}

int RaiseReadOnlyInput(const char* what) {
  PyErr_Format(PyExc_BufferError,
               "a read-only %s cannot be passed as a tensor: kernels cannot see the flag and "
               "could write into it. Pass a writable copy, or, for a kernel that only reads it, "
               "allow read-only inputs: `with tvm_ffi_jit.allow_readonly(): f(x)` or "
               "`tvm_ffi_jit.from_dlpack(x, allow_readonly=True)`",
               what);
  return -1;
}

namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

/*!
 * \brief Imports a DLPack capsule, marking it used. Returns 1 if `capsule` is none (no
 * error set); on failure the capsule keeps its tensor and its destructor frees it. A capsule
 * flagged read-only is refused (BufferError naming `producer`) unless read-only inputs are
 * allowed.
 */
int TensorFromCapsule(PyObject* capsule, TVMFFIObject** out, const char* producer) {
  int code = 0;
  TVMFFIObjectHandle handle = nullptr;
  if (PyCapsule_IsValid(capsule, kVersionedName)) {
    auto* managed =
        static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kVersionedName));
    if ((managed->flags & DLPACK_FLAG_BITMASK_READ_ONLY) && !ReadOnlyInputsAllowed()) {
      return RaiseReadOnlyInput(producer);
    }
    code = TVMFFITensorFromDLPackVersioned(managed, 0, 0, &handle);
    if (code == 0) PyCapsule_SetName(capsule, "used_dltensor_versioned");
  } else if (PyCapsule_IsValid(capsule, kLegacyName)) {
    void* managed = PyCapsule_GetPointer(capsule, kLegacyName);
    code = TVMFFITensorFromDLPack(static_cast<DLManagedTensor*>(managed), 0, 0, &handle);
    if (code == 0) PyCapsule_SetName(capsule, "used_dltensor");
  } else {
    return 1;
  }
  if (code != 0) {
    RaiseFromSafeCallCode(code);
    return -1;
  }
  *out = static_cast<TVMFFIObject*>(handle);
  return 0;
}

/*! \brief obj.__dlpack__(max_version=(1, x)), falling back to obj.__dlpack__(). */
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

// kBuffer: numpy arrays through the buffer protocol, falling back to __dlpack__.
enum class TensorRoute { kNotTensor, kExchangeAPI, kBuffer, kDLPackMethod };

struct TypeDispatch {
  TensorRoute route;
  const DLPackExchangeAPI* api;
  bool cupy;   // a cupy array: calls run on cupy's current stream
  bool torch;  // a torch tensor: may carry a lazy conjugate or negative bit
};

/*!
 * \brief A type's route while its version tag is unchanged: setting an attribute on a type (or
 * a base) gives it a new tag, so a class that gains __dlpack__ later is looked at again. The
 * weak reference's callback drops the entry when the type dies: classes made and dropped at
 * run time do not accumulate.
 */
struct CachedDispatch {
  TypeDispatch dispatch;
  unsigned int version_tag;
  PyObject* weakref;
};

std::unordered_map<PyTypeObject*, CachedDispatch> dispatch_by_type;

// torch._C.TensorBase's is_conj and is_neg (found with the first torch type), called unbound.
PyObject* torch_is_conj = nullptr;
PyObject* torch_is_neg = nullptr;

/*! \brief Whether `type` derives from torch._C.TensorBase; keeps its is_conj/is_neg. */
bool IsTorchTensorType(PyTypeObject* type) {
  PyObject* mro = type->tp_mro;
  for (Py_ssize_t i = 0; mro != nullptr && i < PyTuple_GET_SIZE(mro); ++i) {
    auto* base = reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i));
    if (std::strcmp(base->tp_name, "torch._C.TensorBase") != 0) continue;
    if (torch_is_neg == nullptr) {
      PyObject* is_conj = PyObject_GetAttrString(reinterpret_cast<PyObject*>(base), "is_conj");
      PyObject* is_neg = PyObject_GetAttrString(reinterpret_cast<PyObject*>(base), "is_neg");
      if (is_conj == nullptr || is_neg == nullptr) {
        Py_XDECREF(is_conj);
        Py_XDECREF(is_neg);
        PyErr_Clear();
        return false;
      }
      torch_is_conj = is_conj;
      torch_is_neg = is_neg;
    }
    return true;
  }
  return false;
}

TypeDispatch ComputeDispatch(PyTypeObject* type) {
  PyObject* type_obj = reinterpret_cast<PyObject*>(type);
  // Looked up first for every type: the lookup gives the type a version tag to cache under.
  bool has_dlpack = PyObject_HasAttrString(type_obj, "__dlpack__");
  if (std::strcmp(type->tp_name, "numpy.ndarray") == 0)
    return {TensorRoute::kBuffer, nullptr, false, false};
  PyObject* capsule = PyObject_GetAttrString(type_obj, "__dlpack_c_exchange_api__");
  if (capsule != nullptr) {
    const DLPackExchangeAPI* api = nullptr;
    if (PyCapsule_IsValid(capsule, "dlpack_exchange_api")) {
      api = static_cast<const DLPackExchangeAPI*>(
          PyCapsule_GetPointer(capsule, "dlpack_exchange_api"));
    }
    Py_DECREF(capsule);
    if (api != nullptr && api->header.version.major == DLPACK_MAJOR_VERSION &&
        api->managed_tensor_from_py_object_no_sync != nullptr) {
      return {TensorRoute::kExchangeAPI, api, false, IsTorchTensorType(type)};
    }
  }
  PyErr_Clear();
  if (has_dlpack) {
    PyObject* module = PyObject_GetAttrString(type_obj, "__module__");
    const char* name = module && PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : nullptr;
    bool cupy = name != nullptr && std::strncmp(name, "cupy", 4) == 0;
    Py_XDECREF(module);
    PyErr_Clear();
    return {TensorRoute::kDLPackMethod, nullptr, cupy, IsTorchTensorType(type)};
  }
  return {TensorRoute::kNotTensor, nullptr, false, false};
}

/*! \brief The weak reference callback of a cached type (its address is `self`): drops it. */
PyObject* DropDispatchEntry(PyObject* self, PyObject* weakref) {
  auto* type = static_cast<PyTypeObject*>(PyLong_AsVoidPtr(self));
  auto it = dispatch_by_type.find(type);
  if (it != dispatch_by_type.end() && it->second.weakref == weakref) {
    dispatch_by_type.erase(it);
    Py_DECREF(weakref);
  }
  Py_RETURN_NONE;
}

PyMethodDef drop_dispatch_entry_def = {"_drop_dispatch_entry", DropDispatchEntry, METH_O, nullptr};

/*! \brief Caches `dispatch` for `type` under `tag`; without a cache entry if none can be made. */
void RememberDispatch(PyTypeObject* type, unsigned int tag, const TypeDispatch& dispatch) {
  auto it = dispatch_by_type.find(type);  // again: the lookups ran Python code
  if (it != dispatch_by_type.end()) {
    it->second.dispatch = dispatch;
    it->second.version_tag = tag;
    return;
  }
  PyObject* address = PyLong_FromVoidPtr(type);
  PyObject* callback = address ? PyCFunction_New(&drop_dispatch_entry_def, address) : nullptr;
  PyObject* weakref =
      callback ? PyWeakref_NewRef(reinterpret_cast<PyObject*>(type), callback) : nullptr;
  Py_XDECREF(callback);
  Py_XDECREF(address);
  if (weakref == nullptr) {
    PyErr_Clear();  // a type without weak references is looked at on every use
    return;
  }
  try {
    dispatch_by_type.emplace(type, CachedDispatch{dispatch, tag, weakref});
  } catch (const std::bad_alloc&) {
    Py_DECREF(weakref);
  }
}

/*! \brief The type's version tag; 0 when it has none (then nothing is cached for it). */
unsigned int VersionTag(PyTypeObject* type) {
#if PY_VERSION_HEX < 0x030B0000
  // Before 3.11 a modified type keeps its old tag and only loses this flag.
  if (!PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) return 0;
#endif
  return type->tp_version_tag;
}

TypeDispatch DispatchFor(PyTypeObject* type) {
  // Calls usually pass tensors of one type: remember the last one before hashing. Version tags
  // are never reused, so a new type at a dead one's address does not match.
  static PyTypeObject* last_type = nullptr;
  static unsigned int last_tag = 0;
  static TypeDispatch last_dispatch;
  unsigned int tag = VersionTag(type);
  if (TVM_FFI_LIKELY(type == last_type && tag == last_tag && tag != 0)) return last_dispatch;
  auto it = dispatch_by_type.find(type);
  TypeDispatch dispatch;
  if (it != dispatch_by_type.end() && tag != 0 && it->second.version_tag == tag) {
    dispatch = it->second.dispatch;
  } else {
    dispatch = ComputeDispatch(type);
    tag = VersionTag(type);  // the lookups usually gave it one
#if PY_VERSION_HEX >= 0x030C0000
    if (tag == 0 && PyUnstable_Type_AssignVersionTag(type)) tag = VersionTag(type);
#endif
    if (tag == 0) return dispatch;  // a type without one is looked at on every use
    RememberDispatch(type, tag, dispatch);
  }
  last_type = type;
  last_tag = tag;
  last_dispatch = dispatch;
  return dispatch;
}

/*!
 * \brief -1 with a BufferError if a torch tensor has a lazy negative bit or, when it may be
 * complex, a lazy conjugate bit: its memory does not hold its values.
 */
int RefuseLazyTorchView(PyObject* obj, bool maybe_complex) {
  for (PyObject* check : {torch_is_neg, torch_is_conj}) {
    const bool conj = check == torch_is_conj;
    if (conj && !maybe_complex) break;  // only complex tensors have a conjugate bit
    PyObject* result = PyObject_CallOneArg(check, obj);
    if (result == nullptr) return -1;
    const bool set = result == Py_True;
    Py_DECREF(result);
    if (!set) continue;
    PyErr_Format(PyExc_BufferError,
                 "a torch tensor with its %s bit set (a lazy %s view) cannot be passed as a "
                 "tensor: its memory holds the %s values; pass x.%s() instead",
                 conj ? "conjugate" : "negative", conj ? "x.conj()" : "negated",
                 conj ? "unconjugated" : "un-negated", conj ? "resolve_conj" : "resolve_neg");
    return -1;
  }
  return 0;
}

/*!
 * \brief -1 with a RuntimeError for a tensor with elements but no memory: torch hands out a null
 * data pointer for a FakeTensor (torch.compile's tracing) instead of failing; the kernel would
 * write through it. The call path then names the function (tvm_ffi_jit.torch).
 */
TVM_FFI_NO_INLINE int RefuseTensorWithoutData(const DLTensor& t) {
  for (int32_t i = 0; i < t.ndim; ++i) {
    if (t.shape[i] == 0) return 0;  // empty: nothing to read or write
  }
  PyErr_SetString(PyExc_RuntimeError,
                  "a torch tensor without data (a null data pointer, as a FakeTensor has) "
                  "cannot be passed to compiled code");
  return -1;
}

bool IsStreamDevice(DLDeviceType type) { return type == kDLCUDA || type == kDLROCM; }

/*! \brief cupy.cuda.get_current_stream().ptr into *out; false (error cleared) if unavailable. */
bool CupyCurrentStream(void** out) {
  PyObject* cupy = PyImport_ImportModule("cupy");
  PyObject* cuda = cupy ? PyObject_GetAttrString(cupy, "cuda") : nullptr;
  PyObject* stream = cuda ? PyObject_CallMethod(cuda, "get_current_stream", nullptr) : nullptr;
  PyObject* ptr = stream ? PyObject_GetAttrString(stream, "ptr") : nullptr;
  if (ptr != nullptr) *out = PyLong_AsVoidPtr(ptr);
  bool ok = ptr != nullptr && !PyErr_Occurred();
  Py_XDECREF(ptr);
  Py_XDECREF(stream);
  Py_XDECREF(cuda);
  Py_XDECREF(cupy);
  PyErr_Clear();
  return ok;
}

/*!
 * \brief A tensor viewing a framework tensor's memory, owning a reference to the Python
 * object (which keeps the memory alive). Shape and strides are copied inline.
 */
class PyViewTensorObj : public tvm::ffi::TensorObj {
 public:
  static constexpr int32_t kMaxDims = 8;

  PyViewTensorObj(PyObject* owner, const DLTensor& view) : owner_(Py_NewRef(owner)) {
    static_cast<DLTensor&>(*this) = view;
    int64_t stride = 1;
    for (int32_t i = view.ndim - 1; i >= 0; --i) {
      dims_[i] = view.shape[i];
      dims_[kMaxDims + i] = view.strides ? view.strides[i] : stride;
      stride *= view.shape[i];
    }
    this->shape = dims_;
    this->strides = dims_ + kMaxDims;
  }
  ~PyViewTensorObj() {
    if (!PythonAlive()) return;
    if (PyGILState_Check()) {
      Py_DECREF(owner_);
    } else {
      PyGILState_STATE state = PyGILState_Ensure();
      Py_DECREF(owner_);
      PyGILState_Release(state);
    }
  }

 private:
  PyObject* owner_;
  int64_t dims_[2 * kMaxDims];
};

/*!
 * \brief A Tensor through the exchange API's DLTensor view: no allocation by the framework.
 * Returns 1 when the API has no view entry point or the tensor has too many dimensions.
 */
int ViewFromExchangeAPI(PyObject* obj, const DLPackExchangeAPI* api, TVMFFIObject** out) {
  if (api->dltensor_from_py_object_no_sync == nullptr) return 1;
  DLTensor view;
  if (api->dltensor_from_py_object_no_sync(obj, &view) != 0) return -1;
  if (view.ndim > PyViewTensorObj::kMaxDims) return 1;
  try {
    auto tensor = tvm::ffi::make_object<PyViewTensorObj>(obj, view);
    *out = tvm::ffi::details::ObjectUnsafe::MoveToOwned(std::move(tensor));
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return -1;
  }
  return 0;
}

/*! \brief A Tensor owning a managed export from the framework. */
int ManagedFromExchangeAPI(PyObject* obj, const DLPackExchangeAPI* api, TVMFFIObject** out) {
  DLManagedTensorVersioned* managed = nullptr;
  if (api->managed_tensor_from_py_object_no_sync(obj, &managed) != 0) return -1;
  if ((managed->flags & DLPACK_FLAG_BITMASK_READ_ONLY) && !ReadOnlyInputsAllowed()) {
    if (managed->deleter != nullptr) managed->deleter(managed);
    return RaiseReadOnlyInput(Py_TYPE(obj)->tp_name);
  }
  TVMFFIObjectHandle handle = nullptr;
  int code = TVMFFITensorFromDLPackVersioned(managed, 0, 0, &handle);
  if (code != 0) {
    if (managed->deleter != nullptr) managed->deleter(managed);  // a refused import stays ours
    RaiseFromSafeCallCode(code);
    return -1;
  }
  *out = static_cast<TVMFFIObject*>(handle);
  return 0;
}

}  // namespace

int TensorFromPyObject(PyObject* obj, TVMFFIObject** out, CallContext* context) {
  const TypeDispatch dispatch = DispatchFor(Py_TYPE(obj));  // a copy: __dlpack__ runs Python
  switch (dispatch.route) {
    case TensorRoute::kNotTensor:
      return 1;
    case TensorRoute::kBuffer: {
      int code = TensorFromBuffer(obj, out);
      return code != 1 ? code : TensorFromDLPackObject(obj, out);
    }
    case TensorRoute::kDLPackMethod: {
      if (TVM_FFI_UNLIKELY(dispatch.torch) && RefuseLazyTorchView(obj, true) != 0) return -1;
      int code = TensorFromDLPackObject(obj, out);
      if (code == 0 && dispatch.cupy && context != nullptr && context->api == nullptr &&
          !context->cupy) {
        context->cupy = true;
        context->device =
            reinterpret_cast<DLTensor*>(reinterpret_cast<char*>(*out) + sizeof(TVMFFIObject))
                ->device;
      }
      return code;
    }
    case TensorRoute::kExchangeAPI:
      break;
  }
  TVMFFIObject* handle = nullptr;
  int code = ViewFromExchangeAPI(obj, dispatch.api, &handle);
  if (code == 1) code = ManagedFromExchangeAPI(obj, dispatch.api, &handle);
  if (code != 0) return -1;
  if (dispatch.torch) {
    const auto* t =
        reinterpret_cast<const DLTensor*>(reinterpret_cast<char*>(handle) + sizeof(TVMFFIObject));
    if (TVM_FFI_UNLIKELY(t->data == nullptr) && RefuseTensorWithoutData(*t) != 0) {
      TVMFFIObjectDecRef(handle);
      return -1;
    }
    if (RefuseLazyTorchView(obj, t->dtype.code == kDLComplex) != 0) {
      TVMFFIObjectDecRef(handle);
      return -1;
    }
  }
  *out = handle;
  if (context != nullptr && context->api == nullptr) {
    context->api = dispatch.api;
    context->device =
        reinterpret_cast<DLTensor*>(reinterpret_cast<char*>(handle) + sizeof(TVMFFIObject))->device;
  }
  return 0;
}

int BorrowTensorView(PyObject* obj, BorrowedTensorView* out, CallContext* context) {
  const TypeDispatch dispatch = DispatchFor(Py_TYPE(obj));
  if (dispatch.route == TensorRoute::kBuffer) return BorrowNumpyArray(obj, out);
  if (dispatch.route != TensorRoute::kExchangeAPI ||
      dispatch.api->dltensor_from_py_object_no_sync == nullptr) {
    return 1;
  }
  DLTensor& t = out->tensor;
  if (dispatch.api->dltensor_from_py_object_no_sync(obj, &t) != 0) return -1;
  if (t.ndim > BorrowedTensorView::kMaxDims) return 1;
  // Copied: the framework's arrays could change if another thread resizes it during the call.
  int64_t stride = 1;
  for (int32_t i = t.ndim - 1; i >= 0; --i) {
    out->dims[i] = t.shape[i];
    out->dims[BorrowedTensorView::kMaxDims + i] = t.strides ? t.strides[i] : stride;
    stride *= t.shape[i];
  }
  t.shape = out->dims;
  t.strides = out->dims + BorrowedTensorView::kMaxDims;
  if (dispatch.torch) {
    if (TVM_FFI_UNLIKELY(t.data == nullptr) && RefuseTensorWithoutData(t) != 0) return -1;
    if (RefuseLazyTorchView(obj, t.dtype.code == kDLComplex) != 0) return -1;
  }
  if (context->api == nullptr) {
    context->api = dispatch.api;
    context->device = t.device;
  }
  return 0;
}

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
  int code = TensorFromCapsule(capsule, out, Py_TYPE(obj)->tp_name);
  Py_DECREF(capsule);
  if (code == 1) {
    PyErr_Format(PyExc_TypeError, "%s.__dlpack__ did not return a DLPack capsule",
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  return code;
}

namespace {

// Raised when an import misses require_alignment/require_contiguous: a ValueError (the bad
// input) that code catching the RuntimeError other TVM-FFI runtimes raise also catches.
PyObject* TensorLayoutError = nullptr;

PyObject* LayoutTuple(const int64_t* values, const DLTensor& t) {
  PyObject* tuple = PyTuple_New(t.ndim);
  int64_t stride = 1;
  for (int32_t i = t.ndim - 1; tuple != nullptr && i >= 0; --i) {
    PyTuple_SET_ITEM(tuple, i, PyLong_FromLongLong(values ? values[i] : stride));
    stride *= t.shape[i];
  }
  return tuple;
}

/*! \brief Why `t` misses the requirements (a new str), or NULL if it meets them. */
PyObject* LayoutProblem(const DLTensor& t, Py_ssize_t alignment, bool contiguous) {
  if (alignment > 0 && !tvm::ffi::IsAligned(t, static_cast<size_t>(alignment))) {
    return PyUnicode_FromFormat(
        "from_dlpack: the first element (data %p + byte_offset %llu) is not aligned to %zd "
        "bytes (require_alignment=%zd)",
        t.data, static_cast<unsigned long long>(t.byte_offset), alignment, alignment);
  }
  if (contiguous && !tvm::ffi::IsContiguous(t)) {
    PyObject* shape = LayoutTuple(t.shape, t);
    PyObject* strides = LayoutTuple(t.strides, t);
    PyObject* message = shape && strides
                            ? PyUnicode_FromFormat(
                                  "from_dlpack: a tensor of shape %R with strides %R is not "
                                  "contiguous (require_contiguous=True)",
                                  shape, strides)
                            : nullptr;
    Py_XDECREF(shape);
    Py_XDECREF(strides);
    return message;
  }
  return nullptr;
}

/*! \brief A Tensor for a Tensor, a DLPack capsule or a tensor of any framework; -1 on error. */
int ImportAny(PyObject* obj, TVMFFIObject** out) {
  if (PyObject_TypeCheck(obj, TensorType)) {
    TVMFFIObject* handle = reinterpret_cast<PyFFIObject*>(obj)->handle;
    if (handle == nullptr) {
      PyErr_SetString(PyExc_ValueError, "from_dlpack: this Tensor holds no tensor");
      return -1;
    }
    TVMFFIObjectIncRef(handle);
    *out = handle;
    return 0;
  }
  if (PyCapsule_CheckExact(obj)) {
    int code = TensorFromCapsule(obj, out, "DLPack capsule");
    if (code != 1) return code;
    const char* name = PyCapsule_GetName(obj);
    PyErr_Clear();
    if (name != nullptr && std::strncmp(name, "used_", 5) == 0) {
      PyErr_SetString(PyExc_TypeError,
                      "from_dlpack: this DLPack capsule was already imported (a capsule can be "
                      "consumed once)");
    } else {
      PyErr_Format(PyExc_TypeError, "from_dlpack: a capsule named %s is not a DLPack tensor",
                   name ? name : "NULL");
    }
    return -1;
  }
  int code = TensorFromPyObject(obj, out, nullptr);
  if (code == 1) code = TensorFromDLPackObject(obj, out);  // __dlpack__ set on the instance
  if (code == 1) {
    PyErr_Format(PyExc_TypeError,
                 "from_dlpack expects a tensor (an object with __dlpack__) or a DLPack "
                 "capsule, got %s",
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  return code;
}

/*! from_dlpack(ext_tensor, *, require_alignment=0, require_contiguous=False, allow_readonly=False)
 */
PyObject* FromDLPack(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"ext_tensor", "require_alignment", "require_contiguous",
                                   "allow_readonly", nullptr};
  PyObject* obj = nullptr;
  Py_ssize_t alignment = 0;
  int contiguous = 0;
  int allow_readonly = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$npp:from_dlpack", const_cast<char**>(keywords),
                                   &obj, &alignment, &contiguous, &allow_readonly)) {
    return nullptr;
  }
  if (alignment < 0) {
    return PyErr_Format(PyExc_ValueError,
                        "from_dlpack: require_alignment must be 0 (none) or a positive number of "
                        "bytes, got %zd",
                        alignment);
  }
  TVMFFIObject* handle = nullptr;
  readonly_allowed_by_call += allow_readonly;
  int code = ImportAny(obj, &handle);
  readonly_allowed_by_call -= allow_readonly;
  if (code != 0) return nullptr;
  const DLTensor* t =
      reinterpret_cast<const DLTensor*>(reinterpret_cast<char*>(handle) + sizeof(TVMFFIObject));
  PyObject* problem = LayoutProblem(*t, alignment, contiguous != 0);
  if (problem != nullptr || PyErr_Occurred()) {
    TVMFFIObjectDecRef(handle);  // before raising: a producer's deleter may run Python code
    if (problem != nullptr) PyErr_SetObject(TensorLayoutError, problem);
    Py_XDECREF(problem);
    return nullptr;
  }
  if (PyObject_TypeCheck(obj, TensorType)) {
    TVMFFIObjectDecRef(handle);
    return Py_NewRef(obj);
  }
  return WrapOwnedObject(handle);
}

/*! _tensor_dispatch_cache_size(): how many Python types have a cached tensor route. */
PyObject* DispatchCacheSize(PyObject*, PyObject*) {
  return PyLong_FromSize_t(dispatch_by_type.size());
}

PyMethodDef import_methods[] = {
    {"from_dlpack", reinterpret_cast<PyCFunction>(FromDLPack), METH_VARARGS | METH_KEYWORDS,
     "from_dlpack(ext_tensor, *, require_alignment=0, require_contiguous=False, "
     "allow_readonly=False): a Tensor sharing the memory of a DLPack capsule or of any object "
     "implementing __dlpack__. Read-only memory (a read-only numpy array, a capsule flagged "
     "read-only) raises BufferError unless allow_readonly=True."},
    {"_tensor_dispatch_cache_size", DispatchCacheSize, METH_NOARGS,
     "How many Python types have a cached tensor route (a test probe)."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int InitTensorImport(PyObject* module) {
  PyObject* bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_RuntimeError);
  if (bases == nullptr) return -1;
  TensorLayoutError = PyErr_NewExceptionWithDoc(
      "tvm_ffi_jit.TensorLayoutError",
      "A tensor misses from_dlpack's require_alignment or require_contiguous.", bases, nullptr);
  Py_DECREF(bases);
  if (TensorLayoutError == nullptr) return -1;
  if (PyModule_AddObjectRef(module, "TensorLayoutError", TensorLayoutError) < 0) return -1;
  readonly_allowed_var = PyContextVar_New("tvm_ffi_jit.allow_readonly", Py_False);
  if (readonly_allowed_var == nullptr) return -1;
  if (PyModule_AddObjectRef(module, "_readonly_allowed", readonly_allowed_var) < 0) return -1;
  return PyModule_AddFunctions(module, import_methods);
}

void CallContext::InstallFrameworkEnv() {
  if (cupy && IsStreamDevice(device.device_type)) {
    void* stream = nullptr;
    if (CupyCurrentStream(&stream)) InstallStream(stream);
  }
  if (api == nullptr) return;
  const auto* exchange = static_cast<const DLPackExchangeAPI*>(api);
  if (exchange->managed_tensor_allocator != nullptr) {
    InstallAllocator(exchange->managed_tensor_allocator);
  }
  if (IsStreamDevice(device.device_type) && exchange->current_work_stream != nullptr) {
    void* stream = nullptr;
    if (exchange->current_work_stream(device.device_type, device.device_id, &stream) == 0) {
      InstallStream(stream);
    } else {
      PyErr_Clear();
    }
  }
}

void CallContext::InstallStream(TVMFFIStreamHandle stream) {
  TVMFFIEnvSetStream(device.device_type, device.device_id, stream, &saved_stream);
  stream_set = true;
  foreign = foreign_runtime;  // the same one for both installs: the GIL is held
  if (TVM_FFI_UNLIKELY(foreign != nullptr)) {
    foreign->env_set_stream(device.device_type, device.device_id, stream, &foreign_saved_stream);
  }
}

void CallContext::InstallAllocator(DLPackManagedTensorAllocator allocator) {
  TVMFFIEnvSetDLPackManagedTensorAllocator(allocator, 0, &saved_allocator);
  allocator_set = true;
  foreign = foreign_runtime;
  if (TVM_FFI_UNLIKELY(foreign != nullptr)) {
    foreign->env_set_allocator(allocator, 0, &foreign_saved_allocator);
  }
}

void CallContext::RestoreEnv() {
  if (allocator_set) TVMFFIEnvSetDLPackManagedTensorAllocator(saved_allocator, 0, nullptr);
  if (stream_set) TVMFFIEnvSetStream(device.device_type, device.device_id, saved_stream, nullptr);
  if (TVM_FFI_UNLIKELY(foreign != nullptr)) {
    if (allocator_set) foreign->env_set_allocator(foreign_saved_allocator, 0, nullptr);
    if (stream_set) {
      foreign->env_set_stream(device.device_type, device.device_id, foreign_saved_stream, nullptr);
    }
  }
  allocator_set = stream_set = false;
  foreign = nullptr;
}

PyObject* CallContext::TensorResultToPy(TVMFFIObject* tensor) {
  const auto* exchange = static_cast<const DLPackExchangeAPI*>(api);
  if (exchange == nullptr || exchange->managed_tensor_to_py_object_no_sync == nullptr) {
    return WrapOwnedObject(tensor);
  }
  DLManagedTensorVersioned* managed = nullptr;
  int code = TVMFFITensorToDLPackVersioned(tensor, &managed);
  TVMFFIObjectDecRef(tensor);  // the export holds its own reference
  if (code != 0) return RaiseFromSafeCallCode(code);
  void* result = nullptr;
  if (exchange->managed_tensor_to_py_object_no_sync(managed, &result) != 0) return nullptr;
  return static_cast<PyObject*>(result);
}

}  // namespace tvm_ffi_jit

namespace tvm_ffi_jit {
namespace {

/*! _env_set_stream(device_type, device_id, stream) -> previous stream (ints). */
PyObject* EnvSetStream(PyObject*, PyObject* args) {
  int device_type = 0, device_id = 0;
  PyObject* stream = nullptr;
  if (!PyArg_ParseTuple(args, "iiO", &device_type, &device_id, &stream)) return nullptr;
  void* handle = stream == Py_None ? nullptr : PyLong_AsVoidPtr(stream);
  if (PyErr_Occurred()) return nullptr;
  TVMFFIStreamHandle previous = nullptr;
  if (TVMFFIEnvSetStream(device_type, device_id, handle, &previous) != 0) {
    return RaiseFromSafeCallCode(-1);
  }
  // Modules bound to a foreign runtime read its stream: it follows this one.
  if (foreign_runtime != nullptr)
    foreign_runtime->env_set_stream(device_type, device_id, handle, nullptr);
  return PyLong_FromVoidPtr(previous);
}

/*! _env_get_stream(device_type, device_id) -> stream (int, 0 for the default stream). */
PyObject* EnvGetStream(PyObject*, PyObject* args) {
  int device_type = 0, device_id = 0;
  if (!PyArg_ParseTuple(args, "ii", &device_type, &device_id)) return nullptr;
  return PyLong_FromVoidPtr(TVMFFIEnvGetStream(device_type, device_id));
}

PyMethodDef env_methods[] = {
    {"_env_set_stream", EnvSetStream, METH_VARARGS, "Sets this thread's stream for a device."},
    {"_env_get_stream", EnvGetStream, METH_VARARGS, "This thread's stream for a device."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int InitEnv(PyObject* module) { return PyModule_AddFunctions(module, env_methods); }

}  // namespace tvm_ffi_jit
