"""From sources and options to a published shared library: request, plan, key, build.

The warm path (library already built and unchanged) reads the sources, one request-index
record and a few dozen ``stat``s; it starts no subprocess and never plans the build. When the
record is missing or stale, the build is planned (tools identified, key computed) and the
entry's manifest consulted; only if that is stale too does the cold path take the entry's
lock, run ninja in a private build directory and publish the result under a fresh file name.
"""

import os

from .. import libinfo
from ..build_error import BuildError, ToolchainError
from . import (
    cache,
    environment,
    link,
    link_inputs,
    precompiled_header,
    request_index,
    sources,
    toolchain,
)
from . import verbose as verbose_output
from .digest import bulk_hex
from .log import logger
from .sources import CUDA, CXX, C

# Plain C kernels mark nothing as exported (see the seeds' __tvm_ffi_<name> examples), so C
# objects keep default visibility.
_C_FLAGS = ["-O2", "-fPIC"]
_CUDA_FLAGS = [
    "-Xcompiler",
    "-fPIC",
    "-Xcompiler",
    "-fvisibility=hidden",
    "-std=c++17",
    "-O2",
    "--expt-relaxed-constexpr",
]


class BuildPlan:
    """Everything that determines one library: tools, flags and translation units."""

    def __init__(self, name: str, files: "list[sources.SourceFile]", options: dict):
        self.name = name
        self.sources = files
        self.output = options.get("output")  # the file name asked for, else None
        self.library_file = self.output or f"{name}.so"
        self.object_mode = self.output is not None and is_object_output(self.output)
        languages = {f.language for f in files}
        probe_dir = options["probe_dir"]
        include_flags = [f"-I{d}" for d in options["include_paths"]]
        include_flags += [f"-I{d}" for d in libinfo.include_dirs()]

        cxx = toolchain.cxx(probe_dir)
        self.cxx = list(cxx.command)
        own_dirs = libinfo.include_dirs()
        base_flags = [
            *precompiled_header.CXX_FLAGS,
            *precompiled_header.macro_prefix_flags(own_dirs, cxx.identity),
        ]
        self.cxx_flags = [*base_flags, *include_flags, *options["cflags"]]
        self.tools = [cxx]
        # Not in the key: the objects are the same with it (see precompiled_header.py).
        self.pch_dir = None
        if CXX in languages:
            self.pch_dir = precompiled_header.usable_dir(
                cxx.identity, options["cflags"], options["include_paths"]
            )

        self.cc = self.c_flags = None
        if C in languages:
            cc = toolchain.cc(probe_dir)
            self.cc = list(cc.command)
            user_flags = [f for f in options["cflags"] if not f.startswith("-std=")]
            self.c_flags = [*_C_FLAGS, *include_flags, *user_flags]
            self.tools.append(cc)

        lib_dir = libinfo.library_dir()
        self.ldflags = [
            "-shared",
            *link.linker_flags(toolchain.find_executable),
            *link.LINK_FLAGS,
            f"-L{lib_dir}",
            f"-l{libinfo.library_name()}",
            f"-Wl,-rpath,{lib_dir}",
        ]
        self.nvcc = self.cuda_flags = None
        self.cuda_archs = None
        if CUDA in languages:
            nvcc, cuda_home = toolchain.nvcc(probe_dir)
            self.cuda_archs = toolchain.cuda_arch_list()
            self.nvcc = list(nvcc.command)
            self.cuda_flags = [
                *_CUDA_FLAGS,
                *toolchain.gencode_flags(self.cuda_archs),
                *include_flags,
                *options["cuda_cflags"],
            ]
            self.tools.append(nvcc)
            cuda_lib = os.path.join(cuda_home, "lib64")
            self.ldflags += [f"-L{cuda_lib}", "-lcudart", f"-Wl,-rpath,{cuda_lib}"]
        self.ldflags += options["ldflags"]
        # Archives, objects and scripts the flags name: their contents go into the key.
        self.link_inputs, self.link_stamps = link_inputs.digests(
            link_inputs.named_files(self.ldflags)
        )

    def cxx_compile_flags(self) -> "list[str]":
        """``cxx_flags`` as the compiler gets them: the precompiled header's directory goes
        after the user's include dirs, ahead of ours."""
        if self.pch_dir is None:
            return self.cxx_flags
        ours = f"-I{libinfo.include_dirs()[0]}"
        at = self.cxx_flags.index(ours)
        return [*self.cxx_flags[:at], f"-I{self.pch_dir}", *self.cxx_flags[at:]]

    def key_parts(self) -> dict:
        """What the cache key hashes: contents (never paths) of sources, every flag, tools."""
        return {
            "format": cache.KEY_FORMAT,
            "package": cache.package_version(),
            "abi": cache.abi_version(libinfo.include_dir()),
            "name": self.name,
            "sources": [[f.language, f.digest] for f in self.sources],
            "tools": {t.kind: t.identity for t in self.tools},
            "cxx_flags": self.cxx_flags,
            "c_flags": self.c_flags,
            "cuda_flags": self.cuda_flags,
            "cuda_archs": self.cuda_archs,
            "ldflags": self.ldflags,
            "link_inputs": self.link_inputs,
            "exports": link.EXPORTS_RULES,
            "output": self.output,
        }


