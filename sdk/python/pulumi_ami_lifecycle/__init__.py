"""Amazon EC2 machine images as code, for Pulumi programs in Python.

    from pulumi_ami_lifecycle import MachineImage

`MachineImage` models an AMI with its EBS snapshots and block device mappings, created from
snapshots (`RegisterImage`) or from an instance (`CreateImage`), protected from deregistration by
default, and deleted with one `DeregisterImage(DeleteAssociatedSnapshots=True)` call that reports
what happened to every snapshot; it can deprecate, disable and share the image, and copy it to
other Regions (`copies`, each an `ImageCopy`). The `ami-lifecycle` provider plugin does the work.
"""

from .args import (
    BlockDeviceMappingArgs,
    CopyTargetArgs,
    DeregistrationProtection,
    EbsArgs,
    FromInstanceArgs,
    FromSnapshotsArgs,
    ImageArgs,
    ImageCopyArgs,
    LaunchPermissionsArgs,
    MachineImageArgs,
    VolumeSnapshotArgs,
)
from .resources import Image, ImageCopy, MachineImage, Provider, VolumeSnapshot

__all__ = [
    "BlockDeviceMappingArgs",
    "CopyTargetArgs",
    "DeregistrationProtection",
    "EbsArgs",
    "FromInstanceArgs",
    "FromSnapshotsArgs",
    "Image",
    "ImageArgs",
    "ImageCopy",
    "ImageCopyArgs",
    "LaunchPermissionsArgs",
    "MachineImage",
    "MachineImageArgs",
    "Provider",
    "VolumeSnapshot",
    "VolumeSnapshotArgs",
]
