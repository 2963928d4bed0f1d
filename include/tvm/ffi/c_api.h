/*
 * The TVM-FFI stable C ABI: value and object layouts, the calling convention,
 * and the C functions of the runtime library. Plain C99; C++ adds a few overloads.
 */
#ifndef TVM_FFI_C_API_H_
#define TVM_FFI_C_API_H_

#include <dlpack/dlpack.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define TVM_FFI_DLL __declspec(dllexport)
#define TVM_FFI_DLL_EXPORT __declspec(dllexport)
#else
#define TVM_FFI_DLL __attribute__((visibility("default")))
#define TVM_FFI_DLL_EXPORT __attribute__((visibility("default")))
#endif

/* Version of the ABI this header describes (bumped on any layout change). */
#define TVM_FFI_VERSION_MAJOR 0
#define TVM_FFI_VERSION_MINOR 1
#define TVM_FFI_VERSION_PATCH 9

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t major;
  uint32_t minor;
  uint32_t patch;
} TVMFFIVersion;

/* Type index of every value an Any can hold. Below StaticObjectBegin: inline POD values. */
#ifdef __cplusplus
enum TVMFFITypeIndex : int32_t {
#else
typedef enum {
#endif
  kTVMFFIAny = -1,
  kTVMFFINone = 0,
  kTVMFFIInt = 1,
  kTVMFFIBool = 2,
  kTVMFFIFloat = 3,
  kTVMFFIOpaquePtr = 4,
  kTVMFFIDataType = 5,
  kTVMFFIDevice = 6,
  kTVMFFIDLTensorPtr = 7,
  kTVMFFIRawStr = 8,
  kTVMFFIByteArrayPtr = 9,
  kTVMFFIObjectRValueRef = 10,
  kTVMFFISmallStr = 11,
  kTVMFFISmallBytes = 12,
  kTVMFFIStaticObjectBegin = 64,
  kTVMFFIObject = 64,
  kTVMFFIStr = 65,
  kTVMFFIBytes = 66,
  kTVMFFIError = 67,
  kTVMFFIFunction = 68,
  kTVMFFIShape = 69,
  kTVMFFITensor = 70,
  kTVMFFIArray = 71,
  kTVMFFIMap = 72,
  kTVMFFIModule = 73,
  kTVMFFIOpaquePyObject = 74,
  kTVMFFIList = 75,
  kTVMFFIDict = 76,
  kTVMFFIStaticObjectEnd,
  kTVMFFIDynObjectBegin = 128
#ifdef __cplusplus
};
#else
} TVMFFITypeIndex;
#endif

/* Opaque handle to an object, as the C functions take and return it. */
typedef void* TVMFFIObjectHandle;

/* Flags passed to TVMFFIObject::deleter: which count reached zero. */
typedef enum {
  kTVMFFIObjectDeleterFlagBitMaskStrong = 1 << 0,
  kTVMFFIObjectDeleterFlagBitMaskWeak = 1 << 1,
  kTVMFFIObjectDeleterFlagBitMaskBoth = (1 << 0) | (1 << 1),
} TVMFFIObjectDeleterFlagBitMask;

/* The 24-byte header every heap object starts with. */
typedef struct TVMFFIObject {
  /* Strong count in the low 32 bits, weak count in the high 32 bits. */
  uint64_t combined_ref_count;
  int32_t type_index;
  uint32_t __padding;
  union {
    /* Called with kTVMFFIObjectDeleterFlagBitMask* when a count reaches zero. */
    void (*deleter)(struct TVMFFIObject* self, int flags);
    int64_t __ensure_align;
  };
} TVMFFIObject;

/* The 16-byte tagged union that carries every value across the ABI. */
typedef struct TVMFFIAny {
  int32_t type_index;
  union {
    uint32_t zero_padding;  /* zero unless the value is a small string/bytes */
    uint32_t small_str_len; /* length of a kTVMFFISmallStr / kTVMFFISmallBytes */
  };
  union {
    int64_t v_int64;
    uint64_t v_uint64;
    double v_float64;
    void* v_ptr;
    const char* v_c_str;
    TVMFFIObject* v_obj;
    DLDataType v_dtype;
    DLDevice v_device;
    char v_bytes[8];
  };
} TVMFFIAny;

