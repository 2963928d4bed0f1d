/*
 * MapBaseObj: the storage shared by Map (immutable, copy-on-write) and Dict (mutable).
 *
 * The layout is part of the ABI: other libraries read, probe, grow and free these maps with
 * their own inline code. After the 24-byte object header come
 *   data_ (void*), size_ (entries), slots_ (capacity; bit 63 set = small form),
 *   data_deleter_ (frees data_ when it is not the object's own tail).
 *
 * Small form (at most 4 slots): entries are (key, value) pairs in insertion order, stored
 * right after the header unless taken over from another map; erasing shifts later entries.
 *
 * Dense form: an open hash table of 2^k slots in blocks of 16; a block is 16 metadata bytes
 * then 16 items {key, value, prev, next} (48 bytes). A metadata byte is 0xFF (empty), 0xFE
 * (reserved while a chain moves), or bit 7 clear for the head of a chain / set for a later
 * element, with bits 0-6 choosing the distance to the next element from ProbeDistance
 * (0 = end of chain). A key's chain starts at its home slot, the top bits of
 * hash * 0x9E3779B97F4A7C15 (Fibonacci hashing, fib_shift_ = 64 - k). prev/next link the
 * items in insertion order from iter_list_head_ to iter_list_tail_.
 * The table doubles when an insert would push the load past 0.99 or finds no free slot
 * within reach; a fifth key turns a small map dense.
 */
#ifndef TVM_FFI_CONTAINER_MAP_BASE_H_
#define TVM_FFI_CONTAINER_MAP_BASE_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/container/map_hash.h>
#include <tvm/ffi/optional.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
/*!
 * \brief The distances a dense-map chain may jump, indexed by the 7-bit jump code:
 * 0-15, then triangle numbers T(n) = n(n+1)/2 for n = 6..72 and for the larger n below.
 */
struct MapProbeDistances {
  uint64_t value[126];
  constexpr MapProbeDistances() : value() {
    constexpr uint64_t kLargeN[] = {
        130,        195,        292,       438,       657,       986,       1478,      2217,
        3326,       4988,       7482,      11223,     16835,     25252,     37877,     56816,
        85223,      127835,     191752,    287627,    431440,    647160,    970740,    1456110,
        2184165,    3276247,    4914370,   7371555,   11057333,  16585999,  24878998,  37318497,
        55977745,   83966618,   125949926, 188924889, 283387334, 425081001, 637621501, 956432251,
        1434648376, 2151972564, 3227958845};
    static_assert(16 + 67 + sizeof(kLargeN) / sizeof(kLargeN[0]) == 126, "126 distances");
    int i = 0;
    for (; i < 16; ++i) value[i] = static_cast<uint64_t>(i);
    for (uint64_t n = 6; n <= 72; ++n) value[i++] = n * (n + 1) / 2;
    for (uint64_t n : kLargeN) value[i++] = n * (n + 1) / 2;
  }
};
inline constexpr MapProbeDistances kMapProbeDistances{};
}  // namespace details

class SmallMapBaseObj;
class DenseMapBaseObj;

/*! \brief Storage and read/erase API common to both forms; see the file comment. */
class MapBaseObj : public Object {
 public:
  using key_type = Any;
  using mapped_type = Any;
  using KVType = std::pair<Any, Any>;
  static_assert(sizeof(KVType) == 32, "a map entry is two TVMFFIAny");

  /*! \brief Bidirectional iterator over the entries in insertion order. */
  class iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using difference_type = int64_t;
    using value_type = KVType;
    using pointer = KVType*;
    using reference = KVType&;

    iterator() = default;
    reference operator*() const { return *operator->(); }
    pointer operator->() const;
    iterator& operator++();
    iterator& operator--();
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    iterator operator--(int) {
      iterator old = *this;
      --*this;
      return old;
    }
    bool operator==(const iterator& other) const {
      return index_ == other.index_ && self_ == other.self_;
    }
    bool operator!=(const iterator& other) const { return !(*this == other); }

