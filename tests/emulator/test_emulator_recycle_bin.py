"""The Recycle Bin: retention rules (an emulator control), and EC2's ListImagesInRecycleBin,
ListSnapshotsInRecycleBin, RestoreImageFromRecycleBin and RestoreSnapshotFromRecycleBin.

Texts: seeds 000-002 and the newest botocore model (DeregisterImage: "If a deregistered
EBS-backed AMI matches a Recycle Bin retention rule, it moves to the Recycle Bin for the
specified retention period. It can be restored before its retention period expires, after which
it is permanently deleted."; the four EC2 operations and their result shapes), botocore's rbin
model (``CreateRule``: tag-level and Region-level rules, ``RetentionPeriod``) and the AWS CLI's
examples of the four operations.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator
from ec2_emulator.recycle_bin import RETENTION_DAYS_RANGE

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _register(
    ec2: EC2Client, make_snapshot: SnapshotFactory, name: str, tags: dict[str, str] | None = None
) -> str:
    kwargs: Any = {}
    if tags:
        kwargs["TagSpecifications"] = [
            {"ResourceType": "image", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return ec2.register_image(
        Name=name,
        Description=f"{name} image",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": make_snapshot()}}],
        **kwargs,
    )["ImageId"]


def _binned_images(ec2: EC2Client, **kwargs: Any) -> list[str]:
    return [image["ImageId"] for image in ec2.list_images_in_recycle_bin(**kwargs)["Images"]]


def _binned_snapshots(ec2: EC2Client) -> list[str]:
    return [s["SnapshotId"] for s in ec2.list_snapshots_in_recycle_bin()["Snapshots"]]


def _snapshot_ids(ec2: EC2Client) -> list[str]:
    return [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]


def _owned(ec2: EC2Client) -> list[str]:
    return [image["ImageId"] for image in ec2.describe_images(Owners=["self"])["Images"]]


def _root_snapshot(ec2: EC2Client, image_id: str) -> str:
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    return str(image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"])


# -- AMIs -----------------------------------------------------------------------------------------


def test_without_a_rule_a_deregistered_image_is_deleted_at_once(
    ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    image_id = _register(ec2, make_snapshot, "no-rule")

    ec2.deregister_image(ImageId=image_id)

    assert _binned_images(ec2) == []
    with pytest.raises(ClientError) as error:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _error(error)[0] == "InvalidAMIID.NotFound"


def test_a_region_level_rule_retains_a_deregistered_image(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id = _register(ec2, make_snapshot, "retained")
    ec2_emulator.advance_clock(3600)

    ec2.deregister_image(ImageId=image_id)

    assert ec2.list_images_in_recycle_bin()["Images"] == [
        {
            "ImageId": image_id,
            "Name": "retained",
            "Description": "retained image",
            "RecycleBinEnterTime": START + timedelta(hours=1),
            "RecycleBinExitTime": START + timedelta(days=7, hours=1),
        }
    ]
    # DescribeImages doesn't list it: it is deregistered.
    assert _owned(ec2) == []
    with pytest.raises(ClientError) as error:
        ec2.describe_images(ImageIds=[image_id])
    assert _error(error)[0] == "InvalidAMIID.NotFound"


def test_a_restored_image_is_registered_again_as_it_was(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 1)
    image_id = _register(ec2, make_snapshot, "restorable", {"team": "a"})
    ec2.enable_image_deregistration_protection(ImageId=image_id)
    ec2.disable_image_deregistration_protection(ImageId=image_id)
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "111122223333"}]}
    )
    before = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    ec2.deregister_image(ImageId=image_id)
    ec2_emulator.advance_clock(timedelta(hours=23))

    assert ec2.restore_image_from_recycle_bin(ImageId=image_id)["Return"] is True

    assert ec2.describe_images(ImageIds=[image_id])["Images"][0] == before
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")[
        "LaunchPermissions"
    ] == [{"UserId": "111122223333"}]
    assert _binned_images(ec2) == []
    with pytest.raises(ClientError) as again:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _error(again)[0] == "InvalidAMIID.NotFound"
    # Registered again: it can be deregistered again, and retained again.
    ec2.deregister_image(ImageId=image_id)
    assert _binned_images(ec2) == [image_id]


def test_after_its_retention_period_the_image_is_gone_for_good(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 2)
    image_id = _register(ec2, make_snapshot, "expiring")
    ec2.deregister_image(ImageId=image_id)

    ec2_emulator.advance_clock(timedelta(days=2) - timedelta(seconds=1))
    assert _binned_images(ec2) == [image_id]
    ec2_emulator.advance_clock(1)
    assert _binned_images(ec2) == []
    with pytest.raises(ClientError) as error:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _error(error)[0] == "InvalidAMIID.NotFound"


def test_an_image_whose_name_was_taken_meanwhile_is_not_restored(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id = _register(ec2, make_snapshot, "taken")
    ec2.deregister_image(ImageId=image_id)
    _register(ec2, make_snapshot, "taken")

    with pytest.raises(ClientError) as error:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)

    assert _error(error)[0] == "InvalidAMIName.Duplicate"
    assert _binned_images(ec2) == [image_id]


def test_an_instance_store_backed_image_is_never_retained(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id = ec2.register_image(
        Name="instance-store",
        BlockDeviceMappings=[{"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}],
    )["ImageId"]

    ec2.deregister_image(ImageId=image_id)

    assert _binned_images(ec2) == []


def test_list_images_takes_ids_and_pages(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    ids = [_register(ec2, make_snapshot, f"image-{n}") for n in range(3)]
    for image_id in ids:
        ec2.deregister_image(ImageId=image_id)

    assert _binned_images(ec2, ImageIds=[ids[1], "ami-0123456789abcdef0"]) == [ids[1]]
    first = ec2.list_images_in_recycle_bin(MaxResults=2)
    second = ec2.list_images_in_recycle_bin(MaxResults=2, NextToken=first["NextToken"])
    assert [i["ImageId"] for i in first["Images"] + second["Images"]] == ids
    assert "NextToken" not in second
    with pytest.raises(ClientError) as too_many:
        ec2.list_images_in_recycle_bin(ImageIds=[f"ami-{n:017x}" for n in range(21)])
    with pytest.raises(ClientError) as too_large:
        ec2.list_images_in_recycle_bin(MaxResults=1001)
    assert _error(too_many)[0] == "InvalidParameterValue"
    assert _error(too_large)[0] == "InvalidParameterValue"


# -- snapshots ------------------------------------------------------------------------------------


def test_a_snapshot_rule_retains_a_deleted_snapshot(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EBS_SNAPSHOT", 14)
    snapshot_id = make_snapshot()
    (described,) = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]

    ec2.delete_snapshot(SnapshotId=snapshot_id)

    assert _snapshot_ids(ec2) == []
    assert ec2.list_snapshots_in_recycle_bin()["Snapshots"] == [
        {
            "SnapshotId": snapshot_id,
            "RecycleBinEnterTime": START,
            "RecycleBinExitTime": START + timedelta(days=14),
            "Description": "test root",
            "VolumeId": described["VolumeId"],
        }
    ]


def test_a_restored_snapshot_is_back_in_the_account(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EBS_SNAPSHOT", 14)
    snapshot_id = make_snapshot(size=9)
    ec2.delete_snapshot(SnapshotId=snapshot_id)

    answer = ec2.restore_snapshot_from_recycle_bin(SnapshotId=snapshot_id)

    assert (answer["SnapshotId"], answer["State"], answer["Progress"]) == (
        snapshot_id,
        "completed",
        "100%",
    )
    assert (answer["VolumeSize"], answer["Encrypted"]) == (9, False)
    assert _snapshot_ids(ec2) == [snapshot_id]
    assert _binned_snapshots(ec2) == []
    with pytest.raises(ClientError) as error:
        ec2.restore_snapshot_from_recycle_bin(SnapshotId=snapshot_id)
    assert _error(error)[0] == "InvalidSnapshot.NotFound"


def test_deregistering_with_its_snapshots_retains_both(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    ec2_emulator.add_recycle_bin_rule("EBS_SNAPSHOT", 7)
    image_id = _register(ec2, make_snapshot, "with-snapshots")
    snapshot_id = _root_snapshot(ec2, image_id)

    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": snapshot_id, "ReturnCode": "success"}
    ]
    assert (_binned_images(ec2), _binned_snapshots(ec2)) == ([image_id], [snapshot_id])
    ec2.restore_snapshot_from_recycle_bin(SnapshotId=snapshot_id)
    ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _root_snapshot(ec2, image_id) == snapshot_id
    # Registered again, the image uses its snapshot.
    with pytest.raises(ClientError) as in_use:
        ec2.delete_snapshot(SnapshotId=snapshot_id)
    assert _error(in_use)[0] == "InvalidSnapshot.InUse"


def test_list_snapshots_takes_ids(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EBS_SNAPSHOT", 7)
    first, second = make_snapshot(), make_snapshot()
    ec2.delete_snapshot(SnapshotId=first)
    ec2.delete_snapshot(SnapshotId=second)

    listed = ec2.list_snapshots_in_recycle_bin(SnapshotIds=[second])["Snapshots"]

    assert [s["SnapshotId"] for s in listed] == [second]


# -- rules ----------------------------------------------------------------------------------------


def test_a_tag_level_rule_retains_only_resources_with_one_of_its_tags(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule(
        "EC2_IMAGE",
        7,
        resource_tags=[
            {"ResourceTagKey": "keep", "ResourceTagValue": "yes"},
            {"ResourceTagKey": "team"},
        ],
    )
    kept = _register(ec2, make_snapshot, "kept", {"keep": "yes"})
    any_team = _register(ec2, make_snapshot, "any-team", {"team": "b"})
    other_value = _register(ec2, make_snapshot, "other-value", {"keep": "no"})
    untagged = _register(ec2, make_snapshot, "untagged")

    for image_id in (kept, any_team, other_value, untagged):
        ec2.deregister_image(ImageId=image_id)

    assert sorted(_binned_images(ec2)) == sorted([kept, any_team])


def test_exclusion_tags_narrow_a_region_level_rule(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule(
        "EBS_SNAPSHOT",
        7,
        exclude_resource_tags=[{"ResourceTagKey": "scratch", "ResourceTagValue": "true"}],
    )
    kept, scratch = make_snapshot(), make_snapshot()
    ec2.create_tags(Resources=[scratch], Tags=[{"Key": "scratch", "Value": "true"}])

    ec2.delete_snapshot(SnapshotId=kept)
    ec2.delete_snapshot(SnapshotId=scratch)

    assert _binned_snapshots(ec2) == [kept]


def test_the_longest_matching_retention_applies(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 3)
    ec2_emulator.add_recycle_bin_rule(
        "EC2_IMAGE", 30, resource_tags=[{"ResourceTagKey": "keep", "ResourceTagValue": "long"}]
    )
    image_id = _register(ec2, make_snapshot, "long", {"keep": "long"})

    ec2.deregister_image(ImageId=image_id)

    (binned,) = ec2.list_images_in_recycle_bin()["Images"]
    assert binned["RecycleBinExitTime"] == START + timedelta(days=30)


def test_rules_belong_to_their_region_and_resource_type(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7, region="eu-west-1")
    ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id = _register(ec2, make_snapshot, "here")
    snapshot_id = _root_snapshot(ec2, image_id)

    ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert _binned_images(ec2) == [image_id]
    assert _binned_snapshots(ec2) == []
    assert snapshot_id not in _snapshot_ids(ec2)
    assert _binned_images(ec2_emulator.client("eu-west-1")) == []


def test_a_removed_rule_retains_nothing_new_and_keeps_what_it_retained(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    rule = ec2_emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    first = _register(ec2, make_snapshot, "first")
    ec2.deregister_image(ImageId=first)

    ec2_emulator.remove_recycle_bin_rule(rule)
    second = _register(ec2, make_snapshot, "second")
    ec2.deregister_image(ImageId=second)

    assert _binned_images(ec2) == [first]
    assert ec2_emulator.recycle_bin_rules() == []
    with pytest.raises(KeyError):
        ec2_emulator.remove_recycle_bin_rule(rule)


def test_rules_are_described_in_the_rbin_models_terms(ec2_emulator: Ec2Emulator) -> None:
    rule = ec2_emulator.add_recycle_bin_rule(
        "EBS_SNAPSHOT", 10, resource_tags=[{"ResourceTagKey": "k", "ResourceTagValue": "v"}]
    )

    assert re.fullmatch(r"[0-9a-zA-Z]{11}", rule)
    assert ec2_emulator.recycle_bin_rules() == [
        {
            "Identifier": rule,
            "ResourceType": "EBS_SNAPSHOT",
            "RetentionPeriod": {"RetentionPeriodValue": 10, "RetentionPeriodUnit": "DAYS"},
            "ResourceTags": [{"ResourceTagKey": "k", "ResourceTagValue": "v"}],
            "ExcludeResourceTags": [],
        }
    ]


@pytest.mark.parametrize(
    "arguments",
    [
        {"resource_type": "EBS_VOLUME", "retention_days": 7},
        {"resource_type": "EC2_IMAGE", "retention_days": 0},
        {"resource_type": "EC2_IMAGE", "retention_days": 366},
        {
            "resource_type": "EC2_IMAGE",
            "retention_days": 7,
            "resource_tags": [{"ResourceTagKey": "a"}],
            "exclude_resource_tags": [{"ResourceTagKey": "b"}],
        },
        {
            "resource_type": "EC2_IMAGE",
            "retention_days": 7,
            "exclude_resource_tags": [{"ResourceTagKey": str(n)} for n in range(6)],
        },
    ],
)
def test_a_rule_the_rbin_model_rules_out_is_refused(
    ec2_emulator: Ec2Emulator, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        ec2_emulator.add_recycle_bin_rule(**arguments)


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_models_say_what_the_emulator_does() -> None:
    ec2 = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    rbin = botocore.session.get_session().get_service_model("rbin")
    deregister = _doc(ec2.operation_model("DeregisterImage").documentation)
    list_images = ec2.operation_model("ListImagesInRecycleBin").input_shape
    assert list_images is not None
    period: Any = rbin.shape_for("RetentionPeriod")
    create_rule = rbin.operation_model("CreateRule").input_shape
    assert create_rule is not None
    low, high = RETENTION_DAYS_RANGE

    assert "it moves to the Recycle Bin for the specified retention period" in deregister
    assert "If the deregistered AMI doesn't match a retention rule, it is permanently deleted" in (
        deregister
    )
    assert "You can specify up to 20 IDs in a single request" in _doc(
        list_images.members["ImageIds"].documentation
    )
    assert f"EBS snapshots and EBS-backed AMIs: {low} - {high} days" in _doc(
        period.members["RetentionPeriodValue"].documentation
    )
    assert period.members["RetentionPeriodUnit"].enum == ["DAYS"]
    assert rbin.shape_for("RuleIdentifier").metadata["pattern"] == "[0-9a-zA-Z]{11}"
    assert rbin.shape_for("ResourceTags").metadata["max"] == 50
    assert rbin.shape_for("ExcludeResourceTags").metadata["max"] == 5
    assert "You can't specify exclusion tags for tag-level retention rules" in _doc(
        create_rule.members["ExcludeResourceTags"].documentation
    )
