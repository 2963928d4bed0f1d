"""Writes ``build.ninja`` for one module and runs ninja (from the ``ninja`` pip package)."""

import logging
import os
import shlex
import shutil
import sys
import threading
import time

from ..build_error import BuildError, ToolchainError
from .link import EXPORTS_SCRIPT, undefined_symbols_summary
from .sources import ASM, CUDA, OBJECT, C

logger = logging.getLogger("tvm_ffi_jit")

_STATUS_PREFIX = "@@ninja "  # marks ninja's status lines so they can be told from compiler output
_MAX_ERROR_CHARS = 20000


def _path(path: str) -> str:
    """A path as a ninja build-statement token."""
    return path.replace("$", "$$").replace(" ", "$ ").replace(":", "$:")


def _command(words) -> str:
    """Words as one shell command inside a ninja variable."""
    return " ".join(shlex.quote(w) for w in words).replace("$", "$$")


def link_script_path() -> str:
    """link.py, which the link step runs as a script to select the exports."""
    from . import link

    return os.path.abspath(link.__file__)


def object_names(sources, reserved=()) -> "list[str]":
    """One distinct object file name per source (``a/x.cpp`` and ``b/x.cpp`` both compile),
    none of them in ``reserved`` (the output's name)."""
    names, taken = [], set(reserved)
    for src in sources:
        stem = os.path.splitext(os.path.basename(src.path))[0]
        suffix = ".cuda.o" if src.language == CUDA else ".o"
        candidate, i = stem + suffix, 1
        while candidate in taken:
            candidate, i = f"{stem}_{i}{suffix}", i + 1
        taken.add(candidate)
        names.append(candidate)
    return names


def render(plan) -> str:
    """The text of build.ninja for a BuildPlan (see builder.py)."""
    lines = [
        "ninja_required_version = 1.3",
        f"cxx = {_command(plan.cxx)}",
        f"cxxflags = {_command(plan.cxx_compile_flags())}",
        f"ldflags = {_command(plan.ldflags)}",
    ]
    if plan.cc:
        lines += [f"cc = {_command(plan.cc)}", f"cflags = {_command(plan.c_flags)}"]
    if plan.nvcc:
        lines += [f"nvcc = {_command(plan.nvcc)}", f"cudaflags = {_command(plan.cuda_flags)}"]
    lines += [
        "",
        "rule cxx",
        "  command = $cxx -MMD -MF $out.d $cxxflags -c $in -o $out",
        "  depfile = $out.d",
        "  deps = gcc",
        "  description = CXX $out",
        "",
    ]
    if plan.cc:
        lines += [
            "rule cc",
            "  command = $cc -MMD -MF $out.d $cflags -c $in -o $out",
            "  depfile = $out.d",
            "  deps = gcc",
            "  description = CC $out",
            "",
        ]
    if plan.nvcc:
        lines += [
            "rule nvcc",
            "  command = $nvcc -MMD -MF $out.d $cudaflags -c $in -o $out",
            "  depfile = $out.d",
            "  deps = gcc",
            "  description = NVCC $out",
            "",
        ]
    # The link step first selects the exports: link.py run as a script, with neither the
    # package nor `site` imported (-S -I: 15 ms instead of 40-90 ms in a venv with .pth files).
    prepare = _command([sys.executable, "-S", "-I", link_script_path(), EXPORTS_SCRIPT]) + " $in"
    languages = {src.language for src in plan.sources}
    if ASM in languages:
        lines += ["rule asm", "  command = $cxx -c $in -o $out", "  description = AS $out", ""]
    objects = object_names(plan.sources, reserved=[plan.library_file])
    # A user's object is linked from a copy: the link step edits its inputs' symbol tables.
    if OBJECT in languages:
        lines += ["rule copy", "  command = cp -f $in $out", "  description = COPY $out", ""]
    if plan.object_mode:
        # One relocatable object the user links later; its exports are marked the same way.
        merge = "cp -f $in $out" if len(objects) == 1 else "$cxx -r -nostdlib $in -o $out"
        lines += [
            "rule relocatable",
            f"  command = {prepare} && {merge}",
            "  description = OBJECT $out",
            "",
        ]
    else:
        lines += [
            "rule link",
            f"  command = {prepare} && $cxx $in $ldflags -o $out",
            "  description = LINK $out",
            "",
        ]
    for src, obj in zip(plan.sources, objects):
        rule = {CUDA: "nvcc", C: "cc", ASM: "asm", OBJECT: "copy"}.get(src.language, "cxx")
        statement = f"build {_path(obj)}: {rule} {_path(src.path)}"
        if src.payload is not None:
            statement += f" | {_path(src.payload[0])}"  # the bytes .incbin reads
        lines.append(statement)
    library = plan.library_file
    final_rule = "relocatable" if plan.object_mode else "link"
    lines += [
        "",
        f"build {_path(library)}: {final_rule} {' '.join(_path(o) for o in objects)}",
        f"default {_path(library)}",
        "",
    ]
    return "\n".join(lines)


