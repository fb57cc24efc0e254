"""cProfile for the figures that miss a target: where the time (or the calls) really went.

Why this exists: an explanation of a missed target in RESULTS.md must come from a measurement,
not a guess. `profile_call` runs one scenario under cProfile and keeps the handful of facts a
reader needs: the top functions by cumulative time, and the call counts of named functions.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

__all__ = ["ProfileReport", "profile_call", "report_from_file"]

T = TypeVar("T")


@dataclass(frozen=True)
class FunctionStats:
    name: str
    """`file:line(function)`, shortened to the package path."""
    calls: int
    own: float
    cumulative: float


@dataclass
class ProfileReport:
    total: float
    functions: list[FunctionStats] = field(default_factory=list)

    def top(self, count: int, *, exclude: Iterable[str] = ()) -> list[FunctionStats]:
        excluded = tuple(exclude)
        ranked = sorted(self.functions, key=lambda f: f.cumulative, reverse=True)
        return [f for f in ranked if not any(x in f.name for x in excluded)][:count]

    def find(self, fragment: str) -> FunctionStats | None:
        """The function whose name contains `fragment` with the most cumulative time."""
        matches = [f for f in self.functions if fragment in f.name]
        return max(matches, key=lambda f: f.cumulative) if matches else None

    def share(self, fragment: str) -> float:
        found = self.find(fragment)
        return found.cumulative / self.total if found and self.total else 0.0

    def markdown(self, count: int = 8, *, exclude: Iterable[str] = ()) -> str:
        lines = [
            "| function | calls | own s | cumulative s | share |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in self.top(count, exclude=exclude):
            share = f.cumulative / self.total if self.total else 0.0
            lines.append(
                f"| `{f.name}` | {f.calls} | {f.own:.3f} | {f.cumulative:.3f} | {share:.0%} |"
            )
        return "\n".join(lines)


_REPO_ROOT = f"{Path(__file__).resolve().parent.parent}/"


def _short(filename: str, line: int, function: str) -> str:
    """Paths relative to the repository (wherever it is cloned) or to site-packages."""
    for marker in ("site-packages/", _REPO_ROOT, "components/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({function})"


def _report(stats: pstats.Stats) -> ProfileReport:
    raw = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    functions = [
        FunctionStats(_short(file, line, name), int(calls), float(own), float(cumulative))
        for (file, line, name), (_prim, calls, own, cumulative, _callers) in raw.items()
    ]
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    return ProfileReport(total=total, functions=functions)


def profile_call(action: Callable[[], T]) -> tuple[T, ProfileReport]:
    """Run `action` under cProfile in this process."""
    profiler = cProfile.Profile()
    result = profiler.runcall(action)
    return result, _report(pstats.Stats(profiler, stream=io.StringIO()))


def report_from_file(path: Path) -> ProfileReport:
    """Read what `python -m cProfile -o <path>` wrote (a profile of another process)."""
    return _report(pstats.Stats(str(path), stream=io.StringIO()))
