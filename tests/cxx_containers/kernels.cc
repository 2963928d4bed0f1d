// Kernels written as an apache-tvm-ffi author writes them: upstream's header paths and container
// API only. tests/test_cxx_containers.py builds them with load_inline and checks what Python gets.
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/dict.h>
#include <tvm/ffi/container/list.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/container/shape.h>
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/container/tuple.h>
#include <tvm/ffi/container/variant.h>
#include <tvm/ffi/extra/stl.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/optional.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ffi = tvm::ffi;

// ---- Variant ----
ffi::Variant<int64_t, ffi::String> variant_echo(ffi::Variant<int64_t, ffi::String> v) { return v; }

ffi::String variant_describe(ffi::Variant<int64_t, ffi::String> v) {
  if (std::optional<int64_t> i = v.as<int64_t>()) return "int " + std::to_string(*i + 1);
  return "str " + std::string(v.get<ffi::String>()) + "!";
}

// Held as the caller's type when it is one of the alternatives (no conversion).
ffi::String variant_held_kind(ffi::Variant<double, int64_t> v) { return v.GetTypeKey(); }

int64_t variant_array_size(ffi::Variant<ffi::Array<int64_t>, ffi::String> v) {
  if (const ffi::ArrayObj* arr = v.as<ffi::ArrayObj>()) return static_cast<int64_t>(arr->size());
  return -static_cast<int64_t>(v.get<ffi::String>().size());
}

ffi::Variant<int64_t, ffi::String> variant_from_any(ffi::Any value) {
  ffi::Variant<int64_t, ffi::String> v = value.cast<ffi::Variant<int64_t, ffi::String>>();
  ffi::Variant<int64_t, ffi::String> copy = v;
  copy = ffi::String("replaced");
  return v.same_as(copy) ? copy : v;
}

// ---- Tuple ----
ffi::Tuple<ffi::String, int64_t> tuple_swap(ffi::Tuple<int64_t, ffi::String> t) {
  auto [number, text] = t;
  return ffi::Tuple<ffi::String, int64_t>(text, number);
}

double tuple_sum(ffi::Tuple<int64_t, double> t) { return t.get<0>() + ffi::get<1>(t); }

ffi::Tuple<double, int64_t> tuple_converted(ffi::Tuple<double, int64_t> t) { return t; }

ffi::Tuple<int64_t, ffi::String> tuple_set(ffi::Tuple<int64_t, ffi::String> t) {
  ffi::Tuple<int64_t, ffi::String> copy = t;
  copy.Set<1>(ffi::String("set"));
  static_assert(std::tuple_size_v<ffi::Tuple<int64_t, ffi::String>> == 2);
  return ffi::Tuple<int64_t, ffi::String>(t.get<0>() + copy.get<0>(), copy.get<1>());
}

// ---- Array ----
ffi::Array<ffi::Array<int64_t>> array_edit(ffi::Array<int64_t> a) {
  ffi::Array<int64_t> b = a;  // shares until written: `a` stays as the caller passed it
  b.push_back(100);
  b.insert(b.begin(), -1);
  b.erase(b.begin() + 1);
  b.Set(0, 7);
  b.emplace_back(8);
  b.pop_back();
  std::vector<int64_t> extra{20, 21};
  b.insert(b.end(), extra.begin(), extra.end());
  b.erase(b.end() - 2, b.end() - 1);
  return {a, b};
}

ffi::Array<int64_t> array_shape_ops(ffi::Array<int64_t> a) {
  ffi::Array<int64_t> out;
  out.reserve(16);
  out.push_back(static_cast<int64_t>(out.capacity() >= 16));
  out.push_back(a.front());
  out.push_back(a.back());
  out.push_back(static_cast<int64_t>(a.empty()));
  ffi::Array<int64_t> grown = a;
  grown.resize(5);
  out.push_back(static_cast<int64_t>(grown.size()));
  grown.resize(1);
  out.push_back(grown[0]);
  grown.clear();
  out.push_back(static_cast<int64_t>(grown.size()));
  for (auto it = a.rbegin(); it != a.rend(); ++it) out.push_back(*it);
  return out;
}

