/*
 * The type registry: type indices by key, depth and ancestors. It starts with every static
 * type of the ABI (the values an Any holds inline, and the built-in objects); dynamic types
 * take indices from their parent's reserved child slots, or past all indices in use.
 */
#include "ffi/type_registry.h"

#include <tvm/ffi/error.h>
#include <tvm/ffi/object.h>

#include <functional>
#include <iostream>
#include <string_view>

namespace tvm {
namespace ffi {
namespace types {
namespace {

/*! \brief Keys of the static types, as upstream's runtime reports them. */
constexpr std::pair<int32_t, const char*> kInlineValueTypes[] = {
    {kTVMFFINone, "None"},
    {kTVMFFIInt, "int"},
    {kTVMFFIBool, "bool"},
    {kTVMFFIFloat, "float"},
    {kTVMFFIOpaquePtr, "void*"},
    {kTVMFFIDataType, "DataType"},
    {kTVMFFIDevice, "Device"},
    {kTVMFFIDLTensorPtr, "DLTensor*"},
    {kTVMFFIRawStr, "const char*"},
    {kTVMFFIByteArrayPtr, "TVMFFIByteArray*"},
    {kTVMFFIObjectRValueRef, "ObjectRValueRef"},
    {kTVMFFISmallStr, "ffi.SmallStr"},
    {kTVMFFISmallBytes, "ffi.SmallBytes"},
    {kTVMFFIUnchanged, "ffi.Unchanged"},
};
constexpr std::pair<int32_t, const char*> kBuiltinObjectTypes[] = {
    {kTVMFFIStr, "ffi.String"},    {kTVMFFIBytes, "ffi.Bytes"},
    {kTVMFFIError, "ffi.Error"},   {kTVMFFIFunction, "ffi.Function"},
    {kTVMFFIShape, "ffi.Shape"},   {kTVMFFITensor, "ffi.Tensor"},
    {kTVMFFIArray, "ffi.Array"},   {kTVMFFIMap, "ffi.Map"},
    {kTVMFFIModule, "ffi.Module"}, {kTVMFFIOpaquePyObject, "ffi.OpaquePyObject"},
    {kTVMFFIList, "ffi.List"},     {kTVMFFIDict, "ffi.Dict"},
    {kTVMFFIBigInt, "ffi.BigInt"},
};

}  // namespace

TypeTable* TypeTable::Global() {
  static TypeTable* table = new TypeTable();  // leaked: libraries may look types up at exit
  return table;
}

TypeTable::TypeTable() {
  std::lock_guard<std::mutex> lock(mutex);
  GetOrAlloc("ffi.Object", kTVMFFIObject, 0, 0, true, -1);
  TypeEntry* object = Get(kTVMFFIObject);
  object->metadata.total_size = sizeof(TVMFFIObject);
  object->info.metadata = &object->metadata;
  for (const auto& [index, key] : kInlineValueTypes) GetOrAlloc(key, index, 0, 0, false, -1);
  // Built-in objects are final to the runtime: they reserve no child slots and allow none.
  for (const auto& [index, key] : kBuiltinObjectTypes) {
    GetOrAlloc(key, index, 1, 0, false, kTVMFFIObject);
  }
  // Upstream registers this one from its class declaration, with Object's default slots.
  GetOrAlloc("ffi.VisitInterrupt", kTVMFFIVisitInterrupt, 1, 0, true, kTVMFFIObject);
}

TypeEntry* TypeTable::Get(int32_t index) const {
  TypeEntry* entry = Find(index);
  if (entry == nullptr) TVM_FFI_THROW(KeyError) << "no type is registered at index " << index;
  return entry;
}

void TypeTable::Publish(int32_t index, std::unique_ptr<TypeEntry> entry) {
  std::atomic<Chunk*>& chunk_slot = chunks_[index >> kChunkBits];
  Chunk* chunk = chunk_slot.load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new Chunk();  // value-initialized: every slot starts empty
    chunk_slot.store(chunk, std::memory_order_release);
  }
  chunk->slots[index & (kChunkSize - 1)].store(entry.release(), std::memory_order_release);
}

int32_t TypeTable::GetOrAlloc(const std::string& key, int32_t static_index, int32_t depth,
                              int32_t num_child_slots, bool child_slots_can_overflow,
                              int32_t parent_index) {
  auto found = index_by_key_.find(key);
  if (found != index_by_key_.end()) return found->second;
  if (parent_index == -2) return -2;  // query only
  TypeEntry* parent = nullptr;
  if (parent_index >= 0) {
    parent = Find(parent_index);
    if (parent == nullptr) {
      TVM_FFI_THROW(ValueError) << "type `" << key << "`: parent type index " << parent_index
                                << " is not registered";
    }
  } else if (parent_index != -1) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: invalid parent type index " << parent_index;
  }
  int32_t expected_depth = parent ? parent->info.type_depth + 1 : 0;
  if (depth != expected_depth) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: depth " << depth << " does not match "
                              << (parent ? "its parent's depth + 1 (" : "a root type's (")
                              << expected_depth << ")";
  }
  if (num_child_slots < 0 || num_child_slots >= kMaxTypeIndex) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: invalid num_child_slots "
                              << num_child_slots;
  }
  int32_t num_slots = num_child_slots + 1;

  int32_t index;
  if (static_index < -1) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: invalid static type index " << static_index
                              << " (-1 asks for a dynamic index)";
  }
  if (static_index >= 0) {
    // Indices from kTVMFFIDynObjectBegin on are handed out here (some reserved as child slots).
    if (static_index >= kTVMFFIDynObjectBegin) {
      TVM_FFI_THROW(ValueError) << "type `" << key << "`: static type index " << static_index
                                << " is out of range (static indices are below "
                                << int(kTVMFFIDynObjectBegin) << ")";
    }
    if (TypeEntry* taken = Find(static_index)) {
      TVM_FFI_THROW(ValueError) << "type `" << key << "`: static type index " << static_index
                                << " is already taken by `" << taken->key << "`";
    }
    index = static_index;
  } else if (parent == nullptr) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: a dynamic type needs a parent type";
  } else if (parent->allocated_slots <= parent->num_slots - num_slots) {
    index = parent->info.type_index + parent->allocated_slots;  // from the parent's reserve
    parent->allocated_slots += num_slots;
  } else if (!parent->child_slots_can_overflow) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: parent `" << parent->key
                              << "` has no child slot left and allows no more children";
  } else {
    if (next_free_index_ > kMaxTypeIndex - num_slots) {
      TVM_FFI_THROW(RuntimeError) << "type `" << key << "`: the type table is full";
    }
    index = next_free_index_;
    next_free_index_ += num_slots;
  }
  if (TypeEntry* taken = Find(index)) {  // defensive: reserves never hold static types
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: index " << index << " is already taken by `"
                              << taken->key << "`";
  }
  // Instance checks rely on every type having a larger index than its ancestors.
  if (parent != nullptr && index <= parent->info.type_index) {
    TVM_FFI_THROW(ValueError) << "type `" << key << "`: index " << index
                              << " is not above its parent's (" << parent->info.type_index << ")";
  }

  auto entry = std::make_unique<TypeEntry>();
  entry->key = key;
  if (parent != nullptr) {
    entry->ancestors = parent->ancestors;
    entry->ancestors.push_back(&parent->info);
  }
  entry->num_slots = num_slots;
  // A type under a parent that cannot overflow cannot overflow either.
  entry->child_slots_can_overflow =
      child_slots_can_overflow && (parent == nullptr || parent->child_slots_can_overflow);
  TVMFFITypeInfo& info = entry->info;
  info.type_index = index;
  info.type_depth = depth;
  info.type_key = {entry->key.data(), entry->key.size()};
  info.type_ancestors = entry->ancestors.data();
  // The same hash as upstream's (std::hash of the key's bytes): Object::GetTypeKeyHash reads it.
  info.type_key_hash = std::hash<std::string_view>()(std::string_view(entry->key));
  info.num_fields = 0;
  info.num_methods = 0;
  info.fields = nullptr;
  info.methods = nullptr;
  info.metadata = nullptr;
  Publish(index, std::move(entry));
  index_by_key_[key] = index;
  return index;
}

