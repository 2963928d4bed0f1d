/*
 * Tensors from and to DLPack, and views over another tensor's memory. An imported tensor
 * keeps the producer's managed tensor and calls its deleter when the last reference drops;
 * consumers always see strides (filled in after the object when the producer left them
 * NULL). Tensors imported read-only stay read-only when exported again.
 */
#include <tvm/ffi/container/tensor.h>

#include <type_traits>

#include "ffi/arg_checks.h"

namespace tvm {
namespace ffi {
namespace {

/*! \brief A TensorObj over a DLPack producer's memory; strides may live in the object's tail. */
template <typename TManaged>
class DLPackTensorObj : public TensorObj {
 public:
  DLPackTensorObj(TManaged* managed, bool strides_in_tail) : managed_(managed) {
    static_cast<DLTensor&>(*this) = managed->dl_tensor;
    if (strides_in_tail) {
      this->strides = reinterpret_cast<int64_t*>(reinterpret_cast<char*>(this) + sizeof(*this));
      details::FillCompactStrides(ShapeView(this->shape, this->ndim), this->strides);
    }
  }
  ~DLPackTensorObj() {
    if (managed_->deleter != nullptr) managed_->deleter(managed_);
  }
  bool read_only() const {
    if constexpr (std::is_same_v<TManaged, DLManagedTensorVersioned>) {
      return (managed_->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
    }
    return false;
  }

 private:
  TManaged* managed_;
};

/*! \brief The memory of a view: borrowed from the source tensor, which it keeps alive. */
class SourceViewAlloc {
 public:
  SourceViewAlloc(ObjectPtr<Object> source, bool read_only)
      : source_(std::move(source)), read_only_(read_only) {}
  void AllocData(DLTensor* tensor, void* data) { tensor->data = data; }
  void FreeData(DLTensor*) {}
  bool read_only() const { return read_only_; }

