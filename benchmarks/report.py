"""The RESULTS.md text and the ratio chart of a compare.py run."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import textwrap

from rows import OURS, UPSTREAM, evaluate

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ("torch cpp_extension", "pybind11", "nanobind", "floor")
COLORS = {
    OURS: "tab:blue",
    "torch cpp_extension": "tab:orange",
    "pybind11": "tab:green",
    "nanobind": "tab:red",
    "floor": "tab:gray",
}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    def git(*args):
        return subprocess.run(
            ["git", "-C", HERE, *args], capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def machine_context() -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "commit": _commit(),
    }


def medians(libraries) -> dict:
    return {
        lib.name: {row: statistics.median(v) for row, v in lib.samples.items() if v}
        for lib in libraries
    }


def _format(value, unit: str) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.3g}" if unit != "ns" else f"{value:.1f}"
    return f"{value:.2g}"  # small figures keep two significant digits, never "0.000"


def _cell(lib, row, figures) -> str:
    if lib is None:
        return "skipped"
    value = figures.get(lib.name, {}).get(row.key)
    if value is not None:
        return _format(value, row.unit)
    shape = row.key.rsplit(".", 1)[0]  # call rows skip a shape under both GIL settings
    return "skipped" if row.key in lib.skipped or shape in lib.skipped else "-"


def _linear_note(row, figures) -> str:
    notes = []
    for name in (OURS, UPSTREAM):
        full = figures.get(name, {}).get(row.key)
        tenth = figures.get(name, {}).get(row.key + ".tenth")
        if full and tenth:
            notes.append(f"{name} {full / tenth:.0f}×")
    return f" (10× the size takes: {', '.join(notes)} the time)" if notes else ""


def table(rows, libraries, figures) -> str:
    by_name = {lib.name: lib for lib in libraries}
    present_peers = [p for p in PEERS if p in by_name]
    header = ["row", "unit", OURS, UPSTREAM, "ratio", "target", "met", *present_peers]
    lines = ["| " + " | ".join(header) + " |", "| --- | --- |" + " ---: |" * 3 + " --- | --- |"]
    lines[-1] += " ---: |" * len(present_peers)
    for row in rows:
        ours = figures.get(OURS, {}).get(row.key)
        upstream = figures.get(UPSTREAM, {}).get(row.key)
        ratio = f"{ours / upstream:.2f}" if ours and upstream else "-"
        target, met = evaluate(row, figures, by_name[OURS].notes if OURS in by_name else {})
        if row.key.startswith("scale."):
            target += _linear_note(row, figures)
        verdict = {True: "met", False: "**not met**", None: "n/a"}[met]
        cells = [row.label, row.unit, _cell(by_name.get(OURS), row, figures)]
        cells += [_cell(by_name.get(UPSTREAM), row, figures), ratio, target, verdict]
        cells += [_cell(by_name[p], row, figures) for p in present_peers]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _versions(context) -> str:
    parts = []
    for python, versions in context["versions"].items():
        listed = ", ".join(f"{k} {v}" for k, v in versions.items())
        parts.append(f"- `{python}`: {listed}")
    return "\n".join(parts)


def render(rows, libraries, skipped, context, chart_path) -> str:
    figures = medians(libraries)
    before = ", ".join(f"{x:.2f}" for x in context["load_before"])
    after = ", ".join(f"{x:.2f}" for x in context["load_after"])
    notes = []
    for name, reason in skipped.items():
        notes.append(f"- {name}: skipped, {reason}")
    for lib in libraries:
        for row, reason in sorted(lib.skipped.items()):
            notes.append(f"- {lib.name}, `{row}`: skipped, {reason}")
        for failure in dict.fromkeys(lib.failures):
            notes.append(f"- {lib.name}: FAILED {failure}")
    chart_name = os.path.basename(chart_path)
    paragraphs = [
        f"`{context['command']}` on {context['date']}, commit {context['commit']}; "
        f"the run took {context['seconds']:.0f} s.",
        f"Machine: {context['cpu']}, {context['cores']} cores; load average {before} "
        f"(1, 5, 15 min) at the start, {after} at the end. Other work shares these cores: read "
        "the ratios, which come from one run, rather than the absolute figures.",
        "Each library runs in processes of its own, one library after another in each turn; a "
        f"figure is the median over turns ({context['settings']}; torch cpp_extension's cold "
        "build is built once). Ratio = tvm_ffi_jit / apache-tvm-ffi; the target is issue 11's "
        'for tvm_ffi_jit. Calls: ns per call, the loop\'s own cost removed. "GIL released" is '
        "the default of tvm_ffi_jit and apache-tvm-ffi; torch cpp_extension, pybind11, nanobind "
        "(-O2) and the floor prototype (../shared/floors: no error or GIL handling) hold the "
        'GIL, so they stand in the "GIL held" rows. Scaling rows time one call on a prebuilt '
        "container.",
    ]
    text = "# Benchmark results\n\n"
    text += "\n\n".join(textwrap.fill(p, width=100) for p in paragraphs)
    text += f"\n\n{table(rows, libraries, figures)}\n\n"
    text += f"Chart of the ratios against apache-tvm-ffi (log scale): `{chart_name}`.\n\n"
    text += f"Versions:\n{_versions(context)}\n\n"
    text += "Skipped or failed:\n" + ("\n".join(notes) if notes else "- nothing") + "\n"
    return text


def chart(rows, libraries, path) -> str:
    """Writes a bar chart of every library's ratio to apache-tvm-ffi; says what it did."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install matplotlib)"
    figures = medians(libraries)
    upstream = figures.get(UPSTREAM, {})
    names = [lib.name for lib in libraries if lib.name != UPSTREAM]
    shown = [r for r in rows if upstream.get(r.key) and any(figures[n].get(r.key) for n in names)]
    if not shown:
        return "chart skipped: no row has both apache-tvm-ffi and another library"
    height = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(shown) + 1.5))
    for i, name in enumerate(names):
        ys, ratios = [], []
        for j, row in enumerate(shown):
            value = figures[name].get(row.key)
            if value:
                ys.append(j + i * height)
                ratios.append(value / upstream[row.key])
        if ratios:
            ax.barh(ys, ratios, height=height, label=name, color=COLORS.get(name, "gray"))
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(shown))])
    ax.set_yticklabels([r.label.replace("`", "") for r in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time / apache-tvm-ffi's time (log scale; < 1 is faster)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"chart written to {path}"
