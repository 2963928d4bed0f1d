/*
 * The code blocks of seed 002 outside example_code.c: those of the new ABI overview page and
 * those of the text it replaced (the old abi_overview.md and the C sections removed from
 * any.rst, object_and_class.rst and tensor.rst). Blocks that repeat seed 000 are tested from
 * ../func_module/exception_abi.cc. Each snippet sits between `// seed 002: ...` and
 * `// end of snippet`, unchanged but for clang-format's whitespace. Around them is only what
 * a fragment needs to compile (includes, `namespace ffi`, the SUCCESS/FAILURE codes the
 * tensor.rst snippets return, a namespace where a snippet redefines an ABI struct to show its
 * layout) and the exports that tests/test_seeds_c_abi.py calls.
 *
 * Not compiled, because they are not code as written: the "simplified example" of the old
 * page (it declares its own TVMFFIAny and uses kTVMFFInt), the TVMFFIAny listing whose union
 * ends in `...`, the `struct { void* data; };` layout sketch of ObjectRef (checked below with
 * a static_assert instead), and TensorViewToAnyView, which passes the `const DLTensor*` of
 * `TensorView::GetDLTensorPtr() const` to a `DLTensor*` parameter.
 */
#include <cassert>
#include <cstddef>
#include <cstring>
#include <iostream>

// seed 002: AnyView and Managed Any (old abi_overview.md)
#include <tvm/ffi/any.h>

void AnyExample() {
  namespace ffi = tvm::ffi;
  // Here is a managed any
  ffi::Any value = "hello world";
  // explicit cast to a specific type
  ffi::String str_value = value.cast<ffi::String>();
  // copy int to value
  value = 1;
  // copy into a view
  ffi::AnyView view = value;
  // cast view back to int
  std::cout << "Value is " << view.cast<int>() << std::endl;
}
// end of snippet

#include <tvm/ffi/tvm_ffi.h>

namespace ffi = tvm::ffi;
#define SUCCESS 0
#define FAILURE -1

// seed 002: Storing a POD Value (old abi_overview.md)
void SetIntValue(TVMFFIAny* any, int value) {
  // must zero the entire space first
  any->type_index = kTVMFFIInt;
  any->zero_padding = 0;
  any->v_int64 = value;
}
// end of snippet

// seed 002: Storing a POD Value, the note (old abi_overview.md)
void SetOpaquePtrValue(TVMFFIAny* any, void* opaque_ptr) {
  any->type_index = kTVMFFIOpaquePtr;
  // must zero the padding
  any->zero_padding = 0;
  // the zeroing is needed for 32-bit platforms!
  any->v_uint64 = 0;
  any->v_ptr = opaque_ptr;
}
// end of snippet

// seed 002: Object Storage Format (old abi_overview.md)
namespace seed_object_md {
typedef struct TVMFFIObject {
  uint64_t combined_ref_count;
  int32_t type_index;
  uint32_t __padding;
  union {
    void (*deleter)(struct TVMFFIObject* self, int flags);
    int64_t __ensure_align;
  };
} TVMFFIObject;
}  // namespace seed_object_md
// end of snippet

// seed 002: Stable C Layout (old object_and_class.rst)
namespace seed_object_rst {
typedef struct {
  uint64_t combined_ref_count;  // Bytes 0-7: strong + weak ref counts
  int32_t type_index;           // Bytes 8-11: runtime type identifier
  uint32_t __padding;           // Bytes 12-15: alignment padding
  void (*deleter)(void*, int);  // Bytes 16-23: destructor callback
} TVMFFIObject;
}  // namespace seed_object_rst
// end of snippet

// seed 002: DLPack Compatible Tensor (old abi_overview.md)
namespace seed_tensor_md {
struct TensorObj : public ffi::Object, public DLTensor {};
}  // namespace seed_tensor_md
// end of snippet

// seed 002: Tensor, C ABI Reference (abi_overview.rst)
namespace seed_tensor_rst {
using tvm::ffi::Object;
class TensorObj : public Object, public DLTensor {
  // no other members besides those from Object and DLTensor
};
}  // namespace seed_tensor_rst
// end of snippet

// seed 002: DLPack Compatible Tensor, reading it (old abi_overview.md)
DLTensor* ReadDLTensorPtr(const TVMFFIAny* value) {
  if (value->type_index == kTVMFFIDLTensorPtr) {
    return static_cast<DLTensor*>(value->v_ptr);
  }
  assert(value->type_index == kTVMFFITensor);
  return reinterpret_cast<DLTensor*>(reinterpret_cast<char*>(value->v_obj) + sizeof(TVMFFIObject));
}
// end of snippet

