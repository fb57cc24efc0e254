"""Every error a user of this package can see, in one hierarchy.

    AmiLifecycleError
    ├── NotFoundError                the finder's typed "not found" (never shown as a failure)
    │   ├── ImageNotFoundError
    │   └── SnapshotNotFoundError
    ├── ImageOperationError          "<verb> EC2 AMI (<id or name>): <cause>"
    │   ├── ImageCreationError       registration or the wait for `available` failed
    │   ├── ProtectedImageError      deregistration protection (or its cooldown) refuses delete
    │   ├── ImageNotOwnedError       the AMI belongs to another account
    │   ├── BackupManagedImageError  the AMI is an AWS Backup recovery point
    │   ├── SnapshotsLeftBehindError  the AMI is gone but some snapshots could not be deleted
    │   └── AwsCallError             any other AWS error, with its `Error.Code`
    └── SnapshotOperationError       "<verb> EBS snapshot (<id or volume>): <cause>"

Messages follow one pattern so that logs and CLI output read alike, and each one says what to
do next.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "SnapshotNotFoundError",
    "SnapshotOperationError",
    "SnapshotsLeftBehindError",
]


class AmiLifecycleError(Exception):
    """Base class of every error raised by this package."""


@dataclass(frozen=True)
class InputProblem:
    """One refused input: the property path (as in `blockDeviceMappings[0].ebs.iops`) and why."""

    property: str
    reason: str

    def __str__(self) -> str:
        return f"{self.property}: {self.reason}"


class NotFoundError(AmiLifecycleError):
    """An AWS object does not exist (or is already deregistered/deleted)."""


class ImageNotFoundError(NotFoundError):
    """The AMI does not exist or is deregistered."""


class SnapshotNotFoundError(NotFoundError):
    """The snapshot does not exist."""


class ImageOperationError(AmiLifecycleError):
    """An operation on an AMI failed; the message names the operation, the AMI and the cause."""

    def __init__(self, verb: str, ident: str, cause: str) -> None:
        self.verb = verb
        self.ident = ident
        self.cause = cause
        super().__init__(f"{verb} EC2 AMI ({ident}): {cause}")


class ImageCreationError(ImageOperationError):
    """Creating the AMI failed; the message says what was undone."""


class ProtectedImageError(ImageOperationError):
    """Deregistration protection, or the 24-hour cooldown after it, refuses the delete."""


class ImageNotOwnedError(ImageOperationError):
    """The AMI is owned by another AWS account, which alone can deregister it."""


class BackupManagedImageError(ImageOperationError):
    """The AMI is managed by AWS Backup; delete its recovery point in AWS Backup instead."""


class SnapshotsLeftBehindError(ImageOperationError):
    """The AMI was deregistered but some of its snapshots were not deleted.

    `left_behind` maps each snapshot id to the `ReturnCode` (or error code) AWS gave. The
    resource stays in the Pulumi state, so running `pulumi destroy` again retries them.
    """

    def __init__(self, verb: str, ident: str, cause: str, left_behind: dict[str, str]) -> None:
        self.left_behind = dict(left_behind)
        super().__init__(verb, ident, cause)


class AwsCallError(ImageOperationError):
    """An AWS API call failed with an error this package has no better name for."""

    def __init__(self, verb: str, ident: str, code: str, message: str) -> None:
        self.code = code
        super().__init__(verb, ident, f"{code}: {message}")


class SnapshotOperationError(AmiLifecycleError):
    """An operation on an EBS snapshot (a `VolumeSnapshot`) failed; the message names the
    operation, the snapshot or its volume, the cause and what was undone."""

    def __init__(self, verb: str, ident: str, cause: str) -> None:
        self.verb = verb
        self.ident = ident
        self.cause = cause
        super().__init__(f"{verb} EBS snapshot ({ident}): {cause}")
