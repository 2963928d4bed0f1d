"""C++ probes of the kernel-author API, written as code for apache-tvm-ffi would be.

Each probe is a self-contained snippet placed in its own namespace of one translation unit
(headers first). tests/test_cxx_api.py compiles them against these headers (and, when
apache-tvm-ffi is installed, against its headers too, to keep the probes honest).
"""

HEADERS = r"""
#include <tvm/ffi/any.h>
#include <tvm/ffi/base_detail.h>
#include <tvm/ffi/c_api.h>
#include <tvm/ffi/cast.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/device.h>
#include <tvm/ffi/dtype.h>
#include <tvm/ffi/endian.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/expected.h>
#include <tvm/ffi/extra/base.h>
#include <tvm/ffi/extra/base64.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/extra/dtype.h>
#include <tvm/ffi/extra/module.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/function_detail.h>
#include <tvm/ffi/memory.h>
#include <tvm/ffi/object.h>
#include <tvm/ffi/optional.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/rvalue_ref.h>
#include <tvm/ffi/string.h>
#include <tvm/ffi/tvm_ffi.h>
#include <tvm/ffi/type_traits.h>

#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>
"""

# name -> body (namespace scope). `ffi` is tvm::ffi in every probe.
PROBES = {
    "tensor_from_env_alloc": r"""
ffi::Tensor Alloc(ffi::TensorView like, int64_t n) {
  return ffi::Tensor::FromEnvAlloc(TVMFFIEnvTensorAlloc, ffi::Shape({n, 2}), like.dtype(),
                                   like.device());
}
""",
    "tensor_from_nd_alloc": r"""
struct CPUAlloc {
  void AllocData(DLTensor* t) { t->data = std::malloc(ffi::GetDataSize(*t)); }
  void FreeData(DLTensor* t) { std::free(t->data); }
};
ffi::Tensor Make(int64_t n) {
  DLDataType f32{kDLFloat, 32, 1};
  return ffi::Tensor::FromNDAlloc(CPUAlloc(), ffi::Shape({n}), f32, DLDevice{kDLCPU, 0});
}
""",
    "tensor_view_accessors": r"""
int64_t Use(ffi::TensorView x) {
  void* p = x.data_ptr();
  int32_t nd = x.ndim() + x.dim();
  int64_t s = x.shape()[0] + x.size(0) + x.size(-1) + x.stride(0) + x.strides()[0];
  int64_t n = x.numel() + static_cast<int64_t>(x.byte_offset()) + x.sizes().size();
  DLDataType dt = x.dtype();
  DLDevice dev = x.device();
  bool c = x.IsContiguous() && x.is_contiguous();
  return (p != nullptr) + nd + s + n + dt.bits + dev.device_id + c;
}
""",
    "tensor_accessors_and_alignment": r"""
int64_t Use(const ffi::Tensor& t) {
  const DLTensor* dl = t.GetDLTensorPtr();
  bool aligned = t.IsAligned(16) && ffi::IsAligned(*dl, 16) && ffi::IsContiguous(*dl);
  size_t bytes = ffi::GetDataSize(t) + ffi::GetDataSize(*dl);
  ffi::TensorView v = t;
  v = t;
  ffi::Tensor window = t.as_strided(ffi::Shape({1}), ffi::Shape({1}), 0);
  return aligned + static_cast<int64_t>(bytes) + v.numel() + window.numel() + t.size(0) +
         t.stride(0) + t.ndim();
}
""",
    "tensor_dlpack": r"""
ffi::Tensor RoundTrip(DLManagedTensorVersioned* in, DLManagedTensor* legacy) {
  ffi::Tensor a = ffi::Tensor::FromDLPackVersioned(in, 64, true);
  ffi::Tensor b = ffi::Tensor::FromDLPack(legacy);
  DLManagedTensorVersioned* out = a.ToDLPackVersioned();
  DLManagedTensor* out2 = b.ToDLPack();
  out->deleter(out);
  out2->deleter(out2);
  return a;
}
""",
    "dtype_helpers": r"""
std::string Describe(DLDataType dt) {
  constexpr DLDataType kF16{kDLFloat, 16, 1};
  ffi::String name = ffi::DLDataTypeToString(dt);
  DLDataType parsed = ffi::StringToDLDataType("bfloat16");
  bool flags = ffi::DTypeIsFloat(dt) || ffi::DTypeIsInt(dt) || ffi::DTypeIsBool(dt);
  std::ostringstream os;
  os << dt << (dt == kF16) << (parsed != dt) << flags << ffi::DTypeAbbrev(dt);
  return std::string(name) + os.str();
}
""",
    "dtype_trait": r"""
static_assert(ffi::dtype_trait<float>::value.bits == 32);
static_assert(ffi::dtype_trait<int8_t>::value.code == kDLInt);
static_assert(ffi::dtype_trait<uint16_t>::value.code == kDLUInt);
DLDataType F64() { return ffi::dtype_trait<double>::value; }
""",
    "icheck_family": r"""
void Check(int64_t a, int64_t b, const int* p) {
  TVM_FFI_ICHECK(a > 0) << "a must be positive";
  TVM_FFI_ICHECK_EQ(a, b) << "mismatch";
  TVM_FFI_ICHECK_NE(a, b + 1);
  TVM_FFI_ICHECK_LT(a, b + 1);
  TVM_FFI_ICHECK_LE(a, b);
  TVM_FFI_ICHECK_GT(a + 1, b);
  TVM_FFI_ICHECK_GE(a, b);
  TVM_FFI_ICHECK_NOTNULL(p);
  const int* q = TVM_FFI_ICHECK_NOTNULL(p);
  (void)q;
}
""",
    "check_family": r"""
void Check(int64_t a, size_t b, const char* p) {
  TVM_FFI_CHECK(a > 0, ValueError) << "bad " << a;
  TVM_FFI_CHECK_EQ(a, 2, ValueError) << "need 2";
  TVM_FFI_CHECK_NE(a, 3, TypeError);
  TVM_FFI_CHECK_LT(a, b, IndexError);
  TVM_FFI_CHECK_LE(a, b, IndexError);
  TVM_FFI_CHECK_GT(b, a, IndexError);
  TVM_FFI_CHECK_GE(b, a, IndexError);
  const char* q = TVM_FFI_CHECK_NOTNULL(p, ValueError);
  (void)q;
  if (a == 5) TVM_FFI_CHECK_EQ(a, 5, ValueError); else TVM_FFI_ICHECK(true);
}
""",
    "dcheck_family": r"""
void Check(int a, int b, int* p) {
  TVM_FFI_DCHECK(a == b) << "x";
  TVM_FFI_DCHECK_EQ(a, b);
  TVM_FFI_DCHECK_NE(a, b + 1);
  TVM_FFI_DCHECK_LT(a, b + 1);
  TVM_FFI_DCHECK_LE(a, b);
  TVM_FFI_DCHECK_GT(a + 1, b);
  TVM_FFI_DCHECK_GE(a, b);
  TVM_FFI_DCHECK_NOTNULL(p);
}
""",
    "throw_family": r"""
void Fail(int kind) {
  if (kind == 0) TVM_FFI_THROW(ValueError) << "value " << kind;
  if (kind == 1) TVM_FFI_LOG_AND_THROW(RuntimeError) << "logged";
  throw ffi::Error("TypeError", "direct", "");
}
void Interrupted() {
  if (TVMFFIEnvCheckSignals() != 0) throw ::tvm::ffi::EnvErrorAlreadySet();
}
""",
    "error_api": r"""
std::string Inspect() {
  try {
    TVM_FFI_THROW(KeyError) << "missing";
  } catch (const ffi::Error& e) {
    std::string text = e.kind() + e.message() + e.what() + e.backtrace();
    text += e.TracebackMostRecentCallLast() + e.FullMessage();
    if (e.cause_chain().has_value() || e.extra_context().has_value()) text += "!";
    ffi::Error wrapped("RuntimeError", "outer", "", e, std::nullopt);
    return text + wrapped.cause_chain()->message();
  }
  return "";
}
""",
    "base_macros": r"""
TVM_FFI_INLINE int Twice(int x) { return 2 * x; }
TVM_FFI_NO_INLINE TVM_FFI_COLD_CODE void Cold() {}
int Pick(int x) {
  if (TVM_FFI_PREDICT_FALSE(x < 0)) return 0;
  if (TVM_FFI_PREDICT_TRUE(x > 0)) return Twice(x);
  TVM_FFI_UNSAFE_ASSUME(x == 0);
  return 1;
}
int TVM_FFI_STR_CONCAT(gen, _name) = 3;
const char* Sig() { return TVM_FFI_FUNC_SIG; }
[[noreturn]] void Never() { TVM_FFI_UNREACHABLE(); }
void Logged() {
  TVM_FFI_LOG_EXCEPTION_CALL_BEGIN();
  Cold();
  TVM_FFI_LOG_EXCEPTION_CALL_END(Logged);
}
struct Copyable {
  Copyable() = default;
  TVM_FFI_DEFINE_DEFAULT_COPY_MOVE_AND_ASSIGN(Copyable)
};
void Swap(uint32_t* words) {
  if (!TVM_FFI_LITTLE_ENDIAN || !TVM_FFI_IO_NO_ENDIAN_SWAP) ffi::ByteSwap(words, 4, 2);
}
void Clear(TVMFFIAny* any) { TVM_FFI_CLEAR_PTR_PADDING_IN_FFI_ANY(any); }
static_assert(TVM_FFI_VERSION_MAJOR >= 0);
""",
    "string_api": r"""
size_t Use(const ffi::String& s, const std::string& t) {
  std::unordered_map<ffi::String, int> counts;
  counts[s] += 1;
  size_t h = std::hash<ffi::String>()(s);
  ffi::String joined = s + "/" + t + ffi::String("!");
  joined = "reassigned";
  joined = t;
  bool cmp = (s == "x") || (s != t) || (s < joined) || ("y" == s) || (t == s) || (s >= t);
  size_t found = s.find("ab") + s.find(ffi::String("b"), 1);
  ffi::String sub = s.substr(1, 2);
  bool affix = s.starts_with("pre") && s.ends_with(std::string_view("fix"));
  std::vector<std::string_view> parts = s.Split(',');
  int c = s.compare("abc") + s.compare(t) + s.compare(joined);
  const char* raw = s.c_str();
  std::string back = s;
  return h + counts.size() + cmp + found + sub.size() + affix + parts.size() + c + raw[0] +
         back.size() + s.length() + s.empty() + s.at(0) + ffi::EscapeStringJSON(s).size();
}
""",
    "bytes_api": r"""
size_t Use(const ffi::Bytes& b) {
  ffi::Bytes copy(b.data(), b.size());
  ffi::Bytes from_std(std::string("abc"));
  std::string s = copy;
  return std::hash<ffi::Bytes>()(b) + s.size() + from_std.size() +
         ffi::Base64Decode(ffi::Base64Encode(b)).size();
}
""",
    "function_api": r"""
int64_t Use() {
  std::optional<ffi::Function> f = ffi::Function::GetGlobal(ffi::String("ffi.ArraySize"));
  std::optional<ffi::Function> g = ffi::Function::GetGlobal(std::string("x"));
  std::optional<ffi::Function> h = ffi::Function::GetGlobal("x");
  ffi::Function required = ffi::Function::GetGlobalRequired("ffi.ArraySize");
  ffi::Function typed = ffi::Function::FromTyped([](int64_t a, int64_t b) { return a + b; });
  ffi::Function named = ffi::Function::FromTyped([](int64_t a) { return a; }, "named");
  ffi::Function packed = ffi::Function::FromPacked([](ffi::PackedArgs args, ffi::Any* rv) {
    *rv = args[0].cast<int64_t>() + args.size();
  });
  ffi::Function raw = ffi::Function::FromPacked(
      [](const ffi::AnyView* args, int32_t n, ffi::Any* rv) { *rv = n; });
  ffi::Function::SetGlobal("probe.add", typed, true);
  ffi::TypedFunction<int64_t(int64_t, int64_t)> add = typed;
  ffi::TypedFunction<int64_t(int64_t)> lambda = [](int64_t x) { return x * 2; };
  ffi::Expected<int64_t> r = typed.CallExpected<int64_t>(1, 2);
  std::vector<ffi::String> names = ffi::Function::ListGlobalNames();
  int64_t v = typed(1, 2).cast<int64_t>() + add(3, 4) + lambda(5) + r.value_or(0);
  return v + f.has_value() + g.has_value() + h.has_value() + (required != nullptr) +
         names.size() + named(1).cast<int64_t>() + packed(1).cast<int64_t>() +
         raw().cast<int64_t>();
}
""",
    "any_api": r"""
int64_t Use(ffi::Any a, ffi::AnyView v) {
  int32_t idx = a.type_index() + v.type_index();
  std::string key = a.GetTypeKey() + v.GetTypeKey();
  std::optional<int64_t> i = a.as<int64_t>();
  std::optional<double> d = v.try_cast<double>();
  int64_t c = a.cast<int64_t>() + v.cast<int>();
  const ffi::Object* obj = a.as<ffi::Object>();
  std::optional<ffi::String> s = a.try_cast<ffi::String>();
  ffi::Any copy = v;
  ffi::AnyView view = a;
  bool none = (a == nullptr) || (copy != nullptr) || (view == nullptr);
  return idx + key.size() + i.value_or(0) + static_cast<int64_t>(d.value_or(0)) + c +
         (obj != nullptr) + s.has_value() + none;
}
""",
    "object_api": r"""
class CounterObj : public ffi::Object {
 public:
  int64_t value = 0;
  explicit CounterObj(int64_t v) : value(v) {}
  static constexpr bool _type_mutable = true;
  TVM_FFI_DECLARE_OBJECT_INFO_FINAL("probe.Counter", CounterObj, ffi::Object);
};
class Counter : public ffi::ObjectRef {
 public:
  explicit Counter(int64_t v) : ffi::ObjectRef(ffi::make_object<CounterObj>(v)) {}
  TVM_FFI_DEFINE_OBJECT_REF_METHODS_NOTNULLABLE(Counter, ffi::ObjectRef, CounterObj);
};
class MaybeCounter : public ffi::ObjectRef {
 public:
  TVM_FFI_DEFINE_OBJECT_REF_METHODS_NULLABLE(MaybeCounter, ffi::ObjectRef, CounterObj);
};
class BaseObj : public ffi::Object {
 public:
  static constexpr uint32_t _type_child_slots = 2;
  TVM_FFI_DECLARE_OBJECT_INFO("probe.Base", BaseObj, ffi::Object);
};
int64_t Use() {
  ffi::ObjectPtr<CounterObj> p = ffi::make_object<CounterObj>(1);
  Counter c = ffi::GetRef<Counter>(p.get());
  c->value += 1;
  ffi::ObjectRef any_ref = c;
  const CounterObj* raw = any_ref.as<CounterObj>();
  std::optional<Counter> back = any_ref.as<Counter>();
  ffi::ObjectPtr<CounterObj> again = ffi::GetObjectPtr<CounterObj>(c.get());
  MaybeCounter none;
  bool same = c.same_as(any_ref) && (c == any_ref) && !none.defined() && c.unique() == false;
  ffi::Any boxed = c;
  Counter unboxed = boxed.cast<Counter>();
  return raw->value + back.has_value() + again.use_count() + same + unboxed->value +
         c.use_count() + std::string(c->GetTypeKey()).size() + p->type_index() +
         BaseObj::RuntimeTypeIndex() + ffi::ObjectPtrHash()(c) + ffi::ObjectPtrEqual()(c, c);
}
""",
    "export_macros": r"""
int AddOne(int x) { return x + 1; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(add_one, AddOne);
TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(add_one, "Adds one.");
void Scale(ffi::TensorView x, double f) { (void)x, (void)f; }
TVM_FFI_DLL_EXPORT_TYPED_FUNC(scale, Scale);
""",
    "expected_api": r"""
ffi::Expected<int64_t> Half(int64_t x) {
  TVM_FFI_RET_CHECK(x >= 0, ValueError) << "negative";
  TVM_FFI_RET_CHECK_EQ(x % 2, 0, ValueError) << "odd";
  TVM_FFI_RET_ICHECK_LT(x, 1000);
  if (x == 4) return TVM_FFI_UNEXPECTED(ValueError) << "four";
  if (x == 6) return ffi::Unexpected(ffi::Error("ValueError", "six", ""));
  return x / 2;
}
int64_t Use() {
  ffi::Expected<int64_t> r = Half(8);
  if (r.is_ok() && r.has_value()) return r.value();
  return r.is_err() ? r.error().message().size() : 0;
}
""",
    "module_api": r"""
int64_t Use(const ffi::Module& mod) {
  ffi::Optional<ffi::Function> f = mod->GetFunction("main");
  ffi::Optional<ffi::Function> g = mod->GetFunction("main", true);
  ffi::Optional<ffi::String> doc = mod->GetFunctionDoc("main", false);
  ffi::Optional<ffi::String> meta = mod->GetFunctionMetadata("main", true);
  bool has = mod->ImplementsFunction("main", true);
  std::string prefix = ffi::symbol::tvm_ffi_metadata_prefix;
  return f.has_value() + g.has_value() + doc.has_value() + meta.has_value() + has +
         prefix.size() + std::string(mod->kind()).size();
}
""",
    "reflection_global_def": r"""
int64_t Twice(int64_t x) { return 2 * x; }
TVM_FFI_STATIC_INIT_BLOCK() {
  namespace refl = tvm::ffi::reflection;
  refl::GlobalDef()
      .def("probe.twice", Twice)
      .def("probe.thrice", [](int64_t x) { return 3 * x; }, "Triples x.")
      .def_packed("probe.count", [](ffi::PackedArgs args, ffi::Any* rv) { *rv = args.size(); });
}
""",
    "type_traits_api": r"""
std::string Keys() {
  int32_t idx = ffi::TypeIndex::kTVMFFITensor;
  std::string key = ffi::TypeIndexToTypeKey(idx);
  int32_t back = ffi::TypeKeyToIndex("ffi.Tensor");
  std::string schema = ffi::TypeTraits<int64_t>::TypeSchema() +
                       ffi::TypeTraits<ffi::Array<ffi::String>>::TypeSchema() +
                       ffi::TypedFunction<int(float)>::TypeSchema();
  static_assert(ffi::TypeTraits<ffi::Tensor>::convert_enabled);
  return key + ffi::StaticTypeKey::kTVMFFIArray + schema + std::to_string(back);
}
""",
    "rvalue_ref": r"""
int64_t Consume(ffi::RValueRef<ffi::Array<int64_t>> arr) {
  ffi::Array<int64_t> owned = *std::move(arr);
  return owned.size();
}
ffi::Function MakeConsumer() { return ffi::Function::FromTyped(Consume); }
""",
    "env_api": r"""
void* Stream(ffi::TensorView x) {
  DLDevice dev = x.device();
  return TVMFFIEnvGetStream(dev.device_type, dev.device_id);
}
""",
    "optional_tensor_args": r"""
int64_t Use(ffi::TensorView x, ffi::Optional<ffi::TensorView> bias, ffi::Array<int64_t> dims,
            ffi::Optional<int64_t> k, bool flag, double scale, ffi::String mode) {
  int64_t total = x.numel() + dims.size() + k.value_or(0) + flag + static_cast<int64_t>(scale);
  if (bias.has_value()) total += bias.value().numel();
  return total + mode.size();
}
TVM_FFI_DLL_EXPORT_TYPED_FUNC(use_optional, Use);
""",
}


def translation_unit(names=None) -> str:
    """One C++ file holding the chosen probes (all by default), each in its own namespace."""
    parts = [HEADERS, "namespace ffi = tvm::ffi;\n"]
    for name in names if names is not None else PROBES:
        parts.append(f"namespace probe_{name} {{\n{PROBES[name]}}}  // namespace probe_{name}\n")
    return "".join(parts)