   private:
    iterator(uint64_t index, const MapBaseObj* self) : index_(index), self_(self) {}
    uint64_t index_ = 0;  // small: entry position; dense: slot
    const MapBaseObj* self_ = nullptr;
    friend class MapBaseObj;
  };

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t count(const Any& key) const { return find(key) != end() ? 1 : 0; }
  /*! \brief The value of `key`; throws KeyError when absent. */
  const Any& at(const Any& key) const { return FindOrThrow(key)->second; }
  Any& at(const Any& key) { return FindOrThrow(key)->second; }
  iterator begin() const;
  iterator end() const;
  iterator find(const Any& key) const;
  /*! \brief Removes the entry at `position` (no-op for end()). In place: callers own the map. */
  void erase(const iterator& position);
  void erase(const Any& key) { erase(find(key)); }
  /*! \brief Removes every entry, keeping the capacity. */
  void clear();

  /*!
   * \brief Inserts or overwrites `kv` in `map`, in place when it fits. Returns the grown
   * replacement (holding every entry) when it does not, else nullptr. As in every
   * implementation of this ABI, overwriting a key of a dense map moves it to the end.
   */
  static ObjectPtr<Object> InsertMaybeReHash(KVType&& kv, const ObjectPtr<Object>& map);
  /*! \brief An empty map of type `type_index` (kTVMFFIMap or kTVMFFIDict). */
  static ObjectPtr<Object> Empty(int32_t type_index);
  /*! \brief A map holding the pairs of [first, last) (later duplicates win). */
  template <typename Iter>
  static ObjectPtr<Object> CreateFromRange(Iter first, Iter last, int32_t type_index);
  /*! \brief An unshared copy of `from` with the same form and capacity. */
  static ObjectPtr<Object> CopyFrom(const MapBaseObj* from, int32_t type_index);
  /*! \brief Moves `other`'s entries and storage into this object (Dict growth in place). */
  void InplaceSwitchTo(ObjectPtr<Object>&& other);

 protected:
  MapBaseObj() = default;
  ~MapBaseObj();

  static constexpr uint64_t kSmallTagMask = uint64_t{1} << 63;
  static constexpr uint64_t kSmallMaxSlots = 4;
  static constexpr uint64_t kSmallMinSlots = 2;

  bool IsSmallMap() const { return (slots_ & kSmallTagMask) != 0; }
  const KVType* FindOrThrow(const Any& key) const;
  KVType* FindOrThrow(const Any& key) {
    return const_cast<KVType*>(static_cast<const MapBaseObj*>(this)->FindOrThrow(key));
  }
  SmallMapBaseObj* AsSmall();
  const SmallMapBaseObj* AsSmall() const;
  DenseMapBaseObj* AsDense();
  const DenseMapBaseObj* AsDense() const;
  void SetTypeIndex(int32_t type_index) {
    details::ObjectUnsafe::GetHeader(this)->type_index = type_index;
  }

  void* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t slots_ = 0;
  void (*data_deleter_)(void*) = nullptr;

  friend class SmallMapBaseObj;
  friend class DenseMapBaseObj;
};

/*! \brief The small form: a short array of entries in insertion order. */
class SmallMapBaseObj : public MapBaseObj {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Map", kTVMFFIMap)

 protected:
  uint64_t NumSlots() const { return slots_ & ~kSmallTagMask; }
  KVType* Entries() const { return static_cast<KVType*>(data_); }
  uint64_t IndexOf(const Any& key) const {
    for (uint64_t i = 0; i < size_; ++i) {
      if (AnyEqual()(Entries()[i].first, key)) return i;
    }
    return size_;
  }
  void Clear() {
    for (uint64_t i = 0; i < size_; ++i) Entries()[i].~KVType();
    size_ = 0;
  }
  /*! \brief Drops the entries and any storage taken over from another map. */
  void Reset() {
    Clear();
    if (data_deleter_ != nullptr) {
      data_deleter_(data_);
      data_ = nullptr;
      data_deleter_ = nullptr;
      slots_ = 0;
    }
  }
  void EraseAt(uint64_t index) {
    if (index >= size_) return;
    Entries()[index].~KVType();
    // An Any is trivially relocatable: shifting the raw bytes keeps insertion order.
    std::memmove(static_cast<void*>(Entries() + index), Entries() + index + 1,
                 (size_ - index - 1) * sizeof(KVType));
    --size_;
  }
  static ObjectPtr<Object> Create(uint64_t num_slots, int32_t type_index);
  static ObjectPtr<Object> Insert(KVType&& kv, const ObjectPtr<Object>& map);
  /*! \brief Frees the map whose inline entries start at `data` (storage taken over). */
  static void ReleaseInlineOwner(void* data);

