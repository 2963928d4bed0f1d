/*
 * A driver for example_code.c (seed 002's examples/abi_overview/example_code.c, kept verbatim):
 * `example_code <check>` runs one group of its functions against the runtime, asserts the
 * outcome and prints the values it saw, which tests/test_seeds_c_abi.py compares.
 * Plain C99, built with `gcc -std=c99` like the example itself.
 */
#define main example_code_main /* example_code.c ends with its own empty main() */
#include "example_code.c"
#undef main

#include <stdlib.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* A minimal object defined in C: the header, then a payload; the deleter only records. */
typedef struct {
  TVMFFIObject header;
  int payload;
} CounterObject;

static int counter_deleter_flags = 0;

static void CounterDeleter(void* self, int flags) {
  (void)self;
  counter_deleter_flags = flags;
}

static CounterObject MakeCounter(int32_t type_index) {
  CounterObject obj;
  memset(&obj, 0, sizeof(obj));
  obj.header.combined_ref_count = ((uint64_t)1 << 32) | 1; /* strong 1, weak 1 */
  obj.header.type_index = type_index;
  obj.header.deleter = CounterDeleter;
  obj.payload = 7;
  return obj;
}

static uint32_t StrongCount(const TVMFFIObject* obj) {
  return (uint32_t)(obj->combined_ref_count & 0xFFFFFFFFu);
}

static int ByteArrayEquals(TVMFFIByteArray bytes, const char* text) {
  return bytes.size == strlen(text) && memcmp(bytes.data, text, bytes.size) == 0;
}

static void CheckAnyPod(void) {
  TVMFFIAny i = Any_AnyView_FromInt(-7);
  TVMFFIAny f = Any_AnyView_FromFloat(2.75);
  TVMFFIAny b = Any_AnyView_FromInt(1);
  b.type_index = kTVMFFIBool;
  CHECK(i.type_index == kTVMFFIInt && i.zero_padding == 0);
  CHECK(f.type_index == kTVMFFIFloat && f.zero_padding == 0);
  printf("int=%lld as_float=%.2f\n", (long long)Any_AnyView_GetInt(&i), Any_AnyView_GetFloat(&i));
  printf("float=%.2f as_int=%lld\n", Any_AnyView_GetFloat(&f), (long long)Any_AnyView_GetInt(&f));
  printf("bool=%lld\n", (long long)Any_AnyView_GetInt(&b));
  Any_AnyView_Destroy(&i);
  CHECK(i.type_index == kTVMFFINone && i.v_int64 == 0);
  printf("destroyed type_index=%d\n", (int)i.type_index);
}

static void CheckAnyObject(void) {
  CounterObject obj = MakeCounter(kTVMFFIObject);
  TVMFFIObject* moved = NULL;
  TVMFFIAny none = Any_AnyView_FromInt(0);
  TVMFFIAny owning, view;
  none.type_index = kTVMFFINone;
  CHECK(Any_AnyView_GetObject(&none) == NULL);

  IS_OWNING_ANY = 1; /* Any: constructing takes a reference, destroying drops it */
  owning = Any_AnyView_FromObjectPtr(&obj.header);
  CHECK(owning.type_index == kTVMFFIObject && Any_AnyView_GetObject(&owning) == &obj.header);
  printf("any: after construct=%u", StrongCount(&obj.header));
  Any_AnyView_Destroy(&owning);
  CHECK(owning.type_index == kTVMFFINone && owning.v_obj == NULL);
  printf(" after destroy=%u\n", StrongCount(&obj.header));

  IS_OWNING_ANY = 0; /* AnyView: borrows, counts never change */
  view = Any_AnyView_FromObjectPtr(&obj.header);
  printf("view: after construct=%u", StrongCount(&obj.header));
  Any_AnyView_Destroy(&view);
  printf(" after destroy=%u\n", StrongCount(&obj.header));

  IS_OWNING_ANY = 1; /* moving out of an Any keeps its reference */
  owning = Any_AnyView_FromObjectPtr(&obj.header);
  Object_MoveFromAny(&owning, &moved);
  CHECK(moved == &obj.header && owning.type_index == kTVMFFINone);
  printf("move: count=%u", StrongCount(moved));
  Object_Destroy(moved);
  printf(" after destroy=%u deleter_flags=%d\n", StrongCount(&obj.header), counter_deleter_flags);
  CHECK(counter_deleter_flags == 0);
  Object_Destroy(&obj.header); /* the last reference: the deleter runs */
  printf("last destroy: deleter_flags=%d\n", counter_deleter_flags);
  CHECK(counter_deleter_flags == kTVMFFIObjectDeleterFlagBitMaskBoth);
}

