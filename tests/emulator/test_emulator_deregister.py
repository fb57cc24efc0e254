"""DeregisterImage and DeleteSnapshot (requirements 6 and 7).

Texts: seed 000 (DeleteAssociatedSnapshots, DeleteSnapshotResults and the ReturnCode values),
seed 001 ("If a snapshot is associated with multiple AMIs, it is not deleted, regardless of this
setting"), seed 002 (you can't deregister an AMI you don't own, nor one managed by AWS Backup;
without the flag the snapshots stay), seed 004 (DescribeImages after deregistration, with the
default settings; the phases before that: test_emulator_deregistered_phases.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from ec2_emulator import SNAPSHOT_FAILURE_CODES, Ec2Emulator

from .conftest import register

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _snapshot_ids(ec2: EC2Client) -> set[str]:
    return {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}


def test_deregistered_images_disappear(ec2: EC2Client) -> None:
    image_id = ec2.register_image(Name="gone")["ImageId"]

    assert ec2.deregister_image(ImageId=image_id)["Return"] is True

    assert ec2.describe_images(Owners=["self"])["Images"] == []
    with pytest.raises(ClientError) as error:
        ec2.describe_images(ImageIds=[image_id])
    assert _error(error)[0] == "InvalidAMIID.NotFound"


def test_deregistering_twice_reports_the_image_unavailable(ec2: EC2Client) -> None:
    image_id = ec2.register_image(Name="twice-gone")["ImageId"]
    ec2.deregister_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)

    assert _error(error)[0] == "InvalidAMIID.Unavailable"


def test_without_the_flag_no_snapshot_is_touched(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 000: "Default: The snapshots are not deleted." """
    root, data = make_snapshot(), make_snapshot()
    image_id = register(ec2, "keep-snapshots", root, data)

    response = ec2.deregister_image(ImageId=image_id)

    assert response["Return"] is True
    assert "DeleteSnapshotResults" not in response
    assert {root, data} <= _snapshot_ids(ec2)


def test_delete_associated_snapshots_deletes_each_snapshot(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 000: one call deregisters the AMI and deletes its snapshots, including snapshots the
    caller brought in (RegisterImage from the caller's own snapshots)."""
    root, data = make_snapshot(), make_snapshot()
    image_id = register(ec2, "delete-snapshots", root, data)

    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert response["Return"] is True
    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": root, "ReturnCode": "success"},
        {"SnapshotId": data, "ReturnCode": "success"},
    ]
    assert not {root, data} & _snapshot_ids(ec2)


def test_snapshots_of_another_registered_ami_are_skipped_and_kept(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 000: ``skipped`` - "not deleted because it's associated with other AMIs"; seed 001:
    "a snapshot associated with several AMIs is never deleted"."""
    shared, own = make_snapshot(), make_snapshot()
    image_id = register(ec2, "first", shared, own)
    other_id = register(ec2, "second", shared)

    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": shared, "ReturnCode": "skipped"},
        {"SnapshotId": own, "ReturnCode": "success"},
    ]
    assert shared in _snapshot_ids(ec2)
    assert own not in _snapshot_ids(ec2)
    assert ec2.describe_images(ImageIds=[other_id])["Images"][0]["State"] == "available"


@pytest.mark.parametrize("code", SNAPSHOT_FAILURE_CODES)
def test_injected_snapshot_failures_are_reported_and_kept(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory, code: str
) -> None:
    """Seed 000: ``missing-permissions``, ``internal-error``, ``client-error`` - "The snapshot was
    not deleted"; the AMI is deregistered all the same."""
    failing, fine = make_snapshot(), make_snapshot()
    image_id = register(ec2, "partial", failing, fine)
    ec2_emulator.inject_snapshot_failure(failing, code)

    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": failing, "ReturnCode": code},
        {"SnapshotId": fine, "ReturnCode": "success"},
    ]
    assert failing in _snapshot_ids(ec2)
    assert ec2.describe_images(Owners=["self"])["Images"] == []


def test_injecting_an_unknown_code_is_refused(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(ValueError):
        ec2_emulator.inject_snapshot_failure("snap-0123456789abcdef0", "success")


def test_another_accounts_image_is_refused(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    """Seed 002: "You can't deregister an AMI that is not owned by your account." """
    image_id = ec2_emulator.seed_foreign_image()

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert _error(error) == ("AuthFailure", f"Not authorized for image:{image_id}")
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"


def test_an_aws_backup_image_is_refused(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    """Seed 002: "You can't use Amazon EC2 to deregister an AMI that is managed by the AWS Backup
    service." OperationNotPermitted is the emulator's choice of code."""
    image_id = ec2_emulator.seed_backup_image()
    snapshot_id = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0][
        "Ebs"
    ]["SnapshotId"]

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    code, message = _error(error)
    assert code == "OperationNotPermitted"
    assert "AWS Backup" in message
    assert image_id in message
    assert snapshot_id in _snapshot_ids(ec2)


def test_delete_snapshot_of_a_registered_image_is_in_use(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """DeleteSnapshot refuses a snapshot a registered AMI uses (InvalidSnapshot.InUse), and
    allows it once the AMI is deregistered without the flag."""
    snapshot = make_snapshot()
    image_id = register(ec2, "in-use", snapshot)

    with pytest.raises(ClientError) as error:
        ec2.delete_snapshot(SnapshotId=snapshot)
    code, message = _error(error)
    assert code == "InvalidSnapshot.InUse"
    assert image_id in message

    ec2.deregister_image(ImageId=image_id)
    ec2.delete_snapshot(SnapshotId=snapshot)
    assert snapshot not in _snapshot_ids(ec2)


def test_delete_snapshot_of_a_create_image_snapshot_is_in_use(ec2: EC2Client) -> None:
    instance = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
    image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="captured")["ImageId"]
    snapshot = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0][
        "Ebs"
    ]["SnapshotId"]

    with pytest.raises(ClientError) as error:
        ec2.delete_snapshot(SnapshotId=snapshot)

    assert _error(error)[0] == "InvalidSnapshot.InUse"
    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)
    assert response["DeleteSnapshotResults"] == [{"SnapshotId": snapshot, "ReturnCode": "success"}]
