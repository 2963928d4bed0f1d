/*
 * Global functions behind the Python containers (Array, Map, Shape): construction,
 * length, item access.
 */
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
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
      .def_packed("ffi.Map",
                  [](PackedArgs args, Any* result) {
                    if (args.size() % 2 != 0) {
                      TVM_FFI_THROW(ValueError) << "ffi.Map takes key, value pairs";
                    }
                    Map<Any, Any> map;
                    for (int32_t i = 0; i < args.size(); i += 2)
                      map.Set(Any(args[i]), Any(args[i + 1]));
                    *result = map;
                  })
      .def("ffi.MapSize", [](const Map<Any, Any>& map) { return static_cast<int64_t>(map.size()); })
      .def("ffi.MapGetItem",
           [](const Map<Any, Any>& map, Any key) {
             std::optional<Any> value = map.Get(key);
             if (!value.has_value()) TVM_FFI_THROW(KeyError) << "key not found in Map";
             return *value;
           })
      .def("ffi.MapCount",
           [](const Map<Any, Any>& map, Any key) { return static_cast<int64_t>(map.count(key)); })
      .def("ffi.MapItems",
           [](const Map<Any, Any>& map) {
             Array<Any> items;
             for (const auto& kv : map) {
               items.push_back(kv.first);
               items.push_back(kv.second);
             }
             return items;
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