/* A span of bytes; the payload of String and Bytes objects. */
typedef struct {
  const char* data;
  size_t size;
} TVMFFIByteArray;

/* The payload of a Shape object. */
typedef struct {
  const int64_t* data;
  size_t size;
} TVMFFIShapeCell;

/* How TVMFFIErrorCell::update_backtrace combines a new backtrace with the old one. */
typedef enum {
  kTVMFFIBacktraceUpdateModeReplace = 0,
  kTVMFFIBacktraceUpdateModeAppend = 1,
} TVMFFIBacktraceUpdateMode;

/* The payload of an Error object. */
typedef struct {
  TVMFFIByteArray kind;      /* e.g. "ValueError" */
  TVMFFIByteArray message;   /* the message, without the kind */
  TVMFFIByteArray backtrace; /* most recent call first */
  void (*update_backtrace)(TVMFFIObjectHandle self, const TVMFFIByteArray* backtrace,
                           int32_t update_mode);
  TVMFFIObjectHandle cause_chain;   /* an Error that caused this one, or NULL */
  TVMFFIObjectHandle extra_context; /* frontend data (e.g. the original Python exception) */
} TVMFFIErrorCell;

/*
 * The one calling convention of every function: `args` are borrowed views, `result` is an
 * owned Any the caller zero-initializes. Returns 0 on success, -1 with an error in TLS,
 * -2 when the frontend already has an exception set (e.g. a pending signal).
 */
typedef int (*TVMFFISafeCallType)(void* handle, const TVMFFIAny* args, int32_t num_args,
                                  TVMFFIAny* result);

/* The payload of a Function object. */
typedef struct {
  TVMFFISafeCallType safe_call; /* cross-ABI entry: never throws */
  void* cpp_call;               /* same-DSO entry that may throw; NULL if absent */
} TVMFFIFunctionCell;

/* Runtime type information of one registered type. */
typedef struct TVMFFITypeInfo {
  int32_t type_index;
  int32_t type_depth; /* 0 for Object, parent's depth + 1 otherwise */
  TVMFFIByteArray type_key;
  const struct TVMFFITypeInfo** type_ancestors; /* type_ancestors[d] has depth d */
  uint64_t type_key_hash;
} TVMFFITypeInfo;

/* ---- runtime ---- */
TVM_FFI_DLL void TVMFFIGetVersion(TVMFFIVersion* out);

/* ---- objects ---- */
TVM_FFI_DLL int TVMFFIObjectIncRef(TVMFFIObjectHandle obj);
TVM_FFI_DLL int TVMFFIObjectDecRef(TVMFFIObjectHandle obj);
/* Returns the index registered for `type_key`, allocating one the first time. */
TVM_FFI_DLL int32_t TVMFFITypeGetOrAllocIndex(const TVMFFIByteArray* type_key,
                                              int32_t static_type_index, int32_t type_depth,
                                              int32_t num_child_slots,
                                              int32_t child_slots_can_overflow,
                                              int32_t parent_type_index);
TVM_FFI_DLL int TVMFFITypeKeyToIndex(const TVMFFIByteArray* type_key, int32_t* out_tindex);
TVM_FFI_DLL const TVMFFITypeInfo* TVMFFIGetTypeInfo(int32_t type_index);

/* ---- any ---- */
/* Converts a view to an owned value: raw strings/byte arrays become String/Bytes. */
TVM_FFI_DLL int TVMFFIAnyViewToOwnedAny(const TVMFFIAny* any_view, TVMFFIAny* out);

/* ---- functions ---- */
/* Wraps `safe_call`; it is called with `self` as handle, and `deleter(self)` runs on free. */
TVM_FFI_DLL int TVMFFIFunctionCreate(void* self, TVMFFISafeCallType safe_call,
                                     void (*deleter)(void* self), TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFIFunctionCall(TVMFFIObjectHandle func, const TVMFFIAny* args, int32_t num_args,
                                   TVMFFIAny* result);
TVM_FFI_DLL int TVMFFIFunctionSetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle f,
                                        int allow_override);
