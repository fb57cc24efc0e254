"""The package's resources, as a Python program declares them; the `ami-lifecycle` plugin does
the work (`pulumi-resource-ami-lifecycle`, found on PATH or through Pulumi.yaml's `plugins`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

import pulumi

from .args import MachineImageArgs, VolumeSnapshotArgs

__all__ = ["Image", "ImageOutputs", "MachineImage", "Provider", "VolumeSnapshot"]

PACKAGE = "ami-lifecycle"

_IMAGE_OUTPUTS = (
    "imageId",
    "state",
    "ownerId",
    "creationDate",
    "rootDeviceName",
    "reportedBlockDeviceMappings",
    "snapshotIds",
    "protectionState",
)
_SNAPSHOT_OUTPUTS = ("snapshotId", "state", "volumeSize", "encrypted")
_CAMEL_HUMP = re.compile(r"(?<!^)(?=[A-Z])")
_DYNAMIC = "pulumi-python:dynamic/ami-lifecycle:"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _snake(name: str) -> str:
    return _CAMEL_HUMP.sub("_", name).lower()


def _props(value: Any) -> Any:
    """snake_case args -> the schema's camelCase properties, recursively (tag maps keep their
    keys)."""
    if isinstance(value, Mapping):
        return {_camel(k): (v if k == "tags" else _props(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_props(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _with_former_type(opts: pulumi.ResourceOptions | None, kind: str) -> pulumi.ResourceOptions:
    """The schema's alias: the type this resource had as a dynamic resource, so that a stack made
    then moves to the plugin without replacing it."""
    former = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=f"{_DYNAMIC}{kind}")])
    return pulumi.ResourceOptions.merge(opts, former)


def _expose_snake_case(resource: pulumi.Resource, keys: tuple[str, ...]) -> None:
    """Each output under its Python name too (`imageId` -> `image_id`): the SDK sets one
    attribute per property under the schema's name."""
    for key in keys:
        setattr(resource, _snake(key), getattr(resource, key))


class ImageOutputs:
    """The outputs of an image, on `MachineImage` and `Image` alike."""

    image_id: pulumi.Output[str]
    """The AMI id (ami-...)."""
    state: pulumi.Output[str]
    """The image state AWS reports (available once created)."""
    owner_id: pulumi.Output[str]
    """The AWS account that owns the image."""
    creation_date: pulumi.Output[str]
    """When AWS created the image."""
    root_device_name: pulumi.Output[str]
    """The root device, as AWS reports it."""
    reported_block_device_mappings: pulumi.Output[list[dict[str, Any]]]
    """The mappings as `DescribeImages` reports them (declared initialization rates kept)."""
    snapshot_ids: pulumi.Output[list[str]]
    """Every snapshot the image's mappings use."""
    protection_state: pulumi.Output[str]
    """Deregistration protection as AWS reports it (e.g. enabled-with-cooldown)."""


class MachineImage(pulumi.ComponentResource, ImageOutputs):
    """An AMI with its EBS snapshots, block device mappings and deregistration protection.

    On destroy the image is deregistered with one `DeregisterImage(DeleteAssociatedSnapshots)`
    call, and every snapshot's result is reported; a protected image refuses to be destroyed.
    """

    def __init__(
        self, name: str, args: MachineImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {**_props(args), **dict.fromkeys(_IMAGE_OUTPUTS)}
        super().__init__(f"{PACKAGE}:index:MachineImage", name, props, opts, remote=True)
        _expose_snake_case(self, _IMAGE_OUTPUTS)


class Image(pulumi.CustomResource, ImageOutputs):
    """One AMI, without the component: for an image whose snapshots exist already, and for
    `pulumi import` of an existing AMI. Takes the same inputs as `MachineImage` except
    `ebs.volume_id`."""

    def __init__(
        self, name: str, args: MachineImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {**_props(args), **dict.fromkeys(_IMAGE_OUTPUTS)}
        super().__init__(f"{PACKAGE}:index:Image", name, props, _with_former_type(opts, "Image"))
        _expose_snake_case(self, _IMAGE_OUTPUTS)


class VolumeSnapshot(pulumi.CustomResource):
    """A completed snapshot of one EBS volume, made for an image to own."""

    snapshot_id: pulumi.Output[str]
    state: pulumi.Output[str]
    volume_size: pulumi.Output[int]
    encrypted: pulumi.Output[bool]

    def __init__(
        self, name: str, args: VolumeSnapshotArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {**_props(args), **dict.fromkeys(_SNAPSHOT_OUTPUTS)}
        super().__init__(
            f"{PACKAGE}:index:VolumeSnapshot",
            name,
            props,
            _with_former_type(opts, "VolumeSnapshot"),
        )
        _expose_snake_case(self, _SNAPSHOT_OUTPUTS)


class Provider(pulumi.ProviderResource):
    """An explicit `ami-lifecycle` provider, for resources in another Region or profile than the
    default provider's (`ami-lifecycle:region`, `ami-lifecycle:profile`)."""

    def __init__(
        self,
        name: str,
        *,
        region: pulumi.Input[str] | None = None,
        profile: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(PACKAGE, name, {"region": region, "profile": profile}, opts)
