"""CopyImage across Regions.

Why this exists: moto 5.2.5's CopyImage makes a plain ``Ami`` with one invented snapshot, copies
no mappings, tags or encryption and knows no ``ClientToken``. This CopyImage (bound onto moto's
``EC2Backend`` by ``install()``; ``self`` is the backend of the destination Region) follows the
newest botocore model: "The copy operation must be initiated in the destination Region", and
"Region to Region: The destination Region is the Region in which you initiate the copy
operation". The new AMI has new snapshots, owned by the caller in the destination Region; the
source AMI and its snapshots are left as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC
from types import SimpleNamespace
from typing import Any

from moto.ec2.exceptions import InvalidAMIIdError, UnvailableAMIIdError
from moto.ec2.models.elastic_block_store import Snapshot
from moto.ec2.utils import random_ami_id, random_snapshot_id

from .backend import check_unique_name, tags_by_type, timing
from .errors import (
    IdempotentParameterMismatchError,
    ImageDisabledError,
    ImageNotAvailableError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    SnapshotNotFoundError,
)
from .images import EmulatedAmi, is_disabled, validate_image_name
from .recycle_bin import tags_of
from .regional import regional
from .state import active_state

__all__ = ["COPY_VOLUME_ID", "copy_image"]

#: ``Snapshot.VolumeId`` of a copy. Newest model: "Snapshots created by a copy snapshot operation
#: have an arbitrary volume ID that you should not use for any purpose"; ``vol-ffffffff`` is the
#: one EC2 is seen reporting.
COPY_VOLUME_ID = "vol-ffffffff"

#: CopyImageClientToken: "max": 128 (newest model).
_CLIENT_TOKEN_MAX = 128

#: SnapshotCopyCompletionDurationMinutes: "in 15 minute increments".
_COMPLETION_INCREMENT = 15


def _source_image(self: Any, image_id: str, source_region: str) -> Any:
    """The AMI to copy, as the caller sees it in the source Region: its own, public, or shared
    with it by account ID (org/OU membership is not modelled). Otherwise as DescribeImages by ID
    would fail: ``InvalidAMIID.NotFound`` (``.Unavailable`` once deregistered)."""
    from moto.ec2.models import ec2_backends

    try:
        backend = ec2_backends[self.account_id][source_region]
    except KeyError:
        # The EMULATOR'S CHOICE of code for a Region EC2 doesn't have.
        raise InvalidParameterValueError(
            f"SourceRegion {source_region!r} is not a Region."
        ) from None
    image = backend.amis.get(image_id)
    if image is None:
        if image_id in backend.deleted_amis:
            raise UnvailableAMIIdError(image_id)
        raise InvalidAMIIdError(image_id)
    shared = image.is_public or {"UserId": self.account_id} in image.launch_permissions
    if image.owner_id != self.account_id and not shared:
        raise InvalidAMIIdError(image_id)
    return image


def _check_source(image: Any) -> None:
    if is_disabled(image):
        # DisableImage: "A disabled AMI can't be shared"; copying is not listed, and the
        # emulator treats it like sharing (IncorrectState, see ImageDisabledError).
        raise ImageDisabledError(image.id, "copied")
    if image.state != "available":
        raise ImageNotAvailableError(image.id, image.state)


def _copied_tags(self: Any, image: Any, source_region: str) -> dict[str, str]:
    """CopyImageTags: "The following tags are not be copied: System tags (prefixed with aws:)
    For public and shared AMIs, user-defined tags that are attached by other Amazon Web Services
    accounts, except tags with the ec2:SharedTag/ prefix." moto keeps an account's tags on its
    own view of a shared AMI, and the seeds attach none for the owner: every tag the caller sees
    there it attached itself, so only system tags are left out."""
    from moto.ec2.models import ec2_backends

    tags = tags_of(ec2_backends[self.account_id][source_region], image.id)
    return {key: value for key, value in tags.items() if not key.startswith("aws:")}


def _snapshot_description(new_image_id: str, image_id: str, snapshot_id: str) -> str:
    """The description of a copied snapshot: the EMULATOR'S CHOICE, in the form EC2 is seen
    writing (the texts give none)."""
    task_ms = int(active_state().clock.now().timestamp() * 1000)
    return (
        f"Copied for DestinationAmi {new_image_id} from SourceAmi {image_id} for SourceSnapshot "
        f"{snapshot_id}. Task created on {task_ms:,}."
    )


def _copy_snapshot(
    self: Any,
    source: Any,
    *,
    new_image_id: str,
    image_id: str,
    encrypted: bool,
    kms_key_id: str | None,
) -> Snapshot:
    """CopyImage.Encrypted: "You can encrypt a copy of an unencrypted snapshot, but you cannot
    create an unencrypted copy of an encrypted snapshot." Without ``KmsKeyId`` "The default KMS
    key for Amazon EBS is used" (no ``KmsKeyId`` is stored)."""
    volume = SimpleNamespace(id=COPY_VOLUME_ID, size=source.volume_size)
    snapshot = Snapshot(
        self,
        random_snapshot_id(),
        volume=volume,
        description=_snapshot_description(new_image_id, image_id, source.id),
        encrypted=bool(source.encrypted) or encrypted,
        kms_key_id=kms_key_id,
        from_ami=new_image_id,
    )
    snapshot.start_time = active_state().clock.now().astimezone(UTC).replace(tzinfo=None)
    self.snapshots[snapshot.id] = snapshot
    return snapshot