// seed 002: Function Calling Convention (old abi_overview.md); a typedef may be repeated
// with the same type, so this line compiles only if the signature matches c_api.h.
typedef int (*TVMFFISafeCallType)(void* handle, const TVMFFIAny* args, int32_t num_args,
                                  TVMFFIAny* result);
// end of snippet

// seed 002: Error Handling (old abi_overview.md)
// Example function that raises an error
int ErrorFunc(void* handle, const TVMFFIAny* args, int num_args, TVMFFIAny* result) {
  const char* error_kind = "RuntimeError";
  const char* error_msg = "error message";
  // set the thread-local error state
  TVMFFIErrorSetRaisedFromCStr(error_kind, error_msg);
  return -1;
}
// end of snippet

// seed 002: Error Handling, the error object (old abi_overview.md)
namespace seed_error_md {
/*!
 * \brief Error cell used in error object following header.
 */
typedef struct {
  /*! \brief The kind of the error. */
  TVMFFIByteArray kind;
  /*! \brief The message of the error. */
  TVMFFIByteArray message;
  /*!
   * \brief The backtrace of the error.
   *
   * The backtrace is in the order of recent call first from the top of the stack
   * to the bottom of the stack. This order makes it helpful for appending
   * the extra backtrace to the end as we go up when error is propagated.
   *
   * When printing out, we encourage reverse the order of lines to make it
   * align with python style.
   */
  TVMFFIByteArray backtrace;
  /*!
   * \brief Function handle to update the backtrace of the error.
   * \param self The self object handle.
   * \param backtrace The backtrace to update.
   * \param update_mode The mode to update the backtrace,
   *        can be either kTVMFFIBacktraceUpdateModeReplace, kTVMFFIBacktraceUpdateModeAppend.
   */
  void (*update_backtrace)(TVMFFIObjectHandle self, const TVMFFIByteArray* backtrace,
                           int32_t update_mode);
} TVMFFIErrorCell;

// error object
class ErrorObj : public ffi::Object, public TVMFFIErrorCell {};
}  // namespace seed_error_md
// end of snippet

// seed 002: String and Bytes (abi_overview.rst; also the old abi_overview.md)
namespace seed_string {
// span-like data structure to store header and length
typedef struct {
  const char* data;
  size_t size;
} TVMFFIByteArray;

// showcase the layout of the on-heap string.
class StringObj : public ffi::Object, public TVMFFIByteArray {};
}  // namespace seed_string
// end of snippet

// seed 002: String and Bytes, reading a string (abi_overview.rst; also abi_overview.md)
TVMFFIByteArray ReadString(const TVMFFIAny* value) {
  TVMFFIByteArray ret;
  if (value->type_index == kTVMFFIRawStr) {
    ret.data = value->v_c_str;
    ret.size = strlen(ret.data);
  } else if (value->type_index == kTVMFFISmallStr) {
    ret.data = value->v_bytes;
    ret.size = value->small_str_len;
  } else {
    assert(value->type_index == kTVMFFIStr);
    ret = *reinterpret_cast<TVMFFIByteArray*>(reinterpret_cast<char*>(value->v_obj) +
                                              sizeof(TVMFFIObject));
  }
  return ret;
}
// end of snippet

// seed 002: Destruction Semantics in C (old any.rst)
void destroy_any(TVMFFIAny* any) {
  if (any->type_index >= kTVMFFIStaticObjectBegin) {
    // Decrement the reference count of the heap-allocated object
    TVMFFIObjectDecRef(any->v_obj);
  }
  *any = (TVMFFIAny){0};
}

void destroy_any_view(TVMFFIAny* any_view) { *any_view = (TVMFFIAny){0}; }
// end of snippet

// seed 002: Reference Counting (old object_and_class.rst), as the body of a function
static ffi::Array<int64_t> SplitRefCount(uint64_t combined_ref_count) {
  // Strong ref count: lower 32 bits
  uint32_t strong_ref_count = combined_ref_count & 0xFFFFFFFF;
  // Weak ref count: upper 32 bits
  uint32_t weak_ref_count = (combined_ref_count >> 32) & 0xFFFFFFFF;
  // end of snippet
  return ffi::Array<int64_t>{strong_ref_count, weak_ref_count};
}

// seed 002: Conversion between Any (old object_and_class.rst)
// Converts Any/AnyView to Object handle (non-owning)
int AnyToObjectPtr(const TVMFFIAny* value, TVMFFIObject** out) {
  if (value->type_index >= kTVMFFIStaticObjectBegin) {
    *out = (TVMFFIObject*)(value->v_obj);
    return SUCCESS;
  }
  return FAILURE;  // Not an object type
}