  friend class MapBaseObj;
};

/*! \brief The dense form: the blocked hash table of the file comment. */
class DenseMapBaseObj : public MapBaseObj {
 public:
  TVM_FFI_DECLARE_STATIC_OBJECT_INFO_("ffi.Map", kTVMFFIMap)

 protected:
  struct Item {
    KVType kv;
    uint64_t prev;
    uint64_t next;
  };
  static constexpr uint64_t kBlockSlots = 16;
  static constexpr size_t kBlockBytes = kBlockSlots + kBlockSlots * sizeof(Item);
  static constexpr uint8_t kEmptySlot = 0xFF;
  static constexpr uint8_t kProtectedSlot = 0xFE;
  static constexpr uint8_t kTailBit = 0x80;
  static constexpr uint8_t kJumpMask = 0x7F;
  static constexpr int kNumJumps = 126;
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  static constexpr double kMaxLoadFactor = 0.99;
  static_assert(sizeof(Item) == 48, "a dense item is an entry and two links");

  static uint64_t ProbeDistance(uint8_t jump);
  static uint64_t NumBlocks(uint64_t num_slots) {
    return (num_slots + kBlockSlots - 1) / kBlockSlots;
  }
  /*! \brief Smallest power-of-two table with at least twice `capacity` slots, and its shift. */
  static void TableSizeFor(uint64_t capacity, uint32_t* fib_shift, uint64_t* num_slots);
  static void FreeBlocks(void* data) { ::operator delete(data); }

  uint64_t NumSlots() const { return slots_; }
  char* BlockOf(uint64_t slot) const {
    return static_cast<char*>(data_) + (slot / kBlockSlots) * kBlockBytes;
  }
  uint8_t& Meta(uint64_t slot) const {
    return *reinterpret_cast<uint8_t*>(BlockOf(slot) + slot % kBlockSlots);
  }
  Item& ItemAt(uint64_t slot) const {
    return *reinterpret_cast<Item*>(BlockOf(slot) + kBlockSlots +
                                    (slot % kBlockSlots) * sizeof(Item));
  }
  bool IsLive(uint64_t slot) const {
    uint8_t meta = Meta(slot);
    return meta != kEmptySlot && meta != kProtectedSlot;
  }
  bool IsHead(uint64_t slot) const { return (Meta(slot) & kTailBit) == 0; }
  uint8_t JumpOf(uint64_t slot) const { return Meta(slot) & kJumpMask; }
  void SetJump(uint64_t slot, uint8_t jump) const {
    Meta(slot) = static_cast<uint8_t>((Meta(slot) & kTailBit) | jump);
  }
  uint64_t Advance(uint64_t slot, uint8_t jump) const {
    return (slot + ProbeDistance(jump)) % NumSlots();
  }
  /*! \brief The next element of `slot`'s chain, or kNone. */
  uint64_t NextInChain(uint64_t slot) const {
    uint8_t jump = JumpOf(slot);
    return jump == 0 ? kNone : Advance(slot, jump);
  }
  uint64_t HomeSlot(const Any& key) const {
    return (AnyHash()(key) * 0x9E3779B97F4A7C15ULL) >> fib_shift_;
  }
  bool IsFull() const {
    return static_cast<double>(size_ + 1) > static_cast<double>(NumSlots()) * kMaxLoadFactor;
  }
  uint64_t Search(const Any& key) const;
  /*! \brief The chain element whose jump leads to `slot` (a non-head). */
  uint64_t PrevInChain(uint64_t slot) const;
  /*! \brief The first empty slot among the probe distances from `slot`. */
  bool FindEmptyAfter(uint64_t slot, uint8_t* jump, uint64_t* found) const;
  void NewEntry(uint64_t slot, KVType&& kv, bool head) const {
    Meta(slot) = head ? 0 : kTailBit;
    new (&ItemAt(slot)) Item{std::move(kv), kNone, kNone};
  }
  void DestroyEntry(uint64_t slot) const { ItemAt(slot).kv.~KVType(); }
  void AppendToOrder(uint64_t slot);
  void UnlinkFromOrder(uint64_t slot);
  /*! \brief Puts `dst` where `src` is in the insertion order. */
  void ReplaceInOrder(uint64_t src, uint64_t dst);
  /*! \brief Slot now holding `key` (a new entry valued None, or the existing one, unlinked
   * from the order), or kNone when the table must grow. */
  uint64_t Place(const Any& key);
  /*! \brief Frees `home` (the body of another chain) by moving that chain's tail away. */
  uint64_t ReclaimHome(uint64_t home, const Any& key);
  void EraseSlot(uint64_t slot);
  void Clear();
  void ReleaseStorage();
  void Reset() {
    Clear();
    ReleaseStorage();
  }
  static ObjectPtr<Object> Create(uint32_t fib_shift, uint64_t num_slots, int32_t type_index);
  static ObjectPtr<Object> Insert(KVType&& kv, const ObjectPtr<Object>& map);

