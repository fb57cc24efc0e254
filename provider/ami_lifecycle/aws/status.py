"""Status functions: one look at an image or a snapshot, reduced to done / failed / waiting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ImageNotFoundError, SnapshotNotFoundError
from .finder import find_image, find_snapshot

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef, SnapshotTypeDef

__all__ = ["Status", "image_status", "snapshot_status"]

# States from which an image never becomes `available` (DescribeImages `State` enum).
_IMAGE_FAILED = {"invalid", "deregistered", "failed", "error", "disabled"}


@dataclass(frozen=True)
class Status:
    state: str
    done: bool = False
    failed: bool = False
    reason: str | None = None
    """AWS's own explanation on failure (`StateReason.Message`, `StateMessage`)."""
    missing: bool = False
    """AWS says there is no such resource: final, unless it was only just created (the waiter
    allows for EC2's eventual consistency for a while)."""


def image_status(client: EC2Client, image_id: str) -> tuple[ImageTypeDef | None, Status]:
    try:
        image = find_image(client, image_id)
    except ImageNotFoundError:
        return None, Status("gone", failed=True, reason="the image no longer exists", missing=True)
    state = image.get("State", "pending")
    reason = image.get("StateReason", {}).get("Message") or None
    return image, Status(
        state, done=state == "available", failed=state in _IMAGE_FAILED, reason=reason
    )


def snapshot_status(client: EC2Client, snapshot_id: str) -> tuple[SnapshotTypeDef | None, Status]:
    try:
        snapshot = find_snapshot(client, snapshot_id)
    except SnapshotNotFoundError:
        return None, Status(
            "gone", failed=True, reason="the snapshot no longer exists", missing=True
        )
    state = snapshot.get("State", "pending")
    reason = snapshot.get("StateMessage") or None
    return snapshot, Status(
        state, done=state == "completed", failed=state == "error", reason=reason
    )
