"""`MachineImage`: an AMI with its snapshots, block devices and deregistration protection."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, NotRequired, Required, TypedDict

import pulumi
from pulumi.runtime.rpc import UNKNOWN

from .errors import InvalidImageArgsError
from .protection import Protection
from .resources import Image, VolumeSnapshot
from .validation import validate_image_props

__all__ = [
    "TYPE_TOKEN",
    "BlockDeviceMappingArgs",
    "EbsArgs",
    "FromInstanceArgs",
    "FromSnapshotsArgs",
    "MachineImage",
    "MachineImageArgs",
]

TYPE_TOKEN = "ami-lifecycle:index:MachineImage"

ProtectionInput = str | Protection


class EbsArgs(TypedDict, total=False):
    """An EBS volume of the image: from a snapshot, from a volume to snapshot, or new and empty."""

    snapshot_id: pulumi.Input[str]
    """The snapshot the volume is created from."""
    volume_id: pulumi.Input[str]
    """A volume to snapshot first: the component makes the snapshot, and the image owns it."""
    volume_size: pulumi.Input[int]
    """GiB; required for a new empty volume, at least the snapshot's size otherwise."""
    volume_type: pulumi.Input[str]
    """gp3, gp2, io1, io2, st1, sc1 or standard."""
    iops: pulumi.Input[int]
    """Provisioned IOPS (gp3, io1, io2; required for io1 and io2)."""
    throughput: pulumi.Input[int]
    """MiB/s, gp3 only."""
    delete_on_termination: pulumi.Input[bool]
    """Whether instances launched from the image delete this volume when they terminate."""
    encrypted: pulumi.Input[bool]
    """Only for new empty volumes: a volume from a snapshot takes the snapshot's encryption."""
    kms_key_id: pulumi.Input[str]
    """Refused: AWS takes it only at launch (RunInstances), never in an AMI's mapping."""
    outpost_arn: pulumi.Input[str]
    """The Outpost the snapshot is stored on (not with `from_instance`)."""
    volume_initialization_rate: pulumi.Input[int]
    """MiB/s (100-300) at which launched volumes are initialised from the snapshot."""


class BlockDeviceMappingArgs(TypedDict, total=False):
    """One device of the image."""

    device_name: Required[pulumi.Input[str]]
    """The device name, for example /dev/xvda."""
    ebs: pulumi.Input[EbsArgs]
    """An EBS volume."""
    no_device: pulumi.Input[bool]
    """Omit this device (from the instance's devices, with `from_instance`)."""
    virtual_name: pulumi.Input[str]
    """An instance store volume (ephemeral0, ephemeral1, ...)."""


class FromSnapshotsArgs(TypedDict, total=False):
    """Register the image from snapshots (`RegisterImage`)."""

    root_device_name: Required[pulumi.Input[str]]
    """The root device; one of the block device mappings must name it."""
    architecture: pulumi.Input[str]
    """i386, x86_64, arm64, x86_64_mac or arm64_mac."""
    boot_mode: pulumi.Input[str]
    """legacy-bios, uefi or uefi-preferred."""
    virtualization_type: pulumi.Input[str]
    """hvm (the default) or paravirtual."""
    ena_support: pulumi.Input[bool]
    """Enhanced networking with ENA."""
    tpm_support: pulumi.Input[str]
    """v2.0 for NitroTPM."""
    imds_support: pulumi.Input[str]
    """v2.0 to require IMDSv2 on instances launched from the image."""
    uefi_data: pulumi.Input[str]
    """Base64 of the UEFI variable store."""
    sriov_net_support: pulumi.Input[str]
    """simple, for enhanced networking with the Intel 82599 VF interface."""
    kernel_id: pulumi.Input[str]
    """The kernel (paravirtual images)."""
    ramdisk_id: pulumi.Input[str]
    """The RAM disk (paravirtual images)."""
    billing_products: pulumi.Input[list[str]]
    """Billing product codes (accounts authorised by AWS only)."""


class FromInstanceArgs(TypedDict, total=False):
    """Create the image from an instance (`CreateImage`)."""

    instance_id: Required[pulumi.Input[str]]
    """The running or stopped EBS-backed instance."""
    no_reboot: pulumi.Input[bool]
    """True: don't reboot the instance first (crash-consistent snapshots)."""


