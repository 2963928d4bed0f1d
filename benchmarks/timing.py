"""Timing shared by the benchmark workers: best-of-N per-call time with the loop's cost removed."""

import timeit


def best_ns(stmt: str, scope: dict, number: int, repeat: int, variants: list) -> dict:
    """Best-of-`repeat` ns per run of `stmt` for each (label, setup) variant, alternating the
    variants within each repeat, minus an empty loop's time."""
    timer = timeit.Timer(stmt, globals=scope)
    empty = timeit.Timer("pass", globals=scope)
    best = {label: float("inf") for label, _ in variants}
    best_empty = float("inf")
    for _ in range(repeat):
        for label, setup in variants:
            setup()
            best[label] = min(best[label], timer.timeit(number))
        best_empty = min(best_empty, empty.timeit(number))
    return {label: max(t - best_empty, 0.0) / number * 1e9 for label, t in best.items()}