typedef struct {
  int64_t offset;
  int freed;
} AddContext;

/* x + y + offset, with the offset taken from the closure handle. */
static int AddWithOffset(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  AddContext* context = (AddContext*)handle;
  if (num_args < 2) return Error_RaiseException(handle, args, num_args, result);
  *result = Any_AnyView_FromInt(Any_AnyView_GetInt(&args[0]) + Any_AnyView_GetInt(&args[1]) +
                                context->offset);
  return 0;
}

static void FreeAddContext(void* self) { ((AddContext*)self)->freed += 1; }

static void CheckFunction(void) {
  AddContext registered = {100, 0};
  AddContext temporary = {1000, 0};
  TVMFFIObject* func = Function_Construct(&registered, AddWithOffset, FreeAddContext);
  TVMFFIObject* found = NULL;
  TVMFFIObject* other = NULL;
  CHECK(func != NULL && func->type_index == kTVMFFIFunction);
  printf("call(40, 2)=%lld\n", (long long)CallFunction(func, 40, 2));

  Function_SetGlobal("example_code.add_with_offset", func);
  found = Function_RetrieveGlobal("example_code.add_with_offset");
  CHECK(found != NULL && found->type_index == kTVMFFIFunction);
  printf("global call(1, 2)=%lld\n", (long long)CallFunction(found, 1, 2));
  Object_Destroy(found);
  Object_Destroy(func); /* the registry still holds the function */
  found = Function_RetrieveGlobal("example_code.add_with_offset");
  printf("after release: registered_freed=%d global call(3, 4)=%lld\n", registered.freed,
         (long long)CallFunction(found, 3, 4));
  Object_Destroy(found);
  printf("missing global is NULL=%d\n", Function_RetrieveGlobal("example_code.missing") == NULL);

  other = Function_Construct(&temporary, AddWithOffset, FreeAddContext);
  printf("unregistered call(5, 6)=%lld", (long long)CallFunction(other, 5, 6));
  Object_Destroy(other);
  printf(" freed=%d\n", temporary.freed);
}

static void CheckError(void) {
  TVMFFIObject* raiser = Function_Construct(NULL, Error_RaiseException, NULL);
  TVMFFIObject* err = NULL;
  TVMFFIErrorCell* cell = NULL;
  TVMFFIAny result = (TVMFFIAny){0};
  int rc = TVMFFIFunctionCall(raiser, NULL, 0, &result);
  printf("rc=%d\n", rc);
  CHECK(rc == -1);

  /* Look at the raised error, then raise it again for Error_HandleReturnCode. */
  TVMFFIErrorMoveFromRaised((void**)(&err));
  CHECK(err != NULL && err->type_index == kTVMFFIError);
  cell = (TVMFFIErrorCell*)((char*)err + sizeof(TVMFFIObject));
  CHECK(ByteArrayEquals(cell->kind, "ValueError"));
  CHECK(ByteArrayEquals(cell->message, "Expected at least 2 arguments"));
  printf("kind=%.*s message=%.*s\n", (int)cell->kind.size, cell->kind.data, (int)cell->message.size,
         cell->message.data);
  TVMFFIErrorSetRaised(err); /* takes its own reference */
  TVMFFIObjectDecRef(err);
  err = NULL;

  Error_HandleReturnCode(rc); /* prints to stderr, releases the error, clears the slot */
  TVMFFIErrorMoveFromRaised((void**)(&err));
  printf("slot cleared=%d\n", err == NULL);
  CHECK(err == NULL);
  Error_HandleReturnCode(-2); /* the frontend's error: nothing to fetch */
  Object_Destroy(raiser);
}

static int32_t AllocType(const char* key, int32_t depth, int32_t parent) {
  TVMFFIByteArray type_key = {key, strlen(key)};
  /* No reserved child slots, overflow allowed: otherwise a type can have no subclass. */
  return TVMFFITypeGetOrAllocIndex(&type_key, -1, depth, 0, 1, parent);
}

