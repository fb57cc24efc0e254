"""The dynamic resources behind `MachineImage`; usable on their own, with camelCase properties.

Their type tokens are `pulumi-python:dynamic/ami-lifecycle:Image` and
`pulumi-python:dynamic/ami-lifecycle:VolumeSnapshot` (the policy pack matches on them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from .outputs import OUTPUT_KEYS
from .provider.image import ImageProvider
from .provider.snapshot import VolumeSnapshotProvider

__all__ = ["Image", "VolumeSnapshot", "snake_case"]

_CAMEL_HUMP = re.compile(r"(?<!^)(?=[A-Z])")


_SNAPSHOT_KEYS = ("snapshotId", "state", "volumeSize", "encrypted")


def snake_case(name: str) -> str:
    return _CAMEL_HUMP.sub("_", name).lower()


def _alias_outputs(resource: pulumi.Resource, keys: tuple[str, ...]) -> None:
    """Expose each camelCase output under its Python name too (`imageId` -> `image_id`).

    The SDK sets one attribute per property under the property's own (camelCase) name, which is
    also the name the provider and the policy pack see."""
    for key in keys:
        setattr(resource, snake_case(key), getattr(resource, key))


class Image(pulumi.dynamic.Resource, module="ami-lifecycle", name="Image"):
    """One AMI, managed by `ImageProvider`; `props` are the camelCase inputs of ARCHITECTURE.md."""

    image_id: pulumi.Output[str]
    state: pulumi.Output[str]
    owner_id: pulumi.Output[str]
    creation_date: pulumi.Output[str]
    root_device_name: pulumi.Output[str]
    reported_block_device_mappings: pulumi.Output[list[dict[str, Any]]]
    snapshot_ids: pulumi.Output[list[str]]
    protection_state: pulumi.Output[str]

    def __init__(
        self, name: str, props: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(ImageProvider(), name, {**props, **dict.fromkeys(OUTPUT_KEYS)}, opts)
        _alias_outputs(self, OUTPUT_KEYS)


class VolumeSnapshot(pulumi.dynamic.Resource, module="ami-lifecycle", name="VolumeSnapshot"):
    """A completed snapshot of one EBS volume, made for an image to own."""

    snapshot_id: pulumi.Output[str]
    state: pulumi.Output[str]
    volume_size: pulumi.Output[int]
    encrypted: pulumi.Output[bool]

    def __init__(
        self, name: str, props: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            VolumeSnapshotProvider(), name, {**props, **dict.fromkeys(_SNAPSHOT_KEYS)}, opts
        )
        _alias_outputs(self, _SNAPSHOT_KEYS)
