"""Creating images and snapshots when the network, EC2's consistency or the process fail.

Each test injects one fault at botocore's send layer (tests/faults.py) and asserts what is left
in the emulator: never a leaked image or snapshot, and a message that names the failed step.
"""

from __future__ import annotations

from typing import Any

import pytest

from ami_lifecycle import ImageCreationError
from ami_lifecycle.adoption import TOKEN_PROPERTY, TOKEN_TAG
from ami_lifecycle.errors import SnapshotOperationError
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from tests import faults

from .conftest import Aws
from .test_image_provider import checked, snapshot_image


def images(aws: Aws) -> list[Any]:
    return list(aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"])


def snapshots_of(aws: Aws, volume_id: str) -> list[str]:
    found = aws.ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume_id]}]
    )["Snapshots"]
    return sorted(s["SnapshotId"] for s in found)


# -- the token --------------------------------------------------------------------------------


def test_check_keeps_the_token_for_updates_and_mints_one_for_replacements(
    image_provider: ImageProvider, snapshot_provider: VolumeSnapshotProvider
) -> None:
    olds = checked(image_provider, snapshot_image(["snap-0123456789abcdef0"]))
    updated = image_provider.check(
        olds, {**snapshot_image(["snap-0123456789abcdef0"]), "description": "v2"}
    )
    replaced = image_provider.check(
        olds, snapshot_image(["snap-0123456789abcdef0"], imageName="other")
    )
    assert updated.inputs[TOKEN_PROPERTY] == olds[TOKEN_PROPERTY]
    assert replaced.inputs[TOKEN_PROPERTY] != olds[TOKEN_PROPERTY]

    snapshot_olds = snapshot_provider.check({}, {"volumeId": "vol-1", "tags": {"a": "1"}}).inputs
    retagged = snapshot_provider.check(snapshot_olds, {"volumeId": "vol-1", "tags": {"a": "2"}})
    moved = snapshot_provider.check(snapshot_olds, {"volumeId": "vol-2"})
    assert retagged.inputs[TOKEN_PROPERTY] == snapshot_olds[TOKEN_PROPERTY]
    assert moved.inputs[TOKEN_PROPERTY] != snapshot_olds[TOKEN_PROPERTY]


# -- images: lost answers and duplicate names ----------------------------------------------------


