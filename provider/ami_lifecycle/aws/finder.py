"""Finders: turn every way AWS says "it isn't there" into one typed `NotFoundError`.

AWS answers a missing AMI with `InvalidAMIID.NotFound`, with `InvalidAMIID.Unavailable`, with an
empty list, or (for a while after deregistration) with an image in state `deregistered`. Callers
only ever see `ImageNotFoundError`.

A disabled AMI (`DisableImage`) is not gone: it still exists, keeps its snapshots and can be
re-enabled, but `DescribeImages` leaves it out unless `IncludeDisabled=True` ("Default: No
disabled AMIs are included in the response"). The finder always asks for it, so a disabled image
is found in state `disabled` and each caller decides what that means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..errors import ImageNotFoundError, SnapshotNotFoundError
from .clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef, SnapshotTypeDef

__all__ = ["find_image", "find_snapshot", "find_snapshots"]

_IMAGE_GONE = {"InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"}
_SNAPSHOT_GONE = {"InvalidSnapshot.NotFound"}


def find_image(client: EC2Client, image_id: str) -> ImageTypeDef:
    """The image, with one `DescribeImages` call; `ImageNotFoundError` if it is gone.

    A disabled image is found (state `disabled`).
    """
    try:
        images = client.describe_images(ImageIds=[image_id], IncludeDisabled=True).get("Images", [])
    except ClientError as error:
        if error_code(error) in _IMAGE_GONE:
            raise ImageNotFoundError(image_id) from error
        raise
    for image in images:
        if image.get("ImageId") == image_id and image.get("State") != "deregistered":
            return image
    raise ImageNotFoundError(image_id)


def find_snapshots(client: EC2Client, snapshot_ids: Sequence[str]) -> list[SnapshotTypeDef]:
    """Those of the snapshots that still exist (a filter, so missing ones are not an error)."""
    if not snapshot_ids:
        return []
    response = client.describe_snapshots(
        Filters=[{"Name": "snapshot-id", "Values": list(snapshot_ids)}]
    )
    return list(response.get("Snapshots", []))


def find_snapshot(client: EC2Client, snapshot_id: str) -> SnapshotTypeDef:
    """The snapshot, or `SnapshotNotFoundError`."""
    try:
        snapshots = client.describe_snapshots(SnapshotIds=[snapshot_id]).get("Snapshots", [])
    except ClientError as error:
        if error_code(error) in _SNAPSHOT_GONE:
            raise SnapshotNotFoundError(snapshot_id) from error
        raise
    for snapshot in snapshots:
        if snapshot.get("SnapshotId") == snapshot_id:
            return snapshot
    raise SnapshotNotFoundError(snapshot_id)
