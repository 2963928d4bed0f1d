/*
 * Launch precompiled cubins: CubinModule loads a cubin (or fatbin) image from memory through
 * the CUDA library API, CubinKernel launches one of its kernels on a stream.
 *
 * An image linked into the library under the symbols __tvm_ffi__cubin_<name> (its first
 * byte) and __tvm_ffi__cubin_<name>_end (one past its last) is reached by name:
 *
 *   TVM_FFI_EMBED_CUBIN(my_kernels);
 *
 *   void AddOne(tvm::ffi::TensorView x, tvm::ffi::TensorView y) {
 *     static auto kernel = TVM_FFI_EMBED_CUBIN_GET_KERNEL(my_kernels, "add_one");
 *     void* x_ptr = x.data_ptr();
 *     void* y_ptr = y.data_ptr();
 *     int64_t n = x.size(0);
 *     void* args[] = {&x_ptr, &y_ptr, &n};
 *     auto stream = static_cast<cudaStream_t>(TVMFFIEnvGetStream(kDLCUDA, x.device().device_id));
 *     TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(kernel.Launch(
 *         args, tvm::ffi::dim3((n + 255) / 256), tvm::ffi::dim3(256), stream));
 *   }
 *
 * The image is loaded on first use (then kept for the life of the process), so a library
 * that embeds cubins loads on a machine without a GPU and fails only when a kernel is asked for.
 * An image held in a C array (bin2c output, #embed) works the same through
 * TVM_FFI_EMBED_CUBIN_FROM_BYTES(name, array).
 */
#ifndef TVM_FFI_EXTRA_CUDA_CUBIN_LAUNCHER_H_
#define TVM_FFI_EXTRA_CUDA_CUBIN_LAUNCHER_H_

#include <cuda.h>
#include <cuda_runtime.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/extra/cuda/base.h>
#include <tvm/ffi/extra/cuda/internal/unified_api.h>
#include <tvm/ffi/string.h>

#include <cstdint>

/*
 * Declares the image linked in as __tvm_ffi__cubin_<name> and a lazily loaded module for
 * it; use at namespace scope, once per name and translation unit.
 */
#define TVM_FFI_EMBED_CUBIN(name)                        \
  extern "C" const char __tvm_ffi__cubin_##name[];       \
  extern "C" const char __tvm_ffi__cubin_##name##_end[]; \
  TVM_FFI_EMBED_CUBIN_FROM_BYTES(name, __tvm_ffi__cubin_##name)

/* Declares a lazily loaded module named `name` for the image in the byte array `imageBytes`. */
#define TVM_FFI_EMBED_CUBIN_FROM_BYTES(name, imageBytes)                    \
  namespace {                                                               \
  struct EmbedCubinModule_##name {                                          \
    ::tvm::ffi::CubinModule mod{imageBytes};                                \
    /* Loaded by the first caller; a failed load is retried by the next. */ \
    static EmbedCubinModule_##name* Global() {                              \
      static EmbedCubinModule_##name instance;                              \
      return &instance;                                                     \
    }                                                                       \
  };                                                                        \
  }

