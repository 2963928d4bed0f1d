/*
 * The runtime's table of types, shared by the files that fill it: type_registry.cc
 * (indices, keys, ancestry) and reflection.cc (fields, methods, metadata, attributes).
 */
#ifndef TVM_FFI_JIT_TYPE_REGISTRY_H_
#define TVM_FFI_JIT_TYPE_REGISTRY_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/c_api.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tvm {
namespace ffi {
namespace types {

/*!
 * \brief An array whose published prefix never moves: growing it copies into a new buffer
 * and keeps the old one alive, so a pointer a reader took earlier stays valid.
 */
template <typename T>
class StableArray {
 public:
  const T* data() const { return buffers_.empty() ? nullptr : buffers_.back().get(); }
  int32_t size() const { return size_; }
  /*! \brief Appends `value`; returns the (possibly new) buffer. */
  const T* Append(const T& value) {
    if (size_ == capacity_) Grow(capacity_ == 0 ? 4 : capacity_ * 2);
    buffers_.back()[size_++] = value;
    return data();
  }
  /*! \brief Makes room for index `n - 1`; new slots are value-initialized. */
  void EnsureSize(int32_t n) {
    if (n > capacity_) Grow(n > capacity_ * 2 ? n : capacity_ * 2);
    if (n > size_) size_ = n;
  }
  T& operator[](int32_t i) { return buffers_.back()[i]; }

 private:
  void Grow(int32_t capacity) {
    std::unique_ptr<T[]> next(new T[capacity]());
    for (int32_t i = 0; i < size_; ++i) next[i] = buffers_.back()[i];
    buffers_.push_back(std::move(next));
    capacity_ = capacity;
  }
  std::vector<std::unique_ptr<T[]>> buffers_;
  int32_t size_ = 0;
  int32_t capacity_ = 0;
};

/*! \brief One registered type. `info` comes first: a TypeEntry* is its TVMFFITypeInfo*. */
struct TypeEntry {
  TVMFFITypeInfo info;
  std::string key;
  std::vector<const TVMFFITypeInfo*> ancestors;
  /*! \brief Slots [index, index + num_slots) are this type's and its reserved children's. */
  int32_t num_slots = 1;
  int32_t allocated_slots = 1;
  bool child_slots_can_overflow = true;
  StableArray<TVMFFIFieldInfo> fields;
  StableArray<TVMFFIMethodInfo> methods;
  TVMFFITypeMetadata metadata{};
};

/*! \brief The values of one type attribute; `column.data` holds owned TVMFFIAny values. */
struct AttrColumn {
  TVMFFITypeAttrColumn column{nullptr, 0, 0};
  StableArray<TVMFFIAny> values;
};

/*!
 * \brief All types, indexed by type index. Lookups by index take no lock: entries live in
 * fixed chunks that are never freed or moved. Everything else runs under `mutex`.
 */
class TypeTable {
 public:
  static constexpr int32_t kChunkBits = 10;
  static constexpr int32_t kChunkSize = 1 << kChunkBits;
  static constexpr int32_t kNumChunks = 1024;
  /*! \brief Type indices stay below this (about a million types). */
  static constexpr int32_t kMaxTypeIndex = kChunkSize * kNumChunks;

  static TypeTable* Global();

  /*! \brief The entry of `index`, or nullptr; safe from any thread without the lock. */
  TypeEntry* Find(int32_t index) const {
    if (index < 0 || index >= kMaxTypeIndex) return nullptr;
    Chunk* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    return chunk ? chunk->slots[index & (kChunkSize - 1)].load(std::memory_order_acquire) : nullptr;
  }
  /*! \brief The entry of `index`; throws KeyError if none. Call under the lock. */
  TypeEntry* Get(int32_t index) const;

  /*! \brief See TVMFFITypeGetOrAllocIndex; throws on invalid input. */
  int32_t GetOrAlloc(const std::string& key, int32_t static_index, int32_t depth,
                     int32_t num_child_slots, bool child_slots_can_overflow, int32_t parent_index);
  /*! \brief The index registered for `key`, or -1. */
  int32_t Lookup(const std::string& key);

  /*! \brief Copies `bytes` into storage that lives as long as the table. */
  TVMFFIByteArray KeepBytes(const TVMFFIByteArray& bytes);
  /*! \brief Keeps `value` alive as long as the table; returns its raw form. */
  TVMFFIAny KeepValue(Any value);

  /*! \brief The column named `name`, created if absent. */
  AttrColumn* GetOrCreateColumn(const std::string& name);
  /*! \brief The column named `name`, or nullptr. */
  AttrColumn* FindColumn(const std::string& name);

  std::mutex mutex;

 private:
  struct Chunk {
    std::atomic<TypeEntry*> slots[kChunkSize];
  };
  TypeTable();
  void Publish(int32_t index, std::unique_ptr<TypeEntry> entry);

  std::atomic<Chunk*> chunks_[kNumChunks] = {};
  std::unordered_map<std::string, int32_t> index_by_key_;
  int32_t next_free_index_ = kTVMFFIDynObjectBegin;
  std::deque<std::string> kept_bytes_;
  std::deque<Any> kept_values_;
  std::unordered_map<std::string, std::unique_ptr<AttrColumn>> columns_;
};

/*! \brief `bytes` as a std::string; TypeError on a NULL pointer. */
std::string BytesToString(const TVMFFIByteArray* bytes, const char* what);

}  // namespace types
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_JIT_TYPE_REGISTRY_H_
