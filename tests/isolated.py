"""Runs test code in a fresh interpreter, so that a crash or a hang fails one test, not the run."""

import subprocess
import sys
import textwrap


def run_isolated(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs dedented `code` with this interpreter; returns the finished process (text output)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