def test_a_lost_register_answer_adopts_the_image_it_made(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    root = aws.snapshot()
    inputs = checked(image_provider, snapshot_image([root]))

    with faults.lose_responses(aws.ec2, "RegisterImage") as lost:
        result = image_provider.create(inputs)

    assert lost.fired == ["RegisterImage"]
    # botocore retried; the retry met the first attempt's image.
    assert [r.action for r in aws.emulator.requests].count("RegisterImage") == 2
    [image] = images(aws)
    assert result.id == image["ImageId"]
    assert image["DeregistrationProtection"] == "enabled-without-cooldown"
    assert {"Key": TOKEN_TAG, "Value": inputs[TOKEN_PROPERTY]} in image["Tags"]
    assert f"RegisterImage's answer was lost but its image exists: adopting {result.id}" in (
        capsys.readouterr().err
    )


def test_a_replayed_create_adopts_what_the_interrupted_one_registered(
    aws: Aws, image_provider: ImageProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted run registered the image and died; the same checked inputs adopt it."""
    root = aws.snapshot()
    inputs = checked(image_provider, snapshot_image([root]))
    aws.emulator.update_settings(pending_seconds=30)

    def die(message: str) -> None:
        raise KeyboardInterrupt(message)

    # Interrupted while waiting: the image is undone, nothing is left.
    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt) as interrupted:
        patched.setattr(image_provider, "reporter", lambda _subject: die)
        image_provider.create(inputs)
    assert images(aws) == []
    assert any("interrupted; undone: deregistered ami-" in n for n in interrupted.value.__notes__)

    # A process killed outright can't undo: its image is still there when the create is replayed.
    orphan = aws.ec2.register_image(
        Name="golden-test",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": root}}],
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": TOKEN_TAG, "Value": inputs[TOKEN_PROPERTY]}]}
        ],
    )["ImageId"]
    result = image_provider.create(inputs)
    assert result.id == orphan
    assert [i["ImageId"] for i in images(aws)] == [orphan]


def test_someone_elses_image_of_that_name_is_named_not_adopted(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    theirs = aws.ec2.register_image(
        Name="golden-test",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": root}}],
    )["ImageId"]

    with pytest.raises(ImageCreationError) as refused:
        image_provider.create(checked(image_provider, snapshot_image([root])))

    assert str(refused.value) == (
        f"creating EC2 AMI (golden-test): an AMI with this name ({theirs}) already exists in "
        "the Region, and AMI names are unique per Region: choose another imageName (a "
        f"replacement needs a new name too), or deregister {theirs} if it is not needed."
    )
    assert [i["ImageId"] for i in images(aws)] == [theirs]


def test_register_answers_lost_on_every_attempt_still_find_the_image(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    with faults.lose_responses(aws.ec2, "RegisterImage", times=None) as lost:
        result = image_provider.create(checked(image_provider, snapshot_image([root])))
    assert len(lost.fired) > 1  # botocore's retries ran out
    assert [i["ImageId"] for i in images(aws)] == [result.id]


def test_register_that_never_reached_ec2_says_nothing_was_left(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    with (
        faults.refuse_requests(aws.ec2, "RegisterImage"),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(checked(image_provider, snapshot_image([root])))
    assert str(failed.value).startswith("creating EC2 AMI (golden-test): RegisterImage: ")
    assert "Could not connect to the endpoint URL" in str(failed.value)
    assert str(failed.value).endswith(
        "no image of this name was found afterwards, so nothing was left behind: "
        "run `pulumi up` again."
    )
    assert images(aws) == []


# -- images: every failure after registration is undone -----------------------------------------


def test_a_connection_lost_during_the_wait_undoes_the_image(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    aws.emulator.update_settings(pending_seconds=30)
    inputs = checked(image_provider, snapshot_image([root]))

    with faults.refuse_requests(aws.ec2, "DescribeImages"), pytest.raises(ImageCreationError) as e:
        image_provider.create(inputs)

    message = str(e.value)
    assert message.startswith("creating EC2 AMI (golden-test): waiting for completion: ")
    assert "Could not connect to the endpoint URL" in message
    assert "undone: deregistered ami-" in message
    assert "your snapshots were kept" in message
    assert images(aws) == []
    assert aws.snapshot_exists(root)


def test_a_failed_protection_call_is_named_and_undone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    with (
        faults.refuse_requests(aws.ec2, "EnableImageDeregistrationProtection"),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(checked(image_provider, snapshot_image([root])))
    assert str(failed.value).startswith(
        "creating EC2 AMI (golden-test): enabling deregistration protection: "
    )
    assert images(aws) == []


def test_a_broken_log_pipe_is_a_failure_that_is_undone(
    aws: Aws, image_provider: ImageProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_message: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(image_provider, "reporter", lambda _subject: broken)
    with pytest.raises(ImageCreationError) as failed:
        image_provider.create(checked(image_provider, snapshot_image([aws.snapshot()])))
    assert "Broken pipe" in str(failed.value)
    assert "undone: deregistered ami-" in str(failed.value)
    assert images(aws) == []


def test_a_protected_image_whose_read_back_fails_is_unprotected_and_undone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    inputs = checked(image_provider, snapshot_image([root]))
    cut = faults.refuse_requests(aws.ec2, "DescribeImages")

    with (
        faults.once_answered(aws.ec2, "EnableImageDeregistrationProtection", cut),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(inputs)

    assert str(failed.value).startswith(
        "creating EC2 AMI (golden-test): reading back deregistration protection: "
    )
    actions = [r.action for r in aws.emulator.requests]
    assert actions[-2:] == ["DisableImageDeregistrationProtection", "DeregisterImage"]
    assert images(aws) == []


# -- eventual consistency -----------------------------------------------------------------------


def test_an_image_not_visible_yet_is_waited_for(aws: Aws, image_provider: ImageProvider) -> None:
    root = aws.snapshot()
    with faults.answer_error(
        aws.ec2, "DescribeImages", code="InvalidAMIID.NotFound", times=3
    ) as hidden:
        result = image_provider.create(checked(image_provider, snapshot_image([root])))
    assert hidden.fired == ["DescribeImages"] * 3
    assert [i["ImageId"] for i in images(aws)] == [result.id]
    assert result.outs is not None and result.outs["state"] == "available"


def test_an_image_that_stays_missing_fails_after_the_grace_period(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    with (
        faults.answer_error(aws.ec2, "DescribeImages", code="InvalidAMIID.NotFound", times=None),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(checked(image_provider, snapshot_image([root])))
    assert "waiting for completion: state gone: the image no longer exists" in str(failed.value)
    assert 120 <= sum(aws.time.sleeps) < 150  # the grace period, then one poll more at most
    assert images(aws) == []


# -- protection read back -----------------------------------------------------------------------


def test_switching_between_the_two_protected_settings_is_never_skipped(
    aws: Aws, image_provider: ImageProvider
) -> None:
    props = snapshot_image([aws.snapshot()])
    created = image_provider.create(checked(image_provider, props))
    olds = created.outs
    assert olds is not None

    for wanted, reported in [
        ("enabled-with-cooldown", "enabled-with-cooldown"),
        ("enabled", "enabled-without-cooldown"),
    ]:
        news = checked(image_provider, {**props, "deregistrationProtection": wanted})
        olds = image_provider.update(created.id, olds, news).outs
        assert olds is not None
        assert olds["protectionState"] == reported
        described = aws.ec2.describe_images(ImageIds=[created.id])["Images"][0]
        assert described["DeregistrationProtection"] == reported


def test_a_recorded_state_that_is_not_awss_own_string_is_asked_again(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """Older versions stored the enable call's `Return` ("true") as the protection state."""
    props = snapshot_image([aws.snapshot()], deregistrationProtection="enabled-with-cooldown")
    created = image_provider.create(checked(image_provider, props))
    assert created.outs is not None
    olds = {**created.outs, "protectionState": "true"}
    news = checked(image_provider, {**props, "deregistrationProtection": "enabled"})
    aws.emulator.clear_requests()

    outs = image_provider.update(created.id, olds, news).outs

    assert aws.calls() == ["EnableImageDeregistrationProtection", "DescribeImages"]
    assert outs is not None and outs["protectionState"] == "enabled-without-cooldown"


# -- snapshots ----------------------------------------------------------------------------------


def test_a_lost_create_snapshot_answer_leaves_one_snapshot(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs

    with faults.lose_responses(aws.ec2, "CreateSnapshot") as lost:
        result = snapshot_provider.create(inputs)

    assert lost.fired == ["CreateSnapshot"]
    assert snapshots_of(aws, volume) == [result.id]
    assert "made by a retried CreateSnapshot whose answer was lost" in capsys.readouterr().err


def test_create_snapshot_lost_on_every_attempt_leaves_nothing(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs

    with (
        faults.lose_responses(aws.ec2, "CreateSnapshot", times=None) as lost,
        pytest.raises(SnapshotOperationError) as failed,
    ):
        snapshot_provider.create(inputs)

    assert len(lost.fired) > 1
    message = str(failed.value)
    assert message.startswith(f"creating EBS snapshot (from {volume}): CreateSnapshot: ")
    assert "undone: deleted snap-" in message
    assert snapshots_of(aws, volume) == []


def test_a_replayed_snapshot_create_adopts_the_interrupted_ones_snapshot(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs
    orphan = aws.ec2.create_snapshot(
        VolumeId=volume,
        TagSpecifications=[
            {
                "ResourceType": "snapshot",
                "Tags": [{"Key": TOKEN_TAG, "Value": inputs[TOKEN_PROPERTY]}],
            }
        ],
    )["SnapshotId"]

    assert snapshot_provider.create(inputs).id == orphan
    assert snapshots_of(aws, volume) == [orphan]
    # A new check means a new create: it never takes an older snapshot for its own.
    fresh = snapshot_provider.check({}, {"volumeId": volume}).inputs
    assert snapshot_provider.create(fresh).id != orphan


def test_a_snapshot_not_visible_yet_is_waited_for(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs
    hide = faults.answer_error(
        aws.ec2, "DescribeSnapshots", code="InvalidSnapshot.NotFound", times=2
    )
    with faults.once_answered(aws.ec2, "CreateSnapshot", hide) as hidden:
        result = snapshot_provider.create(inputs)
    assert hidden.fired == ["DescribeSnapshots"] * 2
    assert result.outs is not None and result.outs["state"] == "completed"
    assert snapshots_of(aws, volume) == [result.id]


def test_a_failed_snapshot_wait_names_the_step_and_deletes_it(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs
    cut = faults.refuse_requests(aws.ec2, "DescribeSnapshots")
    with (
        faults.once_answered(aws.ec2, "CreateSnapshot", cut),
        pytest.raises(SnapshotOperationError) as failed,
    ):
        snapshot_provider.create(inputs)
    message = str(failed.value)
    assert message.startswith(f"creating EBS snapshot (from {volume}): waiting for snap-")
    assert "Could not connect to the endpoint URL" in message
    assert "undone: deleted snap-" in message
    assert snapshots_of(aws, volume) == []