ffi::Array<double> array_algorithms(ffi::Array<int64_t> a) {
  std::vector<int64_t> copy(a.begin(), a.end());
  std::sort(copy.begin(), copy.end());
  int64_t total = std::accumulate(a.begin(), a.end(), int64_t{0});
  bool has_three = std::find(a.begin(), a.end(), 3) != a.end();
  ffi::Array<double> halves = a.Map([](int64_t x) { return x / 2.0; });
  ffi::Array<int64_t> doubled = a;
  doubled.MutateByApply([](int64_t x) { return x * 2; });
  ffi::Array<int64_t> joined = ffi::Concat(ffi::Array<int64_t>(size_t{2}, int64_t{9}), doubled);
  ffi::Array<double> out(halves.begin(), halves.end());
  out.push_back(static_cast<double>(total));
  out.push_back(has_three ? 1.0 : 0.0);
  out.push_back(static_cast<double>(copy.front()));
  for (int64_t x : joined) out.push_back(static_cast<double>(x));
  return out;
}

ffi::Array<double> array_as_double(ffi::Array<double> a) { return a; }

int64_t array_from_list(ffi::Array<int64_t> a) {
  return a[0] * 10 + static_cast<int64_t>(a.size());
}

ffi::Array<ffi::Any> array_of_any(ffi::Array<ffi::Any> a) {
  ffi::Array<ffi::Any> out{int64_t(1), ffi::String("two")};
  for (const ffi::Any& item : a) out.push_back(item);
  return out;
}

// ---- List ----
void list_edit(ffi::List<int64_t> l) {  // every holder sees the edits
  l.push_back(4);
  l.insert(l.begin(), 0);
  l.erase(l.begin() + 1);
  l.Set(0, -5);
  l.pop_back();
  l.push_back(static_cast<int64_t>(l.size()));
}

ffi::List<ffi::String> list_build(int64_t n) {
  ffi::List<ffi::String> l;
  l.reserve(n);
  for (int64_t i = 0; i < n; ++i)
    l.push_back(ffi::String(std::string(static_cast<size_t>(i + 1), 'x')));
  l.resize(n + 1);
  l.resize(n);
  return l;
}

int64_t list_from_array(ffi::List<int64_t> l) { return l.back() + static_cast<int64_t>(l.size()); }

// ---- Map and Dict ----
ffi::Map<ffi::String, int64_t> map_edit(ffi::Map<ffi::String, int64_t> m) {
  ffi::Map<ffi::String, int64_t> out = m;  // copy-on-write: `m` is unchanged
  out.Set("added", static_cast<int64_t>(m.size()));
  out.erase("drop");
  if (std::optional<int64_t> a = out.Get("a")) out.Set("a", *a + 100);
  out.Set("has_b", static_cast<int64_t>(out.count("b")));
  out.Set("b_at", out.find("b") != out.end() ? out.at("b") : -1);
  return out;
}

ffi::Array<ffi::String> map_keys(ffi::Map<ffi::String, int64_t> m) {
  ffi::Array<ffi::String> keys;
  for (auto kv : m) keys.push_back(kv.first + "=" + std::to_string(kv.second));
  return keys;
}

ffi::Map<ffi::String, double> map_as_double(ffi::Map<ffi::String, double> m) { return m; }

ffi::Map<ffi::String, int64_t> map_merge(ffi::Map<ffi::String, int64_t> a,
                                         ffi::Map<ffi::String, int64_t> b) {
  return ffi::Merge(a, b);
}

void dict_edit(ffi::Dict<ffi::String, int64_t> d) {  // every holder sees the edits
  d.Set("new", 1);
  d.erase("old");
  if (d.count("x")) d.Set("x", d["x"] * 2);
}

int64_t dict_from_map(ffi::Dict<ffi::String, int64_t> d) {
  int64_t total = 0;
  for (auto kv : d) total += kv.second;
  return total + (d.Get("missing").has_value() ? 1000 : 0);
}

// ---- Optional ----
int64_t optional_or(ffi::Optional<int64_t> x) { return x.value_or(-1); }

ffi::String optional_describe(ffi::Optional<ffi::Array<int64_t>> arr,
                              ffi::Optional<ffi::String> s) {
  std::string out;
  out += arr.has_value() ? "arr " + std::to_string(arr->size()) : "no arr";
  out += s == std::nullopt ? ", no str" : ", str " + std::string(*s);
  if (s && s == ffi::String("magic")) out += " (magic)";
  return out;
}

