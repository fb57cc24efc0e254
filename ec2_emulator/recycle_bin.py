"""The Recycle Bin for deregistered AMIs and deleted snapshots.

Why this exists: seeds 000-002 and the newest model (DeregisterImage) say "If a deregistered
EBS-backed AMI matches a Recycle Bin retention rule, it moves to the Recycle Bin for the
specified retention period. It can be restored before its retention period expires, after which
it is permanently deleted. If the deregistered AMI doesn't match a retention rule, it is
permanently deleted immediately." moto has neither the Recycle Bin service (rbin) nor EC2's
ListImagesInRecycleBin / ListSnapshotsInRecycleBin / RestoreImageFromRecycleBin /
RestoreSnapshotFromRecycleBin. Retention rules are therefore an emulator control
(:func:`add_rule`, shaped like the rbin model's ``CreateRule``); ``install()`` binds three of the
EC2 actions onto moto's ``EC2Backend`` from here, RestoreImageFromRecycleBin from
:mod:`ec2_emulator.backend` (it registers the AMI again). Time is the emulator's clock.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from moto.ec2.exceptions import InvalidAMIIdError

from .errors import SnapshotNotFoundError
from .regional import BinEntry, RecycleBinRule, regional
from .state import active_state

__all__ = [
    "RESOURCE_TYPES",
    "RETENTION_DAYS_RANGE",
    "add_rule",
    "list_images_in_recycle_bin",
    "list_snapshots_in_recycle_bin",
    "remove_rule",
    "restore_snapshot_from_recycle_bin",
    "retain_image",
    "retain_snapshot",
    "tags_of",
    "take_image",
]

#: rbin ``CreateRule.ResourceType`` values this emulator retains ("To retain EBS snapshots,
#: specify EBS_SNAPSHOT To retain EBS-backed AMIs, specify EC2_IMAGE"; ``EBS_VOLUME`` is not
#: modelled: the AMI lifecycle never deletes volumes).
RESOURCE_TYPES = ("EC2_IMAGE", "EBS_SNAPSHOT")

#: rbin ``RetentionPeriod.RetentionPeriodValue``: "EBS snapshots and EBS-backed AMIs: 1 - 365
#: days" (a test compares with the installed model).
RETENTION_DAYS_RANGE = (1, 365)

#: rbin ``ResourceTags`` ("max": 50) and ``ExcludeResourceTags`` ("max": 5).
_MAX_RESOURCE_TAGS = 50
_MAX_EXCLUDE_TAGS = 5


def tags_of(backend: Any, resource_id: str) -> dict[str, str]:
    """The tags moto keeps for a resource of this backend."""
    return dict(backend.tags.get(resource_id, {}))


def _pairs(
    tags: Iterable[Mapping[str, str]] | None, member: str, limit: int
) -> tuple[tuple[str, str | None], ...]:
    pairs = tuple(
        (
            str(tag["ResourceTagKey"]),
            None if "ResourceTagValue" not in tag else str(tag["ResourceTagValue"]),
        )
        for tag in tags or ()
    )
    if len(pairs) > limit:
        raise ValueError(f"{member} takes at most {limit} tags")
    return pairs


def add_rule(
    backend: Any,
    resource_type: str,
    retention_days: int,
    *,
    resource_tags: Iterable[Mapping[str, str]] | None = None,
    exclude_resource_tags: Iterable[Mapping[str, str]] | None = None,
) -> str:
    """A retention rule for this backend's account and Region; returns its identifier (rbin
    ``RuleIdentifier``: 11 letters and digits). Tags are rbin ``ResourceTag`` structures
    (``{"ResourceTagKey": ..., "ResourceTagValue": ...}``). rbin ``ExcludeResourceTags``: "You
    can't specify exclusion tags for tag-level retention rules." Refusals are ``ValueError``."""
    if resource_type not in RESOURCE_TYPES:
        raise ValueError(f"resource_type must be one of {RESOURCE_TYPES}, not {resource_type!r}")
    low, high = RETENTION_DAYS_RANGE
    if isinstance(retention_days, bool) or not isinstance(retention_days, int):
        raise ValueError("retention_days must be a whole number of days")
    if not low <= retention_days <= high:
        raise ValueError(f"retention_days must be {low}-{high} for snapshots and AMIs")
    included = _pairs(resource_tags, "ResourceTags", _MAX_RESOURCE_TAGS)
    excluded = _pairs(exclude_resource_tags, "ExcludeResourceTags", _MAX_EXCLUDE_TAGS)
    if included and excluded:
        raise ValueError("exclusion tags are for Region-level rules only, not tag-level ones")
    alphabet = string.ascii_letters + string.digits
    identifier = "".join(secrets.choice(alphabet) for _ in range(11))
    regional(backend).recycle_bin_rules[identifier] = RecycleBinRule(
        identifier, resource_type, retention_days, included, excluded
    )
    return identifier


