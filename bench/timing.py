"""Timing helpers shared by the in-process benchmarks."""

import time
from collections.abc import Callable


def rate(function: Callable[[], object], seconds: float = 1.0) -> float:
    """Calls of `function` per second, over about `seconds`, in batches of 50."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            function()
        count += 50
    return count / elapsed
