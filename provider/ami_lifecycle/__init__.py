"""The `ami-lifecycle` Pulumi provider: Amazon EC2 machine images (AMIs) as code.

The plugin (`ami_lifecycle.plugin`, run as `pulumi-resource-ami-lifecycle`) serves the custom
resources `ami-lifecycle:index:Image` and `ami-lifecycle:index:VolumeSnapshot` (`provider/`)
and the component `ami-lifecycle:index:MachineImage` (`machine_image`): an AMI with its EBS
snapshots and block device mappings, created from snapshots (`RegisterImage`) or from an
instance (`CreateImage`), protected from deregistration by default, and deleted with one
`DeregisterImage(DeleteAssociatedSnapshots=True)` call that reports what happened to every
snapshot. Programs use it through an SDK (`pulumi_ami_lifecycle` for Python).
"""

from .errors import (
    AmiLifecycleError,
    AwsCallError,
    BackupManagedImageError,
    ImageCreationError,
    ImageNotFoundError,
    ImageNotOwnedError,
    ImageOperationError,
    NotFoundError,
    ProtectedImageError,
    SnapshotNotFoundError,
    SnapshotOperationError,
    SnapshotsLeftBehindError,
)
from .protection import Protection

__all__ = [
    "AmiLifecycleError",
    "AwsCallError",
    "BackupManagedImageError",
    "ImageCreationError",
    "ImageNotFoundError",
    "ImageNotOwnedError",
    "ImageOperationError",
    "NotFoundError",
    "ProtectedImageError",
    "Protection",
    "SnapshotNotFoundError",
    "SnapshotOperationError",
    "SnapshotsLeftBehindError",
]
