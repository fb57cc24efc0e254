"""Creating an image: `RegisterImage` or `CreateImage`, the wait, protection, and undo on failure.

From snapshots the calls are exactly `RegisterImage`, the waiter's `DescribeImages` polls,
`EnableImageDeregistrationProtection` and one `DescribeImages` that reads the protection back
(the enable call's `Return` is documented as just `true`). If anything after registration fails,
whatever the failure (an AWS error, a connection that stays down, an interrupt, a bug), the new
image is deregistered again before the failure is passed on. Snapshots the caller brought in are
never deleted by that undo; the snapshots `CreateImage` made for this image are, since nothing
else can know about them.

A lost response is retried by botocore, and the retry meets the first attempt's image
(`InvalidAMIName.Duplicate`): an image carrying this create's token is adopted (see
`adoption`), any other image of that name is named in the error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .adoption import TOKEN_TAG, carries_token, find_image_named
from .aws.clients import error_code
from .aws.finder import find_image
from .aws.status import image_status
from .aws.waiter import (
    DEFAULT_SCHEDULE,
    SYSTEM_CLOCK,
    Clock,
    PollSchedule,
    wait_until_done,
)
from .errors import AwsCallError, ImageCreationError
from .iam import requires
from .image_spec import ImageSpec, InstanceSource, SnapshotSource, tag_specifications
from .protection import Protection

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["create_image", "set_protection"]

VERB = "creating"


@requires(
    "ec2:RegisterImage",
    "ec2:CreateImage",
    "ec2:CreateTags",
    "ec2:DescribeImages",
    "ec2:EnableImageDeregistrationProtection",
    "ec2:DisableImageDeregistrationProtection",
    "ec2:DeregisterImage",
    "ec2:DeleteSnapshot",
)
def create_image(
    client: EC2Client,
    spec: ImageSpec,
    *,
    token: str,
    report: Callable[[str], None],
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    clock: Clock = SYSTEM_CLOCK,
) -> ImageTypeDef:
    """Create the image, wait until it is available, protect it; undo all of it on failure.

    Returns `DescribeImages`' answer once the image is available and protected as asked."""
    image_id = _start(client, spec, token, report)
    step = "waiting for completion"
    protected = False
    try:
        report(f"{image_id} is being made; waiting for it to become available")
        image = wait_until_done(
            lambda: image_status(client, image_id),
            what=image_id,
            report=report,
            schedule=schedule,
            clock=clock,
        )
        if spec.protection.enabled:
            step = "enabling deregistration protection"
            set_protection(client, image_id, spec.protection)
            protected = True
            step = "reading back deregistration protection"
            image = find_image(client, image_id)
    except BaseException as failure:
        undone = _undo(client, spec, image_id, protected=protected)
        if not isinstance(failure, Exception):
            failure.add_note(f"{VERB} EC2 AMI ({spec.ident}): interrupted; {undone}")
            raise
        raise ImageCreationError(VERB, spec.ident, f"{step}: {failure}; {undone}") from failure
    return image


def _start(client: EC2Client, spec: ImageSpec, token: str, report: Callable[[str], None]) -> str:
    """The one call that creates the image (or finds it made by a lost attempt); its id."""
    operation = "CreateImage" if spec.from_instance else "RegisterImage"
    try:
        return _call(client, spec, token)
    except ClientError as error:
        code = error_code(error)
        if code != "InvalidAMIName.Duplicate":
            raise AwsCallError(VERB, spec.ident, code, f"{operation}: {error}") from error
        existing = find_image_named(client, spec.image_name)
        if existing is not None and carries_token(existing, token):
            image_id = str(existing["ImageId"])
            report(f"{operation}'s answer was lost but its image exists: adopting {image_id}")
            return image_id
        other = existing.get("ImageId") if existing is not None else None
        raise ImageCreationError(
            VERB,
            spec.ident,
            f"an AMI with this name{f' ({other})' if other else ''} already exists in the "
            "Region, and AMI names are unique per Region: choose another imageName (a "
            "replacement needs a new name too)"
            + (f", or deregister {other} if it is not needed." if other else "."),
        ) from error
    except BaseException as failure:
        # The request may have reached EC2 before the connection failed (or the process was
        # interrupted): look for an image of this create, so none is left unaccounted for.
        orphan = _find_own(client, spec, token)
        if orphan is None:
            if isinstance(failure, Exception):
                raise ImageCreationError(
                    VERB,
                    spec.ident,
                    f"{operation}: {failure}; no image of this name was found afterwards, so "
                    "nothing was left behind: run `pulumi up` again.",
                ) from failure
            raise
        if isinstance(failure, Exception):
            report(f"{operation} failed ({failure}), but its image exists: adopting {orphan}")
            return orphan
        failure.add_note(
            f"{VERB} EC2 AMI ({spec.ident}): interrupted; {_undo(client, spec, orphan)}"
        )
        raise


