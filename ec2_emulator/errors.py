"""EC2 errors the extension raises that moto has no class for.

Why this exists: the AWS texts say *that* some requests fail, rarely *with which code*. Each class
here says whether its code is documented AWS behaviour or the emulator's own plausible choice, so
code under test never learns to rely on an invented string by accident.
"""

from __future__ import annotations

from datetime import datetime

from moto.ec2.exceptions import EC2ClientError

from .clock import format_aws_time

__all__ = [
    "BackupManagedImageError",
    "DisabledStateFilterError",
    "EncryptedWithSnapshotError",
    "IdempotentParameterMismatchError",
    "ImageDisabledError",
    "ImageNotAvailableError",
    "ImageNotOwnedError",
    "ImageProtectedError",
    "IncorrectInstanceStateError",
    "InvalidBlockDeviceMappingError",
    "InvalidParameterCombinationError",
    "InvalidParameterValueError",
    "MissingParameterError",
    "PublicSharingBlockedError",
    "SnapshotNotFoundError",
]


class ImageNotOwnedError(EC2ClientError):
    """Seed 002: "You can't deregister an AMI that is not owned by your account."

    Code and message are the ones AWS is seen returning for this case
    (``AuthFailure``, ``Not authorized for image:ami-...``).
    """

    def __init__(self, image_id: str) -> None:
        super().__init__("AuthFailure", f"Not authorized for image:{image_id}")


class BackupManagedImageError(EC2ClientError):
    """Seed 002: an AMI managed by AWS Backup can't be deregistered with Amazon EC2.

    ``OperationNotPermitted`` is the EMULATOR'S CHOICE; the texts give no code.
    """

    def __init__(self, image_id: str) -> None:
        super().__init__(
            "OperationNotPermitted",
            f"The image {image_id} is managed by AWS Backup and can't be deregistered with "
            "Amazon EC2. Use AWS Backup to delete the corresponding recovery point in the "
            "backup vault instead.",
        )


class ImageProtectedError(EC2ClientError):
    """A protected AMI (or one still in its 24-hour cooldown) refuses ``DeregisterImage``.

    ``OperationNotPermitted`` is the EMULATOR'S CHOICE (EC2 uses it for the analogous
    termination protection); the texts give no code.
    """

    def __init__(self, image_id: str, cooldown_until: datetime | None = None) -> None:
        if cooldown_until is None:
            message = (
                f"The image {image_id} can't be deregistered because deregistration protection "
                "is enabled. Disable deregistration protection first."
            )
        else:
            message = (
                f"The image {image_id} can't be deregistered until "
                f"{format_aws_time(cooldown_until)}: deregistration protection was disabled "
                "with a 24-hour cooldown."
            )
        super().__init__("OperationNotPermitted", message)


class ImageDisabledError(EC2ClientError):
    """A disabled AMI can't be used for instance launches and can't be shared (DisableImage,
    newest botocore model).

    ``IncorrectState`` is the EMULATOR'S CHOICE; the texts say *that* these requests fail, not
    with which code. It is deliberately none of the codes that mean "no such AMI": a disabled
    AMI still exists, and code under test must not learn to take it for gone.
    """

    def __init__(self, image_id: str, action: str) -> None:
        super().__init__(
            "IncorrectState",
            f"The image {image_id} is disabled and can't be {action}. Re-enable it with "
            "EnableImage first.",
        )


class DisabledStateFilterError(EC2ClientError):
    """DescribeImages filtered on ``state=disabled`` without ``IncludeDisabled=True``.

    Code and message are the ones AWS is seen returning for this case (reported in
    turbot/steampipe-plugin-aws#2276); the botocore model only says disabled AMIs are left out
    by default.
    """

    def __init__(self) -> None:
        super().__init__(
            "InvalidParameter",
            "When filtering by the 'disabled' state, 'IncludeDisabled' must be set to 'true' in "
            "the request.",
        )


