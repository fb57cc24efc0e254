"""ImageProvider against the EC2 emulator: the calls it makes and what is left in EC2."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle import (
    BackupManagedImageError,
    ImageCreationError,
    ImageNotOwnedError,
    ProtectedImageError,
    SnapshotsLeftBehindError,
)
from ami_lifecycle.provider.image import ImageProvider
from ec2_emulator import COOLDOWN

from .conftest import Aws


def snapshot_image(snapshot_ids: list[str], **overrides: Any) -> dict[str, Any]:
    mappings: list[dict[str, Any]] = [
        {
            "deviceName": "/dev/xvda" if index == 0 else f"/dev/sd{chr(ord('f') + index)}",
            "ebs": {
                "snapshotId": snapshot_id,
                "volumeType": "gp3",
                "iops": 3000.0,
                "volumeInitializationRate": 200.0,
            },
        }
        for index, snapshot_id in enumerate(snapshot_ids)
    ]
    props: dict[str, Any] = {
        "imageName": "golden-test",
        "description": "test image",
        "tags": {"team": "platform"},
        "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
        "blockDeviceMappings": mappings,
    }
    props.update(overrides)
    return props


def checked(provider: ImageProvider, props: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, props)
    assert result.failures == []
    return result.inputs


def create(provider: ImageProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(checked(provider, props))
    assert result.outs is not None
    return result.id, result.outs


# -- create -------------------------------------------------------------------------------------


def test_create_from_snapshots_reads_protection_back_and_marks_the_image_complete(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    aws.emulator.clear_requests()

    image_id, outs = create(image_provider, snapshot_image([root]))

    # The enable call's `Return` is only "true" (the model's reading): the state is read back
    # with DescribeImages. The mark keeps the finished image from ever being adopted again.
    assert aws.calls() == [
        "RegisterImage",
        "DescribeImages",
        "EnableImageDeregistrationProtection",
        "DescribeImages",
        "CreateTags",
    ]
    registered = aws.emulator.requests[0].params
    assert registered["BlockDeviceMapping.1.Ebs.VolumeInitializationRate"] == "200"
    assert registered["TagSpecification.1.ResourceType"] == "image"
    assert "TagSpecification.2.ResourceType" not in registered
    assert outs["imageId"] == image_id
    assert outs["state"] == "available"
    assert outs["protectionState"] == "enabled-without-cooldown"
    assert outs["snapshotIds"] == [root]
    [mapping] = outs["reportedBlockDeviceMappings"]
    # The emulator follows the newest model (no echo); the declared rate is kept.
    assert mapping["ebs"]["volumeInitializationRate"] == 200
    assert mapping["ebs"]["snapshotId"] == root
    stored = aws.emulator.image_details(image_id)
    assert stored["BlockDeviceMappings"][0]["Ebs"]["VolumeInitializationRate"] == 200
    described = aws.ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert described["DeregistrationProtection"] == "enabled-without-cooldown"


def test_create_reads_the_rate_back_when_aws_reports_it(
    aws: Aws, image_provider: ImageProvider
) -> None:
    aws.emulator.update_settings(echo_volume_initialization_rate=True)
    _, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    assert outs["reportedBlockDeviceMappings"][0]["ebs"]["volumeInitializationRate"] == 200


def test_create_with_cooldown_and_without_protection(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    _, cooled = create(
        image_provider, snapshot_image([root], deregistrationProtection="enabled-with-cooldown")
    )
    assert cooled["protectionState"] == "enabled-with-cooldown"
    aws.emulator.clear_requests()
    _, open_image = create(
        image_provider,
        snapshot_image([root], imageName="open-image", deregistrationProtection="disabled"),
    )
    assert open_image["protectionState"] == "disabled"
    assert aws.calls() == ["RegisterImage", "DescribeImages", "CreateTags"]


def test_create_from_instance_snapshots_its_volumes_and_tags_them(
    aws: Aws, image_provider: ImageProvider
) -> None:
    instance = aws.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    instance_id = instance["Instances"][0]["InstanceId"]
    props = {
        "imageName": "from-instance",
        "tags": {"team": "platform"},
        "fromInstance": {"instanceId": instance_id, "noReboot": True},
    }
    image_id, outs = create(image_provider, props)

    create_call = next(r for r in aws.emulator.requests if r.action == "CreateImage")
    assert create_call.params["NoReboot"] == "true"
    assert {
        create_call.params["TagSpecification.1.ResourceType"],
        create_call.params["TagSpecification.2.ResourceType"],
    } == {"image", "snapshot"}
    assert outs["snapshotIds"]
    snapshots = aws.ec2.describe_snapshots(SnapshotIds=outs["snapshotIds"])["Snapshots"]
    for snapshot in snapshots:
        assert {"Key": "team", "Value": "platform"} in snapshot.get("Tags", [])
        assert f"for {image_id}" in snapshot["Description"]


def test_a_failed_image_is_undone_without_touching_the_callers_snapshot(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    aws.emulator.update_settings(pending_seconds=30)
    aws.emulator.fail_next_image(
        "Client.InvalidSnapshot.NotFound", "The specified snapshot was not found."
    )

    with pytest.raises(ImageCreationError) as failed:
        create(image_provider, snapshot_image([root]))

    message = str(failed.value)
    assert message.startswith(
        "creating EC2 AMI (golden-test): waiting for completion: state failed"
    )
    assert "The specified snapshot was not found." in message
    assert "undone: deregistered ami-" in message
    assert "your snapshots were kept" in message
    assert aws.snapshot_exists(root)
    assert aws.ec2.describe_images(Owners=["self"])["Images"] == []
    deregistration = next(r for r in aws.emulator.requests if r.action == "DeregisterImage")
    assert deregistration.params.get("DeleteAssociatedSnapshots") == "false"
    # The waiter backed off while the image was pending instead of polling every second.
    assert 1 < len(aws.time.sleeps) < 30


def test_a_failed_image_from_an_instance_takes_its_own_snapshots_with_it(
    aws: Aws, image_provider: ImageProvider
) -> None:
    instance = aws.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    before = {s["SnapshotId"] for s in aws.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    aws.emulator.fail_next_image("Client.InstanceTerminated", "The instance was terminated.")

    with pytest.raises(ImageCreationError) as failed:
        create(
            image_provider,
            {
                "imageName": "from-instance",
                "fromInstance": {"instanceId": instance["Instances"][0]["InstanceId"]},
            },
        )

    assert "and deleted the snapshots CreateImage made" in str(failed.value)
    after = {s["SnapshotId"] for s in aws.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert after == before


def test_a_duplicate_name_says_to_choose_another(aws: Aws, image_provider: ImageProvider) -> None:
    root = aws.snapshot()
    theirs, _ = create(image_provider, snapshot_image([root], description="another stack's"))
    with pytest.raises(ImageCreationError) as refused:
        create(image_provider, snapshot_image([root]))
    assert str(refused.value) == (
        "creating EC2 AMI (golden-test): an AMI with this name already exists in the Region, "
        "and AMI names are unique per Region: choose another imageName (a replacement needs a "
        f"new name too); or, if {theirs} (deregistration protection: enabled-without-cooldown) "
        "is not needed, remove it with `aws ec2 disable-image-deregistration-protection "
        f"--image-id {theirs}` (it is protected: enabled-without-cooldown), then `aws ec2 "
        f"deregister-image --image-id {theirs}`."
    )


def test_a_finished_image_of_the_same_declaration_is_never_adopted(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """What `pulumi up --replace` meets: its create derives its predecessor's token."""
    root = aws.snapshot()
    first, _ = create(image_provider, snapshot_image([root], deregistrationProtection="disabled"))
    with pytest.raises(ImageCreationError) as refused:
        create(image_provider, snapshot_image([root], deregistrationProtection="disabled"))
    assert (
        f"{first} (deregistration protection: disabled) has this name and was made by a "
        "finished create of this very resource and inputs"
    ) in str(refused.value)
    assert [i["ImageId"] for i in aws.ec2.describe_images(Owners=["self"])["Images"]] == [first]