def _str_list(value, what: str) -> "list[str]":
    return sources.as_list(value, what)


_QUOTES = frozenset("\"'\\")


def split_flags(value, what: str) -> "list[str]":
    """Compiler or linker flags: one string may hold several, split as a shell would
    (``"-O3 -DX"`` is two flags, ``'-DMSG="a b"'`` one), as apache-tvm-ffi's and torch's
    loaders pass them through a shell command line."""
    flags = []
    for flag in _str_list(value, what):
        if _QUOTES.isdisjoint(flag):
            flags += flag.split()
            continue
        import shlex  # rare: quoting inside a flag

        try:
            flags += shlex.split(flag)
        except ValueError as err:
            raise ValueError(f"{what}: cannot split {flag!r} into arguments: {err}") from None
    return flags


_OBJECT_SUFFIXES = (".o", ".obj")
# Files a build directory or cache entry holds besides the output.
_RESERVED_OUTPUTS = frozenset(
    ["build.ninja", "build.log", "exports.map", cache.MANIFEST_FILE, cache.LOCK_FILE]
    + ["build", cache.FAILED_BUILD_DIR, "index", cache.TOOLCHAIN_DIR]
)
_SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".cu", ".h", ".s", ".cubin", ".d", ".tmp")


def is_object_output(output: str) -> bool:
    """Whether ``output`` names a relocatable object (linking skipped) rather than a library."""
    return output.lower().endswith(_OBJECT_SUFFIXES)


def check_output(output) -> "str | None":
    """``output=``: the file name of the result in the build directory (or cache entry);
    ``.o``/``.obj`` asks for one relocatable object, any other name for a shared library."""
    if output is None:
        return None
    if not isinstance(output, (str, os.PathLike)):
        raise TypeError(f"output must be a file name (str), got {type(output).__name__}")
    output = os.fspath(output)
    if os.path.basename(output) != output or output in ("", ".", ".."):
        raise ValueError(
            f"output={output!r}: pass a file name without a directory (the file is placed in "
            "the build directory; choose that with build_directory=)"
        )
    cache.validate_name(output)
    reserved = output.lower().endswith(_SOURCE_SUFFIXES) or output.startswith((".", "tmp-build-"))
    if reserved or output in _RESERVED_OUTPUTS:
        raise ValueError(
            f"output={output!r} would clash with the build's own files: name a shared library "
            "(e.g. 'ops.so') or an object file (e.g. 'ops.o')"
        )
    return output


def check_backend(backend) -> None:
    """``backend=`` as apache-tvm-ffi takes it; only CUDA is built here."""
    if backend is None or backend == "cuda":
        return
    if backend == "hip":
        raise ValueError(
            "backend='hip': ROCm/HIP is not supported by tvm_ffi_jit; use backend='cuda' or None"
        )
    raise ValueError(f"invalid backend {backend!r}: use 'cuda' or None")


def _options(
    extra_cflags, extra_cuda_cflags, extra_ldflags, extra_include_paths, output=None
) -> dict:
    if extra_cflags is extra_cuda_cflags is extra_ldflags is extra_include_paths is output is None:
        return {"cflags": [], "cuda_cflags": [], "ldflags": [], "include_paths": [], "output": None}
    return {
        "cflags": split_flags(extra_cflags, "extra_cflags"),
        "cuda_cflags": split_flags(extra_cuda_cflags, "extra_cuda_cflags"),
        "ldflags": split_flags(extra_ldflags, "extra_ldflags"),
        "include_paths": [
            os.path.abspath(p) for p in _str_list(extra_include_paths, "extra_include_paths")
        ],
        "output": check_output(output),
    }


# Environment variables that change what a request means without showing in its arguments.
_REQUEST_VARIABLES = (
    "CXX",
    "CC",
    "PATH",
    "CUDA_HOME",
    "CUDA_PATH",
    "TVM_FFI_CUDA_ARCH_LIST",
    "TORCH_CUDA_ARCH_LIST",
)


