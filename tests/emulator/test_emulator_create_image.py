"""CreateImage snapshots the instance's real volumes (requirement 4).

Texts: seed 004 (CreateImage: BlockDeviceMappings and TagSpecifications rules), seed 002
(snapshot description ``Created by CreateImage(i-...) for ami-...``), seed 004 DescribeImages
(SourceInstanceId "only appears if the AMI was created using CreateImage").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def instance_id(ec2: EC2Client) -> str:
    """An instance launched from a registered image, with a gp3 root, a gp2 data volume and a
    volume attached afterwards."""
    image_id = ec2.register_image(
        Name="base",
        RootDeviceName="/dev/xvda",
        Architecture="x86_64",
        VirtualizationType="hvm",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    instance = ec2.run_instances(
        ImageId=image_id,
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {"VolumeSize": 10, "VolumeType": "gp3", "DeleteOnTermination": True},
            },
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 20, "DeleteOnTermination": False}},
        ],
    )["Instances"][0]
    extra = ec2.create_volume(Size=30, AvailabilityZone=instance["Placement"]["AvailabilityZone"])
    ec2.attach_volume(
        VolumeId=extra["VolumeId"], InstanceId=instance["InstanceId"], Device="/dev/sdg"
    )
    return instance["InstanceId"]


def _image(ec2: EC2Client, image_id: str) -> Any:
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]


def _mappings_by_device(image: Any) -> dict[str, Any]:
    return {mapping["DeviceName"]: mapping for mapping in image["BlockDeviceMappings"]}


def test_create_image_snapshots_every_attached_volume(ec2: EC2Client, instance_id: str) -> None:
    image_id = ec2.create_image(InstanceId=instance_id, Name="from-instance")["ImageId"]

    image = _image(ec2, image_id)
    mappings = _mappings_by_device(image)
    assert sorted(mappings) == ["/dev/sdf", "/dev/sdg", "/dev/xvda"]
    assert {device: m["Ebs"]["VolumeSize"] for device, m in mappings.items()} == {
        "/dev/xvda": 10,
        "/dev/sdf": 20,
        "/dev/sdg": 30,
    }
    root = mappings["/dev/xvda"]["Ebs"]
    assert (root["VolumeType"], root["Iops"], root["DeleteOnTermination"]) == ("gp3", 3000, True)
    assert mappings["/dev/sdf"]["Ebs"]["DeleteOnTermination"] is False
    assert image["SourceInstanceId"] == instance_id
    assert (image["RootDeviceName"], image["RootDeviceType"]) == ("/dev/xvda", "ebs")
    assert (image["Architecture"], image["VirtualizationType"]) == ("x86_64", "hvm")

    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in mappings.values()]
    snapshots = ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]
    assert {s["Description"] for s in snapshots} == {
        f"Created by CreateImage({instance_id}) for {image_id}"
    }
    volumes = ec2.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}]
    )["Volumes"]
    assert {s["VolumeId"] for s in snapshots} == {v["VolumeId"] for v in volumes}


def test_source_instance_id_filter_finds_the_image(ec2: EC2Client, instance_id: str) -> None:
    """Seed 004, DescribeImages filter ``source-instance-id``."""
    image_id = ec2.create_image(InstanceId=instance_id, Name="filterable")["ImageId"]
    ec2.register_image(Name="unrelated")

    found = ec2.describe_images(Filters=[{"Name": "source-instance-id", "Values": [instance_id]}])
    assert [image["ImageId"] for image in found["Images"]] == [image_id]


def test_tag_specifications_tag_the_image_and_its_snapshots(
    ec2: EC2Client, instance_id: str
) -> None:
    """Seed 004, CreateImage TagSpecifications: ``image`` tags the AMI; ``snapshot`` tags "all
    of the snapshots that are created"."""
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="tagged",
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "kind", "Value": "ami"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "kind", "Value": "snap"}]},
        ],
    )["ImageId"]

    image = _image(ec2, image_id)
    assert image["Tags"] == [{"Key": "kind", "Value": "ami"}]
    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"]]
    for snapshot in ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]:
        assert snapshot["Tags"] == [{"Key": "kind", "Value": "snap"}]


