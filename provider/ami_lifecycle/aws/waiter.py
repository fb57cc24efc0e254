"""Waiting for AWS: poll with a schedule that keeps lateness within 10% of the wait.

EC2's API is eventually consistent: right after `RegisterImage` or `CreateSnapshot`, a
`Describe*` call may not know the new id yet. "Not found" therefore counts as still pending for
a bounded grace period from the start of the wait, and as final after it, so that an image
deleted by someone else meanwhile is still reported within minutes.

The interval between polls grows with the time already waited (a tenth of it, at least one
second, at most five minutes), so an image that takes T seconds is noticed within
max(1 s, 0.1·T) and the number of `Describe*` calls grows with log T instead of T. The clock is
injectable, so tests and benchmarks can simulate long waits without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..errors import AmiLifecycleError
from .status import Status

__all__ = [
    "DEFAULT_SCHEDULE",
    "SYSTEM_CLOCK",
    "Clock",
    "PollSchedule",
    "WaitFailedError",
    "WaitTimeoutError",
    "wait_until_done",
]

T = TypeVar("T")


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = _SystemClock()


@dataclass(frozen=True)
class PollSchedule:
    min_interval: float = 1.0
    max_interval: float = 300.0
    """Long waits still poll at least every 5 minutes (a tenth of the wait would be more)."""
    fraction: float = 0.1
    timeout: float = 40 * 60.0
    """40 minutes, as Terraform's aws_ami create timeout."""
    report_every: float = 15.0
    missing_grace: float = 120.0
    """How long "not found" may mean "not visible yet" after a create."""

    def interval(self, elapsed: float) -> float:
        return min(self.max_interval, max(self.min_interval, self.fraction * elapsed))


DEFAULT_SCHEDULE = PollSchedule()


class WaitFailedError(AmiLifecycleError):
    """The resource reached a state it can't leave (AWS's reason is in `status.reason`)."""

    def __init__(self, status: Status) -> None:
        self.status = status
        super().__init__(f"state {status.state}" + (f": {status.reason}" if status.reason else ""))


class WaitTimeoutError(AmiLifecycleError):
    """The resource was still not done when the schedule's timeout ran out."""

    def __init__(self, status: Status, waited: float) -> None:
        self.status = status
        self.waited = waited
        super().__init__(f"still {status.state} after {waited:.0f}s")


def wait_until_done(
    poll: Callable[[], tuple[T | None, Status]],
    *,
    what: str,
    report: Callable[[str], None],
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """Poll until `done`; raise `WaitFailedError` or `WaitTimeoutError` otherwise."""
    start = clock.monotonic()
    last_report = start
    while True:
        item, status = poll()
        if status.done and item is not None:
            return item
        now = clock.monotonic()
        elapsed = now - start
        if status.failed and not (status.missing and elapsed < schedule.missing_grace):
            raise WaitFailedError(status)
        if elapsed >= schedule.timeout:
            raise WaitTimeoutError(status, elapsed)
        if now - last_report >= schedule.report_every:
            shown = "not visible yet" if status.missing else status.state
            report(f"{what}: still {shown} after {elapsed:.0f}s")
            last_report = now
        clock.sleep(min(schedule.interval(elapsed), schedule.timeout - elapsed))