class Request:
    """One call's validated inputs: name, translation units, options, where to build."""

    __slots__ = ("name", "files", "options", "root", "build_directory")

    def __init__(self, name, files, options, root, build_directory):
        self.name, self.files, self.options = name, files, options
        self.root, self.build_directory = root, build_directory

    def digest(self) -> "str | None":
        """Names everything that decides the library except the files the tools, the runtime
        headers and the sources' includes live in (request_index checks those by ``stat``).

        None when that cannot be known without a tool that is missing: planning the build
        then reports what is missing."""
        parts = [self.name, [(f.path, f.language, f.digest) for f in self.files], self.options]
        if any(f.language == CUDA for f in self.files):
            try:
                parts.append(toolchain.cuda_arch_list())  # may come from the GPUs
            except ToolchainError:
                return None
        # repr of lists, tuples, str and None is canonical, and cheaper than JSON here; the
        # digest names a request-index record only (never a cache key): the faster hash.
        text = "\0".join([repr(parts), *_fixed_fields(), *_variable_fields()])
        return bulk_hex(text.encode())


# Strings that cannot hold a NUL (flags, paths, environment values) are joined by one: repr,
# which escapes character by character, would cost ten times as much for these.
def _fixed_fields() -> "list[str]":
    """What every request of this package shares: formats, version, flags."""
    fields = [str(cache.KEY_FORMAT), cache.package_version(), libinfo.__file__]
    fields.append(link.EXPORTS_RULES)
    # The prefix-map flags follow from the compiler, which the key covers.
    for flags in (precompiled_header.CXX_FLAGS, _C_FLAGS, _CUDA_FLAGS, link.LINK_FLAGS):
        fields.append(str(len(flags)))
        fields += flags
    return fields


def _variable_fields() -> "list[str]":
    """The environment variables that choose tools: ``=value``, or ``-`` when unset."""
    fields = []
    for variable in _REQUEST_VARIABLES:
        value = environment.get(variable)
        fields.append("-" if value is None else "=" + value)
    return fields


class Job:
    """One planned library: its plan, cache key, entry directory and source paths."""

    __slots__ = ("plan", "key", "entry", "source_paths")

    def __init__(self, plan: BuildPlan, key: str, entry: str, source_paths: "list[str]"):
        self.plan, self.key, self.entry, self.source_paths = plan, key, entry, source_paths


def describe(
    name: str,
    *,
    inline: bool,
    cpp,
    cuda,
    functions: "list[str]",
    docs: "dict[str, str] | None" = None,
    source_files=None,
    extra_cflags=None,
    extra_cuda_cflags=None,
    extra_ldflags=None,
    extra_include_paths=None,
    build_directory: "str | None" = None,
    embed_cubin=None,
    output=None,
    backend=None,
) -> Request:
    """Validates the inputs and reads the sources; touches nothing but the cache root.

    ``source_files`` is the ``sources=`` list of build/load, one list with ``cpp``/``cuda``."""
    cache.validate_name(name)
    check_backend(backend)
    if inline:
        files = sources.inline_files(name, cpp, cuda, functions, docs)
    else:
        files = sources.user_files(cpp, cuda, source_files)
    files += sources.embedded_cubins(embed_cubin)
    options = _options(extra_cflags, extra_cuda_cflags, extra_ldflags, extra_include_paths, output)
    root = cache.cache_root()
    if build_directory is None:
        try:
            cache.ensure_private_dir(root)
        except OSError as err:
            cache.raise_unwritable(err, root, name)
    return Request(name, files, options, root, build_directory)


def plan(request: Request) -> Job:
    """Finds the tools, computes the cache key and the entry directory."""
    options = dict(request.options, probe_dir=os.path.join(request.root, cache.TOOLCHAIN_DIR))
    build_plan = BuildPlan(request.name, request.files, options)
    key = cache.compute_key(build_plan.key_parts())
    if request.build_directory is None:
        entry = cache.entry_dir(request.root, request.name, key)
    else:
        entry = os.path.abspath(os.fspath(request.build_directory))
    return Job(build_plan, key, entry, [f.path for f in request.files])


def prepare(name: str, **inputs) -> Job:
    """:func:`describe` then :func:`plan`."""
    return plan(describe(name, **inputs))


def build_library(name: str, *, verbose: bool = False, **inputs) -> str:
    """Returns the path of an up-to-date shared library for these inputs, building if needed.

    ``inputs`` are :func:`describe`'s keyword arguments.
    """
    verbose = verbose_output.requested(verbose)
    if verbose and not verbose_output.active():
        with verbose_output.scope():  # shown for this call only
            return build_library(name, verbose=True, **inputs)
    request = describe(name, **inputs)
    digest = request.digest() if request.build_directory is None else None
    indexed = digest is not None
    if indexed:
        artifact = request_index.lookup(request.root, name, digest)
        if artifact is not None:
            logger.debug("tvm_ffi_jit: %s is up to date: %s", name, artifact)
            return artifact

    job = plan(request)
    artifact = cache.lookup(job.entry, job.key, job.source_paths)
    if artifact is not None:
        try:
            cache.check_permissions(job.entry, os.stat(job.entry))
        except FileNotFoundError:
            artifact = None  # `cache clean` removed it just now: build it again
    if artifact is not None:
        logger.debug("tvm_ffi_jit: %s is up to date: %s", name, artifact)
    else:
        artifact = _build_or_wait(job, name, request.build_directory is None, verbose)
    if indexed:
        abi_header = os.path.join(libinfo.include_dir(), "tvm", "ffi", "c_api.h")
        request_index.write(
            request.root,
            name,
            digest,
            job.key,
            job.plan.tools,
            abi_header,
            job.entry,
            job.plan.link_stamps,
        )
    return artifact


