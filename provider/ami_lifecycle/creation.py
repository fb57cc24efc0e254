"""Creating an image: `RegisterImage` or `CreateImage`, the wait, protection, and undo on failure.

From snapshots the calls are exactly `RegisterImage`, the waiter's `DescribeImages` polls,
`EnableImageDeregistrationProtection` and `CreateTags` (the complete mark). The enable call's
`Return` is documented as just `true` in the botocore model, while the AWS CLI examples show the
protection string (`enabled-with-cooldown`): only when it is such a string, for the protection
asked, does it stand for the image's `DeregistrationProtection`; otherwise one more
`DescribeImages` reads the protection back.

If anything after registration fails, whatever the failure (an AWS error, a connection that
stays down, an interrupt, the plugin shutting down, a bug), the new image is deregistered again
before the failure is passed on; an undo that can't reach EC2 keeps trying for a while
(`keep_trying`), then says exactly what is left. Snapshots the caller brought in are never
deleted by that undo; the snapshots `CreateImage` made for this image are, since nothing else
can know about them. The plugin's shutdown (`cancellation`) is noticed between the steps and in
the wait.

A lost response is retried by botocore, and the retry meets the first attempt's image
(`InvalidAMIName.Duplicate`): an image carrying this create's token is adopted (see
`adoption`), any other image of that name is named in the error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .adoption import TOKEN_TAG, adoptable, carries_token, find_image_named, mark_complete
from .aws.clients import error_code
from .aws.finder import find_image
from .aws.status import image_status
from .aws.waiter import (
    DEFAULT_SCHEDULE,
    SYSTEM_CLOCK,
    Clock,
    PollSchedule,
    keep_trying,
    wait_until_done,
)
from .cancellation import raise_if_cancelled
from .errors import AwsCallError, ImageCreationError
from .iam import requires
from .image_spec import ImageSpec, InstanceSource, SnapshotSource, tag_specifications
from .protection import Protection, parse_protection_state

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["create_image", "name_taken", "set_protection"]

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
    finish: Callable[[str, ImageTypeDef], ImageTypeDef] | None = None,
) -> ImageTypeDef:
    """Create the image, wait until it is available, protect it; undo all of it on failure.

    `finish`: the last step before the image is marked complete (given its id and
    `DescribeImages`' answer so far, it returns the answer to keep), undone like the others.
    Returns `DescribeImages`' answer once the image is available and protected as asked."""
    image_id = _start(client, spec, token, report=report, schedule=schedule, clock=clock)
    step = "waiting for completion"
    protected = False
    try:
        raise_if_cancelled()
        report(f"{image_id} is being made; waiting for it to become available")
        image = wait_until_done(
            lambda: image_status(client, image_id),
            what=image_id,
            report=report,
            schedule=schedule,
            clock=clock,
        )
        if spec.protection.enabled:
            raise_if_cancelled()
            step = "enabling deregistration protection"
            returned = set_protection(client, image_id, spec.protection)
            protected = True
            stated = _stated_protection(returned, spec.protection)
            if stated is not None:
                image = {**image, "DeregistrationProtection": stated}
            else:
                step = "reading back deregistration protection"
                image = find_image(client, image_id)
        if finish is not None:
            raise_if_cancelled()
            step = "setting deprecation, disabled state and launch permissions"
            image = finish(image_id, image)
        raise_if_cancelled()
        step = "marking the image complete"
        mark_complete(client, [image_id])
    except BaseException as failure:
        undone = _undo(client, spec, image_id, schedule, clock, protected=protected)
        if not isinstance(failure, Exception):
            failure.add_note(f"{VERB} EC2 AMI ({spec.ident}): interrupted; {undone}")
            raise
        raise ImageCreationError(VERB, spec.ident, f"{step}: {failure}; {undone}") from failure
    return image


def _start(
    client: EC2Client,
    spec: ImageSpec,
    token: str,
    *,
    report: Callable[[str], None],
    schedule: PollSchedule,
    clock: Clock,
) -> str:
    """The one call that creates the image (or finds it made by a lost attempt); its id."""
    operation = "CreateImage" if spec.from_instance else "RegisterImage"
    try:
        return _call(client, spec, token)
    except ClientError as error:
        code = error_code(error)
        if code != "InvalidAMIName.Duplicate":
            raise AwsCallError(VERB, spec.ident, code, f"{operation}: {error}") from error
        existing = find_image_named(client, spec.image_name)
        if existing is not None and adoptable(existing, token):
            image_id = str(existing["ImageId"])
            report(f"{operation}'s answer was lost but its image exists: adopting {image_id}")
            return image_id
        raise ImageCreationError(VERB, spec.ident, name_taken(existing, token)) from error
    except BaseException as failure:
        # The request may have reached EC2 before the connection failed (or the process was
        # interrupted): look for an image of this create, so none is left unaccounted for.
        try:
            orphan = _find_own(client, spec, token, schedule, clock)
        except Exception as lookup:
            unknown = (
                f"whether EC2 made the image is unknown (looking for it failed too: {lookup}); "
                "one it made carries this create's token, unmarked, so the next `pulumi up` "
                "with the same inputs adopts it"
            )
            if isinstance(failure, Exception):
                raise ImageCreationError(
                    VERB, spec.ident, f"{operation}: {failure}; {unknown}"
                ) from failure
            failure.add_note(f"{VERB} EC2 AMI ({spec.ident}): interrupted; {unknown}")
            raise
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
        undone = _undo(client, spec, orphan, schedule, clock)
        failure.add_note(f"{VERB} EC2 AMI ({spec.ident}): interrupted; {undone}")
        raise


def name_taken(existing: ImageTypeDef | None, token: str) -> str:
    """Why the name is taken, by which AMI, and how to free it (protection first)."""
    taken = (
        "an AMI with this name already exists in the Region, and AMI names are unique per "
        "Region: choose another imageName (a replacement needs a new name too)"
    )
    if existing is None:
        return taken + "."
    other = str(existing.get("ImageId"))
    protection = str(existing.get("DeregistrationProtection") or "disabled")
    removal = f"`aws ec2 deregister-image --image-id {other}`"
    if parse_protection_state(protection).enabled:
        removal = (
            f"`aws ec2 disable-image-deregistration-protection --image-id {other}` (it is "
            f"protected: {protection}), then {removal}"
        )
    if carries_token(existing, token):
        return (
            f"{other} (deregistration protection: {protection}) has this name and was made by "
            "a finished create of this very resource and inputs: it is the image a replacement "
            "with the same imageName replaces (choose a new imageName, or set the resource "
            "option deleteBeforeReplace), or a `pulumi up` was killed just as it finished. If "
            f"no stack holds {other}, remove it with {removal}, then run `pulumi up` again."
        )
    return f"{taken}; or, if {other} (deregistration protection: {protection}) is not needed, " + (
        f"remove it with {removal}."
    )


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


def _find_own(
    client: EC2Client, spec: ImageSpec, token: str, schedule: PollSchedule, clock: Clock
) -> str | None:
    """The id of the image this create made, if one exists, looked for as long as an undo
    tries to reach EC2; raises when it can't tell."""
    existing = keep_trying(
        lambda: find_image_named(client, spec.image_name), schedule=schedule, clock=clock
    )
    if existing is not None and adoptable(existing, token):
        return str(existing["ImageId"])
    return None


@requires("ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeregistrationProtection")
def set_protection(client: EC2Client, image_id: str, wanted: Protection) -> str | None:
    """Ask AWS for the protection `wanted`; the call's `Return`, which may or may not be the
    protection string (see `_stated_protection`)."""
    if wanted is Protection.DISABLED:
        disabled = client.disable_image_deregistration_protection(ImageId=image_id)
        return disabled.get("Return")
    enabled = client.enable_image_deregistration_protection(
        ImageId=image_id, WithCooldown=wanted is Protection.ENABLED_WITH_COOLDOWN
    )
    return enabled.get("Return")


def _stated_protection(returned: str | None, wanted: Protection) -> str | None:
    """The enable call's `Return` when it is AWS's protection string for `wanted`; None when it
    says less (the `true` of the botocore model, which is silent about the cooldown)."""
    text = (returned or "").strip()
    if text.lower().startswith("enabled") and parse_protection_state(text).satisfies(wanted):
        return text
    return None


def _undo(
    client: EC2Client,
    spec: ImageSpec,
    image_id: str,
    schedule: PollSchedule,
    clock: Clock,
    *,
    protected: bool = False,
) -> str:
    return undo_image(
        client,
        image_id,
        owns_snapshots=spec.from_instance,
        made_by="CreateImage",
        with_cooldown=spec.protection is Protection.ENABLED_WITH_COOLDOWN,
        schedule=schedule,
        clock=clock,
        protected=protected,
    )


def undo_image(
    client: EC2Client,
    image_id: str,
    *,
    owns_snapshots: bool,
    made_by: str,
    with_cooldown: bool,
    schedule: PollSchedule,
    clock: Clock,
    protected: bool = False,
    where: str = "",
) -> str:
    """Deregister a half-made image (with its snapshots when `made_by`, RegisterImage's
    CreateImage or CopyImage, made them for it alone); say what was undone, or exactly what is
    left. `where`: the image's Region, for a message about an image elsewhere."""
    by_hand = f"deregister {image_id}{where} by hand" + (
        " and delete its snapshots" if owns_snapshots else ""
    )
    try:
        if protected:
            keep_trying(
                lambda: client.disable_image_deregistration_protection(ImageId=image_id),
                schedule=schedule,
                clock=clock,
            )
        response = keep_trying(
            lambda: client.deregister_image(
                ImageId=image_id, DeleteAssociatedSnapshots=owns_snapshots
            ),
            schedule=schedule,
            clock=clock,
        )
    except ClientError as error:
        code = error_code(error)
        if code in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
            # A retry of a DeregisterImage whose answer was lost: the first attempt did it.
            return f"undone: {image_id} is deregistered" + (
                f" (whether with the snapshots {made_by} made is unknown: its answer was lost)"
                if owns_snapshots
                else "; your snapshots were kept"
            )
        if protected and with_cooldown:
            return (
                f"undoing failed: {image_id} was protected with the 24-hour cooldown; "
                f"{by_hand} once the cooldown is over"
            )
        return f"undoing failed too ({code}): {by_hand}"
    except Exception as error:
        return (
            f"undoing failed too ({type(error).__name__}: {error}): {image_id} is left, not "
            "marked complete, so the next `pulumi up` with the same inputs adopts it; or "
            f"{by_hand}"
        )
    results = response.get("DeleteSnapshotResults", [])
    deleted = [r["SnapshotId"] for r in results if r.get("ReturnCode") == "success"]
    kept = [r["SnapshotId"] for r in results if r.get("ReturnCode") != "success"]
    undone = f"undone: deregistered {image_id}"
    if owns_snapshots:
        undone += f" and deleted the snapshots {made_by} made ({', '.join(deleted) or 'none'})"
        if kept:
            undone += f"; delete these by hand: {', '.join(kept)}"
    else:
        undone += "; your snapshots were kept"
    return undone
