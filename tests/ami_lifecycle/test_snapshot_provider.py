"""VolumeSnapshotProvider against the EC2 emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from ami_lifecycle.adoption import COMPLETE_TAG, TOKEN_PROPERTY, TOKEN_TAG
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider

from .conftest import Aws

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


def test_snapshots_a_volume_tagged_and_waits_for_it(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume(size=20)
    inputs = snapshot_provider.check({}, {"volumeId": volume, "tags": {"team": "platform"}}).inputs
    assert inputs["deleteOnDestroy"] is True
    aws.emulator.clear_requests()

    result = snapshot_provider.create(inputs)

    assert result.outs is not None
    assert result.outs["snapshotId"] == result.id
    assert (result.outs["state"], result.outs["volumeSize"]) == ("completed", 20)
    # First a look for a snapshot this create's token already made (a replayed create adopts
    # it), last the mark that it is finished (never to be adopted again).
    assert aws.calls() == [
        "DescribeSnapshots",
        "CreateSnapshot",
        "DescribeSnapshots",
        "CreateTags",
    ]
    assert aws.emulator.requests[1].params["TagSpecification.1.ResourceType"] == "snapshot"
    [snapshot] = aws.ec2.describe_snapshots(SnapshotIds=[result.id])["Snapshots"]
    assert snapshot["VolumeId"] == volume
    assert {"Key": "team", "Value": "platform"} in snapshot["Tags"]
    assert {"Key": TOKEN_TAG, "Value": inputs[TOKEN_PROPERTY]} in snapshot["Tags"]
    assert {"Key": COMPLETE_TAG, "Value": "true"} in snapshot["Tags"]
    assert result.outs["tags"] == {"team": "platform"}


def test_delete_counts_a_snapshot_its_image_already_deleted_as_done(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    snapshot_id = aws.snapshot()
    aws.ec2.delete_snapshot(SnapshotId=snapshot_id)
    snapshot_provider.delete(snapshot_id, {"deleteOnDestroy": True})


def test_delete_keeps_a_snapshot_another_image_uses(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot_id = aws.snapshot()
    aws.ec2.register_image(
        Name="someone-elses",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
    )
    snapshot_provider.delete(snapshot_id, {"deleteOnDestroy": True})
    assert aws.snapshot_exists(snapshot_id)
    assert "kept: another AMI still uses it" in capsys.readouterr().err


def test_delete_keeps_the_snapshot_when_asked(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    snapshot_id = aws.snapshot()
    snapshot_provider.delete(snapshot_id, {"deleteOnDestroy": False})
    assert aws.snapshot_exists(snapshot_id)


def test_check_refuses_a_missing_volume_before_any_call(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    [failure] = snapshot_provider.check({}, {"volumeId": "snap-0abc"}).failures
    assert (failure.property, failure.reason) == (
        "volumeId",
        "must be an EBS volume id: vol- and 8 or 17 hexadecimal characters, such as "
        "vol-0123456789abcdef0; got 'snap-0abc' (that is a snapshot id).",
    )
    assert aws.calls() == []


def test_delete_keeps_the_snapshot_when_older_state_says_false_as_a_string(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    """State written before inputs were type-checked may hold "false" (a config string)."""
    snapshot_id = aws.snapshot()
    snapshot_provider.delete(snapshot_id, {"deleteOnDestroy": "false"})
    assert aws.snapshot_exists(snapshot_id)


# -- import and refresh ---------------------------------------------------------------------------


def test_import_reads_the_inputs_of_a_snapshot_made_outside_pulumi(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume(size=12)
    snapshot_id = aws.ec2.create_snapshot(
        VolumeId=volume,
        Description="taken by hand",
        TagSpecifications=[
            {"ResourceType": "snapshot", "Tags": [{"Key": "team", "Value": "platform"}]}
        ],
    )["SnapshotId"]

    read = snapshot_provider.read(snapshot_id, {}, {})

    assert read.id == snapshot_id
    assert read.inputs == {
        "volumeId": volume,
        "description": "taken by hand",
        "tags": {"team": "platform"},
        "deleteOnDestroy": True,
    }
    assert read.outs == {
        **read.inputs,
        "snapshotId": snapshot_id,
        "state": "completed",
        "volumeSize": 12,
        "encrypted": False,
    }
    checked = snapshot_provider.check({}, read.inputs)
    assert checked.failures == []
    diff = snapshot_provider.diff(snapshot_id, read.outs, checked.inputs)
    assert (diff.changes, diff.replaces, diff.updates) == (False, [], [])


def test_a_snapshot_without_description_or_tags_imports_without_them(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume()
    snapshot_id = aws.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    read = snapshot_provider.read(snapshot_id, {}, {})
    assert read.inputs == {"volumeId": volume, "deleteOnDestroy": True}
    checked = snapshot_provider.check({}, read.inputs)
    assert checked.failures == []
    assert snapshot_provider.diff(snapshot_id, read.outs, checked.inputs).changes is False


def test_importing_a_snapshot_that_does_not_exist_finds_nothing(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    assert snapshot_provider.read("snap-0123456789abcdef0", {}, {}).id == ""


@pytest.mark.parametrize(
    ("edit", "tags"),
    [
        pytest.param(
            lambda ec2, sid: ec2.create_tags(
                Resources=[sid], Tags=[{"Key": "team", "Value": "data"}]
            ),
            {"team": "data"},
            id="changed",
        ),
        pytest.param(
            lambda ec2, sid: ec2.delete_tags(Resources=[sid], Tags=[{"Key": "team"}]),
            None,
            id="removed",
        ),
    ],
)
def test_refresh_returns_the_tags_aws_reports_so_the_next_up_restores_them(
    aws: Aws,
    snapshot_provider: VolumeSnapshotProvider,
    edit: Callable[[EC2Client, str], object],
    tags: dict[str, str] | None,
) -> None:
    declared = snapshot_provider.check(
        {}, {"volumeId": aws.volume(), "tags": {"team": "platform"}}
    ).inputs
    created = snapshot_provider.create(declared)
    edit(aws.ec2, created.id)

    read = snapshot_provider.read(created.id, created.outs, declared)

    assert read.inputs == {**declared, "tags": tags}
    assert read.outs["tags"] == tags
    diff = snapshot_provider.diff(created.id, read.outs, declared)
    assert (diff.changes, diff.replaces, diff.updates) == (True, [], ["tags"])


def test_refresh_reports_a_snapshot_deleted_outside_pulumi_as_gone(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    declared = snapshot_provider.check({}, {"volumeId": aws.volume()}).inputs
    created = snapshot_provider.create(declared)
    aws.ec2.delete_snapshot(SnapshotId=created.id)
    assert snapshot_provider.read(created.id, created.outs, declared).id == ""