ffi::Optional<ffi::String> optional_roundtrip(ffi::Optional<ffi::String> s) {
  ffi::Optional<ffi::String> out;
  out = std::nullopt;
  if (s.has_value()) out = s.value() + "?";
  return out;
}

// ---- Shape ----
int64_t shape_product(ffi::Shape s) { return s.Product() * 1000 + s.at(0) * 10 + s.back(); }

ffi::Shape shape_strides(ffi::Shape s) { return ffi::Shape::StridesFromShape(s); }

ffi::String shape_text(ffi::Shape s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

// ---- tensors inside containers (optional inputs, lists of tensors) ----
int64_t tensor_ndims(ffi::TensorView x, std::optional<ffi::TensorView> bias,
                     ffi::Optional<ffi::Tensor> extra, std::vector<ffi::Tensor> more) {
  int64_t n = x.ndim() * 1000;
  if (bias.has_value()) n += bias->ndim() * 100;
  if (extra) n += extra.value().ndim() * 10;
  for (const ffi::Tensor& t : more) n += t.ndim();
  return n;
}

// ---- std containers (tvm/ffi/extra/stl.h) ----
std::vector<double> stl_vector_scale(std::vector<double> v, double k) {
  for (double& x : v) x *= k;
  return v;
}

std::vector<std::vector<int64_t>> stl_nested(std::vector<std::vector<int64_t>> v) {
  v.push_back({static_cast<int64_t>(v.size())});
  return v;
}

std::optional<std::string> stl_optional(std::optional<std::string> s) {
  if (!s) return std::nullopt;
  return *s + "?";
}

std::tuple<std::string, int64_t, double> stl_tuple(std::tuple<int64_t, std::string> t) {
  return {std::get<1>(t), std::get<0>(t) * 2, 0.5};
}

std::map<std::string, int64_t> stl_map(std::unordered_map<std::string, int64_t> m) {
  std::map<std::string, int64_t> sorted(m.begin(), m.end());
  sorted["count"] = static_cast<int64_t>(m.size());
  return sorted;
}

std::variant<int64_t, std::string> stl_variant(std::variant<int64_t, std::string> v) {
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v) + 1;
  return std::get<std::string>(v) + "!";
}

std::array<int64_t, 3> stl_array(std::array<int64_t, 3> a) { return {a[2], a[1], a[0]}; }

int64_t stl_function_call(std::function<int64_t(int64_t)> f) { return f(3) + f(4); }

std::function<int64_t(int64_t)> stl_function_make(int64_t k) {
  return [k](int64_t x) { return x * k; };
}

std::string stl_string(std::string s) { return s + s; }

// ---- Type schemas (what function metadata reports), as upstream writes them ----
ffi::Array<ffi::String> type_schemas() {
  return {
      ffi::TypeTraits<ffi::Variant<int64_t, ffi::String>>::TypeSchema(),
      ffi::TypeTraits<ffi::Tuple<int64_t, double>>::TypeSchema(),
      ffi::TypeTraits<ffi::Array<int64_t>>::TypeSchema(),
      ffi::TypeTraits<ffi::List<ffi::String>>::TypeSchema(),
      ffi::TypeTraits<ffi::Map<ffi::String, double>>::TypeSchema(),
      ffi::TypeTraits<ffi::Dict<ffi::String, ffi::Any>>::TypeSchema(),
      ffi::TypeTraits<ffi::Optional<int64_t>>::TypeSchema(),
      ffi::TypeTraits<ffi::Shape>::TypeSchema(),
      ffi::TypeTraits<std::vector<int64_t>>::TypeSchema(),
      ffi::TypeTraits<std::optional<std::string>>::TypeSchema(),
      ffi::TypeTraits<std::tuple<int64_t, std::string>>::TypeSchema(),
      ffi::TypeTraits<std::variant<int64_t, std::string>>::TypeSchema(),
      ffi::TypeTraits<std::map<std::string, int64_t>>::TypeSchema(),
      ffi::TypeTraits<std::unordered_map<std::string, int64_t>>::TypeSchema(),
      ffi::TypeTraits<std::array<int64_t, 3>>::TypeSchema(),
      ffi::TypeTraits<std::function<int64_t(int64_t, double)>>::TypeSchema(),
      ffi::TypeTraits<std::function<void(int64_t)>>::TypeSchema(),
  };
}
