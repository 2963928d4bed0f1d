/*
 * Reference counting of objects created anywhere, and the type registry: the static
 * built-in types plus dynamic types allocated by key at first use.
 */
#include <tvm/ffi/error.h>
#include <tvm/ffi/object.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tvm {
namespace ffi {
namespace {

struct TypeEntry {
  TVMFFITypeInfo info;
  std::string key;
  std::vector<const TVMFFITypeInfo*> ancestors;
};

/*! \brief All registered types, indexed by type index; entries never move once created. */
class TypeRegistry {
 public:
  static TypeRegistry* Global() {
    static TypeRegistry* registry = new TypeRegistry();  // leaked: used until exit
    return registry;
  }

  int32_t GetOrAlloc(const std::string& key, int32_t static_index, int32_t depth,
                     int32_t parent_index) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return it->second;
    int32_t index = static_index >= 0 ? static_index : next_dynamic_++;
    if (static_cast<size_t>(index) >= entries_.size()) entries_.resize(index + 1);
    auto entry = std::make_unique<TypeEntry>();
    entry->key = key;
    const TypeEntry* parent =
        parent_index >= 0 && parent_index < static_cast<int32_t>(entries_.size())
            ? entries_[parent_index].get()
            : nullptr;
    if (parent != nullptr) entry->ancestors = parent->ancestors;
    if (parent != nullptr) entry->ancestors.push_back(&parent->info);
    entry->info.type_index = index;
    entry->info.type_depth = parent != nullptr ? depth : 0;
    entry->info.type_key = {entry->key.data(), entry->key.size()};
    entry->info.type_ancestors = entry->ancestors.data();
    entry->info.type_key_hash = std::hash<std::string>()(entry->key);
    entries_[index] = std::move(entry);
    by_key_[key] = index;
    return index;
  }

  const TVMFFITypeInfo* Get(int32_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index < 0 || index >= static_cast<int32_t>(entries_.size()) || !entries_[index]) {
      return nullptr;
    }
    return &entries_[index]->info;
  }

  bool KeyToIndex(const std::string& key, int32_t* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return false;
    *out = it->second;
    return true;
  }

 private:
  TypeRegistry() {
    GetOrAlloc("ffi.Object", kTVMFFIObject, 0, -1);
    const std::pair<const char*, int32_t> builtins[] = {
        {"ffi.String", kTVMFFIStr},    {"ffi.Bytes", kTVMFFIBytes},
        {"ffi.Error", kTVMFFIError},   {"ffi.Function", kTVMFFIFunction},
        {"ffi.Shape", kTVMFFIShape},   {"ffi.Tensor", kTVMFFITensor},
        {"ffi.Array", kTVMFFIArray},   {"ffi.Map", kTVMFFIMap},
        {"ffi.Module", kTVMFFIModule}, {"ffi.OpaquePyObject", kTVMFFIOpaquePyObject},
        {"ffi.List", kTVMFFIList},     {"ffi.Dict", kTVMFFIDict},
        {"ffi.BigInt", kTVMFFIBigInt}};
    for (const auto& [key, index] : builtins) GetOrAlloc(key, index, 1, kTVMFFIObject);
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<TypeEntry>> entries_;
  std::unordered_map<std::string, int32_t> by_key_;
  int32_t next_dynamic_ = kTVMFFIDynObjectBegin;
};

}  // namespace
}  // namespace ffi
}  // namespace tvm

using tvm::ffi::TypeRegistry;

extern "C" {

void TVMFFIGetVersion(TVMFFIVersion* out) {
  out->major = TVM_FFI_VERSION_MAJOR;
  out->minor = TVM_FFI_VERSION_MINOR;
  out->patch = TVM_FFI_VERSION_PATCH;
}

int TVMFFIObjectIncRef(TVMFFIObjectHandle handle) {
  auto* obj = static_cast<TVMFFIObject*>(handle);
  if (obj != nullptr) __atomic_fetch_add(&obj->combined_ref_count, 1, __ATOMIC_RELAXED);
  return 0;
}

int TVMFFIObjectDecRef(TVMFFIObjectHandle handle) {
  if (handle != nullptr) tvm::ffi::details::DecRefHeader(static_cast<TVMFFIObject*>(handle));
  return 0;
}

int32_t TVMFFITypeGetOrAllocIndex(const TVMFFIByteArray* type_key, int32_t static_type_index,
                                  int32_t type_depth, int32_t /*num_child_slots*/,
                                  int32_t /*child_slots_can_overflow*/, int32_t parent_type_index) {
  try {
    return TypeRegistry::Global()->GetOrAlloc(std::string(type_key->data, type_key->size),
                                              static_type_index, type_depth, parent_type_index);
  } catch (...) {
    return -1;  // out of memory: no index
  }
}

int TVMFFITypeKeyToIndex(const TVMFFIByteArray* type_key, int32_t* out_tindex) {
  TVM_FFI_SAFE_CALL_BEGIN();
  std::string key(type_key->data, type_key->size);
  if (!TypeRegistry::Global()->KeyToIndex(key, out_tindex)) {
    TVM_FFI_THROW(KeyError) << "unknown type key `" << key << "`";
  }
  TVM_FFI_SAFE_CALL_END();
}

const TVMFFITypeInfo* TVMFFIGetTypeInfo(int32_t type_index) {
  return TypeRegistry::Global()->Get(type_index);
}

}  // extern "C"
