#!/bin/sh
# Builds the C kernel with tvm_ffi_jit, compiles the C program against the runtime, runs it.
set -e
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python}
"$PYTHON" build.py
${CC:-cc} -std=c11 -Wall -o build/main main.c $("$PYTHON" -m tvm_ffi_jit.config --cflags --ldflags --libs)
./build/main build/c_axpy.so