  uint32_t fib_shift_ = 63;
  uint64_t iter_list_head_ = kNone;
  uint64_t iter_list_tail_ = kNone;

  friend class MapBaseObj;
  friend class SmallMapBaseObj;
};

/* ---------------- form dispatch ---------------- */

inline SmallMapBaseObj* MapBaseObj::AsSmall() { return static_cast<SmallMapBaseObj*>(this); }
inline const SmallMapBaseObj* MapBaseObj::AsSmall() const {
  return static_cast<const SmallMapBaseObj*>(this);
}
// A map allocated small may hold the dense form after a Dict grew in place.
inline DenseMapBaseObj* MapBaseObj::AsDense() { return reinterpret_cast<DenseMapBaseObj*>(this); }
inline const DenseMapBaseObj* MapBaseObj::AsDense() const {
  return reinterpret_cast<const DenseMapBaseObj*>(this);
}

inline MapBaseObj::~MapBaseObj() {
  if (IsSmallMap()) {
    AsSmall()->Reset();
  } else {
    AsDense()->Reset();
  }
}

inline MapBaseObj::iterator MapBaseObj::begin() const {
  return iterator(IsSmallMap() ? 0 : AsDense()->iter_list_head_, this);
}

inline MapBaseObj::iterator MapBaseObj::end() const {
  return iterator(IsSmallMap() ? size_ : DenseMapBaseObj::kNone, this);
}

inline MapBaseObj::iterator MapBaseObj::find(const Any& key) const {
  if (IsSmallMap()) return iterator(AsSmall()->IndexOf(key), this);
  return iterator(AsDense()->Search(key), this);
}

inline const MapBaseObj::KVType* MapBaseObj::FindOrThrow(const Any& key) const {
  iterator it = find(key);
  if (it == end()) TVM_FFI_THROW(KeyError) << "key is not in Map";
  return it.operator->();
}

inline void MapBaseObj::erase(const iterator& position) {
  if (position.self_ == nullptr) return;
  if (IsSmallMap()) {
    AsSmall()->EraseAt(position.index_);
  } else if (position.index_ < slots_) {
    AsDense()->EraseSlot(position.index_);
  }
}

inline void MapBaseObj::clear() {
  if (IsSmallMap()) {
    AsSmall()->Clear();
  } else {
    AsDense()->Clear();
  }
}

inline MapBaseObj::KVType* MapBaseObj::iterator::operator->() const {
  if (self_->IsSmallMap()) return self_->AsSmall()->Entries() + index_;
  return &self_->AsDense()->ItemAt(index_).kv;
}

inline MapBaseObj::iterator& MapBaseObj::iterator::operator++() {
  if (self_->IsSmallMap()) {
    index_ = index_ + 1 < self_->size_ ? index_ + 1 : self_->size_;
  } else if (index_ != DenseMapBaseObj::kNone) {
    index_ = self_->AsDense()->ItemAt(index_).next;
  }
  return *this;
}

