"""VolumeSnapshotProvider against the EC2 emulator."""

from __future__ import annotations

import pytest

from ami_lifecycle.adoption import TOKEN_PROPERTY, TOKEN_TAG
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider

from .conftest import Aws


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
    # First a look for a snapshot this create's token already made (a replayed create adopts it).
    assert aws.calls() == ["DescribeSnapshots", "CreateSnapshot", "DescribeSnapshots"]
    assert aws.emulator.requests[1].params["TagSpecification.1.ResourceType"] == "snapshot"
    [snapshot] = aws.ec2.describe_snapshots(SnapshotIds=[result.id])["Snapshots"]
    assert snapshot["VolumeId"] == volume
    assert {"Key": "team", "Value": "platform"} in snapshot["Tags"]
    assert {"Key": TOKEN_TAG, "Value": inputs[TOKEN_PROPERTY]} in snapshot["Tags"]


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
        "must be an EBS volume id (vol-…), got 'snap-0abc'.",
    )
    assert aws.calls() == []


def test_delete_keeps_the_snapshot_when_older_state_says_false_as_a_string(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    """State written before inputs were type-checked may hold "false" (a config string)."""
    snapshot_id = aws.snapshot()
    snapshot_provider.delete(snapshot_id, {"deleteOnDestroy": "false"})
    assert aws.snapshot_exists(snapshot_id)
