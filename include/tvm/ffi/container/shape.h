/*
 * Shape: an immutable list of int64 extents (a ShapeObj holds them inline), and
 * ShapeView, a borrowed span of extents such as a tensor's shape or strides.
 */
#ifndef TVM_FFI_CONTAINER_SHAPE_H_
#define TVM_FFI_CONTAINER_SHAPE_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/container_detail.h>
#include <tvm/ffi/container/seq_base.h>

#include <initializer_list>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace tvm {
namespace ffi {

/*! \brief A borrowed span of int64 extents. */
class ShapeView {
 public:
  ShapeView() = default;
  ShapeView(const int64_t* data, size_t size) : data_(data), size_(size) {}
  /*! \brief A view of braced extents, e.g. FromEnvAlloc(alloc, {2, 3}, ...): valid for the
   * full expression that holds the braces. */
  ShapeView(const std::initializer_list<int64_t>& dims)  // NOLINT(*)
      : data_(std::data(dims)), size_(dims.size()) {}
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
  /*! \brief Element i; throws IndexError when out of range. */
  int64_t at(size_t i) const { return (*this)[static_cast<int64_t>(i)]; }
  int64_t front() const { return at(0); }
  int64_t back() const { return at(size_ - 1); }
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
  template <typename Iter, typename = std::enable_if_t<details::IsIterator<Iter>::value>>
  Shape(Iter first, Iter last) : Shape(std::vector<int64_t>(first, last)) {}
  Shape(const Array<int64_t>& dims) : Shape(dims.begin(), dims.end()) {}  // NOLINT(*)
  explicit Shape(ObjectPtr<Object> n) : ObjectRef(std::move(n)) {}

  size_t size() const { return cell()->size; }
  bool empty() const { return size() == 0; }
  const int64_t* data() const { return cell()->data; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size(); }
  int64_t operator[](int64_t i) const { return view()[i]; }
  /*! \brief Element i; throws IndexError when out of range. */
  int64_t at(size_t i) const { return view().at(i); }
  int64_t front() const { return view().front(); }
  int64_t back() const { return view().back(); }
  int64_t Product() const { return view().Product(); }
  ShapeView view() const { return ShapeView(data(), size()); }
  operator ShapeView() const { return view(); }  // NOLINT(*)

  /*! \brief The compact (row-major) strides of `shape`. */
  static Shape StridesFromShape(ShapeView shape) {
    std::vector<int64_t> strides(shape.size());
    int64_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= shape.data()[i];
    }
    return Shape(strides);
  }

  using index_type = int64_t;
  const ShapeObj* get() const { return static_cast<const ShapeObj*>(data_.get()); }
  const ShapeObj* operator->() const { return get(); }
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

/*! \brief Prints "[2, 3]". */
inline std::ostream& operator<<(std::ostream& os, const Shape& shape) {
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape.data()[i];
  return os << ']';
}

namespace details {
template <>
struct HasCustomObjectRefTraits<Shape> : std::true_type {};
template <>
struct StrictStorage<Shape> {
  static bool Check(const TVMFFIAny* src) { return src->type_index == kTVMFFIShape; }
};
}  // namespace details

/*! A Shape, or a sequence of ints (a Python tuple arrives as an Array) copied into one. */
template <>
struct TypeTraits<Shape> : details::ContainerToAny<Shape, kTVMFFIShape> {
  static std::optional<Shape> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIShape) {
      return Shape(details::ObjectUnsafe::PtrFromBorrowed<Object>(src->v_obj));
    }
    std::optional<Array<int64_t>> dims = TypeTraits<Array<int64_t>>::TryCastFromAnyView(src);
    if (!dims.has_value()) return std::nullopt;
    return Shape(*dims);
  }
  static std::string TypeStr() { return "Shape"; }
  static std::string TypeSchema() { return details::TypeSchemaOfKey("ffi.Shape"); }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_SHAPE_H_