inline MapBaseObj::iterator& MapBaseObj::iterator::operator--() {
  if (self_->IsSmallMap()) {
    index_ = index_ > 0 ? index_ - 1 : self_->size_;
  } else if (index_ == DenseMapBaseObj::kNone) {
    index_ = self_->AsDense()->iter_list_tail_;
  } else {
    index_ = self_->AsDense()->ItemAt(index_).prev;
  }
  return *this;
}

inline ObjectPtr<Object> MapBaseObj::Empty(int32_t type_index) {
  return SmallMapBaseObj::Create(kSmallMinSlots, type_index);
}

inline ObjectPtr<Object> MapBaseObj::InsertMaybeReHash(KVType&& kv, const ObjectPtr<Object>& map) {
  MapBaseObj* self = static_cast<MapBaseObj*>(map.get());
  if (!self->IsSmallMap()) return DenseMapBaseObj::Insert(std::move(kv), map);
  SmallMapBaseObj* small = self->AsSmall();
  if (small->NumSlots() < kSmallMaxSlots || self->size_ < small->NumSlots()) {
    return SmallMapBaseObj::Insert(std::move(kv), map);
  }
  // A full small map of the largest size turns dense (even when `kv` overwrites).
  ObjectPtr<Object> dense = CreateFromRange(self->begin(), self->end(), self->type_index());
  ObjectPtr<Object> grown = DenseMapBaseObj::Insert(std::move(kv), dense);
  return grown != nullptr ? grown : dense;
}

template <typename Iter>
inline ObjectPtr<Object> MapBaseObj::CreateFromRange(Iter first, Iter last, int32_t type_index) {
  int64_t count = std::distance(first, last);
  if (count < 0) count = 0;
  ObjectPtr<Object> map;
  if (static_cast<uint64_t>(count) < kSmallMaxSlots) {
    map = SmallMapBaseObj::Create(static_cast<uint64_t>(count), type_index);
  } else {
    uint32_t fib_shift;
    uint64_t num_slots;
    DenseMapBaseObj::TableSizeFor(static_cast<uint64_t>(count), &fib_shift, &num_slots);
    map = DenseMapBaseObj::Create(fib_shift, num_slots, type_index);
  }
  for (; first != last; ++first) {
    ObjectPtr<Object> grown =
        InsertMaybeReHash(KVType(Any((*first).first), Any((*first).second)), map);
    if (grown != nullptr) map = std::move(grown);
  }
  return map;
}

inline ObjectPtr<Object> MapBaseObj::CopyFrom(const MapBaseObj* from, int32_t type_index) {
  if (from->IsSmallMap()) {
    ObjectPtr<Object> copy = SmallMapBaseObj::Create(from->size_, type_index);
    SmallMapBaseObj* small = static_cast<SmallMapBaseObj*>(copy.get());
    for (uint64_t i = 0; i < from->size_; ++i) {
      new (small->Entries() + i) KVType(from->AsSmall()->Entries()[i]);
    }
    small->size_ = from->size_;
    return copy;
  }
  const DenseMapBaseObj* src = from->AsDense();
  ObjectPtr<Object> copy = DenseMapBaseObj::Create(src->fib_shift_, src->NumSlots(), type_index);
  DenseMapBaseObj* dst = static_cast<DenseMapBaseObj*>(copy.get());
  for (uint64_t slot = 0; slot < src->NumSlots(); ++slot) {
    if (!src->IsLive(slot)) continue;
    dst->Meta(slot) = src->Meta(slot);
    new (&dst->ItemAt(slot)) DenseMapBaseObj::Item(src->ItemAt(slot));
  }
  dst->size_ = src->size_;
  dst->iter_list_head_ = src->iter_list_head_;
  dst->iter_list_tail_ = src->iter_list_tail_;
  return copy;
}