class MachineImageArgs(TypedDict, total=False):
    """The inputs of a `MachineImage`; give exactly one of `from_snapshots` and `from_instance`."""

    image_name: Required[pulumi.Input[str]]
    """The AMI's name: 3-128 characters, unique in the Region."""
    description: NotRequired[pulumi.Input[str]]
    """The AMI's description (changed in place)."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the image and every snapshot it owns (changed in place)."""
    region: NotRequired[pulumi.Input[str]]
    """The Region; defaults to the stack's `aws:region`."""
    deregistration_protection: NotRequired[pulumi.Input[ProtectionInput]]
    """"enabled" (the default), "enabled-with-cooldown" or "disabled" (changed in place)."""
    delete_snapshots_on_destroy: NotRequired[pulumi.Input[bool]]
    """Whether destroy deletes the image's snapshots (default True; shared ones are kept)."""
    from_snapshots: NotRequired[pulumi.Input[FromSnapshotsArgs]]
    """Register the image from snapshots."""
    from_instance: NotRequired[pulumi.Input[FromInstanceArgs]]
    """Create the image from an instance."""
    block_device_mappings: NotRequired[pulumi.Input[list[BlockDeviceMappingArgs]]]
    """The image's devices (required with `from_snapshots`; overrides with `from_instance`)."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _to_props(value: Any) -> Any:
    """snake_case args -> camelCase properties, recursively (tag maps keep their keys)."""
    if isinstance(value, Mapping):
        return {
            _camel(k): (dict(v) if k == "tags" and isinstance(v, Mapping) else _to_props(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_to_props(v) for v in value]
    if isinstance(value, Protection):
        return value.value
    return value


def _known(value: Any) -> Any:
    """The props with every value not known yet (an Output) replaced by Pulumi's unknown marker."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def _device_label(device: Any, index: int) -> str:
    if isinstance(device, str) and device:
        return device.rstrip("/").rsplit("/", 1)[-1]
    return str(index)


class MachineImage(pulumi.ComponentResource):
    """An AMI with its EBS snapshots, block device mappings and deregistration protection.

    On destroy the image is deregistered with one `DeregisterImage(DeleteAssociatedSnapshots)`
    call, and every snapshot's result is reported; a protected image refuses to be destroyed.
    """

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

    def __init__(
        self, name: str, args: MachineImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = _to_props(args)
        # Refuse what is already known to be wrong before anything is registered or created.
        problems = validate_image_props(_known(props))
        if problems:
            raise InvalidImageArgsError(name, problems)
        props.setdefault("deregistrationProtection", Protection.ENABLED.value)
        props.setdefault("deleteSnapshotsOnDestroy", True)
        if props.get("region") is None:
            props["region"] = pulumi.Config("aws").get("region")

        super().__init__(TYPE_TOKEN, name, props, opts)
        child = pulumi.ResourceOptions(parent=self)

        mappings = []
        for index, declared in enumerate(props.get("blockDeviceMappings") or []):
            mapping = declared
            ebs = mapping.get("ebs") if isinstance(mapping, Mapping) else None
            if isinstance(ebs, Mapping) and ebs.get("volumeId") is not None:
                label = _device_label(mapping.get("deviceName"), index)
                snapshot = VolumeSnapshot(
                    f"{name}-snapshot-{label}",
                    {
                        "volumeId": ebs["volumeId"],
                        # Not the image name: renaming the image must not re-snapshot the volume.
                        "description": f"Snapshot for MachineImage {name} ({label})",
                        "tags": props.get("tags"),
                        "region": props.get("region"),
                        "deleteOnDestroy": props["deleteSnapshotsOnDestroy"],
                    },
                    child,
                )
                mapping = {**mapping, "ebs": {**ebs, "snapshotId": snapshot.snapshot_id}}
            mappings.append(mapping)

        image = Image(f"{name}-image", {**props, "blockDeviceMappings": mappings}, child)
        self.image_id = image.image_id
        self.state = image.state
        self.owner_id = image.owner_id
        self.creation_date = image.creation_date
        self.root_device_name = image.root_device_name
        self.reported_block_device_mappings = image.reported_block_device_mappings
        self.snapshot_ids = image.snapshot_ids
        self.protection_state = image.protection_state
        self.register_outputs(
            {
                "imageId": self.image_id,
                "state": self.state,
                "ownerId": self.owner_id,
                "creationDate": self.creation_date,
                "rootDeviceName": self.root_device_name,
                "reportedBlockDeviceMappings": self.reported_block_device_mappings,
                "snapshotIds": self.snapshot_ids,
                "protectionState": self.protection_state,
            }
        )