static void CheckTypeInfo(void) {
  int32_t base = AllocType("example_code.Base", 1, kTVMFFIObject);
  int32_t derived = AllocType("example_code.Derived", 2, base);
  int32_t sibling = AllocType("example_code.Sibling", 1, kTVMFFIObject);
  int32_t cousin = AllocType("example_code.Cousin", 2, sibling);
  CounterObject instance = MakeCounter(derived);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(derived);
  CHECK(base >= kTVMFFIDynObjectBegin && derived > base);
  CHECK(AllocType("example_code.Base", 1, kTVMFFIObject) == base); /* same key, same index */
  CHECK(info != NULL && info->type_index == derived && info->type_depth == 2);
  CHECK(ByteArrayEquals(info->type_key, "example_code.Derived"));
  printf("derived is Base=%d Object=%d Derived=%d\n", Object_IsInstance(derived, base, 1),
         Object_IsInstance(derived, kTVMFFIObject, 0), Object_IsInstance(derived, derived, 2));
  printf("base is Derived=%d\n", Object_IsInstance(base, derived, 2));
  printf("sibling is Base=%d cousin is Base=%d cousin is Sibling=%d\n",
         Object_IsInstance(sibling, base, 1), Object_IsInstance(cousin, base, 1),
         Object_IsInstance(cousin, sibling, 1));
  printf("Str is Object=%d Str is Base=%d\n", Object_IsInstance(kTVMFFIStr, kTVMFFIObject, 0),
         Object_IsInstance(kTVMFFIStr, base, 1));
  printf("instance is Base=%d\n", Object_IsInstance(instance.header.type_index, base, 1));
}

static float dlpack_data[6] = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
static int64_t dlpack_shape[2] = {2, 3};
static int dlpack_deleted = 0;

static void DeleteManaged(DLManagedTensorVersioned* self) {
  (void)self;
  dlpack_deleted += 1;
}

static void CheckTensorDLPack(void) {
  DLManagedTensorVersioned managed;
  TVMFFIObject* tensor = NULL;
  DLTensor* dl = NULL;
  DLManagedTensorVersioned* exported = NULL;
  TVMFFIAny view;
  memset(&managed, 0, sizeof(managed));
  managed.version.major = DLPACK_MAJOR_VERSION;
  managed.version.minor = DLPACK_MINOR_VERSION;
  managed.deleter = DeleteManaged;
  managed.dl_tensor.data = dlpack_data;
  managed.dl_tensor.device.device_type = kDLCPU;
  managed.dl_tensor.ndim = 2;
  managed.dl_tensor.dtype.code = kDLFloat;
  managed.dl_tensor.dtype.bits = 32;
  managed.dl_tensor.dtype.lanes = 1;
  managed.dl_tensor.shape = dlpack_shape;

  tensor = Tensor_FromDLPack(&managed);
  CHECK(tensor != NULL && tensor->type_index == kTVMFFITensor);
  dl = Tensor_AccessDLTensor(tensor);
  CHECK(dl->data == (void*)dlpack_data); /* zero-copy */
  printf("ndim=%d shape=%lldx%lld dtype=%d/%d element[1][2]=%.1f\n", dl->ndim,
         (long long)dl->shape[0], (long long)dl->shape[1], dl->dtype.code, dl->dtype.bits,
         ((float*)dl->data)[1 * 3 + 2]);

  view = Any_AnyView_FromInt(0);
  view.type_index = kTVMFFITensor;
  view.v_obj = tensor;
  CHECK(Any_AnyView_GetDLTensor(&view) == dl);
  view.type_index = kTVMFFIDLTensorPtr;
  view.v_ptr = &managed.dl_tensor;
  CHECK(Any_AnyView_GetDLTensor(&view) == &managed.dl_tensor);

  exported = Tensor_ToDLPackVersioned(tensor);
  CHECK(exported != NULL && exported->dl_tensor.data == (void*)dlpack_data);
  CHECK(exported->version.major == DLPACK_MAJOR_VERSION);
  CHECK(exported->version.minor == DLPACK_MINOR_VERSION);
  printf("exported shape=%lldx%lld element[0][1]=%.1f\n", (long long)exported->dl_tensor.shape[0],
         (long long)exported->dl_tensor.shape[1], ((float*)exported->dl_tensor.data)[1]);
  Object_Destroy(tensor);
  printf("deleted after tensor release=%d", dlpack_deleted); /* the export keeps it alive */
  exported->deleter(exported);
  printf(" after export release=%d\n", dlpack_deleted);
}

static int custom_allocations = 0;
static int custom_frees = 0;

static void FreeCustom(DLManagedTensorVersioned* self) {
  free(self->dl_tensor.data);
  free(self->dl_tensor.shape);
  free(self);
  custom_frees += 1;
}

