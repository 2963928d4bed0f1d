/*
 * Shape: an immutable list of int64 extents (a ShapeObj holds them inline), and
 * ShapeView, a borrowed span of extents such as a tensor's shape or strides.
 */
#ifndef TVM_FFI_CONTAINER_SHAPE_H_
#define TVM_FFI_CONTAINER_SHAPE_H_

#include <tvm/ffi/any.h>

#include <initializer_list>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief A borrowed span of int64 extents. */
class ShapeView {
 public:
  ShapeView() = default;
  ShapeView(const int64_t* data, size_t size) : data_(data), size_(size) {}
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const int64_t* data() const { return data_; }
  const int64_t* begin() const { return data_; }
  const int64_t* end() const { return data_ + size_; }
  /*! \brief Element i; negative i counts from the end. Throws IndexError when out of range. */
  int64_t operator[](int64_t i) const {
    int64_t n = static_cast<int64_t>(size_);
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
      TVM_FFI_THROW(IndexError) << "index " << i << " out of range for " << n << " dimensions";
    }
    return data_[i];
  }
  /*! \brief Product of all extents (1 for a scalar). */
  int64_t Product() const {
    int64_t product = 1;
    for (size_t i = 0; i < size_; ++i) product *= data_[i];
    return product;
  }
  std::vector<int64_t> ToVector() const { return std::vector<int64_t>(begin(), end()); }

 private:
  const int64_t* data_{nullptr};
  size_t size_{0};
};

/*! \brief Object layout of a shape: header, TVMFFIShapeCell, then the extents inline. */
class ShapeObj : public Object, public TVMFFIShapeCell {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Shape", kTVMFFIShape)
};

/*! \brief An immutable, reference-counted list of int64 extents. */
class Shape : public ObjectRef {
 public:
  Shape() : Shape(nullptr, 0) {}
  Shape(std::initializer_list<int64_t> dims) : Shape(dims.begin(), dims.size()) {}
  Shape(const std::vector<int64_t>& dims) : Shape(dims.data(), dims.size()) {}  // NOLINT(*)
  Shape(ShapeView dims) : Shape(dims.data(), dims.size()) {}                    // NOLINT(*)
  Shape(const int64_t* data, size_t size) : ObjectRef(Make(data, size)) {}
  explicit Shape(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return cell()->size; }
  bool empty() const { return size() == 0; }
  const int64_t* data() const { return cell()->data; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size(); }
  int64_t operator[](int64_t i) const { return view()[i]; }
  int64_t Product() const { return view().Product(); }
  ShapeView view() const { return ShapeView(data(), size()); }
  operator ShapeView() const { return view(); }  // NOLINT(*)

  const ShapeObj* get() const { return static_cast<const ShapeObj*>(data_.get()); }
  using ContainerType = ShapeObj;
  static constexpr bool _type_is_nullable = false;

 private:
  const ShapeObj* cell() const { return get(); }
  static ObjectPtr<Object> Make(const int64_t* data, size_t size) {
    ObjectPtr<ShapeObj> obj = make_inplace_array_object<ShapeObj, int64_t>(size);
    int64_t* dst =
        reinterpret_cast<int64_t*>(reinterpret_cast<char*>(obj.get()) + sizeof(ShapeObj));
    for (size_t i = 0; i < size; ++i) dst[i] = data[i];
    obj->data = dst;
    obj->size = size;
    return obj;
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_SHAPE_H_
