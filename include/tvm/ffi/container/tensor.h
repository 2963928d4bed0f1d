/*
 * Tensor (owning; a TensorObj is the object header followed by a DLTensor) and TensorView
 * (a borrowed DLTensor). Both read shape, strides, dtype, device and data; Tensor converts
 * to and from DLPack, allocates through the environment or a user allocator, and makes
 * strided views.
 */
#ifndef TVM_FFI_CONTAINER_TENSOR_H_
#define TVM_FFI_CONTAINER_TENSOR_H_

#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/dtype.h>
#include <tvm/ffi/extra/c_env_api.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace tvm {
namespace ffi {

/*! \brief Whether the device's data pointers are plain addresses (alignment is meaningful). */
inline bool IsDirectAddressDevice(const DLDevice& device) {
  switch (device.device_type) {
    case kDLCPU:
    case kDLCUDA:
    case kDLCUDAHost:
    case kDLCUDAManaged:
    case kDLROCM:
    case kDLROCMHost:
      return true;
    default:
      return false;
  }
}

/*! \brief Whether the elements are row-major without gaps (unit dims and empty tensors are). */
inline bool IsContiguous(const DLTensor& tensor) {
  if (tensor.strides == nullptr) return true;
  for (int32_t i = 0; i < tensor.ndim; ++i) {
    if (tensor.shape[i] == 0) return true;
  }
  int64_t expected = 1;
  for (int32_t i = tensor.ndim - 1; i >= 0; --i) {
    if (tensor.shape[i] == 1) continue;  // any stride is fine for an extent of one
    if (tensor.strides[i] != expected) return false;
    expected *= tensor.shape[i];
  }
  return true;
}

/*!
 * \brief Whether the first element is aligned to `alignment` bytes: the address on devices
 * with plain addresses, else the byte offset alone.
 */
inline bool IsAligned(const DLTensor& tensor, size_t alignment) {
  if (IsDirectAddressDevice(tensor.device)) {
    auto address = reinterpret_cast<uintptr_t>(tensor.data) + tensor.byte_offset;
    return address % alignment == 0;
  }
  return tensor.byte_offset % alignment == 0;
}

/*! \brief Bytes of `numel` packed elements of `dtype` (sub-byte types round up at the end). */
inline size_t GetDataSize(size_t numel, DLDataType dtype) {
  return static_cast<size_t>((static_cast<uint64_t>(numel) * dtype.bits * dtype.lanes + 7) / 8);
}

/*! \brief Bytes of the tensor's elements. */
inline size_t GetDataSize(const DLTensor& tensor) {
  size_t numel = 1;
  for (int32_t i = 0; i < tensor.ndim; ++i) numel *= static_cast<size_t>(tensor.shape[i]);
  return GetDataSize(numel, tensor.dtype);
}

namespace details {
/*! \brief "(2, 3)": a shape as error messages print it. */
inline std::string ShapeText(const int64_t* shape, int32_t ndim) {
  std::string text = "(";
  for (int32_t i = 0; i < ndim; ++i) {
    text += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return text + (ndim == 1 ? ",)" : ")");
}

/*!
 * \brief Bytes of a compact tensor of `shape` and `dtype`, checked: ValueError for a negative
 * extent or a shape without data, OverflowError when the element count or the byte size does
 * not fit in 63 bits (unchecked, the size would wrap and a huge tensor get a few bytes).
 */
inline size_t CheckedDataSize(const int64_t* shape, int32_t ndim, DLDataType dtype) {
  if (ndim < 0 || (ndim > 0 && shape == nullptr)) {
    TVM_FFI_THROW(ValueError) << "tensor shape: invalid ndim " << ndim
                              << (shape == nullptr ? " with a NULL shape" : "");
  }
  int64_t numel = 1;
  bool overflow = false;
  for (int32_t i = 0; i < ndim; ++i) {
    if (shape[i] < 0) {
      TVM_FFI_THROW(ValueError) << "tensor shape " << ShapeText(shape, ndim)
                                << " has a negative extent";
    }
    overflow = overflow || __builtin_mul_overflow(numel, shape[i], &numel);
  }
  int64_t bits = 0;
  overflow = overflow ||
             __builtin_mul_overflow(numel, static_cast<int64_t>(dtype.bits) * dtype.lanes, &bits) ||
             bits > INT64_MAX - 7;
  if (overflow) {
    TVM_FFI_THROW(OverflowError) << "tensor shape " << ShapeText(shape, ndim) << " of "
                                 << static_cast<int>(dtype.bits) << "-bit elements (x"
                                 << dtype.lanes << " lanes) is too large: its size in bytes "
                                 << "does not fit in 64 bits";
  }
  return static_cast<size_t>((bits + 7) / 8);
}
}  // namespace details

/*! \brief Object layout of a tensor: the header, then a DLTensor; subclasses own the rest. */
class TensorObj : public Object, public DLTensor {
 public:
  /*! \brief Exports as legacy DLPack; the caller owns the result and calls its deleter. */
  DLManagedTensor* ToDLPack() const;
  /*! \brief Exports as DLPack 1.x; the caller owns the result and calls its deleter. */
  DLManagedTensorVersioned* ToDLPackVersioned() const;
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Tensor", kTVMFFITensor)
};

namespace details {
/*! \brief Row-major compact strides of `shape`, written to `strides`. */
inline void FillCompactStrides(ShapeView shape, int64_t* strides) {
  int64_t stride = 1;
  for (size_t i = shape.size(); i != 0; --i) {
    strides[i - 1] = stride;
    stride *= shape.data()[i - 1];
  }
}

/*!
 * \brief A tensor whose memory comes from `TNDAlloc` (AllocData(DLTensor*, extra...) sets
 * `data`, FreeData(DLTensor*) releases it). Shape and strides live right after the object,
 * in the tail make_inplace_array_object reserves (2 * ndim int64 values).
 */
template <typename TNDAlloc>
class TensorObjFromNDAlloc : public TensorObj {
 public:
  template <typename... ExtraArgs>
  TensorObjFromNDAlloc(TNDAlloc alloc, ShapeView shape, DLDataType dtype, DLDevice device,
                       ExtraArgs&&... extra_args)
      : alloc_(std::move(alloc)) {
    this->data = nullptr;
    this->device = device;
    this->ndim = static_cast<int32_t>(shape.size());
    this->dtype = dtype;
    this->byte_offset = 0;
    PointAtTail();
    std::copy(shape.begin(), shape.end(), this->shape);
    FillCompactStrides(shape, this->strides);
    alloc_.AllocData(static_cast<DLTensor*>(this), std::forward<ExtraArgs>(extra_args)...);
  }

