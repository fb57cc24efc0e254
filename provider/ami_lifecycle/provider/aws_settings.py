"""Where a resource's AWS calls go: region, profile and client, resolved at call time.

The provider's configuration (`ami-lifecycle:region`, `ami-lifecycle:profile`,
`ami-lifecycle:recycleBinReport`) arrives through `configure`; without it boto3's own chain
decides (AWS_REGION, AWS_PROFILE, ...). Clients come from the per-process cache, and messages go
to the engine's log (`progress`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..aws.clients import ClientFactory, cached_client
from ..aws.waiter import SYSTEM_CLOCK, Clock, PollSchedule
from ..validation import is_unknown
from .progress import reporter

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
    _region: str | None = None
    _profile: str | None = None
    _recycle_bin_report: bool = False

    def inject(
        self,
        *,
        client_factory: ClientFactory | None = None,
        now: Callable[[], datetime] | None = None,
        clock: Clock | None = None,
        schedule: PollSchedule | None = None,
    ) -> None:
        """Replace the AWS client factory, the wall clock or the waiter's clock (tests)."""
        if client_factory is not None:
            self._client_factory = client_factory
        if now is not None:
            self._now = now
        if clock is not None:
            self._clock = clock
        if schedule is not None:
            self._schedule = schedule

    def configure(
        self, *, region: str | None, profile: str | None, recycle_bin_report: bool = False
    ) -> None:
        self._region = region or None
        self._profile = profile or None
        self._recycle_bin_report = recycle_bin_report

    @property
    def recycle_bin_report(self) -> bool:
        """Whether a delete reports what a Recycle Bin retention rule kept (costs calls)."""
        return self._recycle_bin_report

    def region(self, declared: str | None) -> str | None:
        """The Region a resource's calls go to: its own, else the provider's, else AWS_REGION
        (else boto3's own chain decides)."""
        return declared or self._region or os.environ.get("AWS_REGION") or None

    def client(self, region: str | None) -> EC2Client:
        factory = self._client_factory or cached_client
        return factory(self.region(region), self._profile)

    def comparable(self, props: dict[str, Any]) -> dict[str, Any]:
        """`props` with the Region they resolve to: an unset Region is the provider's, so that
        moving it into the resource (or out of it) is no change."""
        region = props.get("region")
        if is_unknown(region):
            return props
        return {**props, "region": self.region(region if isinstance(region, str) else None)}

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
        return reporter(subject)
