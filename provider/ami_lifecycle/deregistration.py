"""Deleting an image: one lookup, one in-use check, one `DeregisterImage`, and an exact account
of every snapshot.

The happy path costs three EC2 calls whatever the number of snapshots: `DescribeImages` (is it
still there, is it protected, may we deregister it?), `DescribeImageReferences` (does anything
still use it? see `in_use`) and `DeregisterImage` with `DeleteAssociatedSnapshots`, whose
`DeleteSnapshotResults` says what happened to each snapshot. With the provider setting
`recycleBinReport`, one or two more say what a Recycle Bin retention rule kept (`recycle_bin`).
AWS never deletes a snapshot another AMI still uses (`skipped`); that is reported, not an error.
A snapshot AWS could not delete (`missing-permissions`, `internal-error`, `client-error`) is
listed by id and the delete fails, so the resource stays in the stack and the next
`pulumi destroy` retries exactly those snapshots: the image is already gone then, and the
snapshot ids recorded in the state say what is left.

Two things make an image look gone when it isn't, or gone without its snapshots:

* A disabled AMI (`DisableImage`) is left out of `DescribeImages` unless `IncludeDisabled=True`,
  which the finder always passes. AWS names no rule against deregistering a disabled AMI (the
  DeregisterImage reference and the User Guide's "Deregister an Amazon EC2 AMI" refuse only
  another account's AMI, an AWS Backup AMI and deregistration protection), so it is deregistered
  as it is, snapshots included, in the same three calls: re-enabling it first would cost a call
  and `ec2:EnableImage` for nothing. Should AWS refuse after all, the error says to re-enable it.
* A `DeregisterImage` whose answer is lost is retried by botocore; the retry meets the first
  attempt's effect (`InvalidAMIID.Unavailable` or `NotFound`), and that attempt's
  `DeleteSnapshotResults` are lost with it. This is finished like an image found gone: the
  snapshots recorded in the state are looked up and the remaining ones deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .aws.clients import NO_ANSWER, error_code
from .aws.finder import find_image, find_snapshots
from .errors import (
    AwsCallError,
    BackupManagedImageError,
    ImageNotFoundError,
    ImageNotOwnedError,
    ProtectedImageError,
    SnapshotsLeftBehindError,
)
from .iam import requires
from .in_use import check_not_in_use
from .protection import COOLDOWN_HOURS, parse_protection_state
from .recycle_bin import report_recycle_bin

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["RETURN_CODES", "SnapshotOutcome", "deregister_image"]

VERB = "deleting"

RETURN_CODES: dict[str, str] = {
    "success": "deleted",
    "skipped": "kept: another AMI still uses it",
    "missing-permissions": "NOT deleted: the caller lacks the IAM action ec2:DeleteSnapshot",
    "internal-error": "NOT deleted: AWS had an internal error; run `pulumi destroy` again",
    "client-error": (
        "NOT deleted: a client configuration error (the DeleteSnapshot event in CloudTrail "
        "says which)"
    ),
}
"""Every `DeleteSnapshotResults[].ReturnCode` AWS documents, and what it means to the user."""

_IMAGE_GONE = ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")


@dataclass(frozen=True)
class SnapshotOutcome:
    snapshot_id: str
    code: str
    meaning: str | None = None
    """What `code` means when it is not one of AWS's `ReturnCode` values."""

    @property
    def left_behind(self) -> bool:
        """Not deleted although it should have been (an unknown future code counts too)."""
        return self.code not in ("success", "skipped")

    def describe(self) -> str:
        meaning = self.meaning or RETURN_CODES.get(
            self.code, f"NOT deleted: AWS returned {self.code!r}"
        )
        return f"{self.snapshot_id}: {self.code} ({meaning})"


