"""Finds the tools a build needs: C/C++ compilers, the CUDA toolkit, CUDA archs, job count.

Everything here is cheap enough for the warm path. Tools are located with a PATH walk of
``stat`` calls, and what is slow to learn about a tool (symlinks and wrapper scripts resolved,
``--version`` output) is recorded on disk next to the ``stat`` of each file involved; a later
process trusts the record only while those ``stat``s still match, so a warm load starts no
subprocess yet notices a changed or replaced compiler.
"""

import os

from ..build_error import ToolchainError
from . import environment
from .digest import sha256_hex

# Regexes stay uncompiled until used: compiling costs more than the warm path itself.
_WRAPPER_EXEC = r"""^\s*exec\s+(?:"([^"]+)"|'([^']+)'|(\S+))"""
_RECORD_FORMAT = 2
_MAX_WRAPPER_DEPTH = 8


class Tool:
    """A program to run (``command`` may carry arguments, e.g. ``ccache g++``), the chain of
    files behind each program in it (see :func:`resolve_executable`) and its identity."""

    __slots__ = ("kind", "command", "chains", "identity")

    def __init__(self, kind: str, command: "tuple[str, ...]", chains: list, identity: str):
        self.kind, self.command, self.chains, self.identity = kind, command, chains, identity

    def __repr__(self) -> str:
        return f"Tool({self.kind!r}, command={self.command!r})"


def _is_executable(path: str) -> bool:
    # access() first: on the usual miss it answers without raising, unlike stat().
    return os.access(path, os.X_OK) and os.path.isfile(path)


def find_executable(name: str) -> "str | None":
    """Like ``shutil.which``, as plain ``stat`` calls; names with a slash are made absolute."""
    if os.sep in name:
        return os.path.abspath(name) if _is_executable(name) else None
    # dict.fromkeys: each directory once, in PATH order (PATH often repeats entries).
    for directory in dict.fromkeys(environment.get("PATH", os.defpath).split(os.pathsep)):
        candidate = f"{directory or os.curdir}/{name}"
        if _is_executable(candidate):
            return candidate if os.path.isabs(candidate) else os.path.abspath(candidate)
    return None


def _wrapper_target(path: str) -> "str | None":
    """For a shell script that ends in ``exec TOOL "$@"``: TOOL as written; else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    import re

    match = re.search(_WRAPPER_EXEC, head.decode("utf-8", "replace"), re.MULTILINE)
    return None if match is None else next(g for g in match.groups() if g)


def _locate(word: str) -> "str | None":
    """A wrapper's exec target as the shell would find it."""
    return word if os.path.isabs(word) else find_executable(word)


def resolve_executable(path: str) -> "list[list]":
    """The chain from ``path`` to the real binary, following symlinks and wrapper scripts.

    Each link is ``[word, real_path, size, mtime_ns, inode]``, where ``word`` is how the link
    was named (``path`` itself, then each wrapper's exec target as written)."""
    chain, seen, word = [], set(), path
    while len(chain) < _MAX_WRAPPER_DEPTH:
        found = _locate(word)
        if found is None or not os.path.isfile(found):
            break
        real = os.path.realpath(found)
        if real in seen:
            break
        seen.add(real)
        st = os.stat(real)
        chain.append([word, real, st.st_size, st.st_mtime_ns, st.st_ino])
        word = _wrapper_target(real)
        if word is None:
            break
    return chain


def _chain_unchanged(chain: "list[list]") -> bool:
    """Whether each link still names the same file, by ``stat`` alone (no realpath, no read)."""
    for word, _, size, mtime_ns, inode in chain:
        found = _locate(word)
        try:
            st = os.stat(found) if found else None
        except OSError:
            return False
        if st is None or (st.st_size, st.st_mtime_ns, st.st_ino) != (size, mtime_ns, inode):
            return False
    return True


def _fingerprint(chains: "list[list[list]]") -> str:
    return " ".join(
        "|".join(f"{real}:{size}:{mtime}:{inode}" for _, real, size, mtime, inode in chain)
        for chain in chains
    )


def _probe_version(command: "tuple[str, ...]") -> str:
    import subprocess

    try:
        result = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise ToolchainError(f"cannot run `{' '.join(command)} --version`: {err}") from None
    return (result.stdout or result.stderr).strip()


def _record_path(command: "tuple[str, ...]", probe_dir: "str | None") -> "str | None":
    if probe_dir is None:
        return None
    # PATH is part of the name: wrapper scripts may exec a tool by its bare name.
    text = f"{_RECORD_FORMAT}\0{command}\0{os.environ.get('PATH', '')}"
    return os.path.join(probe_dir, sha256_hex(text.encode())[:32] + ".json")


def _read_record(path: "str | None", command: "tuple[str, ...]") -> "dict | None":
    """The recorded chains and version of ``command``, if every file involved is unchanged."""
    import json  # slow path only: warm loads skip importing json

    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            st = os.fstat(f.fileno())
            # A record another user could write would choose the compiler identity in the key.
            if hasattr(os, "geteuid") and (st.st_uid != os.geteuid() or st.st_mode & 0o022):
                return None
            record = json.load(f)
        if record["format"] != _RECORD_FORMAT or tuple(record["command"]) != command:
            return None
        if all(_chain_unchanged(chain) for chain in record["chains"]):
            return record
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_json_atomically(path: str, data) -> None:
    import json

    from .cache import write_atomically

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        write_atomically(path, json.dumps(data).encode())
    except OSError:
        pass  # the record is an optimization only


