/*
 * Tensor (owning, a TensorObj = Object + DLTensor) and TensorView (borrowing a DLTensor).
 * Both read shape, strides, dtype, device and data; Tensor converts to and from DLPack.
 */
#ifndef TVM_FFI_CONTAINER_TENSOR_H_
#define TVM_FFI_CONTAINER_TENSOR_H_

#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/dtype.h>
#include <tvm/ffi/extra/c_env_api.h>

namespace tvm {
namespace ffi {

/*! \brief Object layout of a tensor: header then DLTensor (strides always set). */
class TensorObj : public Object, public DLTensor {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Tensor", kTVMFFITensor)
};

namespace details {
/*! \brief Read accessors shared by Tensor and TensorView over a `const DLTensor*`. */
template <typename Derived>
class TensorReadMethods {
 public:
  void* data_ptr() const { return static_cast<char*>(dl()->data) + dl()->byte_offset; }
  int32_t ndim() const { return dl()->ndim; }
  ShapeView shape() const { return ShapeView(dl()->shape, static_cast<size_t>(dl()->ndim)); }
  /*! \brief Strides in elements; empty when the producer left them unset (compact). */
  ShapeView strides() const {
    return dl()->strides ? ShapeView(dl()->strides, static_cast<size_t>(dl()->ndim)) : ShapeView();
  }
  /*! \brief Extent of dimension i (negative counts from the end). */
  int64_t size(int64_t i) const { return shape()[i]; }
  /*! \brief Stride of dimension i in elements. */
  int64_t stride(int64_t i) const {
    if (dl()->strides) return strides()[i];
    int64_t n = dl()->ndim;
    if (i < 0) i += n;
    int64_t stride = 1;
    for (int64_t d = n - 1; d > i; --d) stride *= dl()->shape[d];
    return stride;
  }
  int64_t numel() const { return shape().Product(); }
  DLDataType dtype() const { return dl()->dtype; }
  DLDevice device() const { return dl()->device; }
  uint64_t byte_offset() const { return dl()->byte_offset; }
  /*! \brief Whether the elements are laid out row-major without gaps. */
  bool IsContiguous() const {
    if (dl()->strides == nullptr) return true;
    int64_t expected = 1;
    for (int32_t i = dl()->ndim - 1; i >= 0; --i) {
      if (dl()->shape[i] == 1) continue;
      if (dl()->strides[i] != expected) return false;
      expected *= dl()->shape[i];
    }
    return true;
  }
  const DLTensor* GetDLTensorPtr() const { return dl(); }

 private:
  const DLTensor* dl() const { return static_cast<const Derived*>(this)->dltensor(); }
};
}  // namespace details

/*! \brief An owning reference to a tensor. */
class Tensor : public ObjectRef, public details::TensorReadMethods<Tensor> {
 public:
  TVM_FFI_DEFINE_OBJECT_REF_METHODS(Tensor, ObjectRef, TensorObj)

  /*! \brief Wraps a legacy DLPack tensor; takes ownership (its deleter runs on free). */
  static Tensor FromDLPack(DLManagedTensor* from, int32_t require_alignment = 0,
                           bool require_contiguous = false) {
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFITensorFromDLPack(from, require_alignment, require_contiguous, &out));
    return FromHandle(out);
  }
  /*! \brief Wraps a DLPack 1.x tensor; takes ownership. */
  static Tensor FromDLPackVersioned(DLManagedTensorVersioned* from, int32_t require_alignment = 0,
                                    bool require_contiguous = false) {
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFITensorFromDLPackVersioned(from, require_alignment, require_contiguous, &out));
    return FromHandle(out);
  }
  /*!
   * \brief Allocates through the environment allocator: the calling framework's (torch's
   * when called with torch tensors), else the runtime's CPU allocator.
   */
  static Tensor FromEnvAlloc(ShapeView shape, DLDataType dtype, DLDevice device) {
    DLTensor prototype;
    prototype.data = nullptr;
    prototype.device = device;
    prototype.ndim = static_cast<int32_t>(shape.size());
    prototype.dtype = dtype;
    prototype.shape = const_cast<int64_t*>(shape.data());
    prototype.strides = nullptr;
    prototype.byte_offset = 0;
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIEnvTensorAlloc(&prototype, &out));
    return FromHandle(out);
  }
  /*! \brief Exports as DLPack 1.x; the caller owns the result and calls its deleter. */
  DLManagedTensorVersioned* ToDLPackVersioned() const {
    DLManagedTensorVersioned* out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFITensorToDLPackVersioned(details::ObjectUnsafe::GetHandle(*this), &out));
    return out;
  }
  DLManagedTensor* ToDLPack() const {
    DLManagedTensor* out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITensorToDLPack(details::ObjectUnsafe::GetHandle(*this), &out));
    return out;
  }
  const DLTensor* dltensor() const { return static_cast<const DLTensor*>(get()); }
  // None is not a Tensor; take Optional<Tensor> to accept None.
  static constexpr bool _type_is_nullable = false;

 private:
  static Tensor FromHandle(TVMFFIObjectHandle handle) {
    return Tensor(details::ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(handle)));
  }
};

/*! \brief A borrowed tensor: a kernel argument that neither owns nor copies the data. */
class TensorView : public details::TensorReadMethods<TensorView> {
 public:
  TensorView() = default;
  TensorView(const DLTensor* tensor) : tensor_(tensor) {}           // NOLINT(*)
  TensorView(const Tensor& tensor) : tensor_(tensor.dltensor()) {}  // NOLINT(*)
  const DLTensor* dltensor() const { return tensor_; }

 private:
  const DLTensor* tensor_{nullptr};
};

template <>
struct TypeTraits<TensorView> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const TensorView& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIDLTensorPtr);
    out->v_ptr = const_cast<DLTensor*>(v.dltensor());
  }
  static std::optional<TensorView> TryCastFromAnyView(const TVMFFIAny* src) {
    std::optional<DLTensor*> ptr = TypeTraits<DLTensor*>::TryCastFromAnyView(src);
    if (!ptr.has_value()) return std::nullopt;
    return TensorView(*ptr);
  }
  static std::string TypeStr() { return "Tensor"; }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_TENSOR_H_
