/*
 * numpy arrays as tensors through the buffer protocol: the same zero-copy view that
 * __dlpack__ gives, without creating and consuming a capsule per argument. A read-only buffer
 * is refused unless read-only inputs are allowed (dlpack_exchange.h).
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

}  // namespace

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