int32_t TypeTable::Lookup(const std::string& key) {
  auto found = index_by_key_.find(key);
  return found == index_by_key_.end() ? -1 : found->second;
}

TVMFFIByteArray TypeTable::KeepBytes(const TVMFFIByteArray& bytes) {
  if (bytes.size == 0) return TVMFFIByteArray{nullptr, 0};
  const std::string& kept = kept_bytes_.emplace_back(bytes.data, bytes.size);
  return TVMFFIByteArray{kept.data(), kept.size()};
}

TVMFFIAny TypeTable::KeepValue(Any value) {
  const Any& kept = kept_values_.emplace_back(std::move(value));
  return *details::AnyUnsafe::Raw(kept);
}

AttrColumn* TypeTable::GetOrCreateColumn(const std::string& name) {
  std::unique_ptr<AttrColumn>& column = columns_[name];
  if (column == nullptr) column = std::make_unique<AttrColumn>();
  return column.get();
}

AttrColumn* TypeTable::FindColumn(const std::string& name) {
  auto found = columns_.find(name);
  return found == columns_.end() ? nullptr : found->second.get();
}

std::string BytesToString(const TVMFFIByteArray* bytes, const char* what) {
  if (bytes == nullptr) TVM_FFI_THROW(TypeError) << what << " must not be NULL";
  if (bytes->data == nullptr && bytes->size != 0) {
    TVM_FFI_THROW(TypeError) << what << " has NULL data and size " << bytes->size;
  }
  return std::string(bytes->data, bytes->size);
}

}  // namespace types
}  // namespace ffi
}  // namespace tvm

