"""The typed inputs of the package's resources, in Python's snake_case.

The resources send them under the schema's camelCase names (`image_name` -> `imageName`); the
plugin's schema (`pulumi package get-schema ami-lifecycle`) is the contract they follow.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import NotRequired, Required, TypedDict

import pulumi

__all__ = [
    "BlockDeviceMappingArgs",
    "CopyTargetArgs",
    "DeregistrationProtection",
    "EbsArgs",
    "FromInstanceArgs",
    "FromSnapshotsArgs",
    "ImageArgs",
    "ImageCopyArgs",
    "LaunchPermissionsArgs",
    "MachineImageArgs",
    "VolumeSnapshotArgs",
]


class DeregistrationProtection(StrEnum):
    """Whether, and how, the image is protected from deregistration."""

    ENABLED = "enabled"
    """Protected; turning protection off takes effect at once."""
    ENABLED_WITH_COOLDOWN = "enabled-with-cooldown"
    """Protected; after protection is turned off the image stays protected for 24 hours."""
    DISABLED = "disabled"
    """Not protected: `pulumi destroy` may deregister the image."""


ProtectionInput = str | DeregistrationProtection


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


class LaunchPermissionsArgs(TypedDict, total=False):
    """Who may launch the image besides its owner: accounts, organizations, OUs, or everyone."""

    user_ids: pulumi.Input[list[str]]
    """AWS account ids (12 digits)."""
    organization_arns: pulumi.Input[list[str]]
    """Organization ARNs (arn:aws:organizations::<account>:organization/o-...)."""
    organizational_unit_arns: pulumi.Input[list[str]]
    """OU ARNs (arn:aws:organizations::<account>:ou/o-.../ou-...)."""
    public: pulumi.Input[bool]
    """True: every AWS account (refused while block public access for AMIs is on)."""


class CopyTargetArgs(TypedDict, total=False):
    """One copy of a `MachineImage`'s image in a Region; what it leaves out is the image's."""

    region: Required[pulumi.Input[str]]
    """The Region to copy to; the image's own takes an `image_name` of its own."""
    image_name: pulumi.Input[str]
    """The copy's name (default: the image's); two copies in one Region need different names."""
    description: pulumi.Input[str]
    """The copy's description (at most 255 characters; changed in place)."""
    encrypted: pulumi.Input[bool]
    """Encrypt the copy's snapshots (never decrypts; changing it replaces the copy)."""
    kms_key_id: pulumi.Input[str]
    """The KMS key in the copy's Region; only with `encrypted` (replaces the copy)."""
    copy_image_tags: pulumi.Input[bool]
    """Copy the source AMI's user-defined tags too (default False; replaces the copy)."""
    snapshot_copy_completion_duration_minutes: pulumi.Input[int]
    """A time-based copy: 15-2,880 minutes per snapshot, in 15-minute steps."""
    deregistration_protection: pulumi.Input[ProtectionInput]
    """The copy's deregistration protection (default: the image's)."""
    deprecation_time: pulumi.Input[str]
    """When the copy is deprecated (default: the image's)."""
    disabled: pulumi.Input[bool]
    """Whether the copy is disabled (default False)."""
    launch_permissions: pulumi.Input[LaunchPermissionsArgs]
    """Who may launch the copy besides its owner (default: private)."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the copy and its snapshots (default: the image's)."""


