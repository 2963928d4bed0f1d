/*
 * Global functions behind the Python Map and Dict: construction from flat key, value
 * arguments, length, lookup, membership, items, and Dict's in-place edits.
 */
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/dict.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/registry.h>

#include <cmath>
#include <iterator>
#include <memory>

using namespace tvm::ffi;  // NOLINT(*)

namespace {

/*! \brief Walks flat packed arguments k0, v0, k1, v1, ... as (key, value) pairs. */
class PairIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using difference_type = std::ptrdiff_t;
  using value_type = std::pair<AnyView, AnyView>;
  using pointer = const value_type*;
  using reference = value_type;

  explicit PairIterator(const AnyView* at) : at_(at) {}
  value_type operator*() const { return {at_[0], at_[1]}; }
  PairIterator& operator++() {
    at_ += 2;
    return *this;
  }
  bool operator==(const PairIterator& other) const { return at_ == other.at_; }
  bool operator!=(const PairIterator& other) const { return at_ != other.at_; }
  difference_type operator-(const PairIterator& other) const { return (at_ - other.at_) / 2; }

 private:
  const AnyView* at_;
};

/*!
 * \brief Keys compare by value, and NaN keys by their bits: two NaN keys (distinct keys of a
 * Python dict) would collapse into one entry and a value would be lost. Refused instead.
 */
void CheckNoNaNKeysCollapsed(PackedArgs args, const char* name) {
  int nan_keys = 0;
  for (int32_t i = 0; i < args.size(); i += 2) {
    const TVMFFIAny* key = reinterpret_cast<const TVMFFIAny*>(args.data() + i);
    if (key->type_index == kTVMFFIFloat && std::isnan(key->v_float64) && ++nan_keys == 2) {
      TVM_FFI_THROW(ValueError) << name << ": more than one NaN key (nan != nan, but a Map "
                                << "compares keys by value and would keep only one of them)";
    }
  }
}

/*! \brief A Map or Dict object of type `type_index` holding the flat pairs of `args`. */
ObjectPtr<Object> FromFlatPairs(PackedArgs args, int32_t type_index, const char* name) {
  if (args.size() % 2 != 0) TVM_FFI_THROW(ValueError) << name << " takes key, value pairs";
  // Sized once for every pair: no rehash while a large dict converts.
  ObjectPtr<Object> map = MapBaseObj::CreateFromRange(
      PairIterator(args.data()), PairIterator(args.data() + args.size()), type_index);
  if (static_cast<const MapBaseObj*>(map.get())->size() * 2 != static_cast<size_t>(args.size())) {
    CheckNoNaNKeysCollapsed(args, name);
  }
  return map;
}

/*! \brief Keys and values interleaved: k0, v0, k1, v1, ... */
Array<Any> FlatItems(const MapBaseObj* map) {
  Array<Any> items;
  for (const auto& kv : *map) {
    items.push_back(kv.first);
    items.push_back(kv.second);
  }
  return items;
}

/*! \brief Steps an iterator: 0 the key, 1 the value, 2 advance (false at the end). */
Function ForwardIterFunctor(ObjectRef owner, const MapBaseObj* map) {
  auto state = std::make_shared<MapBaseObj::iterator>(map->begin());
  return Function::FromTyped([owner, map, state](int64_t command) -> Any {
    if (command == 0) return (*state)->first;
    if (command == 1) return (*state)->second;
    ++*state;
    return *state != map->end();
  });
}

}  // namespace

TVM_FFI_STATIC_INIT_BLOCK() {
  reflection::GlobalDef()
      .def_packed("ffi.Map",
                  [](PackedArgs args, Any* result) {
                    *result = Map<Any, Any>(FromFlatPairs(args, kTVMFFIMap, "ffi.Map"));
                  })
      .def("ffi.MapSize", [](const Map<Any, Any>& map) { return static_cast<int64_t>(map.size()); })
      .def("ffi.MapGetItem", [](const Map<Any, Any>& map, Any key) { return map.at(key); })
      .def("ffi.MapCount",
           [](const Map<Any, Any>& map, Any key) { return static_cast<int64_t>(map.count(key)); })
      .def("ffi.MapItems", [](const Map<Any, Any>& map) { return FlatItems(map.get()); })
      .def("ffi.MapForwardIterFunctor",
           [](const Map<Any, Any>& map) { return ForwardIterFunctor(map, map.get()); })
      .def_packed("ffi.Dict",
                  [](PackedArgs args, Any* result) {
                    *result = Dict<Any, Any>(FromFlatPairs(args, kTVMFFIDict, "ffi.Dict"));
                  })
      .def("ffi.DictSize",
           [](const Dict<Any, Any>& dict) { return static_cast<int64_t>(dict.size()); })
      .def("ffi.DictGetItem", [](const Dict<Any, Any>& dict, Any key) { return dict.at(key); })
      .def("ffi.DictSetItem", [](Dict<Any, Any> dict, Any key, Any value) { dict.Set(key, value); })
      .def("ffi.DictCount", [](const Dict<Any, Any>& dict,
                               Any key) { return static_cast<int64_t>(dict.count(key)); })
      .def("ffi.DictErase", [](Dict<Any, Any> dict, Any key) { dict.erase(key); })
      .def("ffi.DictClear", [](Dict<Any, Any> dict) { dict.clear(); })
      .def("ffi.DictItems", [](const Dict<Any, Any>& dict) { return FlatItems(dict.get()); })
      .def("ffi.DictForwardIterFunctor",
           [](const Dict<Any, Any>& dict) { return ForwardIterFunctor(dict, dict.get()); });
}