@requires(
    "ec2:DescribeImages",
    "ec2:DescribeImageReferences",
    "ec2:DeregisterImage",
    "ec2:DeleteSnapshot",
    "ec2:DescribeSnapshots",
)
def deregister_image(
    client: EC2Client,
    image_id: str,
    *,
    delete_snapshots: bool,
    delete_when_in_use: bool,
    recorded_snapshot_ids: Sequence[str],
    report: Callable[[str], None],
    now: Callable[[], datetime],
    recycle_bin: bool = False,
) -> list[SnapshotOutcome]:
    """Deregister the image (idempotently) and return what happened to each snapshot.

    Refused while something references the image, unless `delete_when_in_use` (`in_use`);
    `recycle_bin`: also report what a Recycle Bin retention rule kept (`recycle_bin`)."""
    try:
        image = find_image(client, image_id)
    except ImageNotFoundError:
        return _finish_earlier_delete(
            client,
            image_id,
            delete_snapshots,
            recorded_snapshot_ids,
            report,
            gone=f"{image_id} is already deregistered",
            recycle_bin=recycle_bin,
        )
    except ClientError as error:
        raise AwsCallError(VERB, image_id, error_code(error), str(error)) from error
    except NO_ANSWER as error:
        raise _no_answer(
            image_id, "DescribeImages", error, "nothing was changed; run `pulumi destroy` again"
        ) from error

    _refuse_if_not_deregistrable(image, now())
    check_not_in_use(
        client,
        image_id,
        name=image.get("Name") or image_id,
        delete_when_in_use=delete_when_in_use,
        report=report,
    )
    if image.get("State") == "disabled":
        report(f"{image_id} is disabled (DisableImage); deregistering it without re-enabling it")
    try:
        response = client.deregister_image(
            ImageId=image_id, DeleteAssociatedSnapshots=delete_snapshots
        )
    except ClientError as error:
        code = error_code(error)
        if code in _IMAGE_GONE:
            return _finish_earlier_delete(
                client,
                image_id,
                delete_snapshots,
                recorded_snapshot_ids,
                report,
                gone=(
                    f"{image_id} was already deregistered when DeregisterImage answered (by an "
                    "earlier attempt whose answer was lost, or by someone else), so AWS's "
                    "per-snapshot results are unknown"
                ),
                recycle_bin=recycle_bin,
            )
        raise _deregister_error(image, code, str(error)) from error
    except NO_ANSWER as error:
        raise _no_answer(
            image_id,
            "DeregisterImage",
            error,
            "the AMI may or may not be deregistered now; run `pulumi destroy` again: it looks "
            "the AMI up and, if it is gone, deletes the snapshots recorded in the stack",
        ) from error

    outcomes = [
        SnapshotOutcome(r.get("SnapshotId", "?"), r.get("ReturnCode", "?"))
        for r in response.get("DeleteSnapshotResults", [])
    ]
    if delete_snapshots:
        report(
            f"deregistered {image_id}; its snapshots:" if outcomes else f"deregistered {image_id}"
        )
        for outcome in outcomes:
            report(f"  {outcome.describe()}")
    else:
        kept = ", ".join(recorded_snapshot_ids) or "none"
        report(f"deregistered {image_id}; snapshots kept (deleteSnapshotsOnDestroy=false): {kept}")
    if recycle_bin:
        report_recycle_bin(client, image_id, _deleted(outcomes), report=report)
    _raise_if_left_behind(image_id, outcomes, deregistered_now=True)
    return outcomes


def _deleted(outcomes: Sequence[SnapshotOutcome]) -> list[str]:
    return [o.snapshot_id for o in outcomes if o.code == "success"]


def _no_answer(image_id: str, action: str, error: Exception, next_step: str) -> AwsCallError:
    return AwsCallError(
        VERB,
        image_id,
        type(error).__name__,
        f"{action} got no answer after botocore's retries ({error}); {next_step}.",
    )


def _refuse_if_not_deregistrable(image: ImageTypeDef, now: datetime) -> None:
    image_id = image.get("ImageId", "?")
    if image.get("ImageOwnerAlias") == "aws-backup-vault":
        raise BackupManagedImageError(
            VERB,
            image_id,
            "the AMI is managed by AWS Backup, and EC2 can't deregister it; delete its "
            "recovery point in the AWS Backup vault instead, then remove it from the stack "
            "with `pulumi state delete`.",
        )
    state = parse_protection_state(image.get("DeregistrationProtection"))
    if not state.blocks_deregistration(now):
        return
    if state.enabled:
        cooldown = (
            f" It was enabled with the {COOLDOWN_HOURS}-hour cooldown: once protection is off, "
            f"the image can be deregistered {COOLDOWN_HOURS} hours later."
            if state.with_cooldown
            else ""
        )
        raise ProtectedImageError(
            VERB,
            image_id,
            f"deregistration protection is on ({state.raw}). To delete "
            f"{image.get('Name', 'the image')!r}, set its deregistrationProtection to "
            f'"disabled", run `pulumi up`, then run `pulumi destroy` again.{cooldown}',
        )
    ends = state.cooldown_ends
    assert ends is not None  # blocks_deregistration: enabled, or a cooldown with an end
    raise ProtectedImageError(
        VERB,
        image_id,
        f"deregistration protection is off but its {COOLDOWN_HOURS}-hour cooldown runs until "
        f"{ends:%Y-%m-%d %H:%M:%S} UTC; run `pulumi destroy` again after that time.",
    )