using tvm::ffi::types::TypeTable;

extern "C" {

int32_t TVMFFITypeGetOrAllocIndex(const TVMFFIByteArray* type_key, int32_t static_type_index,
                                  int32_t type_depth, int32_t num_child_slots,
                                  int32_t child_slots_can_overflow, int32_t parent_type_index) {
  // An error returns -1 with the error raised on this thread (upstream's runtime exits). It
  // is also printed: header code of other runtimes takes the index without checking.
  try {
    std::string key = tvm::ffi::types::BytesToString(type_key, "type_key");
    TypeTable* table = TypeTable::Global();
    std::lock_guard<std::mutex> lock(table->mutex);
    return table->GetOrAlloc(key, static_type_index, type_depth, num_child_slots,
                             child_slots_can_overflow != 0, parent_type_index);
  } catch (const tvm::ffi::Error& err) {
    std::cerr << "[tvm_ffi_jit] TVMFFITypeGetOrAllocIndex: " << err.kind() << ": " << err.message()
              << std::endl;
    tvm::ffi::details::SetRaisedFromCurrentException();
    return -1;
  }
  TVM_FFI_RETHROW_FORCED_UNWIND()
  catch (...) {
    tvm::ffi::details::SetRaisedFromCurrentException();
    return -1;
  }
}

int TVMFFITypeKeyToIndex(const TVMFFIByteArray* type_key, int32_t* out_tindex) {
  TVM_FFI_SAFE_CALL_BEGIN();
  std::string key = tvm::ffi::types::BytesToString(type_key, "type_key");
  if (out_tindex == nullptr) TVM_FFI_THROW(TypeError) << "out_tindex must not be NULL";
  TypeTable* table = TypeTable::Global();
  int32_t index;
  {
    std::lock_guard<std::mutex> lock(table->mutex);
    index = table->Lookup(key);
  }
  if (index < 0) TVM_FFI_THROW(KeyError) << "unknown type key `" << key << "`";
  *out_tindex = index;
  TVM_FFI_SAFE_CALL_END();
}

const TVMFFITypeInfo* TVMFFIGetTypeInfo(int32_t type_index) {
  tvm::ffi::types::TypeEntry* entry = TypeTable::Global()->Find(type_index);
  return entry ? &entry->info : nullptr;
}

}  // extern "C"