/* The CubinKernel `kernel_name` of the module declared by TVM_FFI_EMBED_CUBIN(name). */
#define TVM_FFI_EMBED_CUBIN_GET_KERNEL(name, kernel_name) \
  (EmbedCubinModule_##name::Global()->mod[kernel_name])

namespace tvm {
namespace ffi {

class CubinKernel;

/*!
 * \brief A cubin or fatbin image loaded through the CUDA library API, unloaded on destruction.
 * Kernels it hands out stay valid only while it lives. Movable, not copyable.
 */
class CubinModule {
 public:
  /*! \brief Loads the image held in `bytes`. */
  explicit CubinModule(const Bytes& bytes) : CubinModule(bytes.data()) {}
  /*! \brief Loads the image at `code` (a cubin/fatbin ELF image; its header gives its size). */
  explicit CubinModule(const char* code) { Load(code); }
  explicit CubinModule(const unsigned char* code) { Load(code); }

  ~CubinModule() {
    if (library_ != nullptr) (void)cuda_api::UnloadLibrary(library_);
  }

  CubinModule(const CubinModule&) = delete;
  CubinModule& operator=(const CubinModule&) = delete;
  CubinModule(CubinModule&& other) noexcept : library_(other.library_) { other.library_ = nullptr; }
  CubinModule& operator=(CubinModule&& other) noexcept {
    if (this != &other) {
      if (library_ != nullptr) (void)cuda_api::UnloadLibrary(library_);
      library_ = other.library_;
      other.library_ = nullptr;
    }
    return *this;
  }

  /*! \brief The kernel `name`; throws RuntimeError if the image has none of that name. */
  CubinKernel GetKernel(const char* name);
  /*!
   * \brief The kernel `name`, allowed `dynamic_smem_max` bytes of dynamic shared memory on
   * every device; -1 allows what the device can give a block beyond the kernel's static use.
   */
  CubinKernel GetKernelWithMaxDynamicSharedMemory(const char* name, int64_t dynamic_smem_max = -1);
  /*! \brief Same as GetKernel(name). */
  CubinKernel operator[](const char* name);

  /*! \brief The underlying library handle (cudaLibrary_t or CUlibrary). */
  cuda_api::LibraryHandle GetHandle() const { return library_; }

 private:
  void Load(const void* image) {
    if (image == nullptr) TVM_FFI_THROW(ValueError) << "CubinModule: the cubin image is null";
    TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(cuda_api::LoadLibrary(&library_, image))
        << "while loading a cubin image";
  }

  cuda_api::LibraryHandle library_ = nullptr;
};

/*!
 * \brief One kernel of a CubinModule, launched with explicit grid, block, dynamic shared
 * memory and stream. Movable, not copyable; valid while its module is loaded.
 */
class CubinKernel {
 public:
  /*! \brief Looks `name` up in `library`; throws RuntimeError if it is not there. */
  CubinKernel(cuda_api::LibraryHandle library, const char* name) {
    if (name == nullptr) TVM_FFI_THROW(ValueError) << "CubinKernel: the kernel name is null";
    TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR(cuda_api::GetKernel(&kernel_, library, name))
        << "while looking up kernel '" << name << "'";
  }

  CubinKernel(const CubinKernel&) = delete;
  CubinKernel& operator=(const CubinKernel&) = delete;
  CubinKernel(CubinKernel&& other) noexcept : kernel_(other.kernel_) { other.kernel_ = nullptr; }
  CubinKernel& operator=(CubinKernel&& other) noexcept {
    kernel_ = other.kernel_;
    if (this != &other) other.kernel_ = nullptr;
    return *this;
  }

  /*!
   * \brief Launches the kernel asynchronously on `stream` (0: the legacy default stream).
   * `args` holds one pointer per kernel parameter, pointing at that parameter's value.
   * \return the API's status (not thrown: wrap in TVM_FFI_CHECK_CUBIN_LAUNCHER_CUDA_ERROR).
   */
  cuda_api::ResultType Launch(void** args, dim3 grid, dim3 block, cuda_api::StreamHandle stream,
                              uint32_t dyn_smem_bytes = 0) {
    return cuda_api::LaunchKernel(kernel_, args, grid, block, stream, dyn_smem_bytes);
  }

  /*! \brief Launches with a config from cuda_api::ConstructLaunchConfig (e.g. clusters). */
  cuda_api::ResultType LaunchEx(void** args, const cuda_api::LaunchConfig& config) {
    return cuda_api::LaunchKernelEx(kernel_, args, config);
  }

  /*! \brief The underlying kernel handle (cudaKernel_t or CUkernel). */
  cuda_api::KernelHandle GetHandle() const { return kernel_; }

 private:
  friend class CubinModule;

  /*!
   * \brief Raises the kernel's dynamic shared memory cap on every visible device (-1: what a
   * block may opt in to, less the kernel's static use). Devices that refuse are skipped;
   * throws only if every device refused.
   */
  void SetMaxDynamicSharedMemory(int64_t dynamic_smem_max) {
    int device_count = 0;
    if (cuda_api::GetDeviceCount(&device_count) != cuda_api::kSuccess || device_count == 0) {
      return;
    }
    bool any_set = false;
    for (int ordinal = 0; ordinal < device_count; ++ordinal) {
      cuda_api::DeviceHandle device = cuda_api::GetDeviceHandle(ordinal);
      int bytes = static_cast<int>(dynamic_smem_max);
      if (dynamic_smem_max < 0) {
        int block_optin = 0;
        int static_bytes = 0;
        if (cuda_api::GetDeviceAttribute(&block_optin, kMaxSharedMemoryPerBlockOptin, device) !=
                cuda_api::kSuccess ||
            cuda_api::GetKernelSharedMem(kernel_, static_bytes, device) != cuda_api::kSuccess) {
          continue;
        }
        bytes = block_optin > static_bytes ? block_optin - static_bytes : 0;
      }
      any_set |=
          cuda_api::SetKernelMaxDynamicSharedMem(kernel_, bytes, device) == cuda_api::kSuccess;
    }
    if (!any_set) {
      TVM_FFI_THROW(RuntimeError) << "CubinKernel: no device accepted a dynamic shared memory "
                                  << "limit of " << dynamic_smem_max << " bytes";
    }
  }

#if TVM_FFI_CUBIN_LAUNCHER_USE_DRIVER_API
  static constexpr cuda_api::DeviceAttrType kMaxSharedMemoryPerBlockOptin =
      CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
#else
  static constexpr cuda_api::DeviceAttrType kMaxSharedMemoryPerBlockOptin =
      cudaDevAttrMaxSharedMemoryPerBlockOptin;
#endif

  cuda_api::KernelHandle kernel_ = nullptr;
};

inline CubinKernel CubinModule::GetKernel(const char* name) { return CubinKernel(library_, name); }

inline CubinKernel CubinModule::GetKernelWithMaxDynamicSharedMemory(const char* name,
                                                                    int64_t dynamic_smem_max) {
  CubinKernel kernel(library_, name);
  kernel.SetMaxDynamicSharedMemory(dynamic_smem_max);
  return kernel;
}

inline CubinKernel CubinModule::operator[](const char* name) { return GetKernel(name); }

}  // namespace ffi
}  // namespace tvm
#endif  // TVM_FFI_EXTRA_CUDA_CUBIN_LAUNCHER_H_