/* A framework-style allocator: malloc'd data described by a DLManagedTensorVersioned. */
static int CustomAllocator(DLTensor* prototype, DLManagedTensorVersioned** out, void* error_ctx,
                           void (*SetError)(void* error_ctx, const char* kind,
                                            const char* message)) {
  DLManagedTensorVersioned* managed = NULL;
  int64_t numel = 1;
  int32_t i;
  if (prototype->device.device_type != kDLCPU) {
    SetError(error_ctx, "RuntimeError", "CustomAllocator only allocates on CPU");
    return -1;
  }
  for (i = 0; i < prototype->ndim; ++i) numel *= prototype->shape[i];
  managed = (DLManagedTensorVersioned*)calloc(1, sizeof(DLManagedTensorVersioned));
  managed->version.major = DLPACK_MAJOR_VERSION;
  managed->version.minor = DLPACK_MINOR_VERSION;
  managed->dl_tensor = *prototype;
  managed->dl_tensor.shape = (int64_t*)malloc(sizeof(int64_t) * (size_t)prototype->ndim);
  memcpy(managed->dl_tensor.shape, prototype->shape, sizeof(int64_t) * (size_t)prototype->ndim);
  managed->dl_tensor.strides = NULL;
  managed->dl_tensor.data = calloc((size_t)numel, (size_t)(prototype->dtype.bits / 8));
  managed->deleter = FreeCustom;
  custom_allocations += 1;
  *out = managed;
  return 0;
}

static int64_t FillAndSum(DLTensor* dl) {
  int64_t* values = (int64_t*)dl->data;
  int64_t sum = 0;
  int64_t i;
  for (i = 0; i < dl->shape[0]; ++i) values[i] = i * i;
  for (i = 0; i < dl->shape[0]; ++i) sum += values[i];
  return sum;
}

static void CheckTensorAlloc(void) {
  int64_t shape[1] = {5};
  DLTensor prototype;
  TVMFFIObject* tensor = NULL;
  DLTensor* dl = NULL;
  memset(&prototype, 0, sizeof(prototype));
  prototype.device.device_type = kDLCPU;
  prototype.ndim = 1;
  prototype.dtype.code = kDLInt;
  prototype.dtype.bits = 64;
  prototype.dtype.lanes = 1;
  prototype.shape = shape;

  /* No framework allocator in a plain C program: the runtime allocates CPU memory. */
  CHECK(TVMFFIEnvGetDLPackManagedTensorAllocator() == NULL);
  tensor = Tensor_Alloc(&prototype);
  CHECK(tensor->type_index == kTVMFFITensor);
  dl = Tensor_AccessDLTensor(tensor);
  CHECK(dl->data != NULL && dl->ndim == 1 && dl->shape[0] == 5);
  CHECK(dl->dtype.code == kDLInt && dl->dtype.bits == 64 && dl->device.device_type == kDLCPU);
  printf("runtime allocator: sum of squares=%lld\n", (long long)FillAndSum(dl));
  Object_Destroy(tensor);

  /* With an allocator installed, TVMFFIEnvTensorAlloc goes through it. */
  CHECK(TVMFFIEnvSetDLPackManagedTensorAllocator(CustomAllocator, 0, NULL) == 0);
  tensor = Tensor_Alloc(&prototype);
  dl = Tensor_AccessDLTensor(tensor);
  printf("custom allocator: allocations=%d sum of squares=%lld", custom_allocations,
         (long long)FillAndSum(dl));
  Object_Destroy(tensor);
  printf(" frees=%d\n", custom_frees);
}

int main(int argc, char** argv) {
  const char* check = argc > 1 ? argv[1] : "";
  if (strcmp(check, "any_pod") == 0) {
    CheckAnyPod();
  } else if (strcmp(check, "any_object") == 0) {
    CheckAnyObject();
  } else if (strcmp(check, "function") == 0) {
    CheckFunction();
  } else if (strcmp(check, "error") == 0) {
    CheckError();
  } else if (strcmp(check, "type_info") == 0) {
    CheckTypeInfo();
  } else if (strcmp(check, "tensor_dlpack") == 0) {
    CheckTensorDLPack();
  } else if (strcmp(check, "tensor_alloc") == 0) {
    CheckTensorAlloc();
  } else {
    fprintf(stderr,
            "usage: %s any_pod|any_object|function|error|type_info|tensor_dlpack|"
            "tensor_alloc\n",
            argv[0]);
    return 2;
  }
  return example_code_main(); /* and the example's own main, which returns 0 */
}
