/*
 * numpy arrays as tensors through the buffer protocol: the same zero-copy view that
 * __dlpack__ gives, without creating and consuming a capsule per argument. A read-only buffer
 * is refused unless read-only inputs are allowed (dlpack_exchange.h). For a TensorView
 * parameter the array's own fields are read instead (no buffer export, no Tensor object).
 */
#include <cstring>

#include "python/core.h"
#include "python/dlpack_exchange.h"

namespace tvm_ffi_jit {
namespace {

/*!
 * \brief A TensorObj viewing a Py_buffer; releases it (under the GIL) when freed. Shape and
 * strides are stored inline: one allocation per argument.
 */
class BufferTensorObj : public tvm::ffi::TensorObj {
 public:
  static constexpr int kMaxDims = 8;  // more take the __dlpack__ route

  BufferTensorObj(const Py_buffer& view, DLDataType dtype) : view_(view) {
    for (int i = 0; i < view.ndim; ++i) {
      dims_[i] = view.shape[i];
      dims_[kMaxDims + i] = view.strides[i] / view.itemsize;
    }
    this->data = view.buf;
    this->device = DLDevice{kDLCPU, 0};
    this->ndim = view.ndim;
    this->dtype = dtype;
    this->shape = dims_;
    this->strides = dims_ + kMaxDims;
    this->byte_offset = 0;
  }
  ~BufferTensorObj() {
    if (!PythonAlive()) return;
    if (PyGILState_Check()) {  // usually: temporaries are released after the call
      PyBuffer_Release(&view_);
      return;
    }
    PyGILState_STATE state = PyGILState_Ensure();
    PyBuffer_Release(&view_);
    PyGILState_Release(state);
  }