def remove_rule(backend: Any, identifier: str) -> None:
    """rbin DeleteRule. What a deleted rule retained stays in the bin until it leaves (the
    EMULATOR'S CHOICE; the texts don't say)."""
    if regional(backend).recycle_bin_rules.pop(identifier, None) is None:
        raise KeyError(f"no recycle bin rule {identifier}")


def _retention(backend: Any, resource_type: str, tags: dict[str, str]) -> int | None:
    """The retention of the matching rules, the longest if several match (the EMULATOR'S
    CHOICE: the texts don't say which wins)."""
    days = [
        rule.retention_days
        for rule in regional(backend).recycle_bin_rules.values()
        if rule.matches(resource_type, tags)
    ]
    return max(days) if days else None


def _entry(resource: Any, days: int, now: datetime) -> BinEntry:
    return BinEntry(resource=resource, enter_time=now, exit_time=now + timedelta(days=days))


def retain_image(backend: Any, image: Any, now: datetime) -> None:
    """DeregisterImage: an EBS-backed AMI that matches a rule enters the bin (an instance store-
    backed one never does: "If a deregistered EBS-backed AMI matches")."""
    if image.root_device_type != "ebs":
        return
    days = _retention(backend, "EC2_IMAGE", tags_of(backend, image.id))
    if days is not None:
        regional(backend).binned_images[image.id] = _entry(image, days, now)


def retain_snapshot(backend: Any, snapshot: Any, tags: dict[str, str], now: datetime) -> None:
    """DeleteSnapshot, or DeregisterImage deleting associated snapshots: a deleted snapshot that
    matches a rule enters the bin. ``tags`` are the snapshot's as it was deleted."""
    days = _retention(backend, "EBS_SNAPSHOT", tags)
    if days is not None:
        regional(backend).binned_snapshots[snapshot.id] = _entry(snapshot, days, now)


def _in_bin(entries: dict[str, BinEntry], now: datetime) -> dict[str, BinEntry]:
    """What is still in the bin; what reached its exit time is "permanently deleted"."""
    for resource_id in [rid for rid, entry in entries.items() if entry.exit_time <= now]:
        del entries[resource_id]
    return entries


def _listed(entries: dict[str, BinEntry], ids: Sequence[str]) -> list[BinEntry]:
    """``ImageIds``/``SnapshotIds``: "Omit this parameter to list all"; an ID not in the bin is
    left out, not an error (the EMULATOR'S CHOICE)."""
    now = active_state().clock.now()
    current = _in_bin(entries, now)
    return [entry for rid, entry in current.items() if not ids or rid in ids]


def list_images_in_recycle_bin(self: Any, image_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """ListImagesInRecycleBin: ``ImageId``, ``Name``, ``Description``, ``RecycleBinEnterTime``,
    ``RecycleBinExitTime`` ("when the AMI is to be permanently deleted from the Recycle Bin")."""
    return [
        {
            "ImageId": entry.resource.id,
            "Name": entry.resource.name,
            "Description": entry.resource.description,
            "RecycleBinEnterTime": entry.enter_time,
            "RecycleBinExitTime": entry.exit_time,
        }
        for entry in _listed(regional(self).binned_images, image_ids)
    ]


def list_snapshots_in_recycle_bin(
    self: Any, snapshot_ids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """ListSnapshotsInRecycleBin: ``SnapshotId``, ``RecycleBinEnterTime``,
    ``RecycleBinExitTime``, ``Description``, ``VolumeId``."""
    return [
        {
            "SnapshotId": entry.resource.id,
            "RecycleBinEnterTime": entry.enter_time,
            "RecycleBinExitTime": entry.exit_time,
            "Description": entry.resource.description,
            "VolumeId": entry.resource.volume_id,
        }
        for entry in _listed(regional(self).binned_snapshots, snapshot_ids)
    ]


def _take(entries: dict[str, BinEntry], resource_id: str) -> BinEntry | None:
    return _in_bin(entries, active_state().clock.now()).pop(resource_id, None)


def take_image(backend: Any, image_id: str, check: Callable[[Any], None]) -> Any:
    """Take an AMI out of the bin to restore it (RestoreImageFromRecycleBin), once ``check``
    accepted it; one not in the bin (never there, restored already, or permanently deleted) is
    ``InvalidAMIID.NotFound`` (the EMULATOR'S CHOICE of code)."""
    entries = _in_bin(regional(backend).binned_images, active_state().clock.now())
    entry = entries.get(image_id)
    if entry is None:
        raise InvalidAMIIdError(image_id)
    check(entry.resource)
    del entries[image_id]
    return entry.resource


def restore_snapshot_from_recycle_bin(self: Any, snapshot_id: str) -> Any:
    """RestoreSnapshotFromRecycleBin: the snapshot is back in the account ("the snapshot is
    immediately available for use, and it is removed from the Recycle Bin", the AWS CLI's
    example); not in the bin is ``InvalidSnapshot.NotFound``."""
    entry = _take(regional(self).binned_snapshots, snapshot_id)
    if entry is None:
        raise SnapshotNotFoundError(snapshot_id)
    self.snapshots[snapshot_id] = entry.resource
    return entry.resource
