/*
 * Global functions behind the Python List class: construction, length, item access and
 * in-place mutation of the shared ListObj.
 */
#include <tvm/ffi/container/list.h>
#include <tvm/ffi/reflection/registry.h>

using namespace tvm::ffi;  // NOLINT(*)

namespace {

int64_t ListIndex(const List<Any>& list, int64_t index) {
  int64_t size = static_cast<int64_t>(list.size());
  if (index < 0) index += size;
  if (index < 0 || index >= size) {
    TVM_FFI_THROW(IndexError) << "List index out of range (size " << size << ")";
  }
  return index;
}

}  // namespace

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
           [](const List<Any>& list, int64_t index) { return list[ListIndex(list, index)]; })
      .def("ffi.ListSetItem", [](List<Any> list, int64_t index,
                                 Any value) { list.Set(ListIndex(list, index), std::move(value)); })
      .def("ffi.ListAppend", [](List<Any> list, Any value) { list.push_back(std::move(value)); })
      .def("ffi.ListPop", [](List<Any> list) {
        Any last = list[ListIndex(list, -1)];
        list.pop_back();
        return last;
      });
}