def write_build_file(build_dir: str, plan) -> str:
    path = os.path.join(build_dir, "build.ninja")
    text = render(plan)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return path
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def ninja_executable() -> str:
    """ninja from the ``ninja`` pip package, else from PATH."""
    # The package puts its binary beside this interpreter (a venv's bin/); importing the
    # package to ask it costs more than the rest of a build's planning.
    beside = os.path.join(os.path.dirname(sys.executable), "ninja")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    try:
        import ninja as ninja_package

        candidate = os.path.join(ninja_package.BIN_DIR, "ninja")
        if os.path.isfile(candidate):
            return candidate
    except ImportError:
        pass
    found = shutil.which("ninja")
    if found is None:
        raise ToolchainError("ninja was not found; install it with `pip install ninja`")
    return found


def files_written(plan) -> "set[str]":
    """The names the build writes at the top of its directory (besides the sources)."""
    objects = object_names(plan.sources, reserved=[plan.library_file])
    fixed = ["build.ninja", ".ninja_log", ".ninja_deps", "build.log", EXPORTS_SCRIPT]
    return {*fixed, plan.library_file, *objects, *(o + ".d" for o in objects)}


class _TerminalLine:
    """One stderr line rewritten in place; it disappears when the build ends."""

    def show(self, text: str) -> None:
        try:
            width = os.get_terminal_size(sys.stderr.fileno()).columns
        except (AttributeError, OSError, ValueError):
            width = 0  # unknown
        if 0 < width <= len(text):  # a wrapped line could no longer be rewritten
            text = "..." + text[len(text) - width + 4 :]  # the step and the time stay
        sys.stderr.write("\r\x1b[K" + text)
        sys.stderr.flush()

    def finish(self, text: str) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


class _NotebookLine:
    """One output of the running Jupyter cell, replaced in place; it ends as the final line."""

    def __init__(self, display_module):
        self._display = display_module
        self._id = None

    def show(self, text: str) -> None:
        data = {"text/plain": text}
        if self._id is None:
            self._id = f"tvm_ffi_jit-{os.getpid()}-{os.urandom(6).hex()}"
            self._display.display(data, raw=True, display_id=self._id)
        else:
            self._display.update_display(data, raw=True, display_id=self._id)

    finish = show


def _notebook_line():
    """A :class:`_NotebookLine` when this process is a Jupyter kernel, else None."""
    if "ipykernel" not in sys.modules:  # IPython is imported only where it already runs
        return None
    try:
        from IPython import display, get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None  # terminal IPython: its stderr is a terminal, handled before
    return _NotebookLine(display)


def progress_line(verbose: bool):
    """Where build progress goes: a terminal, a notebook cell, or nowhere (verbose output, a
    pipe or a log file: a batch job's log must not fill with progress)."""
    if verbose:
        return None
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return _TerminalLine()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        pass
    return _notebook_line()


class _Progress:
    """``building <name>: compiling main.cpp [1/2], 2.3 s`` shown after ~1 s and updated
    every 0.25 s; from ninja's status lines, which come as each step finishes."""

    DELAY = 1.0

    def __init__(self, name: str, line, plan=None, build_dir: "str | None" = None):
        self.name, self.line = name, line
        sources = plan.sources if plan is not None else []
        self.objects = object_names(sources, reserved=[plan.library_file]) if plan else []
        self.labels = [os.path.basename(src.path) for src in sources]
        self.done, self.total = 0, len(sources) + 1
        self.finished_objects: set[str] = set()
        # A rebuild in a seeded directory may skip some objects: then which ones run is unknown.
        self.names_known = build_dir is None or not os.path.exists(
            os.path.join(build_dir, ".ninja_log")
        )
        self.start = time.monotonic()
        self.shown = False
        self._stop = threading.Event()
        self._ticker = None
        if line is not None:
            import contextvars

            # Run in the caller's context: ipykernel keeps the cell that output belongs to in
            # a context variable, which a bare thread would not see.
            context = contextvars.copy_context()
            self._ticker = threading.Thread(target=context.run, args=(self._tick,), daemon=True)
            self._ticker.start()

    def update(self, done: int, total: int, command: str) -> None:
        self.done, self.total = done, total
        try:
            words = set(shlex.split(command))
        except ValueError:
            words = set(command.split())
        self.finished_objects.update(o for o in self.objects if o in words)

    def step(self) -> str:
        if self.done >= self.total - 1:
            return "linking"
        pending = [
            label
            for label, obj in zip(self.labels, self.objects)
            if obj not in self.finished_objects
        ]
        if not (pending and self.names_known):
            return "compiling"
        more = ", ..." if len(pending) > 2 else ""
        return "compiling " + ", ".join(pending[:2]) + more

    def text(self) -> str:
        elapsed = time.monotonic() - self.start
        counter = f"[{min(self.done + 1, self.total)}/{self.total}]"
        return f"tvm_ffi_jit: building {self.name}: {self.step()} {counter}, {elapsed:.1f} s"

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            if time.monotonic() - self.start >= self.DELAY:
                self._show(self.line.show, self.text())

    def _show(self, write, text: str) -> None:
        try:
            write(text)
            self.shown = True
        except Exception:  # progress never fails a build (a closed stream, a kernel going away)
            self._stop.set()

    def close(self, succeeded: bool) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()  # a tick being written must land before the final line
        if self.shown:
            elapsed = time.monotonic() - self.start
            if succeeded:
                final = f"tvm_ffi_jit: built {self.name} in {elapsed:.1f} s"
            else:
                final = f"tvm_ffi_jit: building {self.name} failed after {elapsed:.1f} s"
            self._show(self.line.finish, final)