inline void MapBaseObj::InplaceSwitchTo(ObjectPtr<Object>&& other) {
  MapBaseObj* from = static_cast<MapBaseObj*>(other.get());
  if (IsSmallMap()) {
    AsSmall()->Reset();
    if (from->IsSmallMap()) {
      size_ = from->size_;
      slots_ = from->slots_;
      data_ = from->data_;
      if (from->data_deleter_ != nullptr) {
        data_deleter_ = from->data_deleter_;
        from->data_deleter_ = nullptr;
      } else {
        // The entries live inside `from`: keep it alive until this map lets them go.
        data_deleter_ = SmallMapBaseObj::ReleaseInlineOwner;
        details::ObjectUnsafe::MoveToOwned(std::move(other));
      }
      from->data_ = nullptr;
      from->size_ = 0;
      from->slots_ = 0;
      return;
    }
  } else {
    AsDense()->Reset();
    TVM_FFI_ICHECK(!from->IsSmallMap()) << "a dense map only grows into a dense map";
  }
  // Write the dense fields at their offsets (room for them is reserved in a small map).
  DenseMapBaseObj* self = AsDense();
  const DenseMapBaseObj* src = from->AsDense();
  self->size_ = src->size_;
  self->slots_ = src->slots_;
  self->data_ = src->data_;
  self->data_deleter_ = src->data_deleter_;
  self->fib_shift_ = src->fib_shift_;
  self->iter_list_head_ = src->iter_list_head_;
  self->iter_list_tail_ = src->iter_list_tail_;
  from->data_ = nullptr;
  from->data_deleter_ = nullptr;
  from->size_ = 0;
  from->slots_ = 0;
}

/* ---------------- small form ---------------- */

inline ObjectPtr<Object> SmallMapBaseObj::Create(uint64_t num_slots, int32_t type_index) {
  static_assert(sizeof(SmallMapBaseObj) == sizeof(MapBaseObj), "small entries follow the header");
  static_assert(sizeof(MapBaseObj) + kSmallMinSlots * sizeof(KVType) >= sizeof(DenseMapBaseObj),
                "a small map can turn dense in place");
  num_slots = std::max(num_slots, kSmallMinSlots);
  ObjectPtr<SmallMapBaseObj> map = make_inplace_array_object<SmallMapBaseObj, KVType>(num_slots);
  map->data_ = reinterpret_cast<char*>(map.get()) + sizeof(SmallMapBaseObj);
  map->size_ = 0;
  map->slots_ = num_slots | kSmallTagMask;
  map->data_deleter_ = nullptr;
  map->SetTypeIndex(type_index);
  return map;
}

inline ObjectPtr<Object> SmallMapBaseObj::Insert(KVType&& kv, const ObjectPtr<Object>& map) {
  SmallMapBaseObj* self = static_cast<SmallMapBaseObj*>(map.get());
  uint64_t index = self->IndexOf(kv.first);
  if (index < self->size_) {
    self->Entries()[index].second = std::move(kv.second);
    return nullptr;
  }
  if (self->size_ < self->NumSlots()) {
    new (self->Entries() + self->size_) KVType(std::move(kv));
    ++self->size_;
    return nullptr;
  }
  uint64_t num_slots = std::min(std::max(self->NumSlots() * 2, kSmallMinSlots), kSmallMaxSlots);
  ObjectPtr<Object> grown = Create(num_slots, self->type_index());
  SmallMapBaseObj* bigger = static_cast<SmallMapBaseObj*>(grown.get());
  for (uint64_t i = 0; i < self->size_; ++i) {
    new (bigger->Entries() + i) KVType(self->Entries()[i]);
  }
  bigger->size_ = self->size_;
  ObjectPtr<Object> again = Insert(std::move(kv), grown);
  return again != nullptr ? again : grown;
}

inline void SmallMapBaseObj::ReleaseInlineOwner(void* data) {
  auto* header =
      reinterpret_cast<TVMFFIObject*>(static_cast<char*>(data) - sizeof(SmallMapBaseObj));
  details::ObjectUnsafe::PtrFromOwned<Object>(header).reset();
}

/* ---------------- dense form ---------------- */

inline uint64_t DenseMapBaseObj::ProbeDistance(uint8_t jump) {
  return details::kMapProbeDistances.value[jump];
}

inline void DenseMapBaseObj::TableSizeFor(uint64_t capacity, uint32_t* fib_shift,
                                          uint64_t* num_slots) {
  uint32_t shift = 64;
  uint64_t slots = 1;
  for (uint64_t c = capacity; c != 0; c >>= 1) {
    --shift;
    slots <<= 1;
  }
  if (slots < capacity * 2) {
    --shift;
    slots <<= 1;
  }
  *fib_shift = shift;
  *num_slots = slots;
}

