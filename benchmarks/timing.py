"""Timing shared by the benchmarks: best-of-N per-call time with the loop's cost removed."""

import timeit


def per_call_ns(func, *args, number=200_000, repeat=7) -> float:
    """Best-of-`repeat` time of `func(*args)` in ns, minus an empty loop's time."""
    names = [f"a{i}" for i in range(len(args))]
    scope = dict(zip(names, args), f=func)
    stmt = f"f({', '.join(names)})"
    best = min(timeit.Timer(stmt, globals=scope).repeat(repeat=repeat, number=number))
    empty = min(timeit.Timer("pass").repeat(repeat=repeat, number=number))
    return (best - empty) / number * 1e9