// Converts Object handle to AnyView (non-owning)
void ObjectToAnyView(TVMFFIObject* obj, int32_t type_index, TVMFFIAny* out) {
  out->type_index = type_index;
  out->zero_padding = 0;
  out->v_obj = obj;
}

// Converts Object handle to Any (owning, increments refcount)
void ObjectToAny(TVMFFIObject* obj, int32_t type_index, TVMFFIAny* out) {
  ObjectToAnyView(obj, type_index, out);
  TVMFFIObjectIncRef(obj);  // Take ownership
}
// end of snippet

// seed 002: To Non-Owning Tensor (old tensor.rst)
// Converts Any/AnyView to DLTensor*
int AnyToDLTensorView(const TVMFFIAny* value, DLTensor** out) {
  if (value->type_index == kTVMFFIDLTensorPtr) {
    *out = (DLTensor*)value->v_ptr;
    return SUCCESS;
  }
  if (value->type_index == kTVMFFITensor) {
    // See Figure 1 for layout of tvm::ffi::TensorObj
    TVMFFIObject* obj = value->v_obj;
    *out = (DLTensor*)((char*)obj + sizeof(TVMFFIObject));
    return SUCCESS;
  }
  return FAILURE;
}
// end of snippet

// seed 002: To Owning Tensor (old tensor.rst)
// Converts Any/AnyView to TensorObj*
int AnyToOwnedTensor(const TVMFFIAny* value, TVMFFIObjectHandle* out) {
  if (value->type_index == kTVMFFITensor) {
    *out = (TVMFFIObjectHandle)value->v_obj;
    return SUCCESS;
  }
  return FAILURE;
}
// end of snippet

// seed 002: From Owning Tensor (old tensor.rst)
// Converts TensorObj* to AnyView
int TensorToAnyView(TVMFFIObjectHandle tensor, TVMFFIAny* out_any_view) {
  out_any_view->type_index = kTVMFFITensor;
  out_any_view->zero_padding = 0;
  out_any_view->v_obj = (TVMFFIObject*)tensor;
  return SUCCESS;
}

// Converts TensorObj* to Any
int TensorToAny(TVMFFIObjectHandle tensor, TVMFFIAny* out_any) {
  TVMFFIAny any_view;
  int ret = TensorToAnyView(tensor, &any_view);
  if (ret != SUCCESS) {
    return ret;
  }
  TVMFFIObjectIncRef(tensor);
  *out_any = any_view;
  return SUCCESS;
}
// end of snippet

// seed 002: From Non-Owning Tensor (old tensor.rst), without TensorViewToAnyView
// Converts DLTensor* to AnyView
int DLTensorToAnyView(DLTensor* tensor, TVMFFIAny* out) {
  out->type_index = kTVMFFIDLTensorPtr;
  out->zero_padding = 0;
  out->v_ptr = tensor;
  return SUCCESS;
}
// end of snippet

// ---- checks and exports used by tests/test_seeds_c_abi.py ----

// The layouts the snippets show are the ones of c_api.h and the C++ classes.
static_assert(sizeof(seed_object_md::TVMFFIObject) == 24);
static_assert(sizeof(seed_object_rst::TVMFFIObject) == 24);
static_assert(sizeof(::TVMFFIObject) == 24);
static_assert(offsetof(seed_object_md::TVMFFIObject, type_index) ==
              offsetof(::TVMFFIObject, type_index));
static_assert(offsetof(seed_object_rst::TVMFFIObject, deleter) ==
              offsetof(::TVMFFIObject, deleter));
static_assert(offsetof(seed_error_md::TVMFFIErrorCell, update_backtrace) ==
              offsetof(::TVMFFIErrorCell, update_backtrace));
static_assert(sizeof(seed_string::TVMFFIByteArray) == sizeof(::TVMFFIByteArray));
static_assert(sizeof(seed_tensor_md::TensorObj) == sizeof(ffi::TensorObj));
static_assert(sizeof(seed_tensor_rst::TensorObj) == sizeof(ffi::TensorObj));
static_assert(sizeof(seed_string::StringObj) == sizeof(::TVMFFIObject) + sizeof(TVMFFIByteArray));
static_assert(sizeof(ffi::ObjectRef) == sizeof(void*));  // "struct { void* data; }"

/*! \brief Byte offset of base class B inside a default-constructed D. */
template <typename D, typename B>
static int64_t BaseOffset() {
  D object;
  return reinterpret_cast<char*>(static_cast<B*>(&object)) - reinterpret_cast<char*>(&object);
}