_COMPILERS = {
    "cxx": (
        "CXX",
        ("c++", "g++", "clang++"),
        "C++ compiler",
        "install g++ (e.g. `apt-get install g++`) or set CXX to a C++ compiler",
    ),
    "cc": (
        "CC",
        ("cc", "gcc", "clang"),
        "C compiler",
        "install gcc (e.g. `apt-get install gcc`) or set CC to a C compiler",
    ),
}
_NVCC_FIX = (
    "install the CUDA toolkit and set CUDA_HOME to it (or put its bin/ directory, "
    "which holds nvcc, on PATH)"
)
# What locating a tool depends on besides the files themselves.
_LOCATION_VARIABLES = ("CXX", "CC", "PATH", "CUDA_HOME", "CUDA_PATH")


def locate(kind: str) -> "tuple[str, ...]":
    """The command that runs tool ``kind`` (``"cxx"``, ``"cc"`` or ``"nvcc"``), with each
    program in it as an absolute path; raises ToolchainError when it is missing."""
    if kind == "nvcc":
        return (_nvcc_path(),)
    variable, defaults, what, fix = _COMPILERS[kind]
    value = environment.get(variable, "").strip()
    if not value:
        for default in defaults:
            found = find_executable(default)
            if found:
                return (found,)
        raise ToolchainError(f"{what} `{defaults[0]}` was not found on PATH; {fix}")
    import shlex

    resolved = []
    for i, word in enumerate(shlex.split(value)):
        found = find_executable(word) if (i == 0 or not word.startswith("-")) else None
        if i == 0 and found is None:
            raise ToolchainError(f"{what} `{word}` was not found on PATH; {fix}")
        resolved.append(found or word)
    return tuple(resolved)


_tool_memo: "dict[tuple, Tool]" = {}


def identify(kind: str, probe_dir: "str | None" = None) -> Tool:
    """Locates tool ``kind`` and learns its identity (programs, the files behind them,
    ``--version`` output), which goes into cache keys.

    The identity is remembered in this process and recorded in ``probe_dir`` for later ones;
    both are trusted only while the tool is found at the same place, unchanged."""
    memo_key = (kind, probe_dir, *(os.environ.get(v) for v in _LOCATION_VARIABLES))
    tool = _tool_memo.get(memo_key)
    if tool is None or not unchanged(kind, tool.command, tool.chains):
        tool = _tool_memo[memo_key] = _identify(kind, locate(kind), probe_dir)
    return tool


def _identify(kind: str, command: "tuple[str, ...]", probe_dir: "str | None") -> Tool:
    record_path = _record_path(command, probe_dir)
    record = _read_record(record_path, command)
    if record is None:
        record = {
            "format": _RECORD_FORMAT,
            "command": list(command),
            "chains": [resolve_executable(w) for w in command if os.path.isabs(w)],
            "version": _probe_version(command),
        }
        if record_path is not None:
            _write_json_atomically(record_path, record)
    chains = record["chains"]
    identity = f"{' '.join(command)}\n{_fingerprint(chains)}\n{record['version']}"
    return Tool(kind, command, chains, identity)


def unchanged(kind: str, command, chains) -> bool:
    """Whether tool ``kind`` still locates to ``command`` and the files behind it are the
    ones recorded in ``chains``, by ``stat`` alone."""
    try:
        if locate(kind) != tuple(command):
            return False
    except ToolchainError:
        return False
    return all(_chain_unchanged(chain) for chain in chains)


def cxx(probe_dir: "str | None" = None) -> Tool:
    """The C++ compiler: ``$CXX``, else c++ / g++ / clang++ on PATH."""
    return identify("cxx", probe_dir)


def cc(probe_dir: "str | None" = None) -> Tool:
    """The C compiler for ``.c`` files: ``$CC``, else cc / gcc / clang on PATH."""
    return identify("cc", probe_dir)


def cuda_home() -> "str | None":
    """``$CUDA_HOME``/``$CUDA_PATH``, else the toolkit behind ``nvcc`` on PATH, else
    /usr/local/cuda; None when none of these exists."""
    for variable in ("CUDA_HOME", "CUDA_PATH"):
        value = os.environ.get(variable)
        if value:
            return value
    nvcc_on_path = find_executable("nvcc")
    chain = resolve_executable(nvcc_on_path) if nvcc_on_path else []
    if chain:
        real_nvcc = chain[-1][1]
        home = os.path.dirname(os.path.dirname(real_nvcc))
        if os.path.basename(os.path.dirname(real_nvcc)) == "bin" and os.path.isdir(home):
            return home
    return "/usr/local/cuda" if os.path.isdir("/usr/local/cuda") else None


def _nvcc_path() -> str:
    home = cuda_home()
    if home is None:
        raise ToolchainError(f"CUDA sources need nvcc, but no CUDA toolkit was found; {_NVCC_FIX}")
    path = os.path.join(home, "bin", "nvcc")
    if not os.path.isfile(path):
        raise ToolchainError(f"CUDA sources need nvcc, but {path} does not exist; {_NVCC_FIX}")
    return path


def nvcc(probe_dir: "str | None" = None) -> "tuple[Tool, str]":
    """nvcc from the CUDA home, and that home."""
    tool = identify("nvcc", probe_dir)
    return tool, os.path.dirname(os.path.dirname(tool.command[0]))


_ARCH_TOKEN = r"(?:sm_|compute_)?(\d+)(?:\.(\d+))?([af]?)(\+PTX)?\Z"
_ARCH_VARIABLES = ("TVM_FFI_CUDA_ARCH_LIST", "TORCH_CUDA_ARCH_LIST")


def parse_arch_list(text: str, source: str) -> "list[tuple[str, bool]]":
    """``"8.0;9.0a+PTX"`` -> ``[("80", False), ("90a", True)]`` (arch, also embed PTX)."""
    import re

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