  /*! \brief Takes everything but `data` from `prototype`, whose strides must be set. */
  template <typename... ExtraArgs>
  TensorObjFromNDAlloc(TNDAlloc alloc, const DLTensor& prototype, ExtraArgs&&... extra_args)
      : alloc_(std::move(alloc)) {
    static_cast<DLTensor&>(*this) = prototype;
    PointAtTail();
    std::copy(prototype.shape, prototype.shape + prototype.ndim, this->shape);
    if (prototype.strides != nullptr) {
      std::copy(prototype.strides, prototype.strides + prototype.ndim, this->strides);
    } else {
      FillCompactStrides(ShapeView(prototype.shape, prototype.ndim), this->strides);
    }
    alloc_.AllocData(static_cast<DLTensor*>(this), std::forward<ExtraArgs>(extra_args)...);
  }

  ~TensorObjFromNDAlloc() { alloc_.FreeData(static_cast<DLTensor*>(this)); }
  const TNDAlloc& allocator() const { return alloc_; }

 private:
  void PointAtTail() {
    this->shape = reinterpret_cast<int64_t*>(reinterpret_cast<char*>(this) + sizeof(*this));
    this->strides = this->shape + this->ndim;
  }

  TNDAlloc alloc_;
};

/*! \brief `index` (negative counts from the end) as a dimension of an `ndim`-d tensor. */
inline int64_t CheckedDim(int64_t index, int32_t ndim) {
  int64_t dim = index >= 0 ? index : index + ndim;
  if (TVM_FFI_UNLIKELY(dim < 0 || dim >= ndim)) {
    TVM_FFI_THROW(IndexError) << "Index " << index << " out of bounds for tensor with " << ndim
                              << " dimensions";
  }
  return dim;
}

/*! \brief Read accessors shared by Tensor and TensorView over a `const DLTensor*`. */
template <typename Derived>
class TensorReadMethods {
 public:
  /*! \brief The `data` pointer; the first element is at data_ptr() + byte_offset(). */
  void* data_ptr() const { return dl()->data; }
  int32_t ndim() const { return dl()->ndim; }
  int32_t dim() const { return ndim(); }
  ShapeView shape() const { return ShapeView(dl()->shape, static_cast<size_t>(dl()->ndim)); }
  ShapeView sizes() const { return shape(); }
  /*! \brief Strides in elements; empty when the producer left them unset (compact). */
  ShapeView strides() const {
    return dl()->strides ? ShapeView(dl()->strides, static_cast<size_t>(dl()->ndim)) : ShapeView();
  }
  /*! \brief Extent of dimension i (negative counts from the end); IndexError if out of range. */
  int64_t size(int64_t i) const { return dl()->shape[CheckedDim(i, dl()->ndim)]; }
  /*! \brief Stride of dimension i in elements (negative counts from the end). */
  int64_t stride(int64_t i) const {
    int64_t dim = CheckedDim(i, dl()->ndim);
    if (dl()->strides) return dl()->strides[dim];
    int64_t stride = 1;
    for (int64_t d = dl()->ndim - 1; d > dim; --d) stride *= dl()->shape[d];
    return stride;
  }
  int64_t numel() const { return shape().Product(); }
  DLDataType dtype() const { return dl()->dtype; }
  DLDevice device() const { return dl()->device; }
  uint64_t byte_offset() const { return dl()->byte_offset; }
  /*! \brief Whether the elements are laid out row-major without gaps. */
  bool IsContiguous() const { return ::tvm::ffi::IsContiguous(*dl()); }
  bool is_contiguous() const { return IsContiguous(); }
  /*! \brief Whether the first element sits at a multiple of `alignment` bytes. */
  bool IsAligned(size_t alignment) const { return ::tvm::ffi::IsAligned(*dl(), alignment); }
  const DLTensor* GetDLTensorPtr() const { return dl(); }

