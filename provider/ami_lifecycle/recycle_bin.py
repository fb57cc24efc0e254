"""What a Recycle Bin retention rule kept of a deleted image: reported, so nothing that still
costs money goes unmentioned.

DeregisterImage (newest botocore model): "If a deregistered EBS-backed AMI matches a Recycle Bin
retention rule, it moves to the Recycle Bin for the specified retention period [...] after which
it is permanently deleted"; deleted snapshots likewise. `ListImagesInRecycleBin` and
`ListSnapshotsInRecycleBin` say which are there and until when (`RecycleBinExitTime`, "when the
AMI is to be permanently deleted from the Recycle Bin").

These are one or two more calls on every delete, so the report is opt-in: the provider setting
`ami-lifecycle:recycleBinReport`. The image is already deregistered when it runs, so it never
fails the delete: a refused or unanswered call is said in the progress log instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .aws.clients import NO_ANSWER, error_code
from .iam import requires

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["report_recycle_bin"]


def _until(when: datetime | None) -> str:
    return "an unknown time" if when is None else f"{when:%Y-%m-%d %H:%M:%S} UTC"


@requires("ec2:ListImagesInRecycleBin", "ec2:ListSnapshotsInRecycleBin")
def report_recycle_bin(
    client: EC2Client,
    image_id: str,
    snapshot_ids: Sequence[str],
    *,
    report: Callable[[str], None],
) -> dict[str, datetime | None]:
    """Report which of the deleted image and snapshots a retention rule keeps, and until when;
    returns those ids with their `RecycleBinExitTime`."""
    retained: dict[str, datetime | None] = {}
    asked = [image_id]
    try:
        pages = client.get_paginator("list_images_in_recycle_bin").paginate(ImageIds=[image_id])
        for page in pages:
            for image in page.get("Images", []):
                if image.get("ImageId") == image_id:
                    retained[image_id] = image.get("RecycleBinExitTime")
        wanted = list(dict.fromkeys(snapshot_ids))
        if wanted:
            asked += wanted
            pages_ = client.get_paginator("list_snapshots_in_recycle_bin").paginate(
                SnapshotIds=wanted
            )
            for snapshot_page in pages_:
                for snapshot in snapshot_page.get("Snapshots", []):
                    if snapshot.get("SnapshotId") in wanted:
                        retained[str(snapshot["SnapshotId"])] = snapshot.get("RecycleBinExitTime")
    except ClientError as error:
        code = error_code(error)
        why = (
            "grant the IAM actions ec2:ListImagesInRecycleBin and ec2:ListSnapshotsInRecycleBin"
            if code == "UnauthorizedOperation"
            else str(error)
        )
        report(f"Recycle Bin report skipped ({code}: {why}); the delete itself is done")
        return retained
    except NO_ANSWER as error:
        report(
            f"Recycle Bin report skipped: no answer after botocore's retries ({error}); the "
            "delete itself is done"
        )
        return retained
    if not retained:
        report(
            f"Recycle Bin: no retention rule kept {', '.join(asked)}; they are permanently deleted"
        )
        return retained
    report(
        "Recycle Bin: a retention rule keeps these (still billed, restorable until then, "
        "permanently deleted after):"
    )
    for resource_id, exit_time in retained.items():
        report(f"  {resource_id}: until {_until(exit_time)}")
    return retained