 private:
  Py_buffer view_;
  int64_t dims_[2 * kMaxDims];
};

/*! \brief The DLPack type of a struct-module format such as "<f" or "Zd"; false if none. */
bool FormatToDType(const char* format, Py_ssize_t itemsize, DLDataType* out) {
  if (*format == '<' || *format == '@' || *format == '=') ++format;  // native little-endian
  const uint8_t bits = static_cast<uint8_t>(itemsize * 8);
  if (format[0] == 'Z' && (format[1] == 'f' || format[1] == 'd') && format[2] == '\0') {
    *out = DLDataType{kDLComplex, bits, 1};
    return true;
  }
  if (format[0] == '\0' || format[1] != '\0') return false;
  if (std::strchr("bhilq", format[0])) {
    *out = DLDataType{kDLInt, bits, 1};
  } else if (std::strchr("BHILQ", format[0])) {
    *out = DLDataType{kDLUInt, bits, 1};
  } else if (std::strchr("efd", format[0])) {
    *out = DLDataType{kDLFloat, bits, 1};
  } else if (format[0] == '?') {
    *out = DLDataType{kDLBool, bits, 1};
  } else {
    return false;
  }
  return true;
}

/*!
 * \brief numpy's array object as far as read here (PyArrayObject_fields in numpy's
 * ndarraytypes.h; the same in numpy 1.x and 2.x).
 */
struct NumpyArrayFields {
  PyObject ob_base;
  char* data;
  int nd;
  Py_ssize_t* dimensions;
  Py_ssize_t* strides;  // in bytes
  PyObject* base;
  PyObject* descr;
  int flags;
};

/*! \brief numpy's PyArray_Descr up to type_num (the same in numpy 1.x and 2.x). */
struct NumpyDescrHead {
  PyObject ob_base;
  PyTypeObject* typeobj;
  char kind;
  char type;
  char byteorder;
  char flags;
  int type_num;
};

constexpr int kNumpyWriteable = 0x0400;  // NPY_ARRAY_WRITEABLE

/*! \brief The DLPack type of a numpy type number (NPY_BOOL ... NPY_HALF); false if none. */
bool NumpyTypeToDType(int type_num, DLDataType* out) {
  constexpr uint8_t kLongBits = sizeof(long) * 8;  // NOLINT(runtime/int): numpy's "long"
  switch (type_num) {
    case 0:
      *out = DLDataType{kDLBool, 8, 1};
      return true;
    case 1:
      *out = DLDataType{kDLInt, 8, 1};
      return true;
    case 2:
      *out = DLDataType{kDLUInt, 8, 1};
      return true;
    case 3:
      *out = DLDataType{kDLInt, 16, 1};
      return true;
    case 4:
      *out = DLDataType{kDLUInt, 16, 1};
      return true;
    case 5:
      *out = DLDataType{kDLInt, 32, 1};
      return true;
    case 6:
      *out = DLDataType{kDLUInt, 32, 1};
      return true;
    case 7:
      *out = DLDataType{kDLInt, kLongBits, 1};
      return true;
    case 8:
      *out = DLDataType{kDLUInt, kLongBits, 1};
      return true;
    case 9:
      *out = DLDataType{kDLInt, 64, 1};
      return true;
    case 10:
      *out = DLDataType{kDLUInt, 64, 1};
      return true;
    case 11:
      *out = DLDataType{kDLFloat, 32, 1};
      return true;
    case 12:
      *out = DLDataType{kDLFloat, 64, 1};
      return true;
    case 14:
      *out = DLDataType{kDLComplex, 64, 1};
      return true;
    case 15:
      *out = DLDataType{kDLComplex, 128, 1};
      return true;
    case 23:
      *out = DLDataType{kDLFloat, 16, 1};
      return true;
    default:
      return false;  // long double, object, string, datetime...: the general route
  }
}

}  // namespace

int BorrowNumpyArray(PyObject* obj, BorrowedTensorView* out) {
  PyTypeObject* type = Py_TYPE(obj);
  // Only numpy's own static type: a class that merely has its name is not read this way.
  if ((type->tp_flags & Py_TPFLAGS_HEAPTYPE) ||
      type->tp_basicsize < static_cast<Py_ssize_t>(sizeof(NumpyArrayFields))) {
    return 1;
  }
  const auto* array = reinterpret_cast<const NumpyArrayFields*>(obj);
  const auto* descr = reinterpret_cast<const NumpyDescrHead*>(array->descr);
  DLDataType dtype;
  // Read-only and byte-swapped arrays take the general route (its error or its copy rules).
  if (!(array->flags & kNumpyWriteable) || array->nd > BorrowedTensorView::kMaxDims ||
      descr == nullptr || descr->byteorder == '>' || !NumpyTypeToDType(descr->type_num, &dtype)) {
    return 1;
  }
  const int64_t itemsize = dtype.bits / 8;
  for (int i = 0; i < array->nd; ++i) {
    if (array->strides[i] % itemsize != 0) return 1;
    out->dims[i] = array->dimensions[i];
    out->dims[BorrowedTensorView::kMaxDims + i] = array->strides[i] / itemsize;
  }
  DLTensor& t = out->tensor;
  t.data = array->data;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = array->nd;
  t.dtype = dtype;
  t.shape = out->dims;
  t.strides = out->dims + BorrowedTensorView::kMaxDims;
  t.byte_offset = 0;
  return 0;
}

int TensorFromBuffer(PyObject* obj, TVMFFIObject** out) {
  Py_buffer view;
  if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) != 0) {
    PyErr_Clear();
    return 1;
  }
  if (view.readonly) {
    // e.g. np.frombuffer(b"...") views an immutable bytes object. When allowed, it takes the
    // __dlpack__ route: its capsule's read-only flag stays with the tensor and its exports.
    PyBuffer_Release(&view);
    return ReadOnlyInputsAllowed() ? 1 : RaiseReadOnlyInput(Py_TYPE(obj)->tp_name);
  }
  DLDataType dtype;
  bool usable = view.itemsize > 0 && view.format != nullptr &&
                view.ndim <= BufferTensorObj::kMaxDims &&
                FormatToDType(view.format, view.itemsize, &dtype);
  for (int i = 0; usable && i < view.ndim; ++i) usable = view.strides[i] % view.itemsize == 0;
  if (!usable) {
    // Unusual layouts take the __dlpack__ route.
    PyBuffer_Release(&view);
    return 1;
  }
  try {
    auto tensor = tvm::ffi::make_object<BufferTensorObj>(view, dtype);
    *out = tvm::ffi::details::ObjectUnsafe::MoveToOwned(std::move(tensor));
  } catch (const std::bad_alloc&) {
    PyBuffer_Release(&view);
    PyErr_NoMemory();
    return -1;
  }
  return 0;
}

}  // namespace tvm_ffi_jit
