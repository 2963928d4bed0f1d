/*
 * DLDevice helpers: parsing "cuda:1"-style names (a string argument converts to a DLDevice
 * parameter), and the device names used when printing.
 */
#ifndef TVM_FFI_DEVICE_H_
#define TVM_FFI_DEVICE_H_

#include <dlpack/dlpack.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace tvm {
namespace ffi {
namespace details {

/*! \brief The device type named `name` ("cpu", "cuda", "rocm", "metal"/"mps", ...). */
inline std::optional<DLDeviceType> TryParseDLDeviceType(std::string_view name) {
  struct Entry {
    std::string_view name;
    DLDeviceType type;
  };
  static constexpr Entry kNames[] = {
      {"cpu", kDLCPU},
      {"cuda", kDLCUDA},
      {"cuda_host", kDLCUDAHost},
      {"opencl", kDLOpenCL},
      {"vulkan", kDLVulkan},
      {"metal", kDLMetal},
      {"mps", kDLMetal},
      {"vpi", kDLVPI},
      {"rocm", kDLROCM},
      {"rocm_host", kDLROCMHost},
      {"ext_dev", kDLExtDev},
      {"cuda_managed", kDLCUDAManaged},
      {"oneapi", kDLOneAPI},
      {"webgpu", kDLWebGPU},
      {"wgpu", kDLWebGPU},
      {"hexagon", kDLHexagon},
      {"maia", kDLMAIA},
      {"trn", kDLTrn},
  };
  for (const Entry& entry : kNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

/*! \brief A non-negative decimal device index that fits an int32. */
inline std::optional<int32_t> TryParseDLDeviceIndex(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > std::numeric_limits<int32_t>::max()) return std::nullopt;
  }
  return static_cast<int32_t>(value);
}

/*!
 * \brief "cuda", "cuda:1" (anything after a space ignored, as in "cuda:0 (name)") as a
 * DLDevice; nullopt for anything else.
 */
inline std::optional<DLDevice> TryStringViewToDLDevice(std::string_view text) {
  text = text.substr(0, text.find(' '));
  size_t colon = text.find(':');
  std::optional<DLDeviceType> type = TryParseDLDeviceType(text.substr(0, colon));
  if (!type.has_value()) return std::nullopt;
  if (colon == std::string_view::npos) return DLDevice{*type, 0};
  std::optional<int32_t> index = TryParseDLDeviceIndex(text.substr(colon + 1));
  if (!index.has_value()) return std::nullopt;
  return DLDevice{*type, *index};
}

/*! \brief The name a device type prints as, or nullptr for an unknown one. */
inline const char* DLDeviceTypeName(int32_t type) {
  switch (type) {
    case kDLCPU:
      return "cpu";
    case kDLCUDA:
      return "cuda";
    case kDLCUDAHost:
      return "cuda_host";
    case kDLOpenCL:
      return "opencl";
    case kDLVulkan:
      return "vulkan";
    case kDLMetal:
      return "metal";
    case kDLVPI:
      return "vpi";
    case kDLROCM:
      return "rocm";
    case kDLROCMHost:
      return "rocm_host";
    case kDLExtDev:
      return "ext_dev";
    case kDLCUDAManaged:
      return "cuda_managed";
    case kDLOneAPI:
      return "oneapi";
    case kDLWebGPU:
      return "webgpu";
    case kDLHexagon:
      return "hexagon";
    case kDLMAIA:
      return "maia";
    case kDLTrn:
      return "trn";
    default:
      return nullptr;
  }
}
}  // namespace details
}  // namespace ffi
}  // namespace tvm

inline bool operator==(const DLDevice& a, const DLDevice& b) {
  return a.device_type == b.device_type && a.device_id == b.device_id;
}
inline bool operator!=(const DLDevice& a, const DLDevice& b) { return !(a == b); }

#endif  // TVM_FFI_DEVICE_H_