def _build_or_wait(job: Job, name: str, in_cache: bool, verbose: bool) -> str:
    """Builds under the entry's lock, unless the process that held it meanwhile built the
    same key (its library is returned) or failed to (its BuildError is raised again)."""
    # A failure recorded after this point happened while this process was asking.
    seen_failure = cache.failure_token(job.entry)
    with cache.locked(job.entry, name, job.key if in_cache else None):
        artifact = cache.lookup(job.entry, job.key, job.source_paths, report=True)
        if artifact is not None:
            return artifact
        failure = cache.read_failure(job.entry)
        if failure is not None and failure["token"] != seen_failure and failure["key"] == job.key:
            error_class = ToolchainError if failure["class"] == "ToolchainError" else BuildError
            raise error_class(failure["message"])
        stable_name = not in_cache and job.plan.output is None

        def build() -> str:
            return _build_locked(
                job.plan, job.entry, job.key, job.source_paths, verbose, stable_name
            )

        if not in_cache or job.plan.output is not None:
            return build()
        from . import remote  # the cold path only: the remote cache (TVM_FFI_JIT_REMOTE_CACHE)

        return remote.fetch_or_build(job, name, build)


def _build_locked(
    plan: BuildPlan, entry: str, key: str, source_paths, verbose: bool, stable_name: bool
) -> str:
    # A private directory per build: a builder killed mid-build (and any compiler it leaves
    # running) can only ever touch its own abandoned directory.
    build_dir = cache.new_build_dir(entry)
    try:
        return _build_in(plan, entry, key, source_paths, verbose, stable_name, build_dir)
    finally:
        if os.path.isdir(build_dir):  # kept as build/ or failed-build/ unless this failed
            import shutil

            shutil.rmtree(build_dir, ignore_errors=True)


def _build_in(plan, entry, key, source_paths, verbose, stable_name, build_dir) -> str:
    from . import ninja as ninja_build  # the cold path only

    sources.write_generated(plan.sources, build_dir, taken=ninja_build.files_written(plan))
    ninja_build.write_build_file(build_dir, plan)
    built = os.path.join(build_dir, plan.library_file)
    if os.path.exists(built):
        os.unlink(built)  # always relink: the published copy may be what went stale
    logger.info("tvm_ffi_jit: building %s in %s", plan.name, entry)
    log_path = os.path.join(build_dir, cache.BUILD_LOG)
    try:
        ninja_build.run(build_dir, plan.name, toolchain.max_jobs(), verbose, log_path, plan)
    except BuildError as err:
        kept = cache.keep_build_dir(entry, build_dir, failed=True)
        error = type(err)(str(err).replace(build_dir, kept))
        cache.record_failure(entry, key, error, plan.tools)
        raise error from None

    # Sources are covered by the key; the manifest watches the headers they include. Files in
    # the build directory (the inline texts nvcc reports reading) are derived from the sources.
    inputs = {os.path.normpath(os.path.join(build_dir, p)) for p in source_paths}
    inside = os.path.join(os.path.normpath(build_dir), "")
    read = ninja_build.dependencies(build_dir)
    read = precompiled_header.dependencies(read, plan.pch_dir)
    headers = [p for p in read if p not in inputs and not p.startswith(inside)]
    previous = cache.current_artifact(entry)
    if plan.output is None:
        artifact = cache.publish(entry, built, plan.name)
    else:
        artifact = cache.publish_as(entry, built, plan.output)
    keep = [artifact, previous]
    if stable_name:
        # build_directory=: also under the plain name apache-tvm-ffi's loader gives it.
        keep.append(cache.publish_as(entry, artifact, plan.library_file, link=True))
    try:
        cache.write_manifest(entry, key, source_paths, cache.stamp(headers), artifact)
    except BaseException:
        cache.remove_old_artifacts(entry, plan.name, keep=[previous])  # not recorded: unusable
        raise
    cache.clear_failure(entry)
    cache.keep_build_dir(entry, build_dir, failed=False)
    cache.remove_old_artifacts(entry, plan.name, keep=keep)
    logger.info("tvm_ffi_jit: built %s", artifact)
    return artifact
