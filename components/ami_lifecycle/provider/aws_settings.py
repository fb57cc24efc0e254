"""Where a provider's AWS calls go: region, profile and client, resolved at call time.

Nothing here is pickled with a provider except what a test injects: the stack's `aws:region` and
`aws:profile` arrive through `configure` in the provider host, clients come from the per-process
cache, and messages go to Pulumi's log (shown by the CLI; printed to stderr elsewhere).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pulumi
from pulumi.dynamic import ConfigureRequest

from ..aws.clients import ClientFactory, cached_client
from ..aws.waiter import SYSTEM_CLOCK, Clock, PollSchedule

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["AwsSettings"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AwsSettings:
    """Mixed into each provider: AWS access plus the seams tests inject."""

    _client_factory: ClientFactory | None = None
    _now: Callable[[], datetime] | None = None
    _clock: Clock | None = None
    _schedule: PollSchedule | None = None
    _stack_region: str | None = None
    _stack_profile: str | None = None

    def inject(
        self,
        *,
        client_factory: ClientFactory | None = None,
        now: Callable[[], datetime] | None = None,
        clock: Clock | None = None,
        schedule: PollSchedule | None = None,
    ) -> None:
        """Replace the AWS client factory, the wall clock or the waiter's clock (tests only:
        whatever is injected would be pickled into the state with the provider)."""
        if client_factory is not None:
            self._client_factory = client_factory
        if now is not None:
            self._now = now
        if clock is not None:
            self._clock = clock
        if schedule is not None:
            self._schedule = schedule

    def configure(self, req: ConfigureRequest) -> None:
        region = req.config.get("aws:region")
        profile = req.config.get("aws:profile")
        self._stack_region = str(region) if region else None
        self._stack_profile = str(profile) if profile else None

    def client(self, region: str | None) -> EC2Client:
        region = region or self._stack_region or os.environ.get("AWS_REGION") or None
        factory = self._client_factory or cached_client
        return factory(region, self._stack_profile)

    def now(self) -> datetime:
        return (self._now or _utc_now)()

    @property
    def clock(self) -> Clock:
        return self._clock or SYSTEM_CLOCK

    @property
    def schedule(self) -> PollSchedule:
        return self._schedule or PollSchedule()

    @staticmethod
    def reporter(subject: str) -> Callable[[str], None]:
        def report(message: str) -> None:
            pulumi.log.info(f"{subject}: {message}")

        return report
