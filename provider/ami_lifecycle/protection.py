"""Deregistration protection: the three settings a user chooses, and AWS's report of them.

AWS reports protection as a free-form string (`disabled`, `enabled-without-cooldown`,
`enabled-with-cooldown`, and a "disabled after <time>" form while a cooldown runs after
protection was turned off). It is parsed defensively: an unrecognised report counts as
protected, so that an unknown future value never lets a delete through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = ["COOLDOWN_HOURS", "Protection", "ProtectionState", "parse_protection_state"]

COOLDOWN_HOURS = 24


class Protection(StrEnum):
    """The deregistration protection a `MachineImage` asks for."""

    DISABLED = "disabled"
    """No protection: `pulumi destroy` may deregister the image."""
    ENABLED = "enabled"
    """Protected; turning protection off takes effect at once."""
    ENABLED_WITH_COOLDOWN = "enabled-with-cooldown"
    """Protected; after protection is turned off the image stays protected for 24 hours."""

    @property
    def enabled(self) -> bool:
        return self is not Protection.DISABLED


_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class ProtectionState:
    """What AWS says about an image's protection, made comparable."""

    raw: str
    enabled: bool
    with_cooldown: bool
    cooldown_ends: datetime | None = None
    """While a cooldown runs after protection was disabled: when deregistration becomes possible."""

    def blocks_deregistration(self, now: datetime) -> bool:
        if self.enabled:
            return True
        return self.cooldown_ends is not None and now < self.cooldown_ends

    def satisfies(self, wanted: Protection) -> bool:
        """Whether AWS already has the setting `wanted`, so no API call is needed."""
        if wanted is Protection.DISABLED:
            return not self.enabled
        return self.enabled and self.with_cooldown == (wanted is Protection.ENABLED_WITH_COOLDOWN)


def _parse_timestamp(text: str) -> datetime | None:
    match = _TIMESTAMP.search(text)
    if match is None:
        return None
    stamp = match.group(0).replace(" ", "T").replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_protection_state(raw: str | None) -> ProtectionState:
    """Turn `DescribeImages`' `DeregistrationProtection` string into a `ProtectionState`."""
    text = (raw or "").strip()
    lowered = text.lower()
    if lowered in ("", "disabled"):
        return ProtectionState(raw=text or "disabled", enabled=False, with_cooldown=False)
    if lowered.startswith("disabled"):
        # The cooldown form: protection is off but deregistration waits until the stated time.
        ends = _parse_timestamp(text)
        if ends is None:
            # A cooldown whose end we can't read: stay on the safe side.
            return ProtectionState(raw=text, enabled=True, with_cooldown=True)
        return ProtectionState(raw=text, enabled=False, with_cooldown=True, cooldown_ends=ends)
    if lowered.startswith("enabled"):
        with_cooldown = "with-cooldown" in lowered and "without" not in lowered
        return ProtectionState(raw=text, enabled=True, with_cooldown=with_cooldown)
    return ProtectionState(raw=text, enabled=True, with_cooldown=False)
