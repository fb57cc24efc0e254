"""Amazon EC2 machine images as code, for Pulumi programs in Python.

    from pulumi_ami_lifecycle import MachineImage

`MachineImage` models an AMI with its EBS snapshots and block device mappings, created from
snapshots (`RegisterImage`) or from an instance (`CreateImage`), protected from deregistration by
default, and deleted with one `DeregisterImage(DeleteAssociatedSnapshots=True)` call that reports
what happened to every snapshot. The `ami-lifecycle` provider plugin does the work.
"""

from .args import (
    BlockDeviceMappingArgs,
    DeregistrationProtection,
    EbsArgs,
    FromInstanceArgs,
    FromSnapshotsArgs,
    MachineImageArgs,
    VolumeSnapshotArgs,
)
from .resources import Image, MachineImage, Provider, VolumeSnapshot

__all__ = [
    "BlockDeviceMappingArgs",
    "DeregistrationProtection",
    "EbsArgs",
    "FromInstanceArgs",
    "FromSnapshotsArgs",
    "Image",
    "MachineImage",
    "MachineImageArgs",
    "Provider",
    "VolumeSnapshot",
    "VolumeSnapshotArgs",
]