def test_tag_specifications_of_another_type_fail_the_request(
    ec2: EC2Client, instance_id: str
) -> None:
    """Seed 004: "If you specify other values for ResourceType, the request fails." """
    snapshots_before = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    with pytest.raises(ClientError) as error:
        ec2.create_image(
            InstanceId=instance_id,
            Name="volume-tags",
            TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "k", "Value": "v"}]}],
        )

    assert _error_code(error) == "InvalidParameterValue"
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == snapshots_before


def test_overrides_change_delete_on_termination_and_remove_devices(
    ec2: EC2Client, instance_id: str
) -> None:
    """Seed 004, CreateImage BlockDeviceMappings: "The only option that can be changed for
    existing mappings or snapshots is DeleteOnTermination"; NoDevice: "the device is removed
    from the block device mapping"."""
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="overridden",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": True}},
            {"DeviceName": "/dev/sdg", "NoDevice": ""},
            {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
        ],
    )["ImageId"]

    mappings = _mappings_by_device(_image(ec2, image_id))
    assert sorted(mappings) == ["/dev/sdb", "/dev/sdf", "/dev/xvda"]
    assert mappings["/dev/sdf"]["Ebs"]["DeleteOnTermination"] is True
    assert mappings["/dev/sdb"] == {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}
    snapshots = ec2.describe_snapshots(
        Filters=[{"Name": "description", "Values": [f"*for {image_id}"]}]
    )["Snapshots"]
    assert len(snapshots) == 2  # nothing was snapshotted for the removed device


@pytest.mark.parametrize(
    ("ebs", "code"),
    [
        # "You can't change the volume size using the VolumeSize parameter."
        ({"VolumeSize": 40}, "InvalidBlockDeviceMapping"),
        # "You can't modify the encryption status of existing volumes or snapshots."
        ({"Encrypted": True}, "InvalidBlockDeviceMapping"),
        # "The only option that can be changed ... is DeleteOnTermination."
        ({"VolumeType": "io2", "Iops": 1000}, "InvalidBlockDeviceMapping"),
        # VolumeInitializationRate: "This parameter is not supported when using CreateImage."
        ({"VolumeInitializationRate": 200}, "InvalidParameterValue"),
    ],
)
def test_overrides_of_other_fields_fail(
    ec2: EC2Client, instance_id: str, ebs: dict[str, Any], code: str
) -> None:
    """Seed 004, CreateImage BlockDeviceMappings rules; the codes are the emulator's choice."""
    with pytest.raises(ClientError) as error:
        ec2.create_image(
            InstanceId=instance_id,
            Name="bad-override",
            BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": ebs}],  # type: ignore[typeddict-item]
        )

    assert _error_code(error) == code
    assert (
        ec2.describe_images(
            Owners=["self"], Filters=[{"Name": "name", "Values": ["bad-override"]}]
        )["Images"]
        == []
    )


def test_restating_current_values_is_accepted(ec2: EC2Client, instance_id: str) -> None:
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="restated",
        BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 20}}],
    )["ImageId"]

    assert _mappings_by_device(_image(ec2, image_id))["/dev/sdf"]["Ebs"]["VolumeSize"] == 20


def test_unknown_instance_is_not_found(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as error:
        ec2.create_image(InstanceId="i-0123456789abcdef0", Name="orphan")

    assert _error_code(error) == "InvalidInstanceID.NotFound"


def test_terminated_instances_cannot_be_imaged(ec2: EC2Client, instance_id: str) -> None:
    """Seed 004: CreateImage works on an instance "that is either running or stopped"."""
    ec2.terminate_instances(InstanceIds=[instance_id])

    with pytest.raises(ClientError) as error:
        ec2.create_image(InstanceId=instance_id, Name="too-late")

    assert _error_code(error) == "IncorrectInstanceState"


def test_stopped_instances_can_be_imaged(ec2: EC2Client, instance_id: str) -> None:
    ec2.stop_instances(InstanceIds=[instance_id])

    image_id = ec2.create_image(InstanceId=instance_id, Name="stopped", NoReboot=True)["ImageId"]

    assert _image(ec2, image_id)["State"] == "available"
