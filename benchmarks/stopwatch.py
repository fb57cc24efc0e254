"""Wall-clock timing for noisy machines: repeat, keep every sample, report the median.

Why this exists: the benchmark host has two cores shared with other work, so one sample says
little. Each timed figure is the median of several samples, and the spread (min..max) is kept so
RESULTS.md can show how noisy a figure was.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Samples", "stopwatch"]


@dataclass
class Samples:
    """Seconds, one per repeat."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.values.append(seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def ms(self) -> str:
        """`median ms (min..max)`, or just the value for one sample."""
        if len(self.values) == 1:
            return f"{self.median * 1000:.1f}"
        return f"{self.median * 1000:.1f} ({self.low * 1000:.1f}..{self.high * 1000:.1f})"


@contextmanager
def stopwatch(samples: Samples) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        samples.add(time.perf_counter() - start)
