"""RegisterImage, DescribeImages and DescribeImageAttribute (requirements 1 and 2).

Texts: seed 004 (2025-05-06 changelog: RegisterImage, EbsBlockDevice, DescribeImages,
DescribeImageAttribute) and the installed botocore model, which wins where newer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _image(ec2: EC2Client, image_id: str) -> Any:
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]


def test_register_image_reports_every_image_field(ec2: EC2Client) -> None:
    """Seed 004, RegisterImage request syntax: each image field given is reported back by
    DescribeImages (Image shape) or, for UefiData, by DescribeImageAttribute."""
    image_id = ec2.register_image(
        Name="all-fields (v1)",
        Description="every field",
        Architecture="arm64",
        RootDeviceName="/dev/xvda",
        BootMode="uefi",
        VirtualizationType="hvm",
        EnaSupport=True,
        TpmSupport="v2.0",
        ImdsSupport="v2.0",
        UefiData="QUJDRA==",
        SriovNetSupport="simple",
        KernelId="aki-12345678",
        RamdiskId="ari-12345678",
        BillingProducts=["bp-6ba54002"],
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]

    image = _image(ec2, image_id)
    assert {
        key: image[key]
        for key in (
            "Name",
            "Description",
            "Architecture",
            "RootDeviceName",
            "RootDeviceType",
            "BootMode",
            "VirtualizationType",
            "EnaSupport",
            "TpmSupport",
            "ImdsSupport",
            "SriovNetSupport",
            "KernelId",
            "RamdiskId",
            "ImageType",
            "Hypervisor",
        )
    } == {
        "Name": "all-fields (v1)",
        "Description": "every field",
        "Architecture": "arm64",
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "BootMode": "uefi",
        "VirtualizationType": "hvm",
        "EnaSupport": True,
        "TpmSupport": "v2.0",
        "ImdsSupport": "v2.0",
        "SriovNetSupport": "simple",
        "KernelId": "aki-12345678",
        "RamdiskId": "ari-12345678",
        "ImageType": "machine",
        "Hypervisor": "xen",
    }
    assert (
        "SourceInstanceId" not in image
    )  # "only appears if the AMI was created using CreateImage"


def test_billing_products_are_stored_though_no_describe_field_reports_them(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    """The Image shape has no BillingProducts member; the emulator keeps them for inspection."""
    image_id = ec2.register_image(
        Name="billing", BillingProducts=["bp-1", "bp-2"], ImageLocation="bucket/manifest.xml"
    )["ImageId"]

    assert ec2_emulator.image_details(image_id)["BillingProducts"] == ["bp-1", "bp-2"]
    assert _image(ec2, image_id)["RootDeviceType"] == "instance-store"


def test_register_image_defaults_from_the_text(ec2: EC2Client) -> None:
    """Seed 004: Architecture "Default: For Amazon EBS-backed AMIs, i386"; VirtualizationType
    "Default: paravirtual"."""
    image_id = ec2.register_image(
        Name="defaults", BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}]
    )["ImageId"]

    image = _image(ec2, image_id)
    assert (image["Architecture"], image["VirtualizationType"]) == ("i386", "paravirtual")


def test_register_image_stores_every_mapping_field(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 004, EbsBlockDevice: every field of every mapping kind (EBS from a snapshot, new
    empty EBS, instance store, NoDevice) is stored; DescribeImages reports them."""
    root = make_snapshot(10)
    data = make_snapshot(20)
    image_id = ec2.register_image(
        Name="mappings",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "SnapshotId": root,
                    "VolumeSize": 12,
                    "VolumeType": "gp3",
                    "Iops": 4000,
                    "Throughput": 250,
                    "DeleteOnTermination": False,
                    "KmsKeyId": "alias/my-key",
                    "OutpostArn": "arn:aws:outposts:us-east-1:123456789012:outpost/op-1",
                    "VolumeInitializationRate": 200,
                },
            },
            {
                "DeviceName": "/dev/sdf",
                "Ebs": {"SnapshotId": data, "VolumeType": "io2", "Iops": 1000},
            },
            {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 5, "Encrypted": True}},
            {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
            {"DeviceName": "/dev/sdc", "NoDevice": ""},
        ],
    )["ImageId"]

    assert _image(ec2, image_id)["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "SnapshotId": root,
                "VolumeSize": 12,
                "VolumeType": "gp3",
                "Iops": 4000,
                "Throughput": 250,
                "DeleteOnTermination": False,
                "KmsKeyId": "alias/my-key",
                "OutpostArn": "arn:aws:outposts:us-east-1:123456789012:outpost/op-1",
                "Encrypted": False,
            },
        },
        {
            "DeviceName": "/dev/sdf",
            "Ebs": {
                "SnapshotId": data,
                "VolumeSize": 20,  # "If you specify a snapshot, the default is the snapshot size."
                "VolumeType": "io2",
                "Iops": 1000,
                "DeleteOnTermination": True,
                "Encrypted": False,
            },
        },
        {
            "DeviceName": "/dev/sdg",
            "Ebs": {
                "VolumeSize": 5,
                "VolumeType": "standard",
                "DeleteOnTermination": True,
                "Encrypted": True,  # new empty volume: "specify either true ... or false"
            },
        },
        {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
        {"DeviceName": "/dev/sdc", "NoDevice": ""},
    ]
    stored = ec2_emulator.image_details(image_id)["BlockDeviceMappings"][0]["Ebs"]
    assert stored["VolumeInitializationRate"] == 200


