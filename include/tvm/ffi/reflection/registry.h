/*
 * reflection::GlobalDef registers C++ functions in the global function registry;
 * reflection::ObjectDef<T> registers an Object subclass's fields, methods and metadata with
 * the runtime's type registry. Use both inside TVM_FFI_STATIC_INIT_BLOCK() so registration
 * happens at library load.
 */
#ifndef TVM_FFI_REFLECTION_REGISTRY_H_
#define TVM_FFI_REFLECTION_REGISTRY_H_

#include <tvm/ffi/function.h>

#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tvm {
namespace ffi {
namespace reflection {

namespace details {
/*! \brief TVMFFIFieldInfo / TVMFFIMethodInfo plus the metadata entries gathered for them. */
struct FieldInfoBuilder : public TVMFFIFieldInfo {
  std::vector<std::pair<String, Any>> metadata_;
};
struct MethodInfoBuilder : public TVMFFIMethodInfo {
  std::vector<std::pair<String, Any>> metadata_;
};
}  // namespace details
using details::FieldInfoBuilder;
using details::MethodInfoBuilder;

/*! \brief Base of the extra arguments def_ro/def_rw/def/GlobalDef::def accept after the doc. */
struct InfoTrait {};

/*! \brief Extra metadata entries (int, bool or string values) recorded as JSON. */
class Metadata : public InfoTrait {
 public:
  Metadata(std::initializer_list<std::pair<String, Any>> entries) : entries_(entries) {}
  void Apply(FieldInfoBuilder* info) const { Append(&info->metadata_); }
  void Apply(MethodInfoBuilder* info) const { Append(&info->metadata_); }
  void Append(std::vector<std::pair<String, Any>>* out) const {
    out->insert(out->end(), entries_.begin(), entries_.end());
  }
  /*! \brief {"key":value,...}; TypeError for a value that is not an int, bool or string. */
  static std::string ToJSON(const std::vector<std::pair<String, Any>>& entries) {
    std::string json = "{";
    for (const auto& [key, value] : entries) {
      if (json.size() > 1) json += ",";
      json += EscapeStringJSON(key).c_str();
      json += ":";
      if (value.type_index() == kTVMFFIBool) {
        json += value.cast<bool>() ? "true" : "false";
      } else if (value.type_index() == kTVMFFIInt) {
        json += std::to_string(value.cast<int64_t>());
      } else if (std::optional<String> text = value.try_cast<String>()) {
        json += EscapeStringJSON(*text).c_str();
      } else {
        TVM_FFI_THROW(TypeError) << "metadata `" << key << "` must be an int, bool or string, not `"
                                 << value.GetTypeKey() << "`";
      }
    }
    return json + "}";
  }

 private:
  std::vector<std::pair<String, Any>> entries_;
};

/*! \brief The field's default value (the runtime records it; frontends use it in __init__). */
class DefaultValue : public InfoTrait {
 public:
  explicit DefaultValue(Any value) : value_(std::move(value)) {}
  void Apply(TVMFFIFieldInfo* info) const {
    info->default_value_or_factory = *::tvm::ffi::details::AnyUnsafe::Raw(value_);
    info->flags |= kTVMFFIFieldFlagBitMaskHasDefault;
  }

 private:
  Any value_;
};
class default_value : public DefaultValue {  // NOLINT(*)
  using DefaultValue::DefaultValue;
};
/*! \brief A function called with no arguments to make the field's default value. */
class DefaultFactory : public InfoTrait {
 public:
  explicit DefaultFactory(Function factory) : factory_(std::move(factory)) {}
  void Apply(TVMFFIFieldInfo* info) const {
    info->default_value_or_factory.type_index = kTVMFFIFunction;
    info->default_value_or_factory.zero_padding = 0;
    info->default_value_or_factory.v_obj = ::tvm::ffi::details::ObjectUnsafe::GetHandle(factory_);
    info->flags |= kTVMFFIFieldFlagBitMaskHasDefault | kTVMFFIFieldFlagBitMaskDefaultFromFactory;
  }

