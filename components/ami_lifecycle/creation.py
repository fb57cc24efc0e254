"""Creating an image: `RegisterImage` or `CreateImage`, the wait, protection, and undo on failure.

From snapshots the calls are exactly `RegisterImage`, the waiter's `DescribeImages` polls and
`EnableImageDeregistrationProtection`. If anything after registration fails, the new image is
deregistered again. Snapshots the caller brought in are never deleted by that undo; the
snapshots `CreateImage` made for this image are, since nothing else can know about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws.clients import error_code
from .aws.status import image_status
from .aws.waiter import (
    DEFAULT_SCHEDULE,
    SYSTEM_CLOCK,
    Clock,
    PollSchedule,
    WaitFailedError,
    wait_until_done,
)
from .errors import AmiLifecycleError, AwsCallError, ImageCreationError
from .iam import requires
from .image_spec import ImageSpec, InstanceSource, SnapshotSource, tag_specifications
from .protection import Protection

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["CreatedImage", "create_image", "set_protection"]

VERB = "creating"


@dataclass(frozen=True)
class CreatedImage:
    image: ImageTypeDef
    protection_state: str
    """AWS's protection string after creation (the `Return` of the protection call)."""


@requires(
    "ec2:RegisterImage",
    "ec2:CreateImage",
    "ec2:CreateTags",
    "ec2:DescribeImages",
    "ec2:EnableImageDeregistrationProtection",
    "ec2:DeregisterImage",
    "ec2:DeleteSnapshot",
)
def create_image(
    client: EC2Client,
    spec: ImageSpec,
    *,
    report: Callable[[str], None],
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    clock: Clock = SYSTEM_CLOCK,
) -> CreatedImage:
    image_id = _start(client, spec)
    report(f"{'created' if spec.from_instance else 'registered'} {image_id}; waiting for it")
    try:
        image = wait_until_done(
            lambda: image_status(client, image_id),
            what=f"{image_id}",
            report=report,
            schedule=schedule,
            clock=clock,
        )
        protection_state = set_protection(client, image_id, spec.protection, currently=None)
    except (AmiLifecycleError, ClientError) as failure:
        undone = _undo(client, spec, image_id)
        raise ImageCreationError(VERB, spec.ident, f"{_cause(failure)}; {undone}") from failure
    return CreatedImage(image=image, protection_state=protection_state)


def _start(client: EC2Client, spec: ImageSpec) -> str:
    """The one call that creates the image; returns its id."""
    source = spec.source
    common: dict[str, Any] = {"Name": spec.image_name}
    if spec.description is not None:
        common["Description"] = spec.description
    if spec.block_device_mappings:
        common["BlockDeviceMappings"] = spec.mappings_api()
    try:
        if isinstance(source, InstanceSource):
            # CreateImage tags the new snapshots too; RegisterImage accepts only `image`.
            tags = tag_specifications(spec.tags, ["image", "snapshot"])
            kwargs = {**common, "InstanceId": source.instance_id}
            if source.no_reboot is not None:
                kwargs["NoReboot"] = source.no_reboot
            if tags:
                kwargs["TagSpecifications"] = tags
            return client.create_image(**kwargs)["ImageId"]
        assert isinstance(source, SnapshotSource)
        tags = tag_specifications(spec.tags, ["image"])
        kwargs = {**common, **source.to_api()}
        if tags:
            kwargs["TagSpecifications"] = tags
        return client.register_image(**kwargs)["ImageId"]
    except ClientError as error:
        code = error_code(error)
        if code == "InvalidAMIName.Duplicate":
            raise ImageCreationError(
                VERB,
                spec.ident,
                "an AMI with this name already exists in the Region, and AMI names are unique "
                "per Region: choose another imageName (a replacement needs a new name too).",
            ) from error
        raise AwsCallError(VERB, spec.ident, code, str(error)) from error


@requires("ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeregistrationProtection")
def set_protection(
    client: EC2Client, image_id: str, wanted: Protection, *, currently: str | None
) -> str:
    """Make AWS's protection match `wanted`; return AWS's new protection string."""
    if wanted is Protection.DISABLED:
        if currently is None:
            return "disabled"  # a new image starts unprotected
        return str(client.disable_image_deregistration_protection(ImageId=image_id)["Return"])
    response = client.enable_image_deregistration_protection(
        ImageId=image_id, WithCooldown=wanted is Protection.ENABLED_WITH_COOLDOWN
    )
    return str(response["Return"])


def _undo(client: EC2Client, spec: ImageSpec, image_id: str) -> str:
    """Deregister the half-made image; say what was undone (or what is left to do by hand)."""
    owns_snapshots = spec.from_instance
    try:
        response = client.deregister_image(
            ImageId=image_id, DeleteAssociatedSnapshots=owns_snapshots
        )
    except ClientError as error:
        return f"undoing failed too ({error_code(error)}): deregister {image_id} by hand" + (
            " and delete its snapshots" if owns_snapshots else ""
        )
    deleted = [
        r["SnapshotId"]
        for r in response.get("DeleteSnapshotResults", [])
        if r.get("ReturnCode") == "success" and "SnapshotId" in r
    ]
    kept = [
        r["SnapshotId"]
        for r in response.get("DeleteSnapshotResults", [])
        if r.get("ReturnCode") != "success" and "SnapshotId" in r
    ]
    undone = f"undone: deregistered {image_id}"
    if owns_snapshots:
        undone += f" and deleted the snapshots CreateImage made ({', '.join(deleted) or 'none'})"
        if kept:
            undone += f"; delete these by hand: {', '.join(kept)}"
    else:
        undone += "; your snapshots were kept"
    return undone


def _cause(failure: Exception) -> str:
    if isinstance(failure, WaitFailedError):
        return f"waiting for completion: {failure}"
    if isinstance(failure, ClientError):
        return f"enabling deregistration protection: {error_code(failure)}: {failure}"
    return f"waiting for completion: {failure}"
