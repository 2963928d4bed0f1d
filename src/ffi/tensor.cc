/*
 * Tensors from and to DLPack. An imported tensor keeps the producer's managed tensor and
 * calls its deleter when the last reference drops; strides are always filled in.
 */
#include <tvm/ffi/container/tensor.h>

#include <vector>

namespace tvm {
namespace ffi {
namespace {

/*! \brief A TensorObj over a DLPack producer's memory. */
class DLPackTensorObj : public TensorObj {
 public:
  DLPackTensorObj(DLManagedTensorVersioned* versioned, DLManagedTensor* legacy)
      : versioned_(versioned), legacy_(legacy) {
    const DLTensor& src = versioned ? versioned->dl_tensor : legacy->dl_tensor;
    static_cast<DLTensor&>(*this) = src;
    if (src.strides == nullptr) {
      // Producers may leave strides unset for compact tensors; consumers always get them.
      strides_.resize(src.ndim);
      int64_t stride = 1;
      for (int32_t i = src.ndim - 1; i >= 0; --i) {
        strides_[i] = stride;
        stride *= src.shape[i];
      }
      this->strides = strides_.data();
    }
  }
  ~DLPackTensorObj() {
    if (versioned_ && versioned_->deleter) versioned_->deleter(versioned_);
    if (legacy_ && legacy_->deleter) legacy_->deleter(legacy_);
  }
  bool read_only() const {
    return versioned_ != nullptr && (versioned_->flags & DLPACK_FLAG_BITMASK_READ_ONLY);
  }

 private:
  DLManagedTensorVersioned* versioned_;
  DLManagedTensor* legacy_;
  std::vector<int64_t> strides_;
};

void CheckRequirements(const Tensor& tensor, int32_t require_alignment,
                       int32_t require_contiguous) {
  if (require_alignment > 0 &&
      reinterpret_cast<uintptr_t>(tensor.data_ptr()) % static_cast<uintptr_t>(require_alignment)) {
    TVM_FFI_THROW(ValueError) << "tensor data is not aligned to " << require_alignment << " bytes";
  }
  if (require_contiguous && !tensor.IsContiguous()) {
    TVM_FFI_THROW(ValueError) << "tensor is not contiguous";
  }
}

/*!
 * \brief Whether the tensor came from a producer that marked it read-only. Read-only
 * tensors are passed to kernels as they are (a kernel may only read them) and stay
 * read-only when exported again.
 */
bool IsReadOnly(const TVMFFIObject* header) {
  // Only tensors imported from DLPack carry the flag; their deleter identifies them.
  if (header->deleter != details::ObjectDeleter<DLPackTensorObj>) return false;
  return static_cast<const DLPackTensorObj*>(
             static_cast<const TensorObj*>(
                 details::ObjectUnsafe::FromHeader(const_cast<TVMFFIObject*>(header))))
      ->read_only();
}

/*! \brief Export context: keeps the tensor alive until the consumer calls the deleter. */
template <typename TManaged>
struct ExportContext {
  TManaged managed;
  TVMFFIObject* tensor;
  static void Delete(TManaged* self) {
    auto* ctx = reinterpret_cast<ExportContext*>(self);
    TVMFFIObjectDecRef(ctx->tensor);
    delete ctx;
  }
};

template <typename TManaged>
TManaged* Export(TVMFFIObjectHandle from) {
  auto* header = static_cast<TVMFFIObject*>(from);
  if (header == nullptr || header->type_index != kTVMFFITensor) {
    TVM_FFI_THROW(TypeError) << "expected a Tensor to export to DLPack";
  }
  const auto* tensor = static_cast<const TensorObj*>(details::ObjectUnsafe::FromHeader(header));
  auto* ctx = new ExportContext<TManaged>();
  TVMFFIObjectIncRef(header);
  ctx->tensor = header;
  ctx->managed.dl_tensor = static_cast<const DLTensor&>(*tensor);
  ctx->managed.manager_ctx = nullptr;
  ctx->managed.deleter = ExportContext<TManaged>::Delete;
  if constexpr (std::is_same_v<TManaged, DLManagedTensorVersioned>) {
    ctx->managed.version = {DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
    ctx->managed.flags = IsReadOnly(header) ? DLPACK_FLAG_BITMASK_READ_ONLY : 0;
  }
  return &ctx->managed;
}

}  // namespace
}  // namespace ffi
}  // namespace tvm

using namespace tvm::ffi;  // NOLINT(*)

extern "C" {

int TVMFFITensorFromDLPack(DLManagedTensor* from, int32_t require_alignment,
                           int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  Tensor tensor(make_object<DLPackTensorObj>(nullptr, from));
  CheckRequirements(tensor, require_alignment, require_contiguous);
  *out = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(tensor));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorFromDLPackVersioned(DLManagedTensorVersioned* from, int32_t require_alignment,
                                    int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  DLManagedTensorVersioned* managed = from;
  if (managed->version.major != DLPACK_MAJOR_VERSION) {
    uint32_t major = managed->version.major;
    if (managed->deleter) managed->deleter(managed);
    TVM_FFI_THROW(ValueError) << "unsupported DLPack major version " << major << " (expected "
                              << DLPACK_MAJOR_VERSION << ")";
  }
  Tensor tensor(make_object<DLPackTensorObj>(managed, nullptr));
  CheckRequirements(tensor, require_alignment, require_contiguous);
  *out = details::ObjectUnsafe::MoveToOwned(static_cast<ObjectRef&&>(tensor));
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorToDLPack(TVMFFIObjectHandle from, DLManagedTensor** out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  *out = Export<DLManagedTensor>(from);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITensorToDLPackVersioned(TVMFFIObjectHandle from, DLManagedTensorVersioned** out) {
  TVM_FFI_SAFE_CALL_BEGIN();
  *out = Export<DLManagedTensorVersioned>(from);
  TVM_FFI_SAFE_CALL_END();
}

}  // extern "C"
