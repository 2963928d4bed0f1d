/*
 * Global functions behind the Python containers Array and Shape: construction, length,
 * item access. (Map and Dict: container_map.cc.)
 */
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/reflection/registry.h>

#include <vector>

using namespace tvm::ffi;  // NOLINT(*)

namespace {

int64_t NormalizeIndex(int64_t index, int64_t size, const char* what) {
  if (index < 0) index += size;
  if (index < 0 || index >= size) {
    TVM_FFI_THROW(IndexError) << what << " index out of range (size " << size << ")";
  }
  return index;
}

}  // namespace

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef()
      .def_packed("ffi.Array",
                  [](PackedArgs args, Any* result) {
                    Array<Any> array;
                    for (int32_t i = 0; i < args.size(); ++i) array.push_back(Any(args[i]));
                    *result = array;
                  })
      .def("ffi.ArraySize",
           [](const Array<Any>& array) { return static_cast<int64_t>(array.size()); })
      .def("ffi.ArrayGetItem",
           [](const Array<Any>& array, int64_t index) {
             return array[NormalizeIndex(index, static_cast<int64_t>(array.size()), "Array")];
           })
      .def_packed("ffi.Shape",
                  [](PackedArgs args, Any* result) {
                    std::vector<int64_t> dims;
                    for (int32_t i = 0; i < args.size(); ++i)
                      dims.push_back(args[i].cast<int64_t>());
                    *result = Shape(dims);
                  })
      .def("ffi.ShapeSize", [](const Shape& shape) { return static_cast<int64_t>(shape.size()); })
      .def("ffi.ShapeGetItem", [](const Shape& shape, int64_t index) {
        return shape.data()[NormalizeIndex(index, static_cast<int64_t>(shape.size()), "Shape")];
      });
}

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef().def("ffi.DataTypeFields", [](DLDataType dtype) {
    return Array<int64_t>{dtype.code, dtype.bits, dtype.lanes};
  });
}