def test_encrypted_is_reported_from_the_snapshot(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 004, RegisterImage: "You can't set the encryption state of the volume using the
    block device mapping. If the snapshot is encrypted, ... the root volume ... is encrypted."""
    encrypted = make_snapshot(8, encrypted=True)
    image_id = ec2.register_image(
        Name="encrypted",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": encrypted}}],
    )["ImageId"]

    assert _image(ec2, image_id)["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True


@pytest.mark.parametrize("value", [True, False])
def test_encrypted_with_a_snapshot_fails_the_request(
    ec2: EC2Client, make_snapshot: SnapshotFactory, value: bool
) -> None:
    """Seed 004, EbsBlockDevice.Encrypted: from an existing snapshot "you must omit this
    parameter. If you include this parameter, the request will fail, regardless of the value".
    The code (InvalidParameterCombination) is the emulator's choice."""
    snapshot = make_snapshot()
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="encrypted-param",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, "Encrypted": value}}
            ],
        )

    assert _error_code(error) == "InvalidParameterCombination"
    assert ec2.describe_images(Owners=["self"])["Images"] == []


def test_unknown_snapshot_is_not_found(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="missing-snapshot",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}
            ],
        )

    assert _error_code(error) == "InvalidSnapshot.NotFound"
    assert "snap-0123456789abcdef0" in error.value.response["Error"]["Message"]


def test_volume_size_below_the_snapshot_size_fails(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 004, VolumeSize: "You can specify a volume size that is equal to or larger than the
    snapshot size." (InvalidBlockDeviceMapping: the emulator's choice of code.)"""
    snapshot = make_snapshot(10)
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="too-small",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, "VolumeSize": 9}}
            ],
        )

    assert _error_code(error) == "InvalidBlockDeviceMapping"


@pytest.mark.parametrize(
    ("ebs", "code"),
    [
        # "Valid range: 100 - 300 MiB/s"
        ({"VolumeInitializationRate": 99}, "InvalidParameterValue"),
        ({"VolumeInitializationRate": 301}, "InvalidParameterValue"),
        # "This parameter is required for io1 and io2 volumes."
        ({"VolumeType": "io1"}, "InvalidBlockDeviceMapping"),
        # Throughput: "This parameter is valid only for gp3 volumes."
        ({"VolumeType": "gp2", "Throughput": 200}, "InvalidBlockDeviceMapping"),
    ],
)
def test_mapping_limits_from_the_text(
    ec2: EC2Client, make_snapshot: SnapshotFactory, ebs: dict[str, Any], code: str
) -> None:
    """Seed 004, EbsBlockDevice; the codes are the emulator's choice."""
    snapshot = make_snapshot()
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="limits",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, **ebs}}  # type: ignore[typeddict-item]
            ],
        )

    assert _error_code(error) == code


def test_volume_initialization_rate_needs_a_snapshot(ec2: EC2Client) -> None:
    """Seed 004: "This parameter is supported only for volumes created from snapshots." """
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="rate-without-snapshot",
            BlockDeviceMappings=[
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {"VolumeSize": 8, "VolumeInitializationRate": 200},
                }
            ],
        )

    assert _error_code(error) == "InvalidParameterValue"


def test_tag_specifications_tag_the_image(ec2: EC2Client) -> None:
    """Seed 004, RegisterImage TagSpecifications: "To tag the AMI, the value for ResourceType
    must be image." """
    image_id = ec2.register_image(
        Name="tagged",
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "team", "Value": "platform"}]}
        ],
    )["ImageId"]

    assert _image(ec2, image_id)["Tags"] == [{"Key": "team", "Value": "platform"}]


def test_tag_specifications_of_another_type_fail_the_request(ec2: EC2Client) -> None:
    """Seed 004, RegisterImage TagSpecifications: "If you specify another value for
    ResourceType, the request fails." """
    with pytest.raises(ClientError) as error:
        ec2.register_image(
            Name="snapshot-tags",
            TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "k", "Value": "v"}]}],
        )

    assert _error_code(error) == "InvalidParameterValue"
    assert ec2.describe_images(Owners=["self"])["Images"] == []


@pytest.mark.parametrize("name", ["bad*name", "comma,name", "tab\tname"])
def test_malformed_names_are_refused(ec2: EC2Client, name: str) -> None:
    """Seed 004, Name: "3-128 alphanumeric characters, parentheses (()), square brackets ([]),
    spaces ( ), periods (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or
    underscores(_)". (boto3's model already enforces the length.)"""
    with pytest.raises(ClientError) as error:
        ec2.register_image(Name=name)

    assert _error_code(error) == "InvalidAMIName.Malformed"