 private:
  Function factory_;
};
class default_factory : public DefaultFactory {  // NOLINT(*)
  using DefaultFactory::DefaultFactory;
};
/*! \brief Sets a TVMFFIFieldFlagBitMask bit of the field. */
class AttachFieldFlag : public InfoTrait {
 public:
  explicit AttachFieldFlag(int32_t flag) : flag_(flag) {}
  static AttachFieldFlag SEqHashDefPattern() {
    return AttachFieldFlag(kTVMFFIFieldFlagBitMaskSEqHashDefPattern);
  }
  static AttachFieldFlag SEqHashDefSimple() {
    return AttachFieldFlag(kTVMFFIFieldFlagBitMaskSEqHashDefSimple);
  }
  static AttachFieldFlag SEqHashIgnore() {
    return AttachFieldFlag(kTVMFFIFieldFlagBitMaskSEqHashIgnore);
  }
  void Apply(TVMFFIFieldInfo* info) const { info->flags |= flag_; }

 private:
  int32_t flag_;
};
namespace details {
/*! \brief A field trait that sets `kFlag` when its bool argument equals `kSetWhen`. */
template <int32_t kFlag, bool kSetWhen>
class FieldSwitch : public InfoTrait {
 public:
  explicit FieldSwitch(bool value) : value_(value) {}
  void Apply(TVMFFIFieldInfo* info) const {
    if (value_ == kSetWhen) info->flags |= kFlag;
  }

 private:
  bool value_;
};
}  // namespace details
/*! \brief repr(false): the field is left out of the object's repr. */
class repr : public details::FieldSwitch<kTVMFFIFieldFlagBitMaskReprOff, false> {  // NOLINT(*)
  using FieldSwitch::FieldSwitch;
};
/*! \brief compare(false): the field is left out of comparisons. */
class compare
    : public details::FieldSwitch<kTVMFFIFieldFlagBitMaskCompareOff, false> {  // NOLINT(*)
  using FieldSwitch::FieldSwitch;
};
/*! \brief hash(false): the field is left out of hashing. */
class hash : public details::FieldSwitch<kTVMFFIFieldFlagBitMaskHashOff, false> {  // NOLINT(*)
  using FieldSwitch::FieldSwitch;
};
/*! \brief kw_only(true): the field is a keyword-only argument of the generated __init__. */
class kw_only : public details::FieldSwitch<kTVMFFIFieldFlagBitMaskKwOnly, true> {  // NOLINT(*)
  using FieldSwitch::FieldSwitch;
};

/*!
 * \brief ObjectDef<T>().def(init<Args...>()): a constructor, registered as the static method
 * __ffi_init__(Args...) that returns a new T(args...). As a field trait, init(false) leaves
 * the field out of the generated __init__.
 */
template <typename... Args>
struct init {  // NOLINT(*)
  constexpr init() noexcept = default;
  template <typename Class>
  static ObjectRef execute(Args... args) {
    return ObjectRef(make_object<Class>(std::forward<Args>(args)...));
  }
};
template <>
struct init<> : public InfoTrait {  // NOLINT(*)
  constexpr init() noexcept = default;
  explicit init(bool include) : include_(include) {}
  void Apply(TVMFFIFieldInfo* info) const {
    if (!include_) info->flags |= kTVMFFIFieldFlagBitMaskInitOff;
  }
  template <typename Class>
  static ObjectRef execute() {
    return ObjectRef(make_object<Class>());
  }