def compiler_output(lines: "list[str]") -> "list[str]":
    """ninja's output without its own lines: ``FAILED: <target>``, the failed command echoed
    after it (it is in the build log) and ``ninja: build stopped``; the diagnostics stay."""
    kept, skip_command = [], False
    for line in lines:
        if skip_command:
            skip_command = False
        elif line.startswith("FAILED: "):
            skip_command = True
        elif not line.startswith("ninja: build stopped"):
            kept.append(line)
    return kept


def _status(line: str):
    """``@@ninja 2/3 <command>`` (finished/total) -> (2, 3, command); None for other lines."""
    if not line.startswith(_STATUS_PREFIX):
        return None
    counts, _, command = line[len(_STATUS_PREFIX) :].partition(" ")
    done, _, total = counts.partition("/")
    try:
        return int(done), int(total), command
    except ValueError:
        return None


def run(build_dir: str, name: str, jobs: int, verbose: bool, log_path: str, plan=None) -> None:
    """Runs ninja in ``build_dir``; the whole output goes to ``log_path``; raises BuildError.

    ``plan`` (the BuildPlan) names the steps the progress line shows.
    """
    import subprocess

    command = [ninja_executable(), "-C", build_dir, "-v", "-j", str(jobs)]
    env = dict(os.environ, NINJA_STATUS=_STATUS_PREFIX + "%f/%t ")
    log_level = logging.INFO if verbose else logging.DEBUG
    logger.log(log_level, "tvm_ffi_jit: %s", " ".join(command))
    progress = _Progress(name, progress_line(verbose), plan, build_dir)
    diagnostics = []
    returncode = None
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(" ".join(command) + "\n")
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                text=True,
                errors="replace",
            )
            with process:
                for line in process.stdout:
                    log.write(line)
                    status = _status(line)
                    if status is not None:
                        progress.update(*status)
                        logger.log(log_level, "%s", status[2].rstrip("\n"))
                    else:
                        if not line.startswith("ninja: Entering directory"):
                            diagnostics.append(line)
                        logger.log(log_level, "%s", line.rstrip("\n"))
            returncode = process.wait()
    except OSError as err:
        raise ToolchainError(f"cannot run ninja ({command[0]}): {err}") from None
    finally:
        progress.close(succeeded=returncode == 0)
    if returncode != 0:
        text = "".join(compiler_output(diagnostics)).strip()
        if len(text) > _MAX_ERROR_CHARS:
            text = "...\n" + text[-_MAX_ERROR_CHARS:]
        # Undefined functions first: the linker's own lines are easy to miss in a long log.
        details = "\n".join(part for part in (undefined_symbols_summary(text), text) if part)
        raise BuildError(
            f"building module '{name}' failed (ninja exit code {returncode}); "
            f"full log: {log_path}\n{details}"
        )


def dependencies(build_dir: str) -> "list[str]":
    """Every file the compilers reported reading (from ninja's deps log), as absolute paths."""
    import subprocess

    result = subprocess.run(
        [ninja_executable(), "-C", build_dir, "-t", "deps"],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if result.returncode != 0:
        raise BuildError(f"`ninja -t deps` failed in {build_dir}: {result.stderr.strip()}")
    paths = []
    for line in result.stdout.splitlines():
        # Dependency lines are indented under their "target: #deps N, ..." header.
        if line.startswith((" ", "\t")) and line.strip():
            paths.append(os.path.normpath(os.path.join(build_dir, line.strip())))
    return paths
