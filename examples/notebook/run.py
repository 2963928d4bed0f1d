"""Runs softplus.ipynb headless (nbclient) and checks what it showed; exits non-zero on failure.

    python examples/notebook/run.py [--save executed.ipynb]

Fails on an error in any cell not tagged ``raises-exception``; checks that the tagged cell
failed to build with the compiler's error at that cell's own line, and that the plot came out.
Builds go to a fresh cache unless TVM_FFI_JIT_CACHE_DIR is set.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(HERE, "softplus.ipynb")
TYPO = "threshhold"  # the broken cell's mistake


def expected_location(cell) -> str:
    """``<module>/cpp_sources:<line>:`` of the typo, counting the magic line as line 1."""
    lines = cell.source.splitlines()
    module = lines[0].split()[1]
    line = next(i for i, text in enumerate(lines, start=1) if TYPO in text)
    return f"{module}/cpp_sources:{line}:"


def check_broken_cell(nb) -> str:
    tagged = [c for c in nb.cells if "raises-exception" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        sys.exit(f"FAIL: expected one cell tagged raises-exception, found {len(tagged)}")
    cell = tagged[0]
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if not errors:
        sys.exit("FAIL: the broken cell ran without an error")
    error, where = errors[0], expected_location(cell)
    if error.ename != "BuildError" or where not in error.evalue:
        sys.exit(f"FAIL: expected a BuildError at {where}, got {error.ename}: {error.evalue}")
    shown = "\n".join(error.traceback)
    if "Traceback" in shown:
        sys.exit(f"FAIL: the build error was shown with a traceback:\n{shown}")
    return next(line for line in error.evalue.splitlines() if where in line)


def check_plot(nb) -> None:
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    if not images:
        sys.exit("FAIL: the notebook showed no plot")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", metavar="PATH", help="write the executed notebook here")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()

    if "TVM_FFI_JIT_CACHE_DIR" not in os.environ:
        os.environ["TVM_FFI_JIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="notebook_example_cache_")
    os.environ["MPLBACKEND"] = "Agg"  # the kernel inherits this environment

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=args.timeout, kernel_name="python3", resources={"metadata": {"path": HERE}}
    )
    # Talk to the kernel over Unix sockets in a private directory rather than local TCP.
    sockets = tempfile.mkdtemp(prefix="notebook_example_kernel_")
    client.km = client.kernel_manager_class(
        kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel")
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        sys.exit(f"FAIL: a cell raised an error:\n{err}")
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        if args.save:
            nbformat.write(nb, args.save)
    seconds = time.perf_counter() - start

    error_line = check_broken_cell(nb)
    check_plot(nb)
    for cell in nb.cells:  # what the cells printed, and text displays (the build lines)
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                print(output.text, end="")
            elif output.output_type == "display_data" and "image/png" not in output.data:
                print(output.data.get("text/plain", ""))
    print(f"broken cell: {error_line.strip()}")
    print(f"OK: {len(nb.cells)} cells ran in {seconds:.1f} s")


if __name__ == "__main__":
    main()
