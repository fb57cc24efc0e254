"""Pulumi component resources for Amazon EC2 machine images (AMIs).

    from ami_lifecycle import MachineImage

`MachineImage` models an AMI with its EBS snapshots and block device mappings, created from
snapshots (`RegisterImage`) or from an instance (`CreateImage`), protected from deregistration by
default, and deleted with one `DeregisterImage(DeleteAssociatedSnapshots=True)` call that reports
what happened to every snapshot.
"""

from .errors import (
    AmiLifecycleError,
    AwsCallError,
    BackupManagedImageError,
    ImageCreationError,
    ImageNotFoundError,
    ImageNotOwnedError,
    ImageOperationError,
    InvalidImageArgsError,
    NotFoundError,
    ProtectedImageError,
    SnapshotNotFoundError,
    SnapshotsLeftBehindError,
)
from .machine_image import (
    TYPE_TOKEN,
    BlockDeviceMappingArgs,
    EbsArgs,
    FromInstanceArgs,
    FromSnapshotsArgs,
    MachineImage,
    MachineImageArgs,
)
from .protection import Protection
from .resources import Image, VolumeSnapshot

__all__ = [
    "TYPE_TOKEN",
    "AmiLifecycleError",
    "AwsCallError",
    "BackupManagedImageError",
    "BlockDeviceMappingArgs",
    "EbsArgs",
    "FromInstanceArgs",
    "FromSnapshotsArgs",
    "Image",
    "ImageCreationError",
    "ImageNotFoundError",
    "ImageNotOwnedError",
    "ImageOperationError",
    "InvalidImageArgsError",
    "MachineImage",
    "MachineImageArgs",
    "NotFoundError",
    "ProtectedImageError",
    "Protection",
    "SnapshotNotFoundError",
    "SnapshotsLeftBehindError",
    "VolumeSnapshot",
]