 private:
  bool include_{true};
};
init(bool) -> init<>;

namespace details {
/*! \brief Applies one extra argument: a doc string, or an InfoTrait that knows `Info`. */
template <typename Info, typename T>
void ApplyInfoTrait(Info* info, const T& value) {
  using Plain = std::decay_t<T>;
  if constexpr (std::is_same_v<Plain, const char*> || std::is_same_v<Plain, char*>) {
    info->doc = TVMFFIByteArray{value, std::strlen(value)};
  } else if constexpr (std::is_same_v<Plain, Metadata>) {
    value.Apply(info);
  } else if constexpr (std::is_base_of_v<InfoTrait, Plain>) {
    if constexpr (std::is_invocable_v<decltype(&Plain::Apply), const Plain&, Info*>) {
      value.Apply(info);
    }
  }
}
/*! \brief {"type_schema": schema} plus `info`'s own entries, as JSON. */
template <typename Info>
std::string MetadataJSON(const Info& info, const std::string& type_schema) {
  std::vector<std::pair<String, Any>> entries{{"type_schema", String(type_schema)}};
  entries.insert(entries.end(), info.metadata_.begin(), info.metadata_.end());
  return Metadata::ToJSON(entries);
}
}  // namespace details

/*!
 * \brief GlobalDef().def("ns.name", fn, "doc").def_packed(...): each call registers one, with
 * its docstring and metadata {"type_schema": "<JSON schema of fn>"} (read back through
 * ffi.FunctionGetGlobalDoc and ffi.GetGlobalFuncMetadata).
 */
class GlobalDef {
 public:
  /*!
   * \brief Registers a typed function; a later registration of the same name replaces it.
   * `extra` may hold a doc string and Metadata{...}.
   */
  template <typename Func, typename... Extra>
  GlobalDef& def(const char* name, Func&& func, Extra&&... extra) {
    using Info = ::tvm::ffi::details::FunctionInfo<std::decay_t<Func>>;
    Register(name, Function::FromTyped(std::forward<Func>(func), name), Info::TypeSchema(),
             extra...);
    return *this;
  }
  /*! \brief Registers `void(PackedArgs, Any*)`. */
  template <typename Func, typename... Extra>
  GlobalDef& def_packed(const char* name, Func&& func, Extra&&... extra) {
    Register(name, Function::FromPacked(std::forward<Func>(func)), R"({"type":"ffi.Function"})",
             extra...);
    return *this;
  }
  /*!
   * \brief Registers a member function of an Object or ObjectRef class as a global function
   * whose first argument is the object.
   */
  template <typename Method, typename... Extra>
  GlobalDef& def_method(const char* name, Method method, Extra&&... extra) {
    return def(name, MethodAsFunction(method), extra...);
  }

 private:
  template <typename C, typename R, typename... Args>
  static auto MethodAsFunction(R (C::*method)(Args...) const) {
    if constexpr (std::is_base_of_v<ObjectRef, C>) {
      return [method](C self, Args... args) -> R {
        return (self.*method)(std::forward<Args>(args)...);
      };
    } else {
      return [method](const C* self, Args... args) -> R {
        return (self->*method)(std::forward<Args>(args)...);
      };
    }
  }
  template <typename C, typename R, typename... Args>
  static auto MethodAsFunction(R (C::*method)(Args...)) {
    if constexpr (std::is_base_of_v<ObjectRef, C>) {
      return [method](C self, Args... args) -> R {
        return (self.*method)(std::forward<Args>(args)...);
      };
    } else {
      return [method](C* self, Args... args) -> R {
        return (self->*method)(std::forward<Args>(args)...);
      };
    }
  }
  template <typename F>
  static auto MethodAsFunction(F f) {
    return f;  // a static function or lambda: registered as it is
  }