def _call(client: EC2Client, spec: ImageSpec, token: str) -> str:
    source = spec.source
    kwargs: dict[str, Any] = {"Name": spec.image_name}
    if spec.description is not None:
        kwargs["Description"] = spec.description
    if spec.block_device_mappings:
        kwargs["BlockDeviceMappings"] = spec.mappings_api()
    tags = {**spec.tags, TOKEN_TAG: token}
    if isinstance(source, InstanceSource):
        # CreateImage tags the new snapshots too; RegisterImage accepts only `image`.
        kwargs["InstanceId"] = source.instance_id
        if source.no_reboot is not None:
            kwargs["NoReboot"] = source.no_reboot
        kwargs["TagSpecifications"] = tag_specifications(tags, ["image", "snapshot"])
        return client.create_image(**kwargs)["ImageId"]
    assert isinstance(source, SnapshotSource)
    kwargs.update(source.to_api())
    kwargs["TagSpecifications"] = tag_specifications(tags, ["image"])
    return client.register_image(**kwargs)["ImageId"]


def _find_own(client: EC2Client, spec: ImageSpec, token: str) -> str | None:
    """The id of the image this create made, if one exists; None if none (or can't tell)."""
    try:
        existing = find_image_named(client, spec.image_name)
    except Exception:
        return None
    if existing is not None and carries_token(existing, token):
        return str(existing["ImageId"])
    return None


@requires("ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeregistrationProtection")
def set_protection(client: EC2Client, image_id: str, wanted: Protection) -> None:
    """Ask AWS for the protection `wanted`; the caller reads the result back with
    `DescribeImages`, since the calls' `Return` is only `true`."""
    if wanted is Protection.DISABLED:
        client.disable_image_deregistration_protection(ImageId=image_id)
        return
    client.enable_image_deregistration_protection(
        ImageId=image_id, WithCooldown=wanted is Protection.ENABLED_WITH_COOLDOWN
    )


def _undo(client: EC2Client, spec: ImageSpec, image_id: str, *, protected: bool = False) -> str:
    """Deregister the half-made image; say what was undone (or what is left to do by hand)."""
    owns_snapshots = spec.from_instance
    by_hand = f"deregister {image_id} by hand" + (
        " and delete its snapshots" if owns_snapshots else ""
    )
    try:
        if protected:
            client.disable_image_deregistration_protection(ImageId=image_id)
        response = client.deregister_image(
            ImageId=image_id, DeleteAssociatedSnapshots=owns_snapshots
        )
    except ClientError as error:
        if protected and spec.protection is Protection.ENABLED_WITH_COOLDOWN:
            return (
                f"undoing failed: {image_id} was protected with the 24-hour cooldown; "
                f"{by_hand} once the cooldown is over"
            )
        return f"undoing failed too ({error_code(error)}): {by_hand}"
    except Exception as error:
        return f"undoing failed too ({type(error).__name__}: {error}): {by_hand}"
    results = response.get("DeleteSnapshotResults", [])
    deleted = [r["SnapshotId"] for r in results if r.get("ReturnCode") == "success"]
    kept = [r["SnapshotId"] for r in results if r.get("ReturnCode") != "success"]
    undone = f"undone: deregistered {image_id}"
    if owns_snapshots:
        undone += f" and deleted the snapshots CreateImage made ({', '.join(deleted) or 'none'})"
        if kept:
            undone += f"; delete these by hand: {', '.join(kept)}"
    else:
        undone += "; your snapshots were kept"
    return undone
