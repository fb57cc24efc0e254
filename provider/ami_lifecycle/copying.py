"""Copying an image: `CopyImage` in the destination Region, the wait, protection, and undo.

CopyImage "must be initiated in the destination Region" (botocore EC2 model, CopyImage), so every
call here goes to the copy's own Region; the source is named by `SourceImageId` and
`SourceRegion`, and a same-Region copy is allowed too. The copy's snapshots are new ones, made by
CopyImage for this copy alone, so they are the copy's to delete (on undo and on destroy).

Unlike `RegisterImage`, CopyImage takes a `ClientToken` "to ensure idempotency of the request"
(CopyImage.ClientToken): it is derived from the creation token `check` adds (`adoption`), so a
retried or replayed copy of the same declaration gets AWS's first answer instead of a second copy.
Before CopyImage, an image already holding the name is adopted when this create made it and
never finished, and refused otherwise (AMI names are unique per Region; `pulumi up --replace`
derives its predecessor's token, see `adoption`). So the answer is this create's copy, unless
it names one deregistered since (`destroy`, then `up` of the same declaration, derives the same
token): then the next token of the declaration (`<token>-1`, ...) is asked instead.

After CopyImage, the same steps as an image's create follow (`creation`): wait until it is
`available` (with progress), protection, deprecation / disabled / launch permissions
(`attributes`), then the complete mark; anything failing after CopyImage deregisters the copy
and its snapshots again before the failure is passed on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from . import limits
from .adoption import COMPLETE_TAG, TOKEN_TAG, adoptable, find_image_named, mark_complete
from .attributes import apply_attributes
from .aws.clients import NO_ANSWER, error_code
from .aws.finder import find_image
from .aws.status import Status, image_status
from .aws.waiter import (
    DEFAULT_SCHEDULE,
    SYSTEM_CLOCK,
    Clock,
    PollSchedule,
    WaitFailedError,
    keep_trying,
    wait_until_done,
)
from .cancellation import raise_if_cancelled
from .creation import name_taken, set_protection, undo_image
from .errors import AwsCallError, ImageCreationError
from .iam import requires
from .image_spec import tag_specifications
from .protection import Protection

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = [
    "COMPLETION_DURATION_MINUTES",
    "COMPLETION_INCREMENT_MINUTES",
    "DESCRIPTION_MAX",
    "CopySpec",
    "client_token",
    "copy_image",
]

VERB = "copying"

COMPLETION_INCREMENT_MINUTES: Final = 15
"""CopyImage.SnapshotCopyCompletionDurationMinutes: "in 15 minute increments"."""
COMPLETION_DURATION_MINUTES: Final = limits.Range(
    15,
    2_880,
    "botocore EC2 model, CopyImage.SnapshotCopyCompletionDurationMinutes (15-minute increments) "
    "and CopySnapshot.CompletionDurationMinutes (max 2,880)",
)
"""The time-based copy's completion duration: one increment at least, and at most the 48 hours
(2,880 minutes) the model gives for the same time-based snapshot copy."""
DESCRIPTION_MAX: Final = 255
"""CopyImage.Description: "max": 255 (botocore EC2 model)."""

_GENERATIONS: Final = 8
"""How many ClientTokens one declaration may use up (finished or gone copies) before a create
gives up and says why."""


@dataclass(frozen=True)
class CopySpec:
    """Everything the provider needs to copy one image and keep the copy."""

    source_image_id: str
    source_region: str
    image_name: str
    region: str | None = None
    """The destination Region (None: the client's own)."""
    description: str | None = None
    encrypted: bool | None = None
    kms_key_id: str | None = None
    copy_image_tags: bool | None = None
    completion_minutes: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    protection: Protection = Protection.ENABLED
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """deprecationTime, disabled and launchPermissions, as declared (for `attributes`)."""

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> CopySpec:
        """From checked inputs (`validation.validate_copy_props` found no problem)."""

        def text(key: str) -> str | None:
            value = props.get(key)
            return value if isinstance(value, str) and value else None

        def flag(key: str) -> bool | None:
            value = props.get(key)
            return value if isinstance(value, bool) else None

        minutes = props.get("snapshotCopyCompletionDurationMinutes")
        return cls(
            source_image_id=str(props["sourceImageId"]),
            source_region=str(props["sourceRegion"]),
            image_name=str(props["imageName"]),
            region=text("region"),
            description=text("description"),
            encrypted=flag("encrypted"),
            kms_key_id=text("kmsKeyId"),
            copy_image_tags=flag("copyImageTags"),
            completion_minutes=int(minutes) if isinstance(minutes, int | float) else None,
            tags={str(k): str(v) for k, v in (props.get("tags") or {}).items()},
            protection=Protection(text("deregistrationProtection") or Protection.ENABLED),
            attributes={
                k: props[k]
                for k in ("deprecationTime", "disabled", "launchPermissions")
                if props.get(k) is not None
            },
        )

    @property
    def ident(self) -> str:
        """How messages name the copy before it has an id."""
        return f"{self.image_name}, a copy of {self.source_image_id} from {self.source_region}"


def client_token(token: str, generation: int = 0) -> str:
    """CopyImage's ClientToken for a create with this creation token: the same in every retry
    and replay of the same declaration (CopyImage.ClientToken: at most 128 characters)."""
    return f"{token}-{generation}"


@requires(
    "ec2:CopyImage",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:DescribeImages",
    "ec2:EnableImageDeregistrationProtection",
    "ec2:DisableImageDeregistrationProtection",
    "ec2:DeregisterImage",
    "ec2:DeleteSnapshot",
)
def copy_image(
    client: EC2Client,
    spec: CopySpec,
    *,
    token: str,
    report: Callable[[str], None],
    now: Callable[[], datetime],
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    clock: Clock = SYSTEM_CLOCK,
) -> ImageTypeDef:
    """Copy the image into the client's Region, wait until it is available, protect it and set
    its attributes; undo all of it on failure. `client` is the destination Region's.

    Returns `DescribeImages`' answer for the finished copy."""
    image_id, answered = _start(client, spec, token, report=report, schedule=schedule, clock=clock)
    step = "waiting for completion"
    protected = False
    try:
        generation = answered
        while True:
            raise_if_cancelled()
            report(
                f"{image_id} is being copied from {spec.source_image_id} in "
                f"{spec.source_region}; waiting for it to become available"
            )
            seen: list[bool] = []
            try:
                image = wait_until_done(
                    partial(_watched, client, image_id, seen),
                    what=image_id,
                    report=report,
                    schedule=schedule,
                    clock=clock,
                )
                break
            except WaitFailedError as failure:
                if generation is None or seen or not failure.status.missing:
                    raise
            # AWS answered the ClientToken with a copy that never showed up: one made by an
            # earlier create of these inputs and gone since. Copy again under the next token.
            report(f"{image_id} is gone: it was a copy made earlier with these inputs")
            image_id, generation = _copy_fresh(client, spec, token, generation + 1, report)
        if spec.copy_image_tags:
            step = "tagging the copy"
            _own_bookkeeping(client, image, token)
        if spec.protection.enabled:
            raise_if_cancelled()
            step = "enabling deregistration protection"
            set_protection(client, image_id, spec.protection)
            protected = True
        if spec.attributes:
            raise_if_cancelled()
            step = "setting deprecation, disabled and launch permissions"
            apply_attributes(client, image_id, {}, spec.attributes, report=report, now=now())
        raise_if_cancelled()
        step = "marking the copy complete"
        mark_complete(client, [image_id])
        # One read gives every output: protection and attributes as AWS now reports them.
        image = find_image(client, image_id)
    except BaseException as failure:
        undone = _undo(client, spec, image_id, schedule, clock, protected=protected)
        if not isinstance(failure, Exception):
            failure.add_note(f"{VERB} EC2 AMI ({spec.ident}): interrupted; {undone}")
            raise
        raise ImageCreationError(VERB, spec.ident, f"{step}: {failure}; {undone}") from failure
    return image


def _own_bookkeeping(client: EC2Client, image: ImageTypeDef, token: str) -> None:
    """CopyImageTags copies the source's "user-defined AMI tags", this package's bookkeeping
    among them when the source is one of its images: the copy carries its own token and is not
    complete yet."""
    tags = {t.get("Key"): t.get("Value") for t in image.get("Tags", [])}
    image_id = str(image.get("ImageId"))
    if tags.get(TOKEN_TAG) != token:
        client.create_tags(Resources=[image_id], Tags=[{"Key": TOKEN_TAG, "Value": token}])
    if COMPLETE_TAG in tags:
        client.delete_tags(Resources=[image_id], Tags=[{"Key": COMPLETE_TAG}])


def _watched(client: EC2Client, image_id: str, seen: list[bool]) -> tuple[Any, Status]:
    image, status = image_status(client, image_id)
    if image is not None:
        seen.append(True)
    return image, status


def _start(
    client: EC2Client,
    spec: CopySpec,
    token: str,
    *,
    report: Callable[[str], None],
    schedule: PollSchedule,
    clock: Clock,
) -> tuple[str, int | None]:
    """The copy of this create: one an interrupted create made, or a new one. Its id, and the
    generation of the ClientToken it was asked with (None when adopted)."""
    try:
        existing = find_image_named(client, spec.image_name)
    except ClientError as error:
        raise AwsCallError(VERB, spec.ident, error_code(error), str(error)) from error
    if existing is not None:
        if not adoptable(existing, token):
            raise ImageCreationError(VERB, spec.ident, name_taken(existing, token))
        image_id = str(existing["ImageId"])
        report(f"an earlier copy of these inputs was interrupted: adopting {image_id}")
        return image_id, None
    return _copy_fresh(client, spec, token, 0, report)


def _copy_fresh(
    client: EC2Client,
    spec: CopySpec,
    token: str,
    generation: int,
    report: Callable[[str], None],
) -> tuple[str, int]:
    """CopyImage under the first ClientToken from `generation` on whose answer is not a
    deregistered copy (no image of the name existed before, so a live answer is this copy)."""
    while generation < _GENERATIONS:
        image_id = _call(client, spec, token, generation)
        answered = _answered(client, image_id)
        if answered is None or answered.get("State") != "deregistered":
            return image_id, generation
        report(
            f"CopyImage answered {image_id}, a copy an earlier create of these inputs made and "
            "deregistered since; copying again with the next ClientToken"
        )
        generation += 1
    raise ImageCreationError(
        VERB,
        spec.ident,
        f"CopyImage answered {_GENERATIONS} ClientTokens of these inputs with copies made and "
        "gone before; change any input of the ImageCopy (its description, say) and run "
        "`pulumi up` again.",
    )


def _answered(client: EC2Client, image_id: str) -> ImageTypeDef | None:
    """The image CopyImage answered, deregistered ones included; None while it isn't visible
    (a new copy, or one long gone: the wait tells them apart)."""
    try:
        images = client.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    except ClientError as error:
        if error_code(error) in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
            return None
        raise AwsCallError(VERB, image_id, error_code(error), str(error)) from error
    except NO_ANSWER:
        return None
    return next((i for i in images if i.get("ImageId") == image_id), None)


def _call(client: EC2Client, spec: CopySpec, token: str, generation: int) -> str:
    """One CopyImage; a call without an answer is sent again with the same ClientToken, which
    EC2 answers with the copy the first one made, if it made one."""
    kwargs: dict[str, Any] = {
        "Name": spec.image_name,
        "SourceImageId": spec.source_image_id,
        "SourceRegion": spec.source_region,
        "ClientToken": client_token(token, generation),
        # The copy's snapshots are its own (CopyImage.TagSpecifications: "The same tag is
        # applied to all the new snapshots"), so they carry its tags and its token.
        "TagSpecifications": tag_specifications(
            {**spec.tags, TOKEN_TAG: token}, ["image", "snapshot"]
        ),
    }
    if spec.description is not None:
        kwargs["Description"] = spec.description
    if spec.encrypted is not None:
        kwargs["Encrypted"] = spec.encrypted
    if spec.kms_key_id is not None:
        kwargs["KmsKeyId"] = spec.kms_key_id
    if spec.copy_image_tags is not None:
        kwargs["CopyImageTags"] = spec.copy_image_tags
    if spec.completion_minutes is not None:
        kwargs["SnapshotCopyCompletionDurationMinutes"] = spec.completion_minutes
    try:
        try:
            return client.copy_image(**kwargs)["ImageId"]
        except NO_ANSWER:
            return keep_trying(lambda: client.copy_image(**kwargs)["ImageId"])
    except ClientError as error:
        code = error_code(error)
        raise AwsCallError(VERB, spec.ident, code, f"CopyImage: {error}") from error
    except NO_ANSWER as error:
        raise ImageCreationError(
            VERB,
            spec.ident,
            f"CopyImage got no answer ({error}); whether EC2 started the copy is unknown. It was "
            "asked with a ClientToken of this declaration, so the next `pulumi up` with the same "
            "inputs gets that copy instead of a second one: run `pulumi up` again.",
        ) from error


def _undo(
    client: EC2Client,
    spec: CopySpec,
    image_id: str,
    schedule: PollSchedule,
    clock: Clock,
    *,
    protected: bool,
) -> str:
    """CopyImage made the copy's snapshots for it alone: they go with it."""
    return undo_image(
        client,
        image_id,
        owns_snapshots=True,
        made_by="CopyImage",
        with_cooldown=spec.protection is Protection.ENABLED_WITH_COOLDOWN,
        schedule=schedule,
        clock=clock,
        protected=protected,
        where=f" (in {spec.region or 'its Region'})",
    )