def _deregister_error(image: ImageTypeDef, code: str, message: str) -> Exception:
    image_id = image.get("ImageId", "?")
    if code == "AuthFailure":
        return ImageNotOwnedError(
            VERB,
            image_id,
            f"the AMI is owned by account {image.get('OwnerId', '?')}, and only its owner can "
            "deregister it; remove it from this stack with `pulumi state delete`.",
        )
    if code == "UnauthorizedOperation":
        return AwsCallError(
            VERB, image_id, code, f"grant the IAM action ec2:DeregisterImage ({message})"
        )
    if image.get("State") == "disabled":
        message = (
            f"{message.rstrip('.')}. The AMI is disabled: if AWS refuses to deregister it "
            f"while disabled, re-enable it (`aws ec2 enable-image --image-id {image_id}`) and "
            "run `pulumi destroy` again"
        )
    return AwsCallError(VERB, image_id, code, message)


def _finish_earlier_delete(
    client: EC2Client,
    image_id: str,
    delete_snapshots: bool,
    recorded_snapshot_ids: Sequence[str],
    report: Callable[[str], None],
    *,
    gone: str,
    recycle_bin: bool,
) -> list[SnapshotOutcome]:
    """The image is gone: delete what an earlier attempt (or someone else) left behind.

    `gone` says how we know, and starts every message.
    """
    outcomes = _delete_leftovers(
        client, image_id, delete_snapshots, recorded_snapshot_ids, report, gone=gone
    )
    if recycle_bin:
        # The earlier attempt may have put the image and the recorded snapshots in the bin.
        recorded = list(recorded_snapshot_ids) if delete_snapshots else []
        kept = {o.snapshot_id for o in outcomes if o.code != "success"}
        deleted = [s for s in recorded if s not in kept]
        report_recycle_bin(client, image_id, deleted, report=report)
    _raise_if_left_behind(image_id, outcomes, deregistered_now=False)
    return outcomes


def _delete_leftovers(
    client: EC2Client,
    image_id: str,
    delete_snapshots: bool,
    recorded_snapshot_ids: Sequence[str],
    report: Callable[[str], None],
    *,
    gone: str,
) -> list[SnapshotOutcome]:
    if not delete_snapshots:
        report(f"{gone}; its snapshots are kept (deleteSnapshotsOnDestroy=false)")
        return []
    if not recorded_snapshot_ids:
        report(f"{gone}; nothing to do")
        return []
    try:
        remaining = [s["SnapshotId"] for s in find_snapshots(client, recorded_snapshot_ids)]
    except ClientError as error:
        raise AwsCallError(
            VERB, image_id, error_code(error), f"{gone}; looking up its snapshots failed: {error}"
        ) from error
    except NO_ANSWER as error:
        raise _no_answer(
            image_id,
            "DescribeSnapshots",
            error,
            f"{gone}; run `pulumi destroy` again to delete its remaining snapshots",
        ) from error
    if not remaining:
        report(f"{gone}, and its recorded snapshots are gone")
        return []
    report(f"{gone}; deleting its remaining recorded snapshots:")
    outcomes = [_delete_snapshot(client, snapshot_id) for snapshot_id in remaining]
    for outcome in outcomes:
        report(f"  {outcome.describe()}")
    return outcomes


def _delete_snapshot(client: EC2Client, snapshot_id: str) -> SnapshotOutcome:
    """`DeleteSnapshot`, its errors mapped onto `DeregisterImage`'s return codes."""
    try:
        client.delete_snapshot(SnapshotId=snapshot_id)
    except ClientError as error:
        code = error_code(error)
        if code == "InvalidSnapshot.InUse":
            return SnapshotOutcome(snapshot_id, "skipped")
        if code == "InvalidSnapshot.NotFound":
            return SnapshotOutcome(snapshot_id, "success")
        if code == "UnauthorizedOperation":
            return SnapshotOutcome(snapshot_id, "missing-permissions")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
        return SnapshotOutcome(snapshot_id, "internal-error" if status >= 500 else "client-error")
    except NO_ANSWER as error:
        return SnapshotOutcome(
            snapshot_id,
            type(error).__name__,
            "NOT deleted, as far as is known: DeleteSnapshot got no answer after botocore's "
            "retries",
        )
    return SnapshotOutcome(snapshot_id, "success")


def _raise_if_left_behind(
    image_id: str, outcomes: Sequence[SnapshotOutcome], *, deregistered_now: bool
) -> None:
    left = [o for o in outcomes if o.left_behind]
    if not left:
        return
    what = "the AMI was deregistered" if deregistered_now else "the AMI is already deregistered"
    listing = "; ".join(o.describe() for o in left)
    raise SnapshotsLeftBehindError(
        VERB,
        image_id,
        f"{what} but {len(left)} snapshot(s) were not deleted: {listing}. The resource stays "
        "in the stack: fix the cause and run `pulumi destroy` again to delete them.",
        {o.snapshot_id: o.code for o in left},
    )