class EncryptedWithSnapshotError(EC2ClientError):
    """Seed 004 (EbsBlockDevice.Encrypted): with a snapshot "you must omit this parameter. If you
    include this parameter, the request will fail, regardless of the value that you specify."

    ``InvalidParameterCombination`` is the EMULATOR'S CHOICE; the text gives no code.
    """

    def __init__(self, device_name: str) -> None:
        super().__init__(
            "InvalidParameterCombination",
            f"The parameter Encrypted can't be specified together with SnapshotId (device "
            f"{device_name}): a volume created from a snapshot takes the snapshot's encryption.",
        )


class SnapshotNotFoundError(EC2ClientError):
    """``InvalidSnapshot.NotFound`` with a message (moto's own class has an empty one)."""

    def __init__(self, snapshot_id: str) -> None:
        super().__init__(
            "InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist."
        )


class InvalidBlockDeviceMappingError(EC2ClientError):
    """A mapping the texts rule out. ``InvalidBlockDeviceMapping`` is an EC2 error code; which
    cases use it is the EMULATOR'S CHOICE."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidBlockDeviceMapping", message)


class InvalidParameterValueError(EC2ClientError):
    """``InvalidParameterValue`` with a free message (emulator-chosen cases are commented where
    raised)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValue", message)


class IncorrectInstanceStateError(EC2ClientError):
    """CreateImage needs an instance "that is either running or stopped" (seed 004).
    ``IncorrectInstanceState`` is an EC2 error code; using it here is the EMULATOR'S CHOICE."""

    def __init__(self, instance_id: str, state: str) -> None:
        super().__init__(
            "IncorrectInstanceState",
            f"The instance '{instance_id}' is {state}; CreateImage needs a running or stopped "
            "instance.",
        )


class ImageNotAvailableError(EC2ClientError):
    """CopyImage of an image that is not ``available`` (still ``pending``, or ``failed``).

    ``IncorrectState`` is the EMULATOR'S CHOICE; the texts don't say that such a copy fails, nor
    how. A copy of an image whose snapshots aren't complete has nothing to copy yet.
    """

    def __init__(self, image_id: str, state: str) -> None:
        super().__init__(
            "IncorrectState",
            f"The image {image_id} is {state}; only an available image can be copied.",
        )


class PublicSharingBlockedError(EC2ClientError):
    """ModifyImageAttribute adding ``Group=all`` while block public access for AMIs is on
    (EnableImageBlockPublicAccess: "This will block any attempt to publicly share your AMIs").

    The model gives no code. Code and message are the ones AWS is seen returning for this case
    (quoted in hortonworks/cloudbreak-images#926 and aws-deepracer-community/deepracer-on-the-
    spot#106).
    """

    def __init__(self) -> None:
        super().__init__(
            "OperationNotPermitted",
            "You can\u2019t publicly share this image because block public access for AMIs is "
            "enabled for this account. To publicly share the image, you must call the "
            "DisableImageBlockPublicAccess API.",
        )


class IdempotentParameterMismatchError(EC2ClientError):
    """A client token reused with other parameters. The code is documented: "If you retry a
    request with the same client token, but change one or more of the API parameters, the
    IdempotentParameterMismatch error is returned" (EC2 API Reference, "Ensuring idempotency",
    which the model's ``ClientToken`` members point to)."""

    def __init__(self, token: str) -> None:
        super().__init__(
            "IdempotentParameterMismatch",
            f"The client token {token!r} was already used for a request with other parameters.",
        )


class MissingParameterError(EC2ClientError):
    """``MissingParameter`` (an EC2 error code) where the model requires one of several
    parameters; using it there is the EMULATOR'S CHOICE."""

    def __init__(self, message: str) -> None:
        super().__init__("MissingParameter", message)


class InvalidParameterCombinationError(EC2ClientError):
    """``InvalidParameterCombination`` (an EC2 error code) for parameters the model says go only
    together; using it there is the EMULATOR'S CHOICE."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterCombination", message)