def _fields(image: Any) -> dict[str, Any]:
    """What the copy keeps of the source AMI: its virtualisation, boot and platform fields."""
    names = (
        "architecture",
        "virtualization_type",
        "root_device_name",
        "boot_mode",
        "ena_support",
        "tpm_support",
        "imds_support",
        "uefi_data",
        "sriov_net_support",
        "kernel_id",
        "ramdisk_id",
        "platform",
    )
    kept = {name: getattr(image, name, None) for name in names}
    kept["billing_products"] = list(getattr(image, "billing_products", []))
    return kept


def copy_image(
    self: Any,
    source_image_id: str,
    source_region: str,
    name: str | None,
    description: str | None = None,
    *,
    encrypted: bool = False,
    kms_key_id: str | None = None,
    copy_image_tags: bool = False,
    snapshot_copy_completion_duration_minutes: int | None = None,
    tag_specifications: Sequence[Mapping[str, Any]] = (),
    client_token: str | None = None,
) -> str:
    """CopyImage; returns the new ImageId.

    * ``ClientToken`` "to ensure idempotency of the request": the same token with the same
      parameters answers the first request's ImageId and copies nothing again; with other
      parameters it fails with ``IdempotentParameterMismatch`` (EC2 API Reference, "Ensuring
      idempotency"). Tokens are per Region ("You can use the same client token for the same
      request across different regions").
    * ``KmsKeyId``: "If you specify a KMS key, you must also set the encrypted state to true."
    * ``TagSpecifications``: ``image`` and ``snapshot`` ("If you specify other values for
      ResourceType, the request fails"); "The same tag is applied to all the new snapshots."
    * ``CopyImageTags``: "Default: Your user-defined AMI tags are not copied."
    * ``SnapshotCopyCompletionDurationMinutes``: "in 15 minute increments"; the copy is
      ``pending`` for ``pending_seconds`` like every new image, whatever the duration.
    * ``Description``: "A description for the new AMI"; without one the copy has none (the
      EMULATOR'S CHOICE: the texts don't say it is taken from the source).

    Launch permissions, deregistration protection and deprecation are not copied: the copy is a
    new AMI of the caller's, ``SourceImageId``/``SourceImageRegion`` naming the source (seed
    004: "The ID only appears if the AMI was created using CreateImage, CopyImage, or
    CreateRestoreImageTask").
    """
    request = (
        source_image_id,
        source_region,
        name,
        description,
        encrypted,
        kms_key_id,
        copy_image_tags,
        snapshot_copy_completion_duration_minutes,
        repr(list(tag_specifications)),
    )
    tokens = regional(self).copy_tokens
    if client_token:
        if len(client_token) > _CLIENT_TOKEN_MAX:
            # The EMULATOR'S CHOICE of code for the model's "max": 128.
            raise InvalidParameterValueError(
                f"ClientToken must be at most {_CLIENT_TOKEN_MAX} characters."
            )
        if client_token in tokens:
            previous, image_id = tokens[client_token]
            if previous != request:
                raise IdempotentParameterMismatchError(client_token)
            return image_id

    name = validate_image_name(name)
    tags = tags_by_type(tag_specifications, ("image", "snapshot"))
    if kms_key_id and not encrypted:
        raise InvalidParameterCombinationError(
            "KmsKeyId requires Encrypted: if you specify a KMS key, you must also set the "
            "encrypted state to true."
        )
    duration = snapshot_copy_completion_duration_minutes
    if duration is not None and (duration <= 0 or duration % _COMPLETION_INCREMENT):
        # The EMULATOR'S CHOICE of code.
        raise InvalidParameterValueError(
            f"SnapshotCopyCompletionDurationMinutes must be given in {_COMPLETION_INCREMENT} "
            f"minute increments, not {duration}."
        )
    source = _source_image(self, source_image_id, source_region)
    _check_source(source)
    check_unique_name(self, name)

    from moto.ec2.models import ec2_backends

    snapshots = ec2_backends[source.owner_id][source_region].snapshots
    new_image_id = random_ami_id()
    mappings: list[dict[str, Any]] = []
    copies: list[Snapshot] = []
    stored = (
        source.stored_mappings if isinstance(source, EmulatedAmi) else source.block_device_mappings
    )
    for mapping in copy.deepcopy(list(stored)):
        ebs = mapping.get("Ebs")
        snapshot_id = ebs.get("SnapshotId") if ebs else None
        if ebs is not None and snapshot_id:
            if snapshot_id not in snapshots:
                raise SnapshotNotFoundError(snapshot_id)
            snapshot = _copy_snapshot(
                self,
                snapshots[snapshot_id],
                new_image_id=new_image_id,
                image_id=source.id,
                encrypted=encrypted,
                kms_key_id=kms_key_id,
            )
            copies.append(snapshot)
            ebs["SnapshotId"] = snapshot.id
            ebs["Encrypted"] = bool(snapshot.encrypted)
        mappings.append(mapping)

    created_at, ready_at = timing()
    image = EmulatedAmi(
        self,
        new_image_id,
        name=name,
        description=description,
        created_at=created_at,
        ready_at=ready_at,
        mappings=mappings,
        source_image_id=source.id,
        source_image_region=source_region,
        failure=active_state().take_image_failure(),
        **_fields(source),
    )
    self.amis[image.id] = image
    if copy_image_tags:
        image.add_tags(_copied_tags(self, source, source_region))
    image.add_tags(tags["image"])
    for snapshot in copies:
        snapshot.add_tags(tags["snapshot"])
    if client_token:
        tokens[client_token] = (request, image.id)
    return str(image.id)
