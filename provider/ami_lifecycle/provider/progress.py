"""Where progress messages go: to the engine's log, attached to the resource being worked on
(the plugin sets the sink for each call), and to stderr where no engine is listening."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["reporter", "reporting_to"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_sink: ContextVar[Callable[[str], None]] = ContextVar("ami_lifecycle_progress", default=_stderr)


@contextmanager
def reporting_to(sink: Callable[[str], None]) -> Iterator[None]:
    """Send this context's progress messages (and those of threads started from it with
    `asyncio.to_thread`, which copies the context) to `sink`."""
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)


def reporter(subject: str) -> Callable[[str], None]:
    """A `report(message)` that prefixes `subject` and writes to the current sink."""
    sink = _sink.get()

    def report(message: str) -> None:
        sink(f"{subject}: {message}")

    return report