def test_check_refuses_bad_input_before_any_aws_call(
    aws: Aws, image_provider: ImageProvider
) -> None:
    props = snapshot_image(["snap-0123456789abcdef1"])
    props["blockDeviceMappings"][0]["ebs"]["volumeInitializationRate"] = 400
    result = image_provider.check({}, props)
    assert [(f.property, f.reason) for f in result.failures] == [
        (
            "blockDeviceMappings[0].ebs.volumeInitializationRate",
            "must be 100-300 MiB/s, got 400 (source: botocore EC2 model, "
            "EbsBlockDevice.VolumeInitializationRate).",
        )
    ]
    assert aws.calls() == []


def test_check_fills_the_safe_defaults(image_provider: ImageProvider) -> None:
    inputs = checked(image_provider, snapshot_image(["snap-0123456789abcdef1"]))
    assert inputs["deregistrationProtection"] == "enabled"
    assert inputs["deleteSnapshotsOnDestroy"] is True


# -- diff, update, refresh ----------------------------------------------------------------------


def test_diff_replaces_what_aws_cant_change_and_updates_the_rest(
    image_provider: ImageProvider,
) -> None:
    olds = checked(
        image_provider,
        snapshot_image(["snap-0123456789abcdef1"], deregistrationProtection="disabled"),
    )
    same = checked(
        image_provider,
        snapshot_image(["snap-0123456789abcdef1"], deregistrationProtection="disabled"),
    )
    same["blockDeviceMappings"][0]["ebs"]["iops"] = 3000  # 3000 == 3000.0: no change
    assert image_provider.diff("ami-1", olds, same).changes is False

    protection = {**olds, "deregistrationProtection": "enabled", "tags": {"team": "x"}}
    diff = image_provider.diff("ami-1", olds, protection)
    assert (diff.changes, diff.replaces) == (True, [])

    rate = checked(
        image_provider,
        snapshot_image(["snap-0123456789abcdef1"], deregistrationProtection="disabled"),
    )
    rate["blockDeviceMappings"][0]["ebs"]["volumeInitializationRate"] = 300
    assert image_provider.diff("ami-1", olds, rate).replaces == ["blockDeviceMappings"]
    assert image_provider.diff("ami-1", olds, {**olds, "imageName": "v2"}).replaces == ["imageName"]

    preview = checked(image_provider, snapshot_image([UNKNOWN]))
    assert image_provider.diff("ami-1", olds, preview).replaces == ["blockDeviceMappings"]


