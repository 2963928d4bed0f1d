/*
 * Optional<T>: a value or None; crosses the ABI as T or kTVMFFINone.
 */
#ifndef TVM_FFI_OPTIONAL_H_
#define TVM_FFI_OPTIONAL_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/string.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {

namespace details {
/*!
 * \brief Where Optional<T> keeps "no value". Object references and String/Bytes use their
 * own null state (a null pointer; a None Any), so Optional<Function> is one pointer and
 * Optional<String> 16 bytes, the layouts every TVM-FFI runtime's C++ classes share.
 * Other types keep a flag beside the value.
 */
template <typename T, typename = void>
struct OptionalStorage {
  std::optional<T> value;
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : value(std::move(v)) {}
  bool has_value() const { return value.has_value(); }
  const T& get() const { return *value; }
};

template <typename T>
struct OptionalStorage<T, std::enable_if_t<std::is_base_of_v<ObjectRef, T>>> {
  ObjectRef ref;  // same layout as T: one object pointer, null when empty
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : ref(std::move(v)) {}
  bool has_value() const { return ref.defined(); }
  const T& get() const { return *reinterpret_cast<const T*>(&ref); }
};

template <typename T>
struct OptionalStorage<T, std::enable_if_t<std::is_same_v<T, String> || std::is_same_v<T, Bytes>>> {
  T value = BytesUnsafe::FromOwnedRaw<T>(TVMFFIAny{});  // kTVMFFINone: empty
  OptionalStorage() = default;
  explicit OptionalStorage(T v) : value(std::move(v)) {}
  bool has_value() const { return BytesUnsafe::Raw(value).type_index != kTVMFFINone; }
  const T& get() const { return value; }
};
}  // namespace details

template <typename T>
class Optional {
 public:
  Optional() = default;
  Optional(std::nullopt_t) {}                        // NOLINT(*)
  Optional(std::nullptr_t) {}                        // NOLINT(*)
  Optional(T value) : storage_(std::move(value)) {}  // NOLINT(*)
  Optional(std::optional<T> value) {                 // NOLINT(*)
    if (value.has_value()) storage_ = Storage(*std::move(value));
  }

  bool has_value() const { return storage_.has_value(); }
  explicit operator bool() const { return has_value(); }
  /*! \brief The value; throws RuntimeError when empty. */
  const T& value() const {
    if (!has_value()) TVM_FFI_THROW(RuntimeError) << "Optional has no value";
    return storage_.get();
  }
  T value_or(T other) const { return has_value() ? storage_.get() : std::move(other); }
  const T& operator*() const { return storage_.get(); }
  const T* operator->() const { return &storage_.get(); }
  bool operator==(std::nullptr_t) const { return !has_value(); }
  bool operator!=(std::nullptr_t) const { return has_value(); }

 private:
  using Storage = details::OptionalStorage<T>;
  Storage storage_;
};

template <typename T>
struct TypeTraits<Optional<T>> {
  static constexpr bool convert_enabled = true;
  static void CopyToAnyView(const Optional<T>& v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::CopyToAnyView(*v, out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  static void MoveToAny(Optional<T> v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::MoveToAny(*v, out);
    } else {
      details::SetPod(out, kTVMFFINone);
    }
  }
  static std::optional<Optional<T>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFINone) return Optional<T>();
    std::optional<T> value = TypeTraits<T>::TryCastFromAnyView(src);
    if (!value.has_value()) return std::nullopt;
    return Optional<T>(*std::move(value));
  }
  static std::string TypeStr() { return "Optional<" + TypeTraits<T>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return R"({"type":"Optional","args":[)" + details::TypeSchema<T>::v() + "]}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_OPTIONAL_H_