 private:
  const DLTensor* dl() const { return static_cast<const Derived*>(this)->dltensor(); }
};

/*! \brief A DLTensor describing `shape`/`strides` over `base`'s memory from `element_offset`. */
inline DLTensor StridedPrototype(const DLTensor& base, ShapeView shape, ShapeView strides,
                                 std::optional<int64_t> element_offset) {
  TVM_FFI_CHECK(shape.size() == strides.size(), ValueError)
      << "as_strided: shape has " << shape.size() << " dimensions but strides has "
      << strides.size();
  int64_t offset = element_offset.value_or(0);
  TVM_FFI_CHECK(offset >= 0, ValueError) << "as_strided: negative element offset " << offset;
  DLTensor prototype = base;
  prototype.ndim = static_cast<int32_t>(shape.size());
  prototype.shape = const_cast<int64_t*>(shape.data());
  prototype.strides = const_cast<int64_t*>(strides.data());
  prototype.byte_offset += GetDataSize(static_cast<size_t>(offset), base.dtype);
  if (prototype.byte_offset != 0 && IsDirectAddressDevice(prototype.device)) {
    // Plain addresses: fold the offset into the pointer, as producers usually do.
    prototype.data = static_cast<char*>(prototype.data) + prototype.byte_offset;
    prototype.byte_offset = 0;
  }
  return prototype;
}
}  // namespace details

/*! \brief An owning reference to a tensor. */
class Tensor : public ObjectRef, public details::TensorReadMethods<Tensor> {
 public:
  TVM_FFI_DEFINE_OBJECT_REF_METHODS(Tensor, ObjectRef, TensorObj)

