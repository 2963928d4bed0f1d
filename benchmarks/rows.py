"""The benchmark's rows: label, unit and the target issue 11 sets for tvm_ffi_jit on each."""

from __future__ import annotations

from dataclasses import dataclass, field

OURS, UPSTREAM = "tvm_ffi_jit", "apache-tvm-ffi"
BINDINGS = ("pybind11", "nanobind")


@dataclass(frozen=True)
class Check:
    """One part of a target: `kind` is ratio (ours / upstream at most `limit`), below (ours
    under `limit` in the row's unit), bindings (ours not slower than pybind11 and nanobind),
    linear (time for the full size over a tenth of it at most `limit` times
    apache-tvm-ffi's: caches make both grow faster than the size between these two sizes) or
    lean (the import pulls in neither torch nor numpy)."""

    kind: str
    limit: float = 0.0

    def text(self, unit: str) -> str:
        return {
            "ratio": f"≤ {self.limit:g}×",
            "below": f"< {self.limit:g} {unit}",
            "bindings": "≤ pybind11, nanobind",
            "linear": "grows no faster than apache-tvm-ffi's",
            "lean": "no torch/numpy",
        }[self.kind]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str  # ns, ms or s
    checks: tuple[Check, ...] = field(default_factory=tuple)


def _call_rows() -> list[Row]:
    shapes = [
        ("noop", "call, no arguments", 0.4),
        ("add3", "call, `add(int64, int64, int64)`", 0.4),
        ("nop3_torch", "call, no-op on 3 torch CPU tensors", 0.55),
        ("nop3_numpy", "call, no-op on 3 numpy arrays", 0.55),
        ("nop8_torch", "call, no-op on 8 torch CPU tensors", 0.55),
        ("alloc_torch", "call returning a `FromEnvAlloc` tensor to torch", 0.55),
        ("error", "error raised in C++, caught in Python", 0.5),
    ]
    rows = []
    for key, label, held_limit in shapes:
        released_limit = 0.5 if key == "error" else 0.7
        rows.append(
            Row(
                f"call.{key}.released",
                f"{label} (GIL released)",
                "ns",
                (Check("ratio", released_limit),),
            )
        )
        rows.append(
            Row(
                f"call.{key}.held",
                f"{label} (GIL held)",
                "ns",
                (Check("ratio", held_limit), Check("bindings")),
            )
        )
    return rows


def all_rows(sizes: dict) -> list[Row]:
    return [
        Row("load.import", "`import` (torch installed)", "ms", (Check("below", 50), Check("lean"))),
        Row(
            "load.cold",
            "cold `load_inline`, one function, umbrella header",
            "s",
            (Check("ratio", 0.4),),
        ),
        Row(
            "load.warm",
            "warm `load_inline`, fresh process",
            "ms",
            (Check("ratio", 0.1), Check("below", 0.4)),
        ),
        Row(
            "load.header",
            "compile a file including only the umbrella header (each JIT's own C++ command)",
            "s",
            (Check("ratio", 0.3),),
        ),
        Row(
            "load.cuda_cold",
            "CUDA `.cu` cold build (compile + link, no GPU)",
            "s",
            (Check("ratio", 0.5),),
        ),
        Row(
            "load.nvrtc",
            "NVRTC build of a small kernel (fresh process)",
            "s",
            (Check("below", 0.3),),
        ),
        *_call_rows(),
        Row(
            "scale.map",
            f"dict → Map, {sizes['map']:,} entries",
            "ms",
            (Check("ratio", 0.5), Check("linear", 1.25)),
        ),
        Row(
            "scale.array",
            f"list → Array, {sizes['array']:,} elements",
            "ms",
            (Check("ratio", 0.5), Check("linear", 1.25)),
        ),
    ]


def evaluate(row: Row, medians: dict, notes: dict) -> tuple[str, bool | None]:
    """(what the target says, met?) for our figure on `row`; None where a figure is missing."""
    ours = medians.get(OURS, {}).get(row.key)
    upstream = medians.get(UPSTREAM, {}).get(row.key)
    parts, verdicts = [], []
    for check in row.checks:
        parts.append(check.text(row.unit))
        if ours is None:
            verdicts.append(None)
        elif check.kind == "ratio":
            verdicts.append(None if not upstream else ours / upstream <= check.limit)
        elif check.kind == "below":
            verdicts.append(ours < check.limit)
        elif check.kind == "bindings":
            peers = [medians.get(b, {}).get(row.key) for b in BINDINGS]
            peers = [p for p in peers if p is not None]
            if not peers:
                parts[-1] += " (not measured)"
            verdicts.append(all(ours <= p for p in peers))
        elif check.kind == "linear":
            tenth = medians.get(OURS, {}).get(row.key + ".tenth")
            theirs = medians.get(UPSTREAM, {}).get(row.key + ".tenth")
            if not tenth or not theirs or not upstream:
                verdicts.append(None)
            else:
                verdicts.append(ours / tenth <= check.limit * upstream / theirs)
        elif check.kind == "lean":
            verdicts.append(not notes.get("imported"))
    if any(v is False for v in verdicts):
        return ", ".join(parts), False
    if any(v is None for v in verdicts):
        return ", ".join(parts), None
    return ", ".join(parts), True