  template <typename... Extra>
  static void Register(const char* name, const Function& func, const std::string& type_schema,
                       const Extra&... extra) {
    details::MethodInfoBuilder info{};
    info.name = {name, std::strlen(name)};
    info.method.type_index = kTVMFFIFunction;
    info.method.v_obj = ::tvm::ffi::details::ObjectUnsafe::GetHandle(func);
    (details::ApplyInfoTrait(&info, extra), ...);
    std::string metadata = details::MetadataJSON(info, type_schema);
    info.metadata = {metadata.data(), metadata.size()};
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionSetGlobalFromMethodInfo(&info, /*allow_override=*/1));
  }
};

namespace object_def_details {
/*! \brief The field_static_type_index recorded for a field of type T (kTVMFFIAny if none). */
template <typename T>
constexpr int32_t FieldStaticTypeIndex() {
  if constexpr (std::is_same_v<T, bool>) {
    return kTVMFFIBool;
  } else if constexpr (std::is_integral_v<T>) {
    return kTVMFFIInt;
  } else if constexpr (std::is_floating_point_v<T>) {
    return kTVMFFIFloat;
  } else if constexpr (std::is_same_v<T, DLDataType>) {
    return kTVMFFIDataType;
  } else if constexpr (std::is_same_v<T, DLDevice>) {
    return kTVMFFIDevice;
  } else if constexpr (std::is_same_v<T, String>) {
    return kTVMFFIStr;
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return kTVMFFIBytes;
  } else if constexpr (std::is_base_of_v<ObjectRef, T>) {
    return kTVMFFIObject;  // some object; the exact class is not recorded
  } else {
    return kTVMFFIAny;
  }
}

template <typename T>
int FieldGetter(void* field, TVMFFIAny* result) {
  TVM_FFI_SAFE_CALL_BEGIN();
  *result = ::tvm::ffi::details::AnyUnsafe::MoveToRaw(Any(*static_cast<const T*>(field)));
  TVM_FFI_SAFE_CALL_END();
}

template <typename T>
int FieldSetter(void* field, const TVMFFIAny* value) {
  TVM_FFI_SAFE_CALL_BEGIN();
  AnyView view = ::tvm::ffi::details::AnyUnsafe::ViewFromRaw(*value);
  if constexpr (std::is_same_v<T, Any>) {
    *static_cast<T*>(field) = Any(view);
  } else {
    *static_cast<T*>(field) = view.cast<T>();
  }
  TVM_FFI_SAFE_CALL_END();
}

template <typename Class>
int CreateDefaultObject(TVMFFIObjectHandle* result) {
  TVM_FFI_SAFE_CALL_BEGIN();
  *result = ::tvm::ffi::details::ObjectUnsafe::MoveToOwned(make_object<Class>());
  TVM_FFI_SAFE_CALL_END();
}
template <typename Class>
int CreateUnsafeInitObject(TVMFFIObjectHandle* result) {
  TVM_FFI_SAFE_CALL_BEGIN();
  *result = ::tvm::ffi::details::ObjectUnsafe::MoveToOwned(make_object<Class>(UnsafeInit{}));
  TVM_FFI_SAFE_CALL_END();
}

inline TVMFFIByteArray ToBytes(const char* text) {
  return text == nullptr ? TVMFFIByteArray{nullptr, 0} : TVMFFIByteArray{text, std::strlen(text)};
}
}  // namespace object_def_details

/*!
 * \brief ObjectDef<MyObj>().def_ro("x", &MyObj::x, "doc").def("norm", &MyObj::Norm): records
 * the class's fields and methods in the runtime's type information (TVMFFIGetTypeInfo), where
 * reflection-based frontends read them. The constructor registers the type's metadata (size,
 * and a creator when the class is default-constructible), so use one ObjectDef per class.
 * After the name and member, each def takes extras: a doc string and traits (Metadata{...},
 * DefaultValue, repr(false), ...); def(init<Args...>()) registers a constructor.
 */
template <typename Class>
class ObjectDef {
 public:
  /*! \brief `extra`: the class's doc string. */
  template <typename... Extra>
  explicit ObjectDef(const Extra&... extra) : type_index_(Class::RuntimeTypeIndex()) {
    TVMFFITypeMetadata metadata{};
    auto apply_doc = [&metadata](const auto& value) {
      using Plain = std::decay_t<decltype(value)>;
      if constexpr (std::is_same_v<Plain, const char*> || std::is_same_v<Plain, char*>) {
        metadata.doc = object_def_details::ToBytes(value);
      }
    };
    (apply_doc(extra), ...);
    metadata.total_size = static_cast<int32_t>(sizeof(Class));
    metadata.structural_eq_hash_kind = Class::_type_s_eq_hash_kind;
    if constexpr (std::is_default_constructible_v<Class>) {
      metadata.creator = object_def_details::CreateDefaultObject<Class>;
    } else if constexpr (std::is_constructible_v<Class, UnsafeInit>) {
      metadata.creator = object_def_details::CreateUnsafeInitObject<Class>;
    }
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMetadata(type_index_, &metadata));
  }

  /*! \brief A field readable through reflection. */
  template <typename T, typename Base, typename... Extra>
  ObjectDef& def_ro(const char* name, T Base::* field, const Extra&... extra) {
    RegisterField(name, field, false, extra...);
    return *this;
  }
  /*! \brief A field readable and writable through reflection. */
  template <typename T, typename Base, typename... Extra>
  ObjectDef& def_rw(const char* name, T Base::* field, const Extra&... extra) {
    RegisterField(name, field, true, extra...);
    return *this;
  }
  /*!
   * \brief A method: a member function, or a callable whose first parameter is the object
   * (`const Class*`, `Class*` or a reference type); the Function takes the object first.
   */
  template <typename Method, typename... Extra>
  ObjectDef& def(const char* name, Method method, const Extra&... extra) {
    auto func = WrapMethod(method);
    using Info = ::tvm::ffi::details::FunctionInfo<decltype(func)>;
    RegisterMethod(name, Function::FromTyped(std::move(func), QualifiedName(name)),
                   Info::TypeSchema(), 0, extra...);
    return *this;
  }
  /*! \brief A static method: the Function takes only the declared arguments. */
  template <typename Func, typename... Extra>
  ObjectDef& def_static(const char* name, Func&& func, const Extra&... extra) {
    using Info = ::tvm::ffi::details::FunctionInfo<std::decay_t<Func>>;
    RegisterMethod(name, Function::FromTyped(std::forward<Func>(func), QualifiedName(name)),
                   Info::TypeSchema(), kTVMFFIFieldFlagBitMaskIsStaticMethod, extra...);
    return *this;
  }
  /*! \brief The constructor Class(Args...), as the static method (and type attribute) __ffi_init__.
   */
  template <typename... Args, typename... Extra>
  ObjectDef& def(init<Args...>, const Extra&... extra) {
    def_static(kInitName, &init<Args...>::template execute<Class>, extra...);
    Function ctor = Function::FromTyped(&init<Args...>::template execute<Class>);
    return def_type_attr(kInitName, ctor);
  }
  /*! \brief Sets the type attribute `name` (e.g. "__ffi_repr__") to `value`. */
  template <typename Value>
  ObjectDef& def_type_attr(const char* name, const Value& value) {
    Any boxed(value);
    TVMFFIByteArray attr = object_def_details::ToBytes(name);
    TVM_FFI_CHECK_SAFE_CALL(
        TVMFFITypeRegisterAttr(type_index_, &attr, ::tvm::ffi::details::AnyUnsafe::Raw(boxed)));
    return *this;
  }

