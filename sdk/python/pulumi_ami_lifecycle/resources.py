"""The package's resources, as a Python program declares them; the `ami-lifecycle` plugin does
the work (`pulumi-resource-ami-lifecycle`, found on PATH or through Pulumi.yaml's `plugins`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

import pulumi

from .args import ImageArgs, ImageCopyArgs, MachineImageArgs, VolumeSnapshotArgs

__all__ = [
    "Image",
    "ImageCopy",
    "ImageOutputs",
    "MachineImage",
    "Provider",
    "VolumeSnapshot",
]

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
    "lastLaunchedTime",
)
"""The outputs of an image that are not its inputs: on `Image`, `ImageCopy` and `MachineImage`."""
_MACHINE_IMAGE_OUTPUTS = (*_IMAGE_OUTPUTS, "deprecationTime", "copyImageIds")
"""A `MachineImage`'s outputs: its image's, with what the image reads back of its inputs."""
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
    keys, at every level: `copies[i].tags` too); an output's value is converted once known."""
    if isinstance(value, pulumi.Output):
        return value.apply(_props)
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


def _inputs(args: Mapping[str, Any], outputs: tuple[str, ...]) -> dict[str, Any]:
    """The properties to register: each output (None: the engine fills it in), then the inputs,
    so that an input that is also an output (`deprecationTime`) keeps its value."""
    return {**dict.fromkeys(outputs), **_props(args)}


def _expose_snake_case(resource: pulumi.Resource, keys: tuple[str, ...]) -> None:
    """Each output under its Python name too (`imageId` -> `image_id`): the SDK sets one
    attribute per property under the schema's name."""
    for key in keys:
        setattr(resource, _snake(key), getattr(resource, key))


class ImageOutputs:
    """The outputs of an image, on `MachineImage`, `Image` and `ImageCopy` alike."""

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
    last_launched_time: pulumi.Output[str | None]
    """When the image last launched an instance; absent until AWS reports it (24 hours later)."""


class MachineImage(pulumi.ComponentResource, ImageOutputs):
    """An AMI with its EBS snapshots, block device mappings and deregistration protection.

    On destroy the image is deregistered with one `DeregisterImage(DeleteAssociatedSnapshots)`
    call, and every snapshot's result is reported; a protected image refuses to be destroyed.
    Each entry of `copies` is an `ImageCopy` child, in its Region.
    """

    deprecation_time: pulumi.Output[str | None]
    """When the image is deprecated, as AWS reports it."""
    copy_image_ids: pulumi.Output[dict[str, str]]
    """The copies' AMI ids by Region (`<region>/<image_name>` for a further copy there)."""

    def __init__(
        self, name: str, args: MachineImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = _inputs(args, _MACHINE_IMAGE_OUTPUTS)
        super().__init__(f"{PACKAGE}:index:MachineImage", name, props, opts, remote=True)
        _expose_snake_case(self, _MACHINE_IMAGE_OUTPUTS)


class Image(pulumi.CustomResource, ImageOutputs):
    """One AMI, without the component: for an image whose snapshots exist already, and for
    `pulumi import` of an existing AMI. Takes the same inputs as `MachineImage` except
    `copies` and `ebs.volume_id` (the plugin's check refuses them)."""

    def __init__(
        self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = _inputs(args, _IMAGE_OUTPUTS)
        super().__init__(f"{PACKAGE}:index:Image", name, props, _with_former_type(opts, "Image"))
        _expose_snake_case(self, _IMAGE_OUTPUTS)


class ImageCopy(pulumi.CustomResource, ImageOutputs):
    """A copy of an AMI, made with `CopyImage` in the copy's Region (from another Region or the
    same one), with snapshots of its own; kept and deleted like an `Image`. Its outputs are an
    image's, read in the copy's Region."""

    def __init__(
        self, name: str, args: ImageCopyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = _inputs(args, _IMAGE_OUTPUTS)
        super().__init__(f"{PACKAGE}:index:ImageCopy", name, props, opts)
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
        props = _inputs(args, _SNAPSHOT_OUTPUTS)
        super().__init__(
            f"{PACKAGE}:index:VolumeSnapshot",
            name,
            props,
            _with_former_type(opts, "VolumeSnapshot"),
        )
        _expose_snake_case(self, _SNAPSHOT_OUTPUTS)


class Provider(pulumi.ProviderResource):
    """An explicit `ami-lifecycle` provider, for resources in another Region or profile than the
    default provider's (`ami-lifecycle:region`, `ami-lifecycle:profile`), or with destroy's
    Recycle Bin report (`recycle_bin_report`, `ami-lifecycle:recycleBinReport`)."""

    def __init__(
        self,
        name: str,
        *,
        region: pulumi.Input[str] | None = None,
        profile: pulumi.Input[str] | None = None,
        recycle_bin_report: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = {"region": region, "profile": profile, "recycleBinReport": recycle_bin_report}
        super().__init__(PACKAGE, name, settings, opts)