@pytest.mark.parametrize(
    ("recorded", "advice"),
    [
        (
            "enabled-without-cooldown",
            'Do it in two steps: set its deregistrationProtection to "disabled" with imageName '
            "as it is now, run `pulumi up`; then change imageName and run `pulumi up` again.",
        ),
        (
            "enabled-with-cooldown",
            "Its protection has the 24-hour cooldown: after the first `pulumi up`, the second is "
            "refused until the cooldown ends.",
        ),
        (
            "disabled after 2099-01-01T00:00:00Z",
            "Protection is off, but its 24-hour cooldown runs until 2099-01-01 00:00:00 UTC: run "
            "`pulumi up` again after that time.",
        ),
    ],
)
def test_a_replacement_the_protection_would_refuse_is_refused_before_anything_is_made(
    image_provider: ImageProvider, recorded: str, advice: str
) -> None:
    olds = {
        **checked(image_provider, snapshot_image(["snap-0123456789abcdef1"])),
        "protectionState": recorded,
    }
    # Unprotected in the same change: the image on record is still protected.
    news = {**olds, "imageName": "v2", "deregistrationProtection": "disabled"}
    with pytest.raises(ProtectedImageError) as refused:
        image_provider.diff("ami-1", olds, news)
    message = str(refused.value)
    assert message.startswith(
        "replacing EC2 AMI (golden-test, ami-1): changing imageName replaces the AMI: the new "
        "one is made first, then this one is deregistered, which its deregistration protection "
        f"({recorded}) refuses. Nothing was changed."
    )
    assert advice in message


def test_a_replacement_of_an_image_whose_cooldown_is_over_goes_ahead(
    image_provider: ImageProvider,
) -> None:
    olds = {
        **checked(image_provider, snapshot_image(["snap-0123456789abcdef1"])),
        "protectionState": "disabled after 2000-01-01T00:00:00Z",
    }
    assert image_provider.diff("ami-1", olds, {**olds, "imageName": "v2"}).replaces == ["imageName"]


