"""Finds the tools a build needs: C/C++ compilers, the CUDA toolkit, CUDA archs, job count.

Everything here is cheap enough for the warm path: tools are located with ``stat`` calls, and
a compiler's ``--version`` output is probed at most once per tool binary (memoized in this
process and on disk, keyed by the binary's path, size and mtime), so a warm load starts no
subprocess.
"""

import hashlib
import json
import os
import re
import shlex
import shutil
from typing import Optional

from ..build_error import ToolchainError

# Regexes stay uncompiled until used: compiling costs more than the warm path itself.
_WRAPPER_EXEC = r"""^\s*exec\s+(?:"([^"]+)"|'([^']+)'|(\S+))"""
_PROBE_FORMAT = 1


class Tool:
    """A program to run (``command`` may carry arguments, e.g. ``ccache g++``) and its identity."""

    __slots__ = ("command", "identity")

    def __init__(self, command: "tuple[str, ...]", identity: str):
        self.command = command
        self.identity = identity

    def __repr__(self) -> str:
        return f"Tool(command={self.command!r})"


def _wrapper_target(path: str) -> Optional[str]:
    """For a shell script that ends in ``exec /real/tool "$@"``: the real tool; else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    match = re.search(_WRAPPER_EXEC, head.decode("utf-8", "replace"), re.MULTILINE)
    if match is None:
        return None
    target = next(g for g in match.groups() if g)
    target = target if os.path.isabs(target) else shutil.which(target)
    return os.path.realpath(target) if target and os.path.isfile(target) else None


def resolve_executable(path: str) -> "list[str]":
    """The chain from ``path`` to the real binary: symlinks resolved, wrapper scripts followed."""
    chain = [os.path.realpath(path)]
    while len(chain) < 8:
        target = _wrapper_target(chain[-1])
        if target is None or target in chain:
            break
        chain.append(target)
    return chain


def _fingerprint(chain: "list[str]") -> str:
    parts = []
    for path in chain:
        st = os.stat(path)
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    return "|".join(parts)


_version_memo: "dict[str, str]" = {}


def _probe_version(command: "tuple[str, ...]", fingerprint: str, probe_dir: Optional[str]) -> str:
    """``<command> --version``, memoized in-process and in ``probe_dir`` by fingerprint."""
    memo_key = hashlib.sha256(f"{_PROBE_FORMAT}\0{command}\0{fingerprint}".encode()).hexdigest()
    memo_file = os.path.join(probe_dir, memo_key[:32] + ".json") if probe_dir else None
    if memo_key in _version_memo:
        version = _version_memo[memo_key]
        if memo_file is not None and not os.path.exists(memo_file):
            # Another cache directory this process already probed for: let later processes
            # using this one skip the probe too.
            _write_json_atomically(memo_file, {"command": list(command), "version": version})
        return version
    if memo_file is not None:
        try:
            with open(memo_file, encoding="utf-8") as f:
                version = json.load(f)["version"]
            _version_memo[memo_key] = version
            return version
        except (OSError, ValueError, KeyError, TypeError):
            pass
    import subprocess

    try:
        result = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=120
        )
        version = (result.stdout or result.stderr).strip()
    except (OSError, subprocess.SubprocessError) as err:
        raise ToolchainError(f"cannot run `{' '.join(command)} --version`: {err}") from None
    _version_memo[memo_key] = version
    if memo_file is not None:
        _write_json_atomically(memo_file, {"command": list(command), "version": version})
    return version


def _write_json_atomically(path: str, data) -> None:
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        pass  # the memo is an optimization only


_tool_memo: "dict[tuple, Tool]" = {}


def _tool(command: "list[str]", what: str, fix: str, probe_dir: Optional[str]) -> Tool:
    """Locates and identifies a tool once per process (per command and PATH)."""
    memo_key = (tuple(command), os.environ.get("PATH", ""), probe_dir)
    tool = _tool_memo.get(memo_key)
    if tool is None:
        tool = _tool_memo[memo_key] = _identify(command, what, fix, probe_dir)
    return tool


def _identify(command: "list[str]", what: str, fix: str, probe_dir: Optional[str]) -> Tool:
    resolved = []
    chains = []
    for i, word in enumerate(command):
        found = shutil.which(word) if (i == 0 or not word.startswith("-")) else None
        if i == 0 and found is None:
            raise ToolchainError(f"{what} `{word}` was not found on PATH; {fix}")
        resolved.append(found or word)
        if found is not None:
            chains.append(resolve_executable(found))
    fingerprint = " ".join(_fingerprint(c) for c in chains)
    version = _probe_version(tuple(resolved), fingerprint, probe_dir)
    return Tool(tuple(resolved), f"{' '.join(resolved)}\n{fingerprint}\n{version}")


def _command_from_env(variable: str, defaults: "tuple[str, ...]") -> "list[str]":
    value = os.environ.get(variable, "").strip()
    if value:
        return shlex.split(value)
    memo_key = (variable, os.environ.get("PATH", ""))
    if memo_key not in _default_memo:
        _default_memo[memo_key] = _first_on_path(defaults)
    return _default_memo[memo_key]


_default_memo: "dict[tuple[str, str], list[str]]" = {}


def _first_on_path(defaults: "tuple[str, ...]") -> "list[str]":
    for name in defaults:
        found = shutil.which(name)
        if found:
            return [found]
    return [defaults[0]]


def cxx(probe_dir: Optional[str] = None) -> Tool:
    """The C++ compiler: ``$CXX``, else c++ / g++ / clang++ on PATH."""
    command = _command_from_env("CXX", ("c++", "g++", "clang++"))
    fix = "install g++ (e.g. `apt-get install g++`) or set CXX to a C++ compiler"
    return _tool(command, "C++ compiler", fix, probe_dir)


def cc(probe_dir: Optional[str] = None) -> Tool:
    """The C compiler for ``.c`` files: ``$CC``, else cc / gcc / clang on PATH."""
    command = _command_from_env("CC", ("cc", "gcc", "clang"))
    fix = "install gcc (e.g. `apt-get install gcc`) or set CC to a C compiler"
    return _tool(command, "C compiler", fix, probe_dir)


def cuda_home() -> Optional[str]:
    """``$CUDA_HOME``/``$CUDA_PATH``, else the toolkit behind ``nvcc`` on PATH, else
    /usr/local/cuda; None when none of these exists."""
    for variable in ("CUDA_HOME", "CUDA_PATH"):
        value = os.environ.get(variable)
        if value:
            return value
    nvcc_on_path = shutil.which("nvcc")
    if nvcc_on_path:
        real_nvcc = resolve_executable(nvcc_on_path)[-1]
        home = os.path.dirname(os.path.dirname(real_nvcc))
        if os.path.basename(os.path.dirname(real_nvcc)) == "bin" and os.path.isdir(home):
            return home
    return "/usr/local/cuda" if os.path.isdir("/usr/local/cuda") else None


def nvcc(probe_dir: Optional[str] = None) -> "tuple[Tool, str]":
    """nvcc from the CUDA home, and that home."""
    home = cuda_home()
    fix = (
        "install the CUDA toolkit and set CUDA_HOME to it (or put its bin/ directory, "
        "which holds nvcc, on PATH)"
    )
    if home is None:
        raise ToolchainError(f"CUDA sources need nvcc, but no CUDA toolkit was found; {fix}")
    path = os.path.join(home, "bin", "nvcc")
    if not os.path.isfile(path):
        raise ToolchainError(f"CUDA sources need nvcc, but {path} does not exist; {fix}")
    return _tool([path], "CUDA compiler", fix, probe_dir), home


_ARCH_TOKEN = r"(?:sm_|compute_)?(\d+)(?:\.(\d+))?([af]?)(\+PTX)?\Z"
_ARCH_VARIABLES = ("TVM_FFI_CUDA_ARCH_LIST", "TORCH_CUDA_ARCH_LIST")


def parse_arch_list(text: str, source: str) -> "list[tuple[str, bool]]":
    """``"8.0;9.0a+PTX"`` -> ``[("80", False), ("90a", True)]`` (arch, also embed PTX)."""
    archs = []
    for token in re.split(r"[;,\s]+", text.strip()):
        if not token:
            continue
        match = re.match(_ARCH_TOKEN, token, re.IGNORECASE)
        if match is None:
            raise ToolchainError(
                f'{source}: cannot parse CUDA arch {token!r}; use e.g. "8.0;9.0+PTX"'
            )
        major, minor, suffix, ptx = match.groups()
        if minor is not None:
            number = major + minor
        else:  # "80" is already compact; a lone "8" means 8.0
            number = major + "0" if len(major) == 1 else major
        archs.append((number + suffix.lower(), bool(ptx)))
    if not archs:
        raise ToolchainError(f"{source} is set but lists no CUDA arch")
    return archs


def _visible_gpu_archs() -> "list[tuple[str, bool]]":
    """Compute capabilities of visible GPUs through the CUDA driver API (no nvidia-smi)."""
    import ctypes

    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return []
    count = ctypes.c_int(0)
    if driver.cuInit(0) != 0 or driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return []
    archs = []
    for ordinal in range(count.value):
        device, major, minor = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        if driver.cuDeviceGet(ctypes.byref(device), ordinal) != 0:
            continue
        # 75 / 76: CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR
        if driver.cuDeviceGetAttribute(ctypes.byref(major), 75, device) != 0:
            continue
        if driver.cuDeviceGetAttribute(ctypes.byref(minor), 76, device) != 0:
            continue
        arch = (f"{major.value}{minor.value}", False)
        if arch not in archs:
            archs.append(arch)
    return archs


_gpu_archs_memo: "list[list[tuple[str, bool]]]" = []


def cuda_arch_list() -> "list[tuple[str, bool]]":
    """From TVM_FFI_CUDA_ARCH_LIST, then TORCH_CUDA_ARCH_LIST, then the visible GPUs."""
    for variable in _ARCH_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return parse_arch_list(value, variable)
    if not _gpu_archs_memo:
        _gpu_archs_memo.append(_visible_gpu_archs())
    if _gpu_archs_memo[0]:
        return _gpu_archs_memo[0]
    raise ToolchainError(
        "CUDA sources need a target GPU architecture, but no GPU could be queried; set "
        "TVM_FFI_CUDA_ARCH_LIST (or TORCH_CUDA_ARCH_LIST), "
        'e.g. TVM_FFI_CUDA_ARCH_LIST="8.0;9.0+PTX"'
    )


def gencode_flags(archs: "list[tuple[str, bool]]") -> "list[str]":
    """nvcc ``-gencode`` flags: SASS for each arch, plus PTX where ``+PTX`` was asked."""
    flags = []
    for arch, with_ptx in archs:
        flags.append(f"-gencode=arch=compute_{arch},code=sm_{arch}")
        if with_ptx:
            flags.append(f"-gencode=arch=compute_{arch},code=compute_{arch}")
    return flags


def max_jobs() -> int:
    """``$MAX_JOBS`` if set to a positive integer, else the number of CPUs."""
    value = os.environ.get("MAX_JOBS", "").strip()
    if value:
        try:
            jobs = int(value)
        except ValueError:
            raise ToolchainError(f"MAX_JOBS must be a positive integer, got {value!r}") from None
        if jobs > 0:
            return jobs
        raise ToolchainError(f"MAX_JOBS must be a positive integer, got {value!r}")
    return os.cpu_count() or 1