 private:
  static constexpr const char* kInitName = "__ffi_init__";

  static std::string QualifiedName(const char* name) {
    return std::string(Class::_type_key) + "." + name;
  }

  template <typename T, typename Base, typename... Extra>
  void RegisterField(const char* name, T Base::* field, bool writable, const Extra&... extra) {
    static_assert(std::is_base_of_v<Base, Class>, "the field must belong to the class");
    // Offsets count from the object's start, where its TVMFFIObject header sits.
    alignas(Class) static char probe[sizeof(Class)];
    const Class* object = reinterpret_cast<const Class*>(probe);
    details::FieldInfoBuilder info{};
    info.name = object_def_details::ToBytes(name);
    info.flags = writable ? kTVMFFIFieldFlagBitMaskWritable : 0;
    info.size = sizeof(T);
    info.alignment = alignof(T);
    info.offset = reinterpret_cast<const char*>(&(object->*field)) - probe;
    info.getter = object_def_details::FieldGetter<T>;
    info.setter = reinterpret_cast<void*>(&object_def_details::FieldSetter<T>);
    info.field_static_type_index = object_def_details::FieldStaticTypeIndex<T>();
    info.default_value_or_factory.type_index = kTVMFFINone;
    (details::ApplyInfoTrait(&info, extra), ...);
    std::string metadata = details::MetadataJSON(info, ::tvm::ffi::details::TypeSchema<T>::v());
    info.metadata = {metadata.data(), metadata.size()};
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterField(type_index_, &info));
  }

  template <typename... Extra>
  void RegisterMethod(const char* name, const Function& func, const std::string& type_schema,
                      int64_t flags, const Extra&... extra) {
    details::MethodInfoBuilder info{};
    info.name = object_def_details::ToBytes(name);
    info.flags = flags;
    info.method.type_index = kTVMFFIFunction;
    info.method.v_obj = ::tvm::ffi::details::ObjectUnsafe::GetHandle(func);
    (details::ApplyInfoTrait(&info, extra), ...);
    std::string metadata = details::MetadataJSON(info, type_schema);
    info.metadata = {metadata.data(), metadata.size()};
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMethod(type_index_, &info));
  }

  // The object arrives as `const Class*`: a call with anything else is a TypeError.
  template <typename R, typename C, typename... Args>
  static auto WrapMethod(R (C::*method)(Args...) const) {
    static_assert(std::is_base_of_v<C, Class>, "the method must belong to the class");
    return [method](const Class* self, Args... args) -> R {
      return (self->*method)(std::forward<Args>(args)...);
    };
  }
  template <typename R, typename C, typename... Args>
  static auto WrapMethod(R (C::*method)(Args...)) {
    static_assert(std::is_base_of_v<C, Class>, "the method must belong to the class");
    return [method](const Class* self, Args... args) -> R {
      return (const_cast<Class*>(self)->*method)(std::forward<Args>(args)...);
    };
  }
  template <typename F>
  static F WrapMethod(F func) {
    return func;  // a callable that already takes the object first
  }

  int32_t type_index_;
};

}  // namespace reflection
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_REFLECTION_REGISTRY_H_
