/*
 * RValueRef<TObjRef>: a parameter type that lets the callee take over an object the caller
 * gives up (passed as kTVMFFIObjectRValueRef), e.g. to update it in place when no one else
 * holds it. A caller that keeps its reference passes the object as usual; then the callee
 * gets a new reference.
 */
#ifndef TVM_FFI_RVALUE_REF_H_
#define TVM_FFI_RVALUE_REF_H_

#include <tvm/ffi/any.h>
#include <tvm/ffi/object.h>

#include <string>
#include <utility>

namespace tvm {
namespace ffi {

template <typename TObjRef, typename = std::enable_if_t<std::is_base_of_v<ObjectRef, TObjRef>>>
class RValueRef {
 public:
  using ContainerType = typename TObjRef::ContainerType;
  explicit RValueRef(TObjRef&& data) : data_(details::ObjectUnsafe::GetPtr(data)) {
    TObjRef released = std::move(data);  // the caller's reference is given up
  }
  /*! \brief Takes the reference out (the RValueRef is empty afterwards). */
  TObjRef operator*() && { return details::ObjectUnsafe::RefFromPtr<TObjRef>(std::move(data_)); }

 private:
  mutable ObjectPtr<Object> data_;
  template <typename, typename>
  friend struct TypeTraits;
};

template <typename TObjRef>
struct TypeTraits<RValueRef<TObjRef>> {
  static constexpr bool convert_enabled = true;
  /*! Passes a pointer to the holder; the callee may move the object out of it. */
  static void CopyToAnyView(const RValueRef<TObjRef>& v, TVMFFIAny* out) {
    details::SetPod(out, kTVMFFIObjectRValueRef);
    out->v_ptr = const_cast<ObjectPtr<Object>*>(&v.data_);
  }
  static std::optional<RValueRef<TObjRef>> TryCastFromAnyView(const TVMFFIAny* src) {
    if (src->type_index == kTVMFFIObjectRValueRef) {
      auto* holder = static_cast<ObjectPtr<Object>*>(src->v_ptr);
      if (*holder == nullptr) return std::nullopt;
      TVMFFIAny view;
      TypeTraits<ObjectRef>::CopyToAnyView(details::ObjectUnsafe::RefFromPtr<ObjectRef>(*holder),
                                           &view);
      std::optional<TObjRef> value = TypeTraits<TObjRef>::TryCastFromAnyView(&view);
      if (!value.has_value()) return std::nullopt;
      value = std::nullopt;  // drop the check's reference before taking the caller's
      return RValueRef<TObjRef>(details::ObjectUnsafe::RefFromPtr<TObjRef>(std::move(*holder)));
    }
    std::optional<TObjRef> value = TypeTraits<TObjRef>::TryCastFromAnyView(src);
    if (!value.has_value()) return std::nullopt;
    return RValueRef<TObjRef>(*std::move(value));
  }
  static std::string TypeStr() { return "RValueRef<" + TypeTraits<TObjRef>::TypeStr() + ">"; }
  static std::string TypeSchema() {
    return R"({"type":"ObjectRValueRef","args":[)" + TypeTraits<TObjRef>::TypeSchema() + "]}";
  }
};

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_RVALUE_REF_H_