  /*!
   * \brief A tensor allocated by `alloc` (see details::TensorObjFromNDAlloc), compact
   * row-major. Its deleter lives in the calling library, which must outlive the tensor.
   */
  template <typename TNDAlloc, typename... ExtraArgs>
  static Tensor FromNDAlloc(TNDAlloc alloc, ShapeView shape, DLDataType dtype, DLDevice device,
                            ExtraArgs&&... extra_args) {
    // The allocator sizes its memory from the shape: it must not overflow.
    details::CheckedDataSize(shape.data(), static_cast<int32_t>(shape.size()), dtype);
    return Tensor(make_inplace_array_object<details::TensorObjFromNDAlloc<TNDAlloc>, int64_t>(
        shape.size() * 2, std::move(alloc), shape, dtype, device,
        std::forward<ExtraArgs>(extra_args)...));
  }
  /*! \brief FromNDAlloc with explicit strides (the allocator must size the memory for them). */
  template <typename TNDAlloc, typename... ExtraArgs>
  static Tensor FromNDAllocStrided(TNDAlloc alloc, ShapeView shape, ShapeView strides,
                                   DLDataType dtype, DLDevice device, ExtraArgs&&... extra_args) {
    TVM_FFI_CHECK(shape.size() == strides.size(), ValueError)
        << "FromNDAllocStrided: shape and strides differ in length";
    details::CheckedDataSize(shape.data(), static_cast<int32_t>(shape.size()), dtype);
    DLTensor prototype{};
    prototype.device = device;
    prototype.ndim = static_cast<int32_t>(shape.size());
    prototype.dtype = dtype;
    prototype.shape = const_cast<int64_t*>(shape.data());
    prototype.strides = const_cast<int64_t*>(strides.data());
    return Tensor(make_inplace_array_object<details::TensorObjFromNDAlloc<TNDAlloc>, int64_t>(
        shape.size() * 2, std::move(alloc), prototype, std::forward<ExtraArgs>(extra_args)...));
  }
  /*!
   * \brief Allocates through `env_alloc` (pass TVMFFIEnvTensorAlloc): the calling
   * framework's allocator (torch's when called with torch tensors), else, on this runtime,
   * CPU memory for a CPU device.
   */
  static Tensor FromEnvAlloc(int (*env_alloc)(DLTensor*, TVMFFIObjectHandle*), ShapeView shape,
                             DLDataType dtype, DLDevice device) {
    details::CheckedDataSize(shape.data(), static_cast<int32_t>(shape.size()), dtype);
    DLTensor prototype{};
    prototype.device = device;
    prototype.ndim = static_cast<int32_t>(shape.size());
    prototype.dtype = dtype;
    prototype.shape = const_cast<int64_t*>(shape.data());
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(env_alloc(&prototype, &out));
    return FromHandle(out);
  }
  /*! \brief FromEnvAlloc(TVMFFIEnvTensorAlloc, ...). */
  static Tensor FromEnvAlloc(ShapeView shape, DLDataType dtype, DLDevice device) {
    return FromEnvAlloc(TVMFFIEnvTensorAlloc, shape, dtype, device);
  }
  /*!
   * \brief Wraps a legacy DLPack tensor, taking ownership on success (its deleter runs when
   * the tensor is freed); on failure (alignment, contiguity) the caller still owns it.
   */
  static Tensor FromDLPack(DLManagedTensor* from, size_t require_alignment = 0,
                           bool require_contiguous = false) {
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITensorFromDLPack(from, static_cast<int32_t>(require_alignment),
                                                   require_contiguous, &out));
    return FromHandle(out);
  }
  /*! \brief FromDLPack for DLPack 1.x tensors (padded sub-byte types are refused). */
  static Tensor FromDLPackVersioned(DLManagedTensorVersioned* from, size_t require_alignment = 0,
                                    bool require_contiguous = false) {
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITensorFromDLPackVersioned(
        from, static_cast<int32_t>(require_alignment), require_contiguous, &out));
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
  /*!
   * \brief A tensor of `shape`/`strides` over this one's memory, starting `element_offset`
   * elements in; it keeps this tensor alive. Nothing checks that it stays in bounds.
   */
  Tensor as_strided(ShapeView shape, ShapeView strides,
                    std::optional<int64_t> element_offset = std::nullopt) const {
    DLTensor prototype = details::StridedPrototype(*dltensor(), shape, strides, element_offset);
    TVMFFIObjectHandle out = nullptr;
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFITensorCreateUnsafeView(details::ObjectUnsafe::GetHandle(*this), &prototype, &out));
    return FromHandle(out);
  }
  const DLTensor* dltensor() const { return static_cast<const DLTensor*>(get()); }
  // None is not a Tensor; take Optional<Tensor> to accept None.
  static constexpr bool _type_is_nullable = false;