def test_update_turns_protection_off_then_on_with_cooldown(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.emulator.clear_requests()

    news = checked(
        image_provider,
        {**snapshot_image(outs["snapshotIds"]), "deregistrationProtection": "disabled"},
    )
    off = image_provider.update(image_id, outs, news).outs
    assert off is not None
    assert off["protectionState"] == "disabled"
    assert aws.calls() == ["DisableImageDeregistrationProtection", "DescribeImages"]

    aws.emulator.clear_requests()
    news = {
        **news,
        "deregistrationProtection": "enabled-with-cooldown",
        "description": "v2",
        "tags": {"team": "platform", "tier": "gold"},
    }
    on = image_provider.update(image_id, off, news).outs
    assert on is not None
    assert on["protectionState"] == "enabled-with-cooldown"
    assert aws.calls() == [
        "EnableImageDeregistrationProtection",
        "ModifyImageAttribute",
        "CreateTags",
        "DescribeImages",
    ]
    described = aws.ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert described["Description"] == "v2"
    assert {"Key": "tier", "Value": "gold"} in described["Tags"]


def test_refresh_shows_no_difference_after_create(aws: Aws, image_provider: ImageProvider) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    read = image_provider.read(image_id, outs)
    assert read.id == image_id
    assert read.outs is not None
    assert (
        image_provider.diff(
            image_id, read.outs, checked(image_provider, snapshot_image(outs["snapshotIds"]))
        ).changes
        is False
    )
    assert read.outs["reportedBlockDeviceMappings"] == outs["reportedBlockDeviceMappings"]


def test_refresh_sees_protection_turned_off_outside_pulumi(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.ec2.disable_image_deregistration_protection(ImageId=image_id)
    read = image_provider.read(image_id, outs)
    assert read.outs is not None
    assert read.outs["deregistrationProtection"] == "disabled"
    diff = image_provider.diff(
        image_id, read.outs, checked(image_provider, snapshot_image(outs["snapshotIds"]))
    )
    assert (diff.changes, diff.replaces) == (True, [])  # the next `up` turns it back on


def test_refresh_reports_an_image_deregistered_outside_pulumi_as_gone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(
        image_provider, snapshot_image([aws.snapshot()], deregistrationProtection="disabled")
    )
    aws.ec2.deregister_image(ImageId=image_id)
    assert image_provider.read(image_id, outs).id == ""


# -- delete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 8])
def test_delete_is_three_calls_whatever_the_number_of_snapshots(
    aws: Aws, image_provider: ImageProvider, count: int
) -> None:
    snapshots = [aws.snapshot() for _ in range(count)]
    image_id, outs = create(
        image_provider, snapshot_image(snapshots, deregistrationProtection="disabled")
    )
    aws.emulator.clear_requests()

    image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    assert aws.emulator.requests[2].params["DeleteAssociatedSnapshots"] == "true"
    assert not any(aws.snapshot_exists(s) for s in snapshots)


def test_delete_keeps_a_snapshot_another_image_uses(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    shared, own = aws.snapshot(), aws.snapshot()
    image_id, outs = create(
        image_provider, snapshot_image([shared, own], deregistrationProtection="disabled")
    )
    create(image_provider, snapshot_image([shared], imageName="other-image"))

    image_provider.delete(image_id, outs)

    assert aws.snapshot_exists(shared)
    assert not aws.snapshot_exists(own)
    log = capsys.readouterr().err
    assert f"{shared}: skipped (kept: another AMI still uses it)" in log
    assert f"{own}: success (deleted)" in log


@pytest.mark.parametrize("code", ["missing-permissions", "internal-error", "client-error"])
def test_a_snapshot_aws_could_not_delete_is_listed_and_retried(
    aws: Aws, image_provider: ImageProvider, code: str
) -> None:
    stuck, fine = aws.snapshot(), aws.snapshot()
    image_id, outs = create(
        image_provider, snapshot_image([stuck, fine], deregistrationProtection="disabled")
    )
    aws.emulator.inject_snapshot_failure(stuck, code)

    with pytest.raises(SnapshotsLeftBehindError) as left:
        image_provider.delete(image_id, outs)

    assert left.value.left_behind == {stuck: code}
    message = str(left.value)
    assert message.startswith(
        f"deleting EC2 AMI ({image_id}): the AMI was deregistered but 1 snapshot(s)"
    )
    assert f"{stuck}: {code}" in message
    if code == "missing-permissions":
        assert "ec2:DeleteSnapshot" in message
    assert aws.snapshot_exists(stuck)
    assert not aws.snapshot_exists(fine)

    # `pulumi destroy` again: the image is gone, the recorded snapshot is cleaned up.
    aws.emulator.clear_requests()
    image_provider.delete(image_id, outs)
    assert aws.calls() == ["DescribeImages", "DescribeSnapshots", "DeleteSnapshot"]
    assert not aws.snapshot_exists(stuck)


def test_delete_refuses_a_protected_image_and_says_what_to_do(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    image_id, outs = create(image_provider, snapshot_image([root]))
    aws.emulator.clear_requests()

    with pytest.raises(ProtectedImageError) as refused:
        image_provider.delete(image_id, outs)

    assert str(refused.value) == (
        f"deleting EC2 AMI ({image_id}): deregistration protection is on "
        "(enabled-without-cooldown). To delete 'golden-test', set its deregistrationProtection "
        'to "disabled", run `pulumi up`, then run `pulumi destroy` again.'
    )
    assert aws.calls() == ["DescribeImages"]
    assert aws.snapshot_exists(root)


def test_cooldown_holds_the_image_for_24_hours_after_protection_is_off(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(
        image_provider,
        snapshot_image([aws.snapshot()], deregistrationProtection="enabled-with-cooldown"),
    )
    with pytest.raises(ProtectedImageError, match="enabled with the 24-hour cooldown"):
        image_provider.delete(image_id, outs)

    news = checked(
        image_provider,
        {**snapshot_image(outs["snapshotIds"]), "deregistrationProtection": "disabled"},
    )
    outs = image_provider.update(image_id, outs, news).outs or {}
    ends = aws.now() + COOLDOWN
    with pytest.raises(ProtectedImageError) as refused:
        image_provider.delete(image_id, outs)
    assert f"cooldown runs until {ends:%Y-%m-%d %H:%M:%S} UTC" in str(refused.value)

    aws.emulator.advance_clock(COOLDOWN.total_seconds() + 1)
    image_provider.delete(image_id, outs)
    assert aws.ec2.describe_images(Owners=["self"])["Images"] == []


def test_delete_is_idempotent(aws: Aws, image_provider: ImageProvider) -> None:
    image_id, outs = create(
        image_provider, snapshot_image([aws.snapshot()], deregistrationProtection="disabled")
    )
    image_provider.delete(image_id, outs)
    aws.emulator.clear_requests()
    image_provider.delete(image_id, outs)
    assert aws.calls() == ["DescribeImages", "DescribeSnapshots"]


def test_delete_without_deleting_snapshots_keeps_them(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    image_id, outs = create(
        image_provider,
        snapshot_image([root], deregistrationProtection="disabled", deleteSnapshotsOnDestroy=False),
    )
    image_provider.delete(image_id, outs)
    assert aws.emulator.requests[-1].params["DeleteAssociatedSnapshots"] == "false"
    assert aws.snapshot_exists(root)


def test_an_image_of_another_account_is_not_ours_to_delete(
    aws: Aws, image_provider: ImageProvider
) -> None:
    foreign = aws.emulator.seed_foreign_image(public=True)
    with pytest.raises(ImageNotOwnedError, match="only its owner can deregister it"):
        image_provider.delete(foreign, {"deleteSnapshotsOnDestroy": True})


def test_an_aws_backup_image_points_to_aws_backup(aws: Aws, image_provider: ImageProvider) -> None:
    backup = aws.emulator.seed_backup_image()
    aws.emulator.clear_requests()
    with pytest.raises(
        BackupManagedImageError, match="delete its recovery point in the AWS Backup vault"
    ):
        image_provider.delete(backup, {})
    assert aws.calls() == ["DescribeImages"]


def test_check_accepts_the_snapshot_the_component_made_in_place_of_a_volume(
    image_provider: ImageProvider,
) -> None:
    props = snapshot_image(["snap-0ade0ade0ade0ade0"])
    assert image_provider.check({}, props, in_component=True).failures == []
    # The component hands on the snapshot instead of the volume, never both.
    props["blockDeviceMappings"][0]["ebs"]["volumeId"] = "vol-05005005005005005"
    [failure] = image_provider.check({}, props, in_component=True).failures
    assert failure.property == "blockDeviceMappings[0].ebs.volumeId"
    assert failure.reason.startswith("set snapshotId or volumeId, not both")


def test_check_refuses_a_volume_on_an_image_declared_alone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    props = snapshot_image(["snap-0123456789abcdef1"])
    props["blockDeviceMappings"][0]["ebs"] = {
        "volumeId": "vol-05005005005005005",
        "volumeType": "gp3",
    }
    [failure] = image_provider.check({}, props).failures
    assert failure.property == "blockDeviceMappings[0].ebs.volumeId"
    assert "is taken only by a MachineImage" in failure.reason
    assert aws.calls() == []


def test_delete_keeps_snapshots_when_older_state_says_false_as_a_string(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """State written before inputs were type-checked may hold "false" (a config string)."""
    root = aws.snapshot()
    image_id, outs = create(
        image_provider, snapshot_image([root], deregistrationProtection="disabled")
    )
    image_provider.delete(image_id, {**outs, "deleteSnapshotsOnDestroy": "false"})
    assert aws.ec2.describe_images(Owners=["self"])["Images"] == []
    assert aws.snapshot_exists(root)


def test_refresh_reads_state_written_before_inputs_were_type_checked(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """Older state may hold values check now refuses (a number as a tag value): refresh still
    works, and keeps the declared initialization rate AWS doesn't report."""
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    old_state = {**outs, "tags": {"team": 2.0}, "deleteSnapshotsOnDestroy": "false"}

    result = image_provider.read(image_id, old_state)

    assert result.id == image_id
    assert result.outs is not None
    [mapping] = result.outs["reportedBlockDeviceMappings"]
    assert mapping["ebs"]["volumeInitializationRate"] == 200


# -- import: an image Pulumi did not create ------------------------------------------------------


def register_by_hand(aws: Aws) -> tuple[str, str, str]:
    """An AMI registered outside Pulumi, with every kind of device: its id and its snapshots."""
    root, data = aws.snapshot(), aws.snapshot(size=20)
    image_id = aws.ec2.register_image(
        Name="legacy-golden",
        Description="registered by hand",
        RootDeviceName="/dev/xvda",
        Architecture="arm64",
        BootMode="uefi",
        VirtualizationType="hvm",
        EnaSupport=True,
        ImdsSupport="v2.0",
        TpmSupport="v2.0",
        SriovNetSupport="simple",
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "SnapshotId": root,
                    "VolumeType": "gp3",
                    "Iops": 4000,
                    "Throughput": 250,
                    "DeleteOnTermination": True,
                },
            },
            {
                "DeviceName": "/dev/sdf",
                "Ebs": {
                    "SnapshotId": data,
                    "VolumeType": "io2",
                    "Iops": 1000,
                    "VolumeSize": 30,
                    "DeleteOnTermination": False,
                },
            },
            {
                "DeviceName": "/dev/sdg",
                "Ebs": {"VolumeSize": 10, "VolumeType": "gp2", "Encrypted": True},
            },
            {"DeviceName": "/dev/sdh", "VirtualName": "ephemeral0"},
            {"DeviceName": "/dev/sdi", "NoDevice": ""},
        ],
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "team", "Value": "platform"}]}
        ],
    )["ImageId"]
    aws.ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    return image_id, root, data


def test_import_reads_every_input_from_describe_images(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, root, data = register_by_hand(aws)
    aws.emulator.clear_requests()

    read = image_provider.read(image_id, {}, {})

    assert read.id == image_id
    assert aws.calls() == ["DescribeImages", "DescribeImageAttribute"]
    assert read.inputs == {
        "imageName": "legacy-golden",
        "description": "registered by hand",
        "tags": {"team": "platform"},
        "deregistrationProtection": "enabled-with-cooldown",
        "deleteSnapshotsOnDestroy": True,
        "fromSnapshots": {
            "rootDeviceName": "/dev/xvda",
            "architecture": "arm64",
            "bootMode": "uefi",
            "virtualizationType": "hvm",
            "enaSupport": True,
            "tpmSupport": "v2.0",
            "imdsSupport": "v2.0",
            "sriovNetSupport": "simple",
        },
        "blockDeviceMappings": [
            # Beside a snapshot, `encrypted` is left out (AWS refuses it there, whatever its value).
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "snapshotId": root,
                    "volumeSize": 8,
                    "volumeType": "gp3",
                    "iops": 4000,
                    "throughput": 250,
                    "deleteOnTermination": True,
                },
            },
            {
                "deviceName": "/dev/sdf",
                "ebs": {
                    "snapshotId": data,
                    "volumeSize": 30,
                    "volumeType": "io2",
                    "iops": 1000,
                    "deleteOnTermination": False,
                },
            },
            {
                "deviceName": "/dev/sdg",
                "ebs": {
                    "volumeSize": 10,
                    "volumeType": "gp2",
                    "deleteOnTermination": True,
                    "encrypted": True,
                },
            },
            {"deviceName": "/dev/sdh", "virtualName": "ephemeral0"},
            {"deviceName": "/dev/sdi", "noDevice": True},
        ],
    }
    # The state holds the inputs beside the outputs, as after a create.
    assert {k: read.outs[k] for k in read.inputs} == read.inputs
    assert read.outs["imageId"] == image_id
    assert read.outs["protectionState"] == "enabled-with-cooldown"
    assert read.outs["snapshotIds"] == [root, data]


