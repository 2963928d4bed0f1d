"""Builds examples/cuda_add_one/add_one.cu with nvcc and runs it on torch CUDA tensors.

    TVM_FFI_CUDA_ARCH_LIST=8.0 python examples/cuda_add_one/run.py

Without a GPU it builds and loads the module, then reports that no device is present.
"""

import os
import pathlib

import tvm_ffi_jit.cpp

HERE = pathlib.Path(__file__).parent


def main():
    mod = tvm_ffi_jit.cpp.load("cuda_add_one", cuda_files=[str(HERE / "add_one.cu")])
    print("built and loaded:", mod.path)
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if not has_gpu:
        print("no CUDA device here; the module loads, a call would raise RuntimeError")
        return
    x = torch.arange(8, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    mod.add_one_cuda(x, y)  # runs on torch.cuda.current_stream()
    torch.cuda.synchronize()
    print("y =", y.cpu())


if __name__ == "__main__":
    os.environ.setdefault("TVM_FFI_CUDA_ARCH_LIST", "8.0")
    main()
