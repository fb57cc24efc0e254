"""What an account holds per Region beyond moto's resources.

Why this exists: block public access for AMIs, Recycle Bin retention rules and what they retain,
the image references of services this emulator doesn't run (Systems Manager, Image Builder) and
CopyImage's client tokens are all per account and Region in AWS, as moto's ``EC2Backend`` is.
Each backend gets one :class:`RegionalState` on first use (attribute ``emulator_regional``), so
it leaves with the backend on a moto reset, like every other resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["BinEntry", "ImageReference", "RecycleBinRule", "RegionalState", "regional"]


@dataclass(frozen=True)
class RecycleBinRule:
    """A Recycle Bin retention rule, as the rbin model's ``CreateRule`` describes one.

    ``resource_tags`` make a tag-level rule, ``exclude_resource_tags`` narrow a Region-level one:
    (key, value) pairs, a ``None`` value matching any value of the key (``ResourceTagValue`` is
    optional in the rbin model; what it matches then is the EMULATOR'S CHOICE).
    """

    identifier: str
    resource_type: str
    retention_days: int
    resource_tags: tuple[tuple[str, str | None], ...] = ()
    exclude_resource_tags: tuple[tuple[str, str | None], ...] = ()

    def matches(self, resource_type: str, tags: dict[str, str]) -> bool:
        """rbin ``CreateRule``: a tag-level rule retains resources "that have at least one of
        these tag key and value pairs"; a Region-level rule all of them, except "Resources that
        have any of these tags" among its exclusion tags."""

        def has(pair: tuple[str, str | None]) -> bool:
            key, value = pair
            return key in tags and (value is None or tags[key] == value)

        if resource_type != self.resource_type:
            return False
        if self.resource_tags:
            return any(has(pair) for pair in self.resource_tags)
        return not any(has(pair) for pair in self.exclude_resource_tags)

    def to_dict(self) -> dict[str, Any]:
        """The rule in the rbin model's member names."""

        def tags(pairs: tuple[tuple[str, str | None], ...]) -> list[dict[str, str]]:
            return [
                {"ResourceTagKey": key} | ({} if value is None else {"ResourceTagValue": value})
                for key, value in pairs
            ]

        return {
            "Identifier": self.identifier,
            "ResourceType": self.resource_type,
            "RetentionPeriod": {
                "RetentionPeriodValue": self.retention_days,
                "RetentionPeriodUnit": "DAYS",
            },
            "ResourceTags": tags(self.resource_tags),
            "ExcludeResourceTags": tags(self.exclude_resource_tags),
        }


@dataclass
class BinEntry:
    """A deregistered AMI or deleted snapshot held by the Recycle Bin until ``exit_time``."""

    resource: Any
    enter_time: datetime
    exit_time: datetime


@dataclass(frozen=True)
class ImageReference:
    """One entry of DescribeImageReferences' ``ImageReferences``."""

    image_id: str
    resource_type: str
    arn: str

    def to_dict(self) -> dict[str, str]:
        return {"ImageId": self.image_id, "ResourceType": self.resource_type, "Arn": self.arn}


@dataclass
class RegionalState:
    #: When EnableImageBlockPublicAccess is in force (``None``: unblocked).
    block_public_access_from: datetime | None = None
    recycle_bin_rules: dict[str, RecycleBinRule] = field(default_factory=dict)
    binned_images: dict[str, BinEntry] = field(default_factory=dict)
    binned_snapshots: dict[str, BinEntry] = field(default_factory=dict)
    #: References declared through the controls (Systems Manager, Image Builder).
    declared_references: list[ImageReference] = field(default_factory=list)
    #: CopyImage ClientToken -> (the request's other parameters, the ImageId answered).
    copy_tokens: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)


def regional(backend: Any) -> RegionalState:
    """The state of this moto ``EC2Backend`` (one account, one Region)."""
    state: RegionalState = backend.__dict__.setdefault("emulator_regional", RegionalState())
    return state