/* Returns an owning handle, or NULL in *out when no function has that name. */
TVM_FFI_DLL int TVMFFIFunctionGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out);
/* Attaches a docstring to the global function `name`. */
TVM_FFI_DLL int TVMFFIFunctionSetGlobalDoc(const TVMFFIByteArray* name, const TVMFFIByteArray* doc);
/* Lists the names of all global functions as an Array of String in *out. */
TVM_FFI_DLL int TVMFFIFunctionListGlobalNames(TVMFFIAny* out);

/* ---- errors ---- */
TVM_FFI_DLL int TVMFFIErrorCreate(const TVMFFIByteArray* kind, const TVMFFIByteArray* message,
                                  const TVMFFIByteArray* backtrace, TVMFFIObjectHandle* out);
/* Moves the raised error of this thread into *result (NULL if none) and clears it. */
TVM_FFI_DLL void TVMFFIErrorMoveFromRaised(TVMFFIObjectHandle* result);
/* Raises `error` on this thread; takes a new reference. */
TVM_FFI_DLL void TVMFFIErrorSetRaised(TVMFFIObjectHandle error);
TVM_FFI_DLL void TVMFFIErrorSetRaisedFromCStr(const char* kind, const char* message);
/* Like ...FromCStr with the message given as `num_parts` pieces that are concatenated. */
TVM_FFI_DLL void TVMFFIErrorSetRaisedFromCStrParts(const char* kind, const char** message_parts,
                                                   int32_t num_parts);
/*
 * The C++ backtrace of the calling thread, most recent call first, starting at the caller of
 * the frame that asked; the bytes stay valid until the next call on this thread.
 */
TVM_FFI_DLL const TVMFFIByteArray* TVMFFIBacktrace(const char* filename, int lineno,
                                                   const char* func, int skip_frames);

/* ---- strings ---- */
TVM_FFI_DLL int TVMFFIStringFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out);
TVM_FFI_DLL int TVMFFIBytesFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out);
TVM_FFI_DLL int TVMFFIDataTypeFromString(const TVMFFIByteArray* str, DLDataType* out);
TVM_FFI_DLL int TVMFFIDataTypeToString(const DLDataType* dtype, TVMFFIAny* out);

/* ---- tensors ---- */
/* Wraps a DLManagedTensor / DLManagedTensorVersioned (taking ownership) as a Tensor. */
TVM_FFI_DLL int TVMFFITensorFromDLPack(void* from, int32_t require_alignment,
                                       int32_t require_contiguous, TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFITensorFromDLPackVersioned(void* from, int32_t require_alignment,
                                                int32_t require_contiguous,
                                                TVMFFIObjectHandle* out);
/* Exports a Tensor; the caller owns the result and calls its deleter. */
TVM_FFI_DLL int TVMFFITensorToDLPack(TVMFFIObjectHandle from, DLManagedTensor** out);
TVM_FFI_DLL int TVMFFITensorToDLPackVersioned(TVMFFIObjectHandle from,
                                              DLManagedTensorVersioned** out);

#ifdef __cplusplus
}  // extern "C"

/* C++ conveniences: accept typed object pointers and plain C strings. */
inline int TVMFFIFunctionGetGlobal(const char* name, TVMFFIObject** out) {
  size_t size = 0;
  while (name[size] != '\0') ++size;
  TVMFFIByteArray bytes = {name, size};
  return TVMFFIFunctionGetGlobal(&bytes, reinterpret_cast<TVMFFIObjectHandle*>(out));
}
inline void TVMFFIErrorMoveFromRaised(TVMFFIObject** result) {
  TVMFFIErrorMoveFromRaised(reinterpret_cast<TVMFFIObjectHandle*>(result));
}
#endif

#endif  // TVM_FFI_C_API_H_