// Offsets of the payload after the 24-byte header, per layout class of the snippets.
static ffi::Map<ffi::String, int64_t> PayloadOffsets() {
  return ffi::Map<ffi::String, int64_t>{
      {"TensorObj (abi_overview.md)", BaseOffset<seed_tensor_md::TensorObj, DLTensor>()},
      {"TensorObj (abi_overview.rst)", BaseOffset<seed_tensor_rst::TensorObj, DLTensor>()},
      {"ErrorObj", BaseOffset<seed_error_md::ErrorObj, seed_error_md::TVMFFIErrorCell>()},
      {"StringObj", BaseOffset<seed_string::StringObj, seed_string::TVMFFIByteArray>()},
  };
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(payload_offsets, PayloadOffsets);

TVM_FFI_DLL_EXPORT_TYPED_FUNC(any_example, AnyExample);

/*! \brief A TVMFFIAny whose every byte is set, so that stale bytes would show. */
static TVMFFIAny Dirty() {
  TVMFFIAny any;
  std::memset(&any, 0xAB, sizeof(any));
  return any;
}

// SetIntValue into a dirty Any: [type_index, zero_padding, value].
static ffi::Array<int64_t> SetIntValueFields(int value) {
  TVMFFIAny any = Dirty();
  SetIntValue(&any, value);
  return ffi::Array<int64_t>{any.type_index, any.zero_padding, any.v_int64};
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(set_int_value_fields, SetIntValueFields);

// SetOpaquePtrValue into a dirty Any: [type_index, zero_padding, stores the exact pointer].
static ffi::Array<int64_t> SetOpaquePtrValueFields() {
  static int marker = 0;
  TVMFFIAny any = Dirty();
  SetOpaquePtrValue(&any, &marker);
  return ffi::Array<int64_t>{any.type_index, any.zero_padding,
                             any.v_uint64 == reinterpret_cast<uintptr_t>(&marker)};
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(set_opaque_ptr_value_fields, SetOpaquePtrValueFields);

// ErrorFunc wrapped as a Function (it has the safe-call signature).
static ffi::Function MakeErrorFunc() {
  TVMFFIObjectHandle handle = nullptr;
  TVM_FFI_CHECK_SAFE_CALL(TVMFFIFunctionCreate(nullptr, ErrorFunc, nullptr, &handle));
  return ffi::Function(
      ffi::details::ObjectUnsafe::PtrFromOwned<ffi::Object>(static_cast<TVMFFIObject*>(handle)));
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(make_error_func, MakeErrorFunc);

// ReadString on the argument as the caller passed it: [type_index, the string read].
static ffi::Array<ffi::Any> ReadStringArg(ffi::AnyView value) {
  const TVMFFIAny* raw = ffi::details::AnyUnsafe::Raw(value);
  TVMFFIByteArray bytes = ReadString(raw);
  return ffi::Array<ffi::Any>{raw->type_index, ffi::String(bytes.data, bytes.size)};
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(read_string_arg, ReadStringArg);

// ReadString on a string of each form: [[type_index, the string read], ...].
static ffi::Array<ffi::Array<ffi::Any>> ReadStringForms() {
  ffi::Array<ffi::Array<ffi::Any>> forms;
  TVMFFIAny raw = Dirty();
  raw.type_index = kTVMFFIRawStr;
  raw.zero_padding = 0;
  raw.v_c_str = "a raw C string";
  forms.push_back(ReadStringArg(ffi::details::AnyUnsafe::ViewFromRaw(raw)));
  for (const char* text : {"short", "an on-heap string object"}) {
    TVMFFIByteArray bytes = {text, std::strlen(text)};
    TVMFFIAny owned = Dirty();
    TVM_FFI_CHECK_SAFE_CALL(TVMFFIStringFromByteArray(&bytes, &owned));
    ffi::Any keep = ffi::details::AnyUnsafe::FromOwnedRaw(owned);
    forms.push_back(ReadStringArg(keep));
  }
  return forms;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(read_string_forms, ReadStringForms);

TVM_FFI_DLL_EXPORT_TYPED_FUNC(split_ref_count, SplitRefCount);

/*! \brief A C-style object whose deleter records the flags it was called with. */
struct ProbeObject {
  TVMFFIObject header;
  static int deleter_flags;
  static void Deleter(void*, int flags) { deleter_flags = flags; }
  ProbeObject() {
    header.combined_ref_count = (uint64_t{1} << 32) | 1;  // strong 1, weak 1
    header.type_index = kTVMFFIObject;
    header.__padding = 0;
    header.deleter = Deleter;
    deleter_flags = 0;
  }
  uint32_t strong() const { return static_cast<uint32_t>(header.combined_ref_count); }
};
int ProbeObject::deleter_flags = 0;

// The object conversions and destroy_any/destroy_any_view on one object; returns the strong
// count after each step, then the deleter flags once the last reference is destroyed.
static ffi::Map<ffi::String, int64_t> ObjectConversions() {
  ProbeObject probe;
  ffi::Map<ffi::String, int64_t> steps;
  TVMFFIAny view, owned, pod;
  TVMFFIObject* out = nullptr;
  ObjectToAnyView(&probe.header, kTVMFFIObject, &view);
  steps.Set("ObjectToAnyView", probe.strong());
  steps.Set("AnyToObjectPtr(view)", AnyToObjectPtr(&view, &out));
  TVM_FFI_ICHECK(out == &probe.header);
  SetIntValue(&pod, 3);
  steps.Set("AnyToObjectPtr(int)", AnyToObjectPtr(&pod, &out));
  ObjectToAny(&probe.header, kTVMFFIObject, &owned);
  steps.Set("ObjectToAny", probe.strong());
  destroy_any_view(&view);
  steps.Set("destroy_any_view", probe.strong());
  steps.Set("view cleared", view.type_index == kTVMFFINone && view.v_obj == nullptr);
  destroy_any(&owned);
  steps.Set("destroy_any", probe.strong());
  steps.Set("deleter before last", ProbeObject::deleter_flags);
  ObjectToAnyView(&probe.header, kTVMFFIObject, &view);
  destroy_any(&view);  // the last reference: destroy_any on an owning Any runs the deleter
  steps.Set("deleter after last", ProbeObject::deleter_flags);
  return steps;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(object_conversions, ObjectConversions);

// The tensor snippets on a tensor argument, checked against each other; returns what they
// read and how TensorToAny / destroy_any change the tensor's strong count.
static ffi::Map<ffi::String, ffi::Any> TensorConversions(ffi::AnyView arg) {
  const TVMFFIAny* raw = ffi::details::AnyUnsafe::Raw(arg);
  ffi::Map<ffi::String, ffi::Any> info;
  DLTensor* read = ReadDLTensorPtr(raw);
  DLTensor* view_read = nullptr;
  TVM_FFI_ICHECK_EQ(AnyToDLTensorView(raw, &view_read), SUCCESS);
  TVM_FFI_ICHECK(view_read == read);
  TVMFFIAny dl_view;
  TVM_FFI_ICHECK_EQ(DLTensorToAnyView(read, &dl_view), SUCCESS);
  TVM_FFI_ICHECK(dl_view.type_index == kTVMFFIDLTensorPtr && ReadDLTensorPtr(&dl_view) == read);
  info.Set("type_index", raw->type_index);
  info.Set("ndim", read->ndim);
  info.Set("size0", read->shape[0]);
  info.Set("first", static_cast<double>(static_cast<const float*>(read->data)[0]));

  TVMFFIObjectHandle tensor = nullptr;
  int owned_code = AnyToOwnedTensor(raw, &tensor);
  info.Set("AnyToOwnedTensor", owned_code);
  if (owned_code != SUCCESS) return info;
  TVMFFIAny tensor_view;
  TVM_FFI_ICHECK_EQ(TensorToAnyView(tensor, &tensor_view), SUCCESS);
  TVM_FFI_ICHECK(ReadDLTensorPtr(&tensor_view) == read);
  auto strong = [&] {
    return static_cast<int64_t>(static_cast<TVMFFIObject*>(tensor)->combined_ref_count &
                                0xFFFFFFFF);
  };
  int64_t before = strong();
  TVMFFIAny tensor_any;
  TVM_FFI_ICHECK_EQ(TensorToAny(tensor, &tensor_any), SUCCESS);
  int64_t with_any = strong();
  info.Set("TensorToAny adds", with_any - before);
  destroy_any(&tensor_any);
  info.Set("destroy_any removes", with_any - static_cast<int64_t>(strong()));
  return info;
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(tensor_conversions, TensorConversions);

// ReadDLTensorPtr from a Tensor the runtime made, returned to the caller through TensorToAny.
extern "C" TVM_FFI_DLL_EXPORT int __tvm_ffi_tensor_to_any(void* handle, const TVMFFIAny* args,
                                                          int32_t num_args, TVMFFIAny* result) {
  TVMFFIObjectHandle tensor = nullptr;
  if (num_args != 1 || AnyToOwnedTensor(&args[0], &tensor) != SUCCESS) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "tensor_to_any expects one Tensor");
    return -1;
  }
  return TensorToAny(tensor, result) == SUCCESS ? 0 : -1;
}
