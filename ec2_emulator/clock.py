"""Clocks for the emulator.

Why this exists: image state (``pending`` -> ``available``) and the 24-hour deregistration
protection cooldown are time-driven in AWS. Tests must not sleep for a day, so every time the
emulator needs comes from an injectable clock: the real time by default, or a fake one that only
moves when a test advances it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FakeClock", "SystemClock", "format_aws_time"]

#: The instant a fresh :class:`FakeClock` shows unless told otherwise.
DEFAULT_FAKE_START = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def format_aws_time(moment: datetime) -> str:
    """Format an instant the way EC2 prints timestamps in strings (``2025-06-01T12:00:00.000Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _as_timedelta(amount: float | timedelta) -> timedelta:
    delta = amount if isinstance(amount, timedelta) else timedelta(seconds=amount)
    if delta < timedelta(0):
        raise ValueError("a clock can't go backwards")
    return delta


@runtime_checkable
class Clock(Protocol):
    """Where the emulator reads the time. ``now()`` is timezone-aware UTC."""

    def now(self) -> datetime: ...

    def advance(self, amount: float | timedelta) -> datetime: ...


class SystemClock:
    """Real UTC time, plus whatever :meth:`advance` added (so a running server can skip ahead)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, amount: float | timedelta) -> datetime:
        delta = _as_timedelta(amount)
        with self._lock:
            self._offset += delta
        return self.now()

    def __repr__(self) -> str:
        return f"SystemClock(offset={self._offset})"


class FakeClock:
    """A clock that stands still until advanced. Thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        moment = start or DEFAULT_FAKE_START
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = moment.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, amount: float | timedelta) -> datetime:
        delta = _as_timedelta(amount)
        with self._lock:
            self._now += delta
            return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"
