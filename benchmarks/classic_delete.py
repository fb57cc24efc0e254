"""The classic AMI delete, as Terraform, Packer and cloud-custodian do it, for comparison.

Why this exists: our delete claims three EC2 calls for any number of snapshots (one of them the
in-use check), because `DeregisterImage(DeleteAssociatedSnapshots=True)` deletes the snapshots
server-side. The tools people use today predate that parameter and delete each snapshot with its
own call. Each variant below follows its source step by step and runs against the same emulator
and clients as ours; the deviations are stated, none of them makes the classic delete cost more
than the original.

Terraform (hashicorp/terraform-provider-aws, internal/service/ec2/ec2_ami.go)
    `terraform destroy` refreshes first: `resourceAMIRead` -> `DescribeImages(ImageIds=[id])`,
    which also records `ebs_block_device` (with the snapshot ids) in the state. Then
    `resourceAMIDelete`: `DeregisterImage` (`InvalidAMIID.NotFound`/`Unavailable` ends the delete);
    if `manage_ebs_snapshots` (set by `aws_ami_copy` and `aws_ami_from_instance`, not by plain
    `aws_ami`, which never deletes snapshots) one `DeleteSnapshot` per `ebs_block_device`; then
    `waitImageDeleted`: a `StateChangeConf` with `Delay` 5 s and `MinTimeout` 3 s polling
    `DescribeImages` until the image is gone (see `classic_polling`). Not modelled: the newest
    `resourceAMIRead` also calls `GetInstanceUefiData`, one more call the count here leaves out.

Packer (hashicorp/packer-plugin-amazon, builder/common/artifact.go and helper_funcs.go)
    `Artifact.Destroy` (what `packer build` runs to discard an artifact) calls
    `DescribeImages(ImageIds=[id])` for the image's metadata, then `DestroyAMIs`, which calls
    `DescribeImages(ImageIds=[id])` again, `DeregisterImage`, and one `DeleteSnapshot` per
    `BlockDeviceMappings[].Ebs.SnapshotId` of the described image. (`StepDeregisterAMI`, used by
    `force_deregister` + `force_delete_snapshot`, is the same minus the first describe, with a
    name filter.) Neither calls `DescribeSnapshots`.

cloud-custodian (cloud-custodian/cloud-custodian, c7n/resources/ami.py, action `deregister`
    with `delete-snapshots: true`): the `ami` resource manager lists the account's images with
    `DescribeImages(Owners=["self"])`; the action calls `DeregisterImage` per image, then
    `DeleteSnapshot` for each `BlockDeviceMappings[].Ebs.SnapshotId`, ignoring
    `InvalidSnapshot.InUse`. Here the listing is filtered to the one image after the call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .classic_polling import TERRAFORM_DELETE, PollOutcome, PollState, Sleeper, poll_until

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["CLASSIC_DELETES", "ClassicDelete", "ClassicDeleteResult"]

_IMAGE_GONE = {"InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"}


@dataclass(frozen=True)
class ClassicDeleteResult:
    deleted_snapshots: list[str]
    failed_snapshots: dict[str, str]
    simulated_wait: float
    """Seconds spent in the tool's own sleeps (on the fake clock, so not in the wall time)."""


@dataclass(frozen=True)
class ClassicDelete:
    name: str
    source: str
    run: Callable[[EC2Client, str, Sleeper], ClassicDeleteResult]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _snapshot_ids(image: Any) -> list[str]:
    return [
        str(mapping["Ebs"]["SnapshotId"])
        for mapping in image.get("BlockDeviceMappings", [])
        if mapping.get("Ebs", {}).get("SnapshotId")
    ]


def _describe(client: EC2Client, image_id: str) -> Any | None:
    try:
        images = client.describe_images(ImageIds=[image_id])["Images"]
    except ClientError as error:
        if _code(error) in _IMAGE_GONE:
            return None
        raise
    return next((i for i in images if i.get("State") != "deregistered"), None)


def _delete_snapshots(
    client: EC2Client, snapshot_ids: list[str], *, ignore_in_use: bool
) -> tuple[list[str], dict[str, str]]:
    deleted: list[str] = []
    failed: dict[str, str] = {}
    for snapshot_id in snapshot_ids:
        try:
            client.delete_snapshot(SnapshotId=snapshot_id)
        except ClientError as error:
            if ignore_in_use and _code(error) == "InvalidSnapshot.InUse":
                continue
            failed[snapshot_id] = _code(error)
        else:
            deleted.append(snapshot_id)
    return deleted, failed


def terraform_delete(client: EC2Client, image_id: str, clock: Sleeper) -> ClassicDeleteResult:
    """Refresh, `DeregisterImage`, `DeleteSnapshot` x N, then wait until `DescribeImages` says
    the image is gone (aws_ami_from_instance / aws_ami_copy, `manage_ebs_snapshots`)."""
    image = _describe(client, image_id)  # the refresh before destroy
    if image is None:
        return ClassicDeleteResult([], {}, 0.0)
    snapshot_ids = _snapshot_ids(image)
    try:
        client.deregister_image(ImageId=image_id)
    except ClientError as error:
        if _code(error) in _IMAGE_GONE:
            return ClassicDeleteResult([], {}, 0.0)
        raise
    deleted, failed = _delete_snapshots(client, snapshot_ids, ignore_in_use=False)

    def gone() -> PollState:
        return PollState.DONE if _describe(client, image_id) is None else PollState.WAITING

    waited: PollOutcome = poll_until(gone, TERRAFORM_DELETE, clock)
    return ClassicDeleteResult(deleted, failed, waited.waited)


def packer_delete(client: EC2Client, image_id: str, clock: Sleeper) -> ClassicDeleteResult:
    """`Artifact.Destroy`: describe, then `DestroyAMIs`: describe, deregister, delete each."""
    del clock  # Packer does not wait for the image to disappear
    if _describe(client, image_id) is None:  # "Get image metadata"
        return ClassicDeleteResult([], {}, 0.0)
    image = _describe(client, image_id)  # DestroyAMIs' own DescribeImages
    if image is None:
        return ClassicDeleteResult([], {}, 0.0)
    client.deregister_image(ImageId=image_id)
    deleted, failed = _delete_snapshots(client, _snapshot_ids(image), ignore_in_use=False)
    return ClassicDeleteResult(deleted, failed, 0.0)


def custodian_delete(client: EC2Client, image_id: str, clock: Sleeper) -> ClassicDeleteResult:
    """The `ami` resource query (`Owners=["self"]`), then `deregister` with `delete-snapshots`."""
    del clock
    images = client.describe_images(Owners=["self"])["Images"]
    image = next((i for i in images if i.get("ImageId") == image_id), None)
    if image is None:
        return ClassicDeleteResult([], {}, 0.0)
    client.deregister_image(ImageId=image_id)
    deleted, failed = _delete_snapshots(client, _snapshot_ids(image), ignore_in_use=True)
    return ClassicDeleteResult(deleted, failed, 0.0)


CLASSIC_DELETES = (
    ClassicDelete(
        "Terraform",
        "terraform-provider-aws ec2_ami.go resourceAMIRead + resourceAMIDelete",
        terraform_delete,
    ),
    ClassicDelete(
        "Packer", "packer-plugin-amazon artifact.go Destroy + DestroyAMIs", packer_delete
    ),
    ClassicDelete(
        "cloud-custodian", "c7n/resources/ami.py deregister (delete-snapshots)", custodian_delete
    ),
)
"""Terraform first: it is "the classic" the ratios in the tables are taken against."""