 private:
  ObjectPtr<Object> source_;
  bool read_only_;
};

using ViewTensorObj = details::TensorObjFromNDAlloc<SourceViewAlloc>;

/*!
 * \brief Whether the tensor came from a producer that marked it read-only (or is a view of
 * one). Kernels may take such tensors to read them; an export keeps the flag.
 */
bool IsReadOnly(TVMFFIObject* header) {
  Object* obj = details::ObjectUnsafe::FromHeader(header);
  if (header->deleter == details::ObjectDeleter<DLPackTensorObj<DLManagedTensorVersioned>>) {
    return static_cast<DLPackTensorObj<DLManagedTensorVersioned>*>(obj)->read_only();
  }
  if (header->deleter == details::ObjectDeleter<ViewTensorObj>) {
    return static_cast<ViewTensorObj*>(obj)->allocator().read_only();
  }
  return false;
}

/*! \brief Refuses a DLTensor whose shape cannot be read (NULL with dimensions, negative ndim). */
void CheckDLTensor(const DLTensor& tensor, const char* function) {
  if (tensor.ndim < 0 || (tensor.ndim > 0 && tensor.shape == nullptr)) {
    TVM_FFI_THROW(ValueError) << function << ": tensor with ndim " << tensor.ndim
                              << (tensor.shape == nullptr ? " and a NULL shape" : "");
  }
}

/*! \brief Refuses a DLPack tensor that does not meet the caller's requirements. */
void CheckImportable(const DLTensor& tensor, int32_t require_alignment,
                     int32_t require_contiguous) {
  if (require_alignment > 0 && !IsAligned(tensor, static_cast<size_t>(require_alignment))) {
    TVM_FFI_THROW(RuntimeError) << "FromDLPack: data is not aligned to " << require_alignment
                                << " bytes";
  }
  if (require_contiguous && !IsContiguous(tensor)) {
    TVM_FFI_THROW(RuntimeError) << "FromDLPack: tensor is not contiguous";
  }
}

/*! \brief Wraps `managed` once it passed the checks; from here on the tensor owns it. */
template <typename TManaged>
TVMFFIObject* Import(TManaged* managed) {
  const DLTensor& src = managed->dl_tensor;
  bool strides_in_tail = src.strides == nullptr && src.ndim > 0;
  ObjectPtr<DLPackTensorObj<TManaged>> tensor =
      make_inplace_array_object<DLPackTensorObj<TManaged>, int64_t>(
          strides_in_tail ? static_cast<size_t>(src.ndim) : 0, managed, strides_in_tail);
  return details::ObjectUnsafe::MoveToOwned(std::move(tensor));
}

const TensorObj* AsTensor(TVMFFIObjectHandle handle, const char* function, const char* name) {
  auto* header = details::CheckObjectArg(handle, kTVMFFITensor, function, name);
  return static_cast<const TensorObj*>(details::ObjectUnsafe::FromHeader(header));
}

/*! \brief The managed tensor handed to a consumer; it holds one reference to the tensor. */
template <typename TManaged>
TManaged* Export(TVMFFIObjectHandle from, const char* function) {
  const TensorObj* tensor = AsTensor(from, function, "from");
  auto* managed = new TManaged();
  managed->dl_tensor = static_cast<const DLTensor&>(*tensor);
  managed->manager_ctx = from;
  managed->deleter = [](TManaged* self) {
    TVMFFIObjectDecRef(self->manager_ctx);
    delete self;
  };
  if constexpr (std::is_same_v<TManaged, DLManagedTensorVersioned>) {
    managed->version.major = DLPACK_MAJOR_VERSION;
    managed->version.minor = DLPACK_MINOR_VERSION;
    managed->flags =
        IsReadOnly(static_cast<TVMFFIObject*>(from)) ? DLPACK_FLAG_BITMASK_READ_ONLY : 0;
  }
  TVMFFIObjectIncRef(from);
  return managed;
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFITensorFromDLPack(DLManagedTensor* from, int32_t require_alignment,
                           int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(from, "TVMFFITensorFromDLPack", "from");
  details::CheckArgNotNull(out, "TVMFFITensorFromDLPack", "out");
  CheckDLTensor(from->dl_tensor, "TVMFFITensorFromDLPack");
  CheckImportable(from->dl_tensor, require_alignment, require_contiguous);
  *out = Import(from);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorFromDLPackVersioned(DLManagedTensorVersioned* from, int32_t require_alignment,
                                    int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(from, "TVMFFITensorFromDLPackVersioned", "from");
  details::CheckArgNotNull(out, "TVMFFITensorFromDLPackVersioned", "out");
  if (from->version.major != DLPACK_MAJOR_VERSION) {
    // No other field may be read; the caller still owns the tensor and calls its deleter.
    TVM_FFI_THROW(RuntimeError) << "FromDLPack: unsupported DLPack major version "
                                << from->version.major << " (expected " << DLPACK_MAJOR_VERSION
                                << ")";
  }
  CheckDLTensor(from->dl_tensor, "TVMFFITensorFromDLPackVersioned");
  CheckImportable(from->dl_tensor, require_alignment, require_contiguous);
  if (from->flags & DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED) {
    TVM_FFI_THROW(RuntimeError) << "FromDLPack: padded sub-byte types are not supported";
  }
  *out = Import(from);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorToDLPack(TVMFFIObjectHandle from, DLManagedTensor** out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(out, "TVMFFITensorToDLPack", "out");
  *out = Export<DLManagedTensor>(from, "TVMFFITensorToDLPack");
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorToDLPackVersioned(TVMFFIObjectHandle from, DLManagedTensorVersioned** out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  details::CheckArgNotNull(out, "TVMFFITensorToDLPackVersioned", "out");
  *out = Export<DLManagedTensorVersioned>(from, "TVMFFITensorToDLPackVersioned");
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorCreateUnsafeView(TVMFFIObjectHandle source, const DLTensor* prototype,
                                 TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  AsTensor(source, "TVMFFITensorCreateUnsafeView", "source");
  details::CheckArgNotNull(prototype, "TVMFFITensorCreateUnsafeView", "prototype");
  details::CheckArgNotNull(out, "TVMFFITensorCreateUnsafeView", "out");
  CheckDLTensor(*prototype, "TVMFFITensorCreateUnsafeView");
  auto* header = static_cast<TVMFFIObject*>(source);
  SourceViewAlloc alloc(details::ObjectUnsafe::PtrFromBorrowed<Object>(header), IsReadOnly(header));
  ObjectPtr<ViewTensorObj> view = make_inplace_array_object<ViewTensorObj, int64_t>(
      static_cast<size_t>(prototype->ndim) * 2, std::move(alloc), *prototype, prototype->data);
  *out = details::ObjectUnsafe::MoveToOwned(std::move(view));
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