def test_an_imported_image_passes_check_and_the_next_up_shows_no_diff(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, _, _ = register_by_hand(aws)
    read = image_provider.read(image_id, {}, {})

    checked = image_provider.check({}, read.inputs)

    assert checked.failures == []
    diff = image_provider.diff(image_id, read.outs, checked.inputs)
    assert (diff.changes, diff.replaces, diff.updates) == (False, [], [])


def test_an_unprotected_image_without_description_or_tags_imports_as_it_is(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    image_id = aws.ec2.register_image(
        Name="bare-image",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": root}}],
    )["ImageId"]

    read = image_provider.read(image_id, {}, {})

    assert read.inputs["deregistrationProtection"] == "disabled"
    assert "description" not in read.inputs
    assert "tags" not in read.inputs
    # Check's default ("enabled") applies only where nothing is declared: the import keeps
    # what AWS has, and the next `up` turns nothing on.
    checked = image_provider.check({}, read.inputs)
    assert checked.failures == []
    assert checked.inputs["deregistrationProtection"] == "disabled"
    assert image_provider.diff(image_id, read.outs, checked.inputs).changes is False


def test_importing_an_image_that_does_not_exist_finds_nothing(
    aws: Aws, image_provider: ImageProvider
) -> None:
    assert image_provider.read("ami-0123456789abcdef0", {}, {}).id == ""


# -- refresh: what changed outside Pulumi --------------------------------------------------------


def test_refresh_returns_the_drifted_inputs_so_the_next_up_restores_them(
    aws: Aws, image_provider: ImageProvider
) -> None:
    declared = checked(image_provider, snapshot_image([aws.snapshot()]))
    created = image_provider.create(declared)
    image_id = created.id
    aws.ec2.disable_image_deregistration_protection(ImageId=image_id)
    aws.ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "edited by hand"})
    aws.ec2.create_tags(
        Resources=[image_id],
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "owner", "Value": "someone"}],
    )

    read = image_provider.read(image_id, created.outs, declared)

    drifted = {
        "deregistrationProtection": "disabled",
        "description": "edited by hand",
        "tags": {"team": "data", "owner": "someone"},
    }
    assert read.inputs == {**declared, **drifted}
    assert {k: read.outs[k] for k in drifted} == drifted
    assert read.outs["protectionState"] == "disabled"
    diff = image_provider.diff(image_id, read.outs, declared)
    assert (diff.changes, diff.replaces) == (True, [])
    assert sorted(diff.updates) == ["deregistrationProtection", "description", "tags"]


def test_refresh_sees_every_tag_removed_outside_pulumi(
    aws: Aws, image_provider: ImageProvider
) -> None:
    declared = checked(image_provider, snapshot_image([aws.snapshot()]))
    created = image_provider.create(declared)
    aws.ec2.delete_tags(Resources=[created.id], Tags=[{"Key": "team"}])

    read = image_provider.read(created.id, created.outs, declared)

    assert read.inputs["tags"] is None
    assert read.outs["tags"] is None
    assert image_provider.diff(created.id, read.outs, declared).updates == ["tags"]
