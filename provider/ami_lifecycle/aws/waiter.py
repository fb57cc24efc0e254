"""Waiting for AWS: poll with a schedule that keeps lateness within 10% of the wait.

EC2's API is eventually consistent: right after `RegisterImage` or `CreateSnapshot`, a
`Describe*` call may not know the new id yet. "Not found" therefore counts as still pending for
a bounded grace period from the start of the wait, and as final after it, so that an image
deleted by someone else meanwhile is still reported within minutes.

The interval between polls grows with the time already waited (a tenth of it, at least one
second, at most five minutes), so an image that takes T seconds is noticed within
max(1 s, 0.1·T) and the number of `Describe*` calls grows with log T instead of T. A poll that
gets no answer at all (the connection fails even after botocore's retries) is no news: the
image is still being made, so the wait goes on through the outage, saying so, until its own
timeout. The clock is injectable, so tests and benchmarks can simulate long waits without
sleeping; the real one wakes up when the process is cancelled (`cancellation`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .. import cancellation
from ..errors import AmiLifecycleError
from .clients import NO_ANSWER
from .status import Status

__all__ = [
    "DEFAULT_SCHEDULE",
    "SYSTEM_CLOCK",
    "Clock",
    "PollSchedule",
    "WaitFailedError",
    "WaitTimeoutError",
    "WaitUnansweredError",
    "keep_trying",
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
        cancellation.pause(seconds)


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
    undo_patience: float = 60.0
    """How long an undo keeps trying to reach EC2 before it reports what is left."""

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


class WaitUnansweredError(AmiLifecycleError):
    """The timeout ran out while EC2 gave no answer: the endpoint was unreachable."""

    def __init__(self, error: Exception, outage: float, waited: float) -> None:
        super().__init__(
            f"the EC2 endpoint was unreachable: no answer for the last {outage:.0f}s of "
            f"{waited:.0f}s ({error})"
        )


def wait_until_done(
    poll: Callable[[], tuple[T | None, Status]],
    *,
    what: str,
    report: Callable[[str], None],
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """Poll until `done`; raise `WaitFailedError`, `WaitTimeoutError` or `WaitUnansweredError`
    otherwise, and `cancellation.Cancelled` as soon as the process is cancelled."""
    start = clock.monotonic()
    last_report = start
    status = Status("pending")
    unanswered: Exception | None = None
    silent_since = start
    while True:
        cancellation.raise_if_cancelled()
        try:
            item, status = poll()
        except NO_ANSWER as error:
            if unanswered is None:
                silent_since = clock.monotonic()
            unanswered = error
        else:
            unanswered = None
            if status.done and item is not None:
                return item
        now = clock.monotonic()
        elapsed = now - start
        if (
            unanswered is None
            and status.failed
            and not (status.missing and elapsed < schedule.missing_grace)
        ):
            raise WaitFailedError(status)
        if elapsed >= schedule.timeout:
            if unanswered is not None:
                raise WaitUnansweredError(unanswered, now - silent_since, elapsed)
            raise WaitTimeoutError(status, elapsed)
        if now - last_report >= schedule.report_every:
            if unanswered is not None:
                report(f"{what}: no answer from EC2 for {now - silent_since:.0f}s, still waiting")
            else:
                shown = "not visible yet" if status.missing else status.state
                report(f"{what}: still {shown} after {elapsed:.0f}s")
            last_report = now
        clock.sleep(min(schedule.interval(elapsed), schedule.timeout - elapsed))


def keep_trying(
    call: Callable[[], T], *, schedule: PollSchedule = DEFAULT_SCHEDULE, clock: Clock = SYSTEM_CLOCK
) -> T:
    """`call()`, tried again while it gets no answer, with the poll schedule's growing pauses,
    for `undo_patience`; then its last failure.

    For undoing, so it is never cancelled itself: once the process is, it only stops trying
    again (botocore's own retries still run), since the plugin is about to exit and what is left
    is adopted by the next `up`."""
    start = clock.monotonic()
    while True:
        try:
            return call()
        except NO_ANSWER:
            elapsed = clock.monotonic() - start
            if cancellation.cancelled() or elapsed >= schedule.undo_patience:
                raise
            clock.sleep(min(schedule.interval(elapsed), schedule.undo_patience - elapsed))
