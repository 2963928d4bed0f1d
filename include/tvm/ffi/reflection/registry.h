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
#include <string>
#include <type_traits>
#include <utility>

namespace tvm {
namespace ffi {
namespace reflection {

/*!
 * \brief GlobalDef().def("ns.name", fn, "doc").def_packed(...): each call registers one, with
 * its docstring and metadata {"type_schema": "<JSON schema of fn>"} (read back through
 * ffi.FunctionGetGlobalDoc and ffi.GetGlobalFuncMetadata).
 */
class GlobalDef {
 public:
  /*! \brief Registers a typed function; a later registration of the same name replaces it. */
  template <typename Func>
  GlobalDef& def(const char* name, Func&& func, const char* doc = nullptr) {
    using Info = ::tvm::ffi::details::FunctionInfo<std::decay_t<Func>>;
    Register(name, Function::FromTyped(std::forward<Func>(func), name), doc, Info::TypeSchema());
    return *this;
  }
  /*! \brief Registers `void(PackedArgs, Any*)`. */
  template <typename Func>
  GlobalDef& def_packed(const char* name, Func&& func, const char* doc = nullptr) {
    Register(name, Function::FromPacked(std::forward<Func>(func)), doc,
             R"({"type":"ffi.Function"})");
    return *this;
  }
  /*!
   * \brief Registers a member function of an Object or ObjectRef class as a global function
   * whose first argument is the object.
   */
  template <typename Method>
  GlobalDef& def_method(const char* name, Method method, const char* doc = nullptr) {
    return def(name, MethodAsFunction(method), doc);
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

  static void Register(const char* name, const Function& func, const char* doc,
                       const std::string& type_schema) {
    std::string metadata =
        std::string(R"({"type_schema":)") + EscapeStringJSON(type_schema).c_str() + "}";
    TVMFFIMethodInfo info{};
    info.name = {name, std::strlen(name)};
    if (doc != nullptr) info.doc = {doc, std::strlen(doc)};
    info.metadata = {metadata.data(), metadata.size()};
    info.method.type_index = kTVMFFIFunction;
    info.method.v_obj = details::ObjectUnsafe::GetHandle(func);
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

inline TVMFFIByteArray ToBytes(const char* text) {
  return text == nullptr ? TVMFFIByteArray{nullptr, 0} : TVMFFIByteArray{text, std::strlen(text)};
}
}  // namespace object_def_details

/*!
 * \brief ObjectDef<MyObj>().def_ro("x", &MyObj::x, "doc").def("norm", &MyObj::Norm): records
 * the class's fields and methods in the runtime's type information (TVMFFIGetTypeInfo), where
 * reflection-based frontends read them. The constructor registers the type's metadata (size,
 * and a creator when the class is default-constructible), so use one ObjectDef per class.
 */
template <typename Class>
class ObjectDef {
 public:
  explicit ObjectDef(const char* doc = nullptr) : type_index_(Class::RuntimeTypeIndex()) {
    TVMFFITypeMetadata metadata{};
    metadata.doc = object_def_details::ToBytes(doc);
    metadata.total_size = static_cast<int32_t>(sizeof(Class));
    metadata.structural_eq_hash_kind = kTVMFFISEqHashKindUnsupported;
    if constexpr (std::is_default_constructible_v<Class>) {
      metadata.creator = object_def_details::CreateDefaultObject<Class>;
    }
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMetadata(type_index_, &metadata));
  }

  /*! \brief A field readable through reflection. */
  template <typename T, typename Base>
  ObjectDef& def_ro(const char* name, T Base::* field, const char* doc = nullptr) {
    RegisterField(name, field, doc, false);
    return *this;
  }
  /*! \brief A field readable and writable through reflection. */
  template <typename T, typename Base>
  ObjectDef& def_rw(const char* name, T Base::* field, const char* doc = nullptr) {
    RegisterField(name, field, doc, true);
    return *this;
  }
  /*! \brief A method; the Function takes the object as its first argument. */
  template <typename Method>
  ObjectDef& def(const char* name, Method method, const char* doc = nullptr) {
    RegisterMethod(name, WrapMethod(name, method), doc, 0);
    return *this;
  }
  /*! \brief A static method: the Function takes only the declared arguments. */
  template <typename Func>
  ObjectDef& def_static(const char* name, Func&& func, const char* doc = nullptr) {
    RegisterMethod(name, Function::FromTyped(std::forward<Func>(func), name), doc,
                   kTVMFFIFieldFlagBitMaskIsStaticMethod);
    return *this;
  }

 private:
  template <typename T, typename Base>
  void RegisterField(const char* name, T Base::* field, const char* doc, bool writable) {
    static_assert(std::is_base_of_v<Base, Class>, "the field must belong to the class");
    // Offsets count from the object's start, where its TVMFFIObject header sits.
    alignas(Class) static char probe[sizeof(Class)];
    const Class* object = reinterpret_cast<const Class*>(probe);
    TVMFFIFieldInfo info{};
    info.name = object_def_details::ToBytes(name);
    info.doc = object_def_details::ToBytes(doc);
    info.flags = writable ? kTVMFFIFieldFlagBitMaskWritable : 0;
    info.size = sizeof(T);
    info.alignment = alignof(T);
    info.offset = reinterpret_cast<const char*>(&(object->*field)) - probe;
    info.getter = object_def_details::FieldGetter<T>;
    info.setter = reinterpret_cast<void*>(&object_def_details::FieldSetter<T>);
    info.field_static_type_index = object_def_details::FieldStaticTypeIndex<T>();
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterField(type_index_, &info));
  }

  void RegisterMethod(const char* name, const Function& func, const char* doc, int64_t flags) {
    TVMFFIMethodInfo info{};
    info.name = object_def_details::ToBytes(name);
    info.doc = object_def_details::ToBytes(doc);
    info.flags = flags;
    info.method.type_index = kTVMFFIFunction;
    info.method.v_obj = ::tvm::ffi::details::ObjectUnsafe::GetHandle(func);
    TVM_FFI_CHECK_SAFE_CALL(TVMFFITypeRegisterMethod(type_index_, &info));
  }

  static const Class* Self(const ObjectRef& self, const std::string& name) {
    const Class* object = self.as<Class>();
    TVM_FFI_CHECK(object != nullptr, TypeError)
        << "method `" << name << "` expects a `" << Class::_type_key << "` as its first argument";
    return object;
  }
  template <typename R, typename... Args>
  static Function WrapMethod(const char* name, R (Class::*method)(Args...) const) {
    return Function::FromTyped(
        [name = std::string(name), method](ObjectRef self, Args... args) -> R {
          return (Self(self, name)->*method)(std::forward<Args>(args)...);
        },
        name);
  }
  template <typename R, typename... Args>
  static Function WrapMethod(const char* name, R (Class::*method)(Args...)) {
    return Function::FromTyped(
        [name = std::string(name), method](ObjectRef self, Args... args) -> R {
          return (const_cast<Class*>(Self(self, name))->*method)(std::forward<Args>(args)...);
        },
        name);
  }

  int32_t type_index_;
};

}  // namespace reflection
}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_REFLECTION_REGISTRY_H_
