/*
 * Reflection records of registered types: fields, methods, metadata, and type attributes
 * (columns of values indexed by type index). Everything registered is copied and kept for
 * the life of the process, and arrays already handed out stay valid as they grow.
 */
#include <tvm/ffi/error.h>

#include <iostream>

#include "ffi/type_registry.h"

namespace tvm {
namespace ffi {
namespace types {
namespace {

std::string ToStd(const TVMFFIByteArray& bytes) { return std::string(bytes.data, bytes.size); }

bool SameName(const TVMFFIByteArray& a, const std::string& b) {
  return a.size == b.size() &&
         (a.size == 0 || std::char_traits<char>::compare(a.data, b.data(), a.size) == 0);
}

/*! \brief An owned copy of a borrowed value (raw strings become String objects). */
Any OwnedCopy(const TVMFFIAny& view) { return Any(details::AnyUnsafe::ViewFromRaw(view)); }

template <typename T>
void PublishArray(const T** slot, int32_t* count, const StableArray<T>& array) {
  // The pointer first: a reader seeing the new count also sees an array that long.
  __atomic_store_n(slot, array.data(), __ATOMIC_RELEASE);
  __atomic_store_n(count, array.size(), __ATOMIC_RELEASE);
}

void RegisterField(int32_t type_index, const TVMFFIFieldInfo& field) {
  std::string name = BytesToString(&field.name, "field name");
  BytesToString(&field.doc, "field doc");
  BytesToString(&field.metadata, "field metadata");
  Any default_value = (field.flags & kTVMFFIFieldFlagBitMaskHasDefault)
                          ? OwnedCopy(field.default_value_or_factory)
                          : Any();
  Any setter_function;
  bool has_setter_function = false;
  if ((field.flags & kTVMFFIFieldFlagBitSetterIsFunctionObj) && field.setter != nullptr) {
    TVMFFIAny view{};
    view.type_index = kTVMFFIFunction;
    view.v_obj = static_cast<TVMFFIObject*>(field.setter);
    setter_function = OwnedCopy(view);
    has_setter_function = true;
  }

  TypeTable* table = TypeTable::Global();
  std::lock_guard<std::mutex> lock(table->mutex);
  TypeEntry* entry = table->Get(type_index);
  // A field registered again comes from a library loaded again (a rebuilt JIT module, whose
  // type keeps its index): the new record replaces the old one in place.
  int32_t existing = -1;
  for (int32_t i = 0; i < entry->fields.size(); ++i) {
    if (SameName(entry->fields.data()[i].name, name)) existing = i;
  }
  for (const TVMFFITypeInfo* ancestor : entry->ancestors) {
    for (int32_t i = 0; i < ancestor->num_fields; ++i) {
      if (SameName(ancestor->fields[i].name, name)) {
        std::cerr << "[WARNING] field `" << name << "` of type `" << entry->key
                  << "` shadows the field of its ancestor `"
                  << std::string(ancestor->type_key.data, ancestor->type_key.size) << "`"
                  << std::endl;
      }
    }
  }
  TVMFFIFieldInfo kept = field;
  kept.name = table->KeepBytes(field.name);
  kept.doc = table->KeepBytes(field.doc);
  kept.metadata = table->KeepBytes(field.metadata);
  kept.default_value_or_factory = table->KeepValue(std::move(default_value));
  if (has_setter_function) table->KeepValue(std::move(setter_function));
  if (existing >= 0) {
    entry->fields[existing] = kept;
    return;
  }
  entry->fields.Append(kept);
  PublishArray(&entry->info.fields, &entry->info.num_fields, entry->fields);
}

void RegisterMethod(int32_t type_index, const TVMFFIMethodInfo& method) {
  BytesToString(&method.name, "method name");
  BytesToString(&method.doc, "method doc");
  BytesToString(&method.metadata, "method metadata");
  Any function = OwnedCopy(method.method);

  TypeTable* table = TypeTable::Global();
  std::lock_guard<std::mutex> lock(table->mutex);
  TypeEntry* entry = table->Get(type_index);
  TVMFFIMethodInfo kept = method;
  kept.name = table->KeepBytes(method.name);
  kept.doc = table->KeepBytes(method.doc);
  kept.metadata = table->KeepBytes(method.metadata);
  kept.method = table->KeepValue(std::move(function));
  for (int32_t i = 0; i < entry->methods.size(); ++i) {
    if (SameName(entry->methods.data()[i].name, ToStd(kept.name))) {
      entry->methods[i] = kept;  // a library loaded again: its method replaces the old one
      return;
    }
  }
  entry->methods.Append(kept);
  PublishArray(&entry->info.methods, &entry->info.num_methods, entry->methods);
}

void RegisterMetadata(int32_t type_index, const TVMFFITypeMetadata& metadata) {
  BytesToString(&metadata.doc, "type doc");
  TypeTable* table = TypeTable::Global();
  std::lock_guard<std::mutex> lock(table->mutex);
  TypeEntry* entry = table->Get(type_index);
  // Registered again by a library loaded again: the newer record wins.
  entry->metadata = metadata;
  entry->metadata.doc = table->KeepBytes(metadata.doc);
  __atomic_store_n(&entry->info.metadata, &entry->metadata, __ATOMIC_RELEASE);
}

void RegisterAttr(int32_t type_index, const std::string& name, const TVMFFIAny& value) {
  Any owned = OwnedCopy(value);
  TypeTable* table = TypeTable::Global();
  std::lock_guard<std::mutex> lock(table->mutex);
  // kTVMFFINone only makes sure the column exists.
  if (type_index != kTVMFFINone) table->Get(type_index);
  AttrColumn* column = table->GetOrCreateColumn(name);
  if (type_index == kTVMFFINone) return;
  column->values.EnsureSize(type_index + 1);
  // Registered again (a library loaded again): the newer value wins; the old one is kept
  // alive, as readers may hold it.
  TVMFFIAny& slot = column->values[type_index];
  slot = table->KeepValue(std::move(owned));
  // Columns start at index 0, like upstream's, so data[type_index] is the value.
  __atomic_store_n(&column->column.data, column->values.data(), __ATOMIC_RELEASE);
  __atomic_store_n(&column->column.size, column->values.size(), __ATOMIC_RELEASE);
}

}  // namespace
}  // namespace types
}  // namespace ffi
}  // namespace tvm

