"""The polling schedules of Packer and Terraform, re-implemented to run over the same emulator.

Why this exists: "noticed within 10% of the wait with few polls" only means something beside
what the common tools do. Both are implemented here from their sources, on the same injectable
clock as our waiter, so the comparison is made on identical images and identical time.

Packer (hashicorp/packer-plugin-amazon, builder/common/state.go, `WaitUntilAMIAvailable`)
    calls aws-sdk-go's `WaitUntilImageAvailableWithContext`, whose waiter polls
    `DescribeImages` at once, then every 15 seconds (the SDK waiter's `Delay`; Packer's
    `aws_polling.delay_seconds` / `AWS_POLL_DELAY_SECONDS` override it, "If none is set, defaults
    to AWS waiter default which is 15 seconds"). Packer raises the attempts to 120 ("Bump this
    default to 30 minutes"), after which the SDK gives up with `ResourceNotReady: exceeded wait
    attempts`; there is no sleep after the last attempt, so the last poll is at 119 x 15 s.

Terraform (hashicorp/terraform-provider-aws, internal/service/ec2 `waitImageAvailable` /
    `waitImageDeleted`) uses a `StateChangeConf` with `Delay: amiRetryDelay` (5 s) and
    `MinTimeout: amiRetryMinTimeout` (3 s). Its delay function
    (`backoff.SDKv2HelperRetryCompatibleDelay`, the Plugin SDK v2 `helper/retry` behaviour)
    sleeps `Delay` before the first poll, then starts from 100 ms, doubles it before every
    further poll and clamps it to [MinTimeout, 10 s]: polls at 5, 8, 14, 24, 34, ... seconds.
    Create and delete time out after 40 and 90 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

__all__ = [
    "PACKER",
    "TERRAFORM_CREATE",
    "TERRAFORM_DELETE",
    "ClassicSchedule",
    "FixedIntervalWaiter",
    "PollOutcome",
    "PollState",
    "Sleeper",
    "StateChangeConf",
    "poll_until",
]


class Sleeper(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class PollState(Enum):
    DONE = "done"
    WAITING = "waiting"
    FAILED = "failed"


class ClassicSchedule(Protocol):
    @property
    def name(self) -> str: ...

    def delays(self) -> Iterator[float]:
        """The sleep before each poll; the first value is the sleep before the first poll."""
        ...

    def may_poll(self, polls_so_far: int, elapsed: float) -> bool: ...


@dataclass(frozen=True)
class FixedIntervalWaiter:
    """aws-sdk-go v1 `request.Waiter` with a constant delay: poll now, then every `delay`."""

    name: str
    delay: float
    max_attempts: int

    def delays(self) -> Iterator[float]:
        yield 0.0
        while True:
            yield self.delay

    def may_poll(self, polls_so_far: int, elapsed: float) -> bool:
        del elapsed
        return polls_so_far < self.max_attempts


@dataclass(frozen=True)
class StateChangeConf:
    """Terraform's `StateChangeConf` delays (Plugin SDK v2 compatible)."""

    name: str
    delay: float = 5.0
    min_timeout: float = 3.0
    timeout: float = 40 * 60.0
    max_wait: float = 10.0

    def delays(self) -> Iterator[float]:
        yield self.delay
        wait = 0.1  # "First round had no wait": 100 ms, doubled before it is used
        while True:
            wait *= 2
            wait = min(max(wait, self.min_timeout), self.max_wait)
            yield wait

    def may_poll(self, polls_so_far: int, elapsed: float) -> bool:
        del polls_so_far
        return elapsed < self.timeout


PACKER = FixedIntervalWaiter("Packer (fixed 15 s)", delay=15.0, max_attempts=120)
TERRAFORM_CREATE = StateChangeConf("Terraform (5 s delay, 3 s min)", timeout=40 * 60.0)
TERRAFORM_DELETE = StateChangeConf("Terraform (5 s delay, 3 s min)", timeout=90 * 60.0)


@dataclass
class PollOutcome:
    done: bool
    polls: int
    waited: float
    """Simulated seconds from the start of the wait to the poll that saw the end state."""
    poll_times: list[float] = field(default_factory=list)

    @property
    def last_gap(self) -> float:
        """Time between the last two polls: the most a wait ending in that gap is noticed late."""
        if len(self.poll_times) < 2:
            return self.poll_times[0] if self.poll_times else 0.0
        return self.poll_times[-1] - self.poll_times[-2]


def poll_until(
    poll: Callable[[], PollState], schedule: ClassicSchedule, clock: Sleeper
) -> PollOutcome:
    """Sleep and poll on `schedule` until `poll` says done or failed, or the schedule gives up."""
    start = clock.monotonic()
    outcome = PollOutcome(done=False, polls=0, waited=0.0)
    for delay in schedule.delays():
        if not schedule.may_poll(outcome.polls, clock.monotonic() - start):
            break
        if delay > 0:
            clock.sleep(delay)
        state = poll()
        outcome.polls += 1
        outcome.waited = clock.monotonic() - start
        outcome.poll_times.append(outcome.waited)
        if state is PollState.DONE:
            outcome.done = True
            break
        if state is PollState.FAILED:
            break
    return outcome