 private:
  static Tensor FromHandle(TVMFFIObjectHandle handle) {
    return Tensor(details::ObjectUnsafe::PtrFromOwned<Object>(static_cast<TVMFFIObject*>(handle)));
  }
};

/*!
 * \brief A borrowed tensor: a kernel argument that neither owns nor copies the data. It
 * keeps its own copy of the DLTensor fields; shape and strides stay the owner's.
 */
class TensorView : public details::TensorReadMethods<TensorView> {
 public:
  TensorView() : tensor_{} {}
  TensorView(const DLTensor* tensor) : tensor_(*CheckNotNull(tensor)) {}  // NOLINT(*)
  TensorView(const Tensor& tensor) : tensor_(*CheckDefined(tensor)) {}    // NOLINT(*)
  TensorView& operator=(const Tensor& tensor) {
    tensor_ = *CheckDefined(tensor);
    return *this;
  }
  // A temporary Tensor would free the memory the view points at.
  TensorView(Tensor&& tensor) = delete;  // NOLINT(*)
  TensorView& operator=(Tensor&& tensor) = delete;
  TensorView(const TensorView&) = default;
  TensorView(TensorView&&) = default;
  TensorView& operator=(const TensorView&) = default;
  TensorView& operator=(TensorView&&) = default;
  const DLTensor* dltensor() const { return &tensor_; }
  /*!
   * \brief A view of `shape`/`strides` (which must outlive it) over the same memory,
   * starting `element_offset` elements in.
   */
  TensorView as_strided(ShapeView shape, ShapeView strides,
                        std::optional<int64_t> element_offset = std::nullopt) const {
    DLTensor prototype = details::StridedPrototype(tensor_, shape, strides, element_offset);
    return TensorView(&prototype);
  }

 private:
  static const DLTensor* CheckNotNull(const DLTensor* tensor) {
    TVM_FFI_CHECK(tensor != nullptr, ValueError) << "TensorView of a null DLTensor*";
    return tensor;
  }
  static const DLTensor* CheckDefined(const Tensor& tensor) {
    TVM_FFI_CHECK(tensor.defined(), ValueError) << "TensorView of an undefined Tensor";
    return tensor.dltensor();
  }
  DLTensor tensor_;
};

/*! \brief Bytes of the tensor's elements. */
inline size_t GetDataSize(const Tensor& tensor) {
  return GetDataSize(static_cast<size_t>(tensor.numel()), tensor.dtype());
}
inline size_t GetDataSize(const TensorView& tensor) {
  return GetDataSize(static_cast<size_t>(tensor.numel()), tensor.dtype());
}

inline DLManagedTensor* TensorObj::ToDLPack() const { return GetRef<Tensor>(this).ToDLPack(); }
inline DLManagedTensorVersioned* TensorObj::ToDLPackVersioned() const {
  return GetRef<Tensor>(this).ToDLPackVersioned();
}

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
  static std::string TypeSchema() { return details::TypeSchemaOfKey("DLTensor*"); }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_TENSOR_H_