class ImageArgs(TypedDict, total=False):
    """The inputs of an `Image`; give exactly one of `from_snapshots` and `from_instance`."""

    image_name: Required[pulumi.Input[str]]
    """The AMI's name: 3-128 characters, unique in the Region."""
    description: NotRequired[pulumi.Input[str]]
    """The AMI's description (changed in place)."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the image and every snapshot it owns (changed in place)."""
    region: NotRequired[pulumi.Input[str]]
    """The Region; defaults to the provider's (`ami-lifecycle:region`), then to AWS_REGION."""
    deregistration_protection: NotRequired[pulumi.Input[ProtectionInput]]
    """"enabled" (the default), "enabled-with-cooldown" or "disabled" (changed in place)."""
    delete_snapshots_on_destroy: NotRequired[pulumi.Input[bool]]
    """Whether destroy deletes the image's snapshots (default True; shared ones are kept)."""
    delete_when_in_use: NotRequired[pulumi.Input[bool]]
    """Whether destroy proceeds while instances, templates, ... use the image (default False)."""
    from_snapshots: NotRequired[pulumi.Input[FromSnapshotsArgs]]
    """Register the image from snapshots."""
    from_instance: NotRequired[pulumi.Input[FromInstanceArgs]]
    """Create the image from an instance."""
    block_device_mappings: NotRequired[pulumi.Input[list[BlockDeviceMappingArgs]]]
    """The image's devices (required with `from_snapshots`; overrides with `from_instance`)."""
    deprecation_time: NotRequired[pulumi.Input[str]]
    """When the image is deprecated, UTC (2027-06-01T00:00:00Z); removing it cancels."""
    disabled: NotRequired[pulumi.Input[bool]]
    """Whether the image is disabled: it can't launch instances (default False; in place)."""
    launch_permissions: NotRequired[pulumi.Input[LaunchPermissionsArgs]]
    """Who may launch the image besides its owner (absent: private; changed in place)."""


class MachineImageArgs(ImageArgs, total=False):
    """The inputs of a `MachineImage`: an `Image`'s, and the copies the component makes."""

    copies: NotRequired[pulumi.Input[list[CopyTargetArgs]]]
    """Copies of the image, one `ImageCopy` child per Region (and name) listed."""


class ImageCopyArgs(TypedDict, total=False):
    """The inputs of an `ImageCopy`: a copy of an AMI made with `CopyImage` in its Region."""

    source_image_id: Required[pulumi.Input[str]]
    """The AMI to copy (ami-...; replaces the copy)."""
    source_region: Required[pulumi.Input[str]]
    """The Region the AMI to copy is in; it may be the copy's own (replaces the copy)."""
    region: NotRequired[pulumi.Input[str]]
    """The Region the copy is made in; defaults to the provider's (replaces the copy)."""
    image_name: Required[pulumi.Input[str]]
    """The copy's name: 3-128 characters, unique in its Region (replaces the copy)."""
    description: NotRequired[pulumi.Input[str]]
    """The copy's description (at most 255 characters; changed in place)."""
    encrypted: NotRequired[pulumi.Input[bool]]
    """Encrypt the copy's snapshots (never decrypts; changing it replaces the copy)."""
    kms_key_id: NotRequired[pulumi.Input[str]]
    """The KMS key in the copy's Region; only with `encrypted` (replaces the copy)."""
    copy_image_tags: NotRequired[pulumi.Input[bool]]
    """Copy the source AMI's user-defined tags too (default False; replaces the copy)."""
    snapshot_copy_completion_duration_minutes: NotRequired[pulumi.Input[int]]
    """A time-based copy: 15-2,880 minutes per snapshot, in 15-minute steps."""
    deregistration_protection: NotRequired[pulumi.Input[ProtectionInput]]
    """"enabled" (the default), "enabled-with-cooldown" or "disabled" (changed in place)."""
    deprecation_time: NotRequired[pulumi.Input[str]]
    """When the copy is deprecated, UTC (2027-06-01T00:00:00Z); removing it cancels."""
    disabled: NotRequired[pulumi.Input[bool]]
    """Whether the copy is disabled: it can't launch instances (default False; in place)."""
    launch_permissions: NotRequired[pulumi.Input[LaunchPermissionsArgs]]
    """Who may launch the copy besides its owner (absent: private; changed in place)."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the copy and its snapshots (changed in place)."""
    delete_snapshots_on_destroy: NotRequired[pulumi.Input[bool]]
    """Whether destroy deletes the copy's snapshots (default True; shared ones are kept)."""
    delete_when_in_use: NotRequired[pulumi.Input[bool]]
    """Whether destroy proceeds while instances, templates, ... use the copy (default False)."""


class VolumeSnapshotArgs(TypedDict, total=False):
    """The inputs of a `VolumeSnapshot`."""

    volume_id: Required[pulumi.Input[str]]
    """The EBS volume (vol-...) to snapshot."""
    description: pulumi.Input[str]
    """The snapshot's description."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the snapshot (changed in place)."""
    region: pulumi.Input[str]
    """The Region; defaults to the provider's."""
    delete_on_destroy: pulumi.Input[bool]
    """Whether destroy deletes the snapshot (default True)."""
