"""Timing shared by the benchmark workers: best-of-N per-call time with the loop's cost removed."""

import timeit


def loops_for(timer: timeit.Timer, seconds: float, cap: int) -> int:
    """How many runs take about `seconds` (at most `cap`): slow calls get fewer loops."""
    number = 1
    while number < cap:
        took = timer.timeit(number)
        if took >= seconds:
            break
        number = min(cap, max(number * 2, int(number * seconds / max(took, 1e-9))))
    return number


def best_ns(stmt: str, scope: dict, budget: dict, variants: list) -> dict:
    """Best-of-`repeat` ns per run of `stmt` for each (label, setup) variant, alternating the
    variants within each repeat, minus an empty loop's time. `budget` holds repeat, seconds
    (per repeat) and number (the most loops a repeat)."""
    timer = timeit.Timer(stmt, globals=scope)
    empty = timeit.Timer("pass", globals=scope)
    repeat = budget["repeat"]
    number = loops_for(timer, budget["seconds"], budget["number"])
    best = {label: float("inf") for label, _ in variants}
    best_empty = float("inf")
    for _ in range(repeat):
        for label, setup in variants:
            setup()
            best[label] = min(best[label], timer.timeit(number))
        best_empty = min(best_empty, empty.timeit(number))
    return {label: max(t - best_empty, 0.0) / number * 1e9 for label, t in best.items()}