def test_duplicate_names_are_refused(ec2: EC2Client) -> None:
    """EC2 keeps AMI names unique per account and Region (InvalidAMIName.Duplicate)."""
    ec2.register_image(Name="twice")
    with pytest.raises(ClientError) as error:
        ec2.register_image(Name="twice")

    assert _error_code(error) == "InvalidAMIName.Duplicate"


def test_volume_initialization_rate_echo_is_off_by_default_and_switchable(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    """Seed 004 says DescribeImages reports VolumeInitializationRate; the newest botocore model
    says it is "not supported when using CreateImage and DescribeImages". Default: the newest
    model; the 2025 reading is a switch."""
    snapshot = make_snapshot()
    image_id = ec2.register_image(
        Name="echo",
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {"SnapshotId": snapshot, "VolumeInitializationRate": 150},
            }
        ],
    )["ImageId"]

    assert "VolumeInitializationRate" not in _image(ec2, image_id)["BlockDeviceMappings"][0]["Ebs"]
    ec2_emulator.update_settings(echo_volume_initialization_rate=True)
    ebs = _image(ec2, image_id)["BlockDeviceMappings"][0]["Ebs"]
    assert ebs["VolumeInitializationRate"] == 150


ATTRIBUTES = {
    "description": ("Description", "described"),
    "kernel": ("KernelId", "aki-1"),
    "ramdisk": ("RamdiskId", "ari-1"),
    "sriovNetSupport": ("SriovNetSupport", "simple"),
    "bootMode": ("BootMode", "uefi-preferred"),
    "tpmSupport": ("TpmSupport", "v2.0"),
    "uefiData": ("UefiData", "VUVGSQ=="),
    "imdsSupport": ("ImdsSupport", "v2.0"),
    "deregistrationProtection": ("DeregistrationProtection", "disabled"),
}


@pytest.mark.parametrize("attribute", sorted(ATTRIBUTES))
def test_describe_image_attribute_reports_each_attribute(ec2: EC2Client, attribute: str) -> None:
    """Seed 004, DescribeImageAttribute response syntax: {<Member>: {"Value": ...}}."""
    image_id = ec2.register_image(
        Name="attributes",
        Description="described",
        KernelId="aki-1",
        RamdiskId="ari-1",
        SriovNetSupport="simple",
        BootMode="uefi-preferred",
        TpmSupport="v2.0",
        UefiData="VUVGSQ==",
        ImdsSupport="v2.0",
    )["ImageId"]
    member, value = ATTRIBUTES[attribute]

    response = ec2.describe_image_attribute(ImageId=image_id, Attribute=attribute)  # type: ignore[arg-type]

    assert response["ImageId"] == image_id
    assert response[member] == {"Value": value}  # type: ignore[literal-required]


def test_describe_image_attribute_of_unset_fields_is_empty(ec2: EC2Client) -> None:
    image_id = ec2.register_image(Name="bare")["ImageId"]

    response = ec2.describe_image_attribute(ImageId=image_id, Attribute="kernel")

    assert response["KernelId"] == {}


def test_block_device_mapping_attribute_is_an_auth_failure(ec2: EC2Client) -> None:
    """Newest botocore model, DescribeImageAttribute.Attribute: "The blockDeviceMapping
    attribute is deprecated. Using this attribute returns the Client.AuthFailure error." """
    image_id = ec2.register_image(Name="bdm-attribute")["ImageId"]

    with pytest.raises(ClientError) as error:
        ec2.describe_image_attribute(ImageId=image_id, Attribute="blockDeviceMapping")

    assert _error_code(error) == "AuthFailure"


def test_describe_image_attribute_of_an_unknown_image_is_not_found(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as error:
        ec2.describe_image_attribute(ImageId="ami-0123456789abcdef0", Attribute="description")

    assert _error_code(error) == "InvalidAMIID.NotFound"


def test_modify_image_attribute_updates_description_and_imds_support(ec2: EC2Client) -> None:
    """Newest model, ModifyImageAttribute: "Valid values: description | imdsSupport |
    launchPermission" (moto 5.2.5 only handled launch permissions)."""
    image_id = ec2.register_image(Name="modifiable", Description="v1")["ImageId"]

    ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "v2"})
    assert _image(ec2, image_id)["Description"] == "v2"
    ec2.modify_image_attribute(ImageId=image_id, Attribute="description", Value="v3")
    assert _image(ec2, image_id)["Description"] == "v3"
    ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v2.0"})
    assert _image(ec2, image_id)["ImdsSupport"] == "v2.0"
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "111122223333"}]}
    )
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert permissions["LaunchPermissions"] == [{"UserId": "111122223333"}]


def test_modify_image_attribute_of_another_accounts_image_is_refused(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    image_id = ec2_emulator.seed_foreign_image()

    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "mine now"})

    assert _error_code(error) == "AuthFailure"
