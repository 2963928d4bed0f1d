/*
 * Global functions behind the Python containers Array, List and Shape: construction, length,
 * item access, and List's in-place edits. (Map and Dict: container_map.cc.)
 */
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/list.h>
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

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef()
      .def_packed("ffi.List",
                  [](PackedArgs args, Any* result) {
                    List<Any> list;
                    for (int32_t i = 0; i < args.size(); ++i) list.push_back(Any(args[i]));
                    *result = list;
                  })
      .def("ffi.ListSize", [](const List<Any>& list) { return static_cast<int64_t>(list.size()); })
      .def("ffi.ListGetItem",
           [](const List<Any>& list, int64_t index) {
             return list[NormalizeIndex(index, static_cast<int64_t>(list.size()), "List")];
           })
      .def("ffi.ListSetItem",
           [](List<Any> list, int64_t index, Any value) {
             list.Set(NormalizeIndex(index, static_cast<int64_t>(list.size()), "List"),
                      std::move(value));
           })
      .def("ffi.ListAppend", [](List<Any> list, Any value) { list.push_back(std::move(value)); })
      .def("ffi.ListPop", [](List<Any> list) {
        Any last = list[NormalizeIndex(-1, static_cast<int64_t>(list.size()), "List")];
        list.pop_back();
        return last;
      });
}