inline ObjectPtr<Object> DenseMapBaseObj::Create(uint32_t fib_shift, uint64_t num_slots,
                                                 int32_t type_index) {
  ObjectPtr<DenseMapBaseObj> map = make_object<DenseMapBaseObj>();
  uint64_t num_blocks = NumBlocks(num_slots);
  char* blocks = static_cast<char*>(::operator new(num_blocks * kBlockBytes));
  for (uint64_t b = 0; b < num_blocks; ++b) {
    std::memset(blocks + b * kBlockBytes, kEmptySlot, kBlockSlots);
  }
  map->data_ = blocks;
  map->data_deleter_ = FreeBlocks;
  map->slots_ = num_slots;
  map->size_ = 0;
  map->fib_shift_ = fib_shift;
  map->iter_list_head_ = kNone;
  map->iter_list_tail_ = kNone;
  map->SetTypeIndex(type_index);
  return map;
}

inline uint64_t DenseMapBaseObj::Search(const Any& key) const {
  if (size_ == 0) return kNone;
  uint64_t slot = HomeSlot(key);
  if (!IsHead(slot)) return kNone;
  for (; slot != kNone; slot = NextInChain(slot)) {
    if (AnyEqual()(key, ItemAt(slot).kv.first)) return slot;
  }
  return kNone;
}

inline uint64_t DenseMapBaseObj::PrevInChain(uint64_t slot) const {
  uint64_t prev = HomeSlot(ItemAt(slot).kv.first);
  for (uint64_t next = NextInChain(prev); next != slot; next = NextInChain(next)) prev = next;
  return prev;
}

inline bool DenseMapBaseObj::FindEmptyAfter(uint64_t slot, uint8_t* jump, uint64_t* found) const {
  for (uint8_t j = 1; j < kNumJumps; ++j) {
    uint64_t candidate = Advance(slot, j);
    if (Meta(candidate) == kEmptySlot) {
      *jump = j;
      *found = candidate;
      return true;
    }
  }
  return false;
}

inline void DenseMapBaseObj::AppendToOrder(uint64_t slot) {
  Item& item = ItemAt(slot);
  item.prev = iter_list_tail_;
  item.next = kNone;
  if (iter_list_tail_ != kNone) ItemAt(iter_list_tail_).next = slot;
  if (iter_list_head_ == kNone) iter_list_head_ = slot;
  iter_list_tail_ = slot;
}

inline void DenseMapBaseObj::UnlinkFromOrder(uint64_t slot) {
  const Item& item = ItemAt(slot);
  if (item.prev == kNone) {
    iter_list_head_ = item.next;
  } else {
    ItemAt(item.prev).next = item.next;
  }
  if (item.next == kNone) {
    iter_list_tail_ = item.prev;
  } else {
    ItemAt(item.next).prev = item.prev;
  }
}

inline void DenseMapBaseObj::ReplaceInOrder(uint64_t src, uint64_t dst) {
  Item& to = ItemAt(dst);
  to.prev = ItemAt(src).prev;
  to.next = ItemAt(src).next;
  if (to.prev == kNone) {
    iter_list_head_ = dst;
  } else {
    ItemAt(to.prev).next = dst;
  }
  if (to.next == kNone) {
    iter_list_tail_ = dst;
  } else {
    ItemAt(to.next).prev = dst;
  }
}

inline uint64_t DenseMapBaseObj::Place(const Any& key) {
  if (slots_ == 0) return kNone;
  uint64_t home = HomeSlot(key);
  if (Meta(home) == kEmptySlot) {
    NewEntry(home, KVType(key, Any()), /*head=*/true);
    ++size_;
    return home;
  }
  if (!IsHead(home)) return IsFull() ? kNone : ReclaimHome(home, key);
  uint64_t last = home;
  for (uint64_t slot = home; slot != kNone; slot = NextInChain(slot)) {
    if (AnyEqual()(key, ItemAt(slot).kv.first)) {
      UnlinkFromOrder(slot);
      return slot;
    }
    last = slot;
  }
  uint8_t jump;
  uint64_t empty;
  if (IsFull() || !FindEmptyAfter(last, &jump, &empty)) return kNone;
  NewEntry(empty, KVType(key, Any()), /*head=*/false);
  SetJump(last, jump);
  ++size_;
  return empty;
}

