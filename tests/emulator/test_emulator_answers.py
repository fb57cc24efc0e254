"""The details of EC2's answers: the fields DescribeImages reports for the account's own images,
the error naming a missing snapshot, request IDs, and the clock behind every timestamp.

Texts: the DescribeImages examples of the newest botocore model and of the AWS CLI
(``"ImageLocation": "123456789012/My server"``, no ``Tags``, no ``ProductCodes``); EC2 User
Guide, "AMI billing information fields" ("Linux/UNIX | RunInstances", "Windows |
RunInstances:0002"); the AWS CLI's ``enable-image-deprecation`` example for the request ID.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator, EmulatorServer, FakeClock

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory


def _image(ec2: EC2Client, image_id: str) -> Any:
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]


def _from_snapshot(ec2: EC2Client, name: str, snapshot_id: str) -> str:
    return ec2.register_image(
        Name=name,
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
    )["ImageId"]


def test_an_image_from_snapshots_reports_linux_billing_and_its_location(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    image = _image(ec2, _from_snapshot(ec2, "My server", make_snapshot()))

    assert image["PlatformDetails"] == "Linux/UNIX"
    assert image["UsageOperation"] == "RunInstances"
    assert image["ImageLocation"] == f"{ec2_emulator.account_id}/My server"
    assert "Platform" not in image


def test_an_image_without_tags_or_product_codes_reports_neither(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    image_id = _from_snapshot(ec2, "untagged", make_snapshot())

    image = _image(ec2, image_id)
    assert "Tags" not in image
    assert "ProductCodes" not in image
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "team", "Value": "platform"}])
    assert _image(ec2, image_id)["Tags"] == [{"Key": "team", "Value": "platform"}]


def test_a_given_manifest_location_is_kept(ec2: EC2Client) -> None:
    """RegisterImage ``ImageLocation``: "The full path to your AMI manifest in Amazon S3"."""
    image_id = ec2.register_image(Name="from-s3", ImageLocation="bucket/manifest.xml")["ImageId"]

    assert _image(ec2, image_id)["ImageLocation"] == "bucket/manifest.xml"


def test_an_image_of_a_windows_instance_reports_windows_billing(
    ec2_emulator_factory: Callable[..., Ec2Emulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's catalogue of public AMIs has Windows ones; an instance launched from one is
    Windows, and so is the image made from it."""
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "true")
    ec2 = ec2_emulator_factory(clock=FakeClock()).client()
    windows = ec2.describe_images(
        Owners=["amazon"], Filters=[{"Name": "platform", "Values": ["windows"]}]
    )["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=windows, MinCount=1, MaxCount=1)["Instances"][0]

    image = _image(ec2, ec2.create_image(InstanceId=instance["InstanceId"], Name="win")["ImageId"])

    assert (image["PlatformDetails"], image["UsageOperation"]) == ("Windows", "RunInstances:0002")


def test_a_missing_snapshot_is_named_in_aws_wording(ec2: EC2Client) -> None:
    missing = "snap-0123456789abcdef0"
    calls: list[Callable[[], object]] = [
        lambda: ec2.describe_snapshots(SnapshotIds=[missing]),
        lambda: ec2.delete_snapshot(SnapshotId=missing),
        lambda: ec2.describe_snapshot_attribute(
            SnapshotId=missing, Attribute="createVolumePermission"
        ),
        lambda: ec2.register_image(
            Name="needs-a-snapshot",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": missing}}],
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"] == {
            "Code": "InvalidSnapshot.NotFound",
            "Message": f"The snapshot '{missing}' does not exist.",
        }


def test_describe_snapshots_names_the_first_missing_one(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    existing = make_snapshot()
    first, second = "snap-0123456789abcdef0", "snap-0fedcba9876543210"

    with pytest.raises(ClientError) as error:
        ec2.describe_snapshots(SnapshotIds=[existing, first, second])

    assert error.value.response["Error"]["Message"] == f"The snapshot '{first}' does not exist."


def test_every_answer_has_a_request_id_of_its_own(ec2_emulator_server: EmulatorServer) -> None:
    """Over HTTP, where the IDs come from the XML answers, errors included."""
    ec2 = ec2_emulator_server.client()
    ids = [ec2.describe_images(Owners=["self"])["ResponseMetadata"]["RequestId"] for _ in range(2)]
    for _ in range(2):
        with pytest.raises(ClientError) as error:
            ec2.describe_snapshots(SnapshotIds=["snap-0123456789abcdef0"])
        ids.append(error.value.response["ResponseMetadata"]["RequestId"])

    assert len(set(ids)) == 4
    assert all(str(uuid.UUID(request_id)) == request_id for request_id in ids)


def test_volumes_snapshots_and_images_follow_the_fake_clock(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.advance_clock(86_400 + 90)
    volume = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")
    ec2_emulator.advance_clock(30)
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"])
    ec2_emulator.advance_clock(30)
    image = _image(ec2, _from_snapshot(ec2, "dated", snapshot["SnapshotId"]))

    described = ec2.describe_snapshots(SnapshotIds=[snapshot["SnapshotId"]])["Snapshots"][0]
    assert volume["CreateTime"] == datetime(2025, 6, 2, 12, 1, 30, tzinfo=UTC)
    assert described["StartTime"] == datetime(2025, 6, 2, 12, 2, tzinfo=UTC)
    assert image["CreationDate"] == "2025-06-02T12:02:30.000Z"


def test_a_snapshot_is_never_newer_than_an_image_made_from_it_on_the_real_clock(
    ec2_emulator_factory: Callable[..., Ec2Emulator],
) -> None:
    """All three come from the same clock, printed to the second."""
    ec2 = ec2_emulator_factory().client()
    for attempt in range(5):
        volume = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")
        snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"])
        image = _image(ec2, _from_snapshot(ec2, f"real-time-{attempt}", snapshot["SnapshotId"]))
        created = datetime.fromisoformat(image["CreationDate"].replace("Z", "+00:00"))
        assert volume["CreateTime"] <= snapshot["StartTime"] <= created