namespace types = tvm::ffi::types;

extern "C" {

int TVMFFITypeRegisterField(int32_t type_index, const TVMFFIFieldInfo* info) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (info == nullptr) TVM_FFI_THROW(TypeError) << "field info must not be NULL";
  types::RegisterField(type_index, *info);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITypeRegisterMethod(int32_t type_index, const TVMFFIMethodInfo* info) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (info == nullptr) TVM_FFI_THROW(TypeError) << "method info must not be NULL";
  types::RegisterMethod(type_index, *info);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITypeRegisterMetadata(int32_t type_index, const TVMFFITypeMetadata* metadata) {
  TVM_FFI_SAFE_CALL_BEGIN();
  if (metadata == nullptr) TVM_FFI_THROW(TypeError) << "type metadata must not be NULL";
  types::RegisterMetadata(type_index, *metadata);
  TVM_FFI_SAFE_CALL_END();
}

int TVMFFITypeRegisterAttr(int32_t type_index, const TVMFFIByteArray* attr_name,
                           const TVMFFIAny* attr_value) {
  TVM_FFI_SAFE_CALL_BEGIN();
  std::string name = types::BytesToString(attr_name, "attr_name");
  if (attr_value == nullptr) TVM_FFI_THROW(TypeError) << "attr_value must not be NULL";
  types::RegisterAttr(type_index, name, *attr_value);
  TVM_FFI_SAFE_CALL_END();
}

const TVMFFITypeAttrColumn* TVMFFIGetTypeAttrColumn(const TVMFFIByteArray* attr_name) {
  if (attr_name == nullptr || (attr_name->data == nullptr && attr_name->size != 0)) {
    return nullptr;
  }
  try {
    types::TypeTable* table = types::TypeTable::Global();
    std::lock_guard<std::mutex> lock(table->mutex);
    types::AttrColumn* column = table->FindColumn(std::string(attr_name->data, attr_name->size));
    return column ? &column->column : nullptr;
  }
  TVM_FFI_RETHROW_FORCED_UNWIND()
  catch (...) {
    return nullptr;  // out of memory copying the name: no column
  }
}

}  // extern "C"