inline uint64_t DenseMapBaseObj::ReclaimHome(uint64_t home, const Any& key) {
  // Move `home` and the rest of its chain to free slots after its predecessor.
  uint64_t write = PrevInChain(home);
  uint64_t read = home;
  bool first = true;
  while (read != kNone) {
    uint8_t jump;
    uint64_t empty;
    if (!FindEmptyAfter(write, &jump, &empty)) return kNone;
    NewEntry(empty, std::move(ItemAt(read).kv), /*head=*/false);
    ReplaceInOrder(read, empty);
    DestroyEntry(read);
    uint64_t next = NextInChain(read);
    // `home` stays reserved so the moves never pick it; later sources become free.
    Meta(read) = first ? kProtectedSlot : kEmptySlot;
    first = false;
    SetJump(write, jump);
    write = empty;
    read = next;
  }
  NewEntry(home, KVType(key, Any()), /*head=*/true);
  ++size_;
  return home;
}

inline void DenseMapBaseObj::EraseSlot(uint64_t slot) {
  --size_;
  if (JumpOf(slot) == 0) {
    if (!IsHead(slot)) SetJump(PrevInChain(slot), 0);
    UnlinkFromOrder(slot);
    DestroyEntry(slot);
    Meta(slot) = kEmptySlot;
    return;
  }
  // Fill the hole with the chain's last element so the chain stays contiguous.
  uint64_t prev = slot;
  uint64_t last = NextInChain(slot);
  while (JumpOf(last) != 0) {
    prev = last;
    last = NextInChain(last);
  }
  UnlinkFromOrder(slot);
  ItemAt(slot).kv = std::move(ItemAt(last).kv);
  ReplaceInOrder(last, slot);
  DestroyEntry(last);
  Meta(last) = kEmptySlot;
  SetJump(prev, 0);
}

inline void DenseMapBaseObj::Clear() {
  for (uint64_t slot = 0; slot < NumSlots(); ++slot) {
    if (!IsLive(slot)) continue;
    Meta(slot) = kEmptySlot;
    DestroyEntry(slot);
  }
  size_ = 0;
  iter_list_head_ = kNone;
  iter_list_tail_ = kNone;
}

inline void DenseMapBaseObj::ReleaseStorage() {
  if (data_ != nullptr) {
    TVM_FFI_ICHECK(data_deleter_ != nullptr) << "dense map storage without a deleter";
    data_deleter_(data_);
  }
  data_ = nullptr;
  data_deleter_ = nullptr;
  slots_ = 0;
  size_ = 0;
  fib_shift_ = 63;
}

inline ObjectPtr<Object> DenseMapBaseObj::Insert(KVType&& kv, const ObjectPtr<Object>& map) {
  DenseMapBaseObj* self = static_cast<DenseMapBaseObj*>(map.get());
  uint64_t slot = self->Place(kv.first);
  if (slot != kNone) {
    self->ItemAt(slot).kv.second = std::move(kv.second);
    self->AppendToOrder(slot);
    return nullptr;
  }
  // Grow: twice the slots, entries re-inserted in their order, then `kv`.
  ObjectPtr<Object> grown = Create(self->fib_shift_ - 1, self->NumSlots() * 2, self->type_index());
  for (uint64_t at = self->iter_list_head_; at != kNone;) {
    Item& item = self->ItemAt(at);
    uint64_t next = item.next;
    ObjectPtr<Object> again = Insert(std::move(item.kv), grown);
    if (again != nullptr) grown = std::move(again);
    item.kv.~KVType();
    at = next;
  }
  ObjectPtr<Object> again = Insert(std::move(kv), grown);
  if (again != nullptr) grown = std::move(again);
  self->ReleaseStorage();
  return grown;
}

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_CONTAINER_MAP_BASE_H_
