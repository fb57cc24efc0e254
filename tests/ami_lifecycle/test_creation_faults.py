"""Creating images and snapshots when the network, EC2's consistency or the process fail.

Each test injects one fault at botocore's send layer (tests/faults.py) and asserts what is left
in the emulator: never a leaked image or snapshot, and a message that names the failed step.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from ami_lifecycle import ImageCreationError
from ami_lifecycle.adoption import COMPLETE_TAG, TOKEN_PROPERTY, TOKEN_TAG
from ami_lifecycle.aws.waiter import PollSchedule
from ami_lifecycle.errors import SnapshotOperationError
from ami_lifecycle.provider.aws_settings import AwsSettings
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.progress import reporting_to
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from tests import faults

from .conftest import Aws
from .served import Served, served_by_the_server  # noqa: F401 (the fixture `served`)
from .test_image_provider import checked, snapshot_image

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


def images(aws: Aws) -> list[Any]:
    return list(aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"])


def snapshots_of(aws: Aws, volume_id: str) -> list[str]:
    found = aws.ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume_id]}]
    )["Snapshots"]
    return sorted(s["SnapshotId"] for s in found)


def single_attempt_client(provider: AwsSettings) -> EC2Client:
    """Give `provider` a client without botocore's retries, and return it: an outage of N
    requests is then N calls that got no answer, and costs no real time."""
    client: EC2Client = boto3.session.Session().client(
        "ec2",
        region_name="us-east-1",
        endpoint_url="https://ec2.us-east-1.amazonaws.com",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    provider.inject(client_factory=lambda _region, _profile: client)
    return client


# -- the token --------------------------------------------------------------------------------


def test_the_token_is_the_declarations_kept_for_updates_and_derived_for_replacements(
    image_provider: ImageProvider, snapshot_provider: VolumeSnapshotProvider
) -> None:
    """The next `up` after a killed one checks the same URN and inputs: it derives the same token,
    so its create adopts what the killed one left."""
    image_urn = "urn:pulumi:dev::golden-image::ami-lifecycle:index:Image::golden"
    props = snapshot_image(["snap-0123456789abcdef0"])
    olds = image_provider.check({}, props, urn=image_urn).inputs
    token = olds[TOKEN_PROPERTY]

    assert image_provider.check({}, props, urn=image_urn).inputs[TOKEN_PROPERTY] == token
    assert image_provider.check({}, props, urn=f"{image_urn}-2").inputs[TOKEN_PROPERTY] != token
    described = {**props, "description": "v2"}
    assert image_provider.check({}, described, urn=image_urn).inputs[TOKEN_PROPERTY] != token
    # An update keeps the recorded token: the image stays the same image.
    assert image_provider.check(olds, described, urn=image_urn).inputs[TOKEN_PROPERTY] == token
    # A replacement is a new create: the token of its own inputs, as a first create would have.
    renamed = {**props, "imageName": "other"}
    replaced = image_provider.check(olds, renamed, urn=image_urn).inputs[TOKEN_PROPERTY]
    assert replaced != token
    assert replaced == image_provider.check({}, renamed, urn=image_urn).inputs[TOKEN_PROPERTY]

    snapshot_urn = "urn:pulumi:dev::golden-image::ami-lifecycle:index:VolumeSnapshot::root"
    declared = {"volumeId": "vol-0123456789abcdef0", "tags": {"a": "1"}}
    snapshot_olds = snapshot_provider.check({}, declared, urn=snapshot_urn).inputs
    snapshot_token = snapshot_olds[TOKEN_PROPERTY]
    again = snapshot_provider.check({}, declared, urn=snapshot_urn).inputs
    retagged = snapshot_provider.check(
        snapshot_olds, {**declared, "tags": {"a": "2"}}, urn=snapshot_urn
    ).inputs
    moved = snapshot_provider.check(
        snapshot_olds, {"volumeId": "vol-0fedcba9876543210"}, urn=snapshot_urn
    ).inputs
    assert again[TOKEN_PROPERTY] == snapshot_token
    assert retagged[TOKEN_PROPERTY] == snapshot_token
    assert moved[TOKEN_PROPERTY] != snapshot_token


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


def test_a_finished_image_with_the_same_token_is_named_never_adopted(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """`pulumi up --replace` checks without olds: it derives the token of the image it replaces,
    which its create marked complete."""
    props = snapshot_image([aws.snapshot()])
    finished = image_provider.create(checked(image_provider, props)).id

    with pytest.raises(ImageCreationError) as refused:
        image_provider.create(checked(image_provider, props))

    assert f"{finished} (deregistration protection: enabled-without-cooldown) has this name" in (
        str(refused.value)
    )
    assert "made by a finished create of this very resource and inputs" in str(refused.value)
    assert [i["ImageId"] for i in images(aws)] == [finished]


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
        "creating EC2 AMI (golden-test): an AMI with this name already exists in the Region, "
        "and AMI names are unique per Region: choose another imageName (a replacement needs a "
        f"new name too); or, if {theirs} (deregistration protection: disabled) is not needed, "
        f"remove it with `aws ec2 deregister-image --image-id {theirs}`."
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


def test_an_outage_during_the_wait_is_waited_out(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2 = single_attempt_client(image_provider)
    aws.emulator.update_settings(pending_seconds=60)
    image_provider.inject(schedule=PollSchedule(report_every=30))
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    cut = faults.refuse_requests(ec2, "DescribeImages", times=40)
    with faults.once_answered(ec2, "RegisterImage", cut) as outage:
        result = image_provider.create(inputs)

    assert len(outage.fired) == 40
    assert result.outs is not None and result.outs["state"] == "available"
    assert [i["ImageId"] for i in images(aws)] == [result.id]
    assert re.search(
        rf"{result.id}: no answer from EC2 for \d+s, still waiting", capsys.readouterr().err
    )


def test_an_outage_that_outlasts_the_wait_says_ec2_was_unreachable_and_is_undone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    ec2 = single_attempt_client(image_provider)
    image_provider.inject(schedule=PollSchedule(timeout=300))
    aws.emulator.update_settings(pending_seconds=30)
    root = aws.snapshot()
    inputs = checked(image_provider, snapshot_image([root]))

    cut = faults.refuse_requests(ec2, "DescribeImages")
    with faults.once_answered(ec2, "RegisterImage", cut), pytest.raises(ImageCreationError) as e:
        image_provider.create(inputs)

    message = str(e.value)
    assert message.startswith(
        "creating EC2 AMI (golden-test): waiting for completion: the EC2 endpoint was "
        "unreachable: no answer for the last 300s of 300s (Could not connect to the endpoint URL"
    )
    assert "undone: deregistered ami-" in message
    assert "your snapshots were kept" in message
    assert images(aws) == []
    assert aws.snapshot_exists(root)


def test_an_undo_that_cant_reach_ec2_keeps_trying(aws: Aws, image_provider: ImageProvider) -> None:
    ec2 = single_attempt_client(image_provider)
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    with (
        faults.refuse_requests(ec2, "EnableImageDeregistrationProtection"),
        faults.refuse_requests(ec2, "DeregisterImage", times=5) as outage,
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(inputs)

    assert outage.fired == ["DeregisterImage"] * 5
    assert "undone: deregistered ami-" in str(failed.value)
    assert images(aws) == []


def test_an_undo_that_never_reaches_ec2_names_what_is_left_for_the_next_up_to_adopt(
    aws: Aws, image_provider: ImageProvider
) -> None:
    ec2 = single_attempt_client(image_provider)
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    with (
        faults.refuse_requests(ec2, "EnableImageDeregistrationProtection", "DeregisterImage"),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(inputs)

    [left] = [i["ImageId"] for i in images(aws)]
    assert str(failed.value).endswith(
        "undoing failed too (EndpointConnectionError: Could not connect to the endpoint URL: "
        f'"https://ec2.us-east-1.amazonaws.com/"): {left} is left, not marked complete, so the '
        f"next `pulumi up` with the same inputs adopts it; or deregister {left} by hand"
    )
    assert sum(aws.time.sleeps) == pytest.approx(60)  # the undo's patience, then one more try

    # The network is back: the same declaration's next create adopts it and finishes it.
    adopted = image_provider.create(inputs)
    assert adopted.id == left
    assert adopted.outs is not None
    assert adopted.outs["protectionState"] == "enabled-without-cooldown"
    [image] = images(aws)
    assert {"Key": COMPLETE_TAG, "Value": "true"} in image["Tags"]


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


def test_a_protected_image_whose_complete_mark_fails_is_unprotected_and_undone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    with (
        faults.refuse_requests(aws.ec2, "CreateTags"),
        pytest.raises(ImageCreationError) as failed,
    ):
        image_provider.create(inputs)

    assert str(failed.value).startswith(
        "creating EC2 AMI (golden-test): marking the image complete: "
    )
    actions = [r.action for r in aws.emulator.requests]
    assert actions[-2:] == ["DisableImageDeregistrationProtection", "DeregisterImage"]
    assert images(aws) == []


def test_a_protected_image_whose_read_back_fails_is_unprotected_and_undone(
    aws: Aws, image_provider: ImageProvider
) -> None:
    aws.emulator.update_settings(protection_return="true")
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))
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


@pytest.mark.parametrize(
    "protection",
    [("enabled", "enabled-without-cooldown"), ("enabled-with-cooldown", "enabled-with-cooldown")],
    ids=["enabled", "with-cooldown"],
)
@pytest.mark.parametrize(
    "reading", [("state", []), ("true", ["DescribeImages"])], ids=["state", "true"]
)
def test_protection_is_read_back_only_when_the_enable_call_does_not_state_it(
    aws: Aws,
    image_provider: ImageProvider,
    reading: tuple[str, list[str]],
    protection: tuple[str, str],
) -> None:
    """The botocore model says the enable call returns `true`; the AWS CLI examples show the
    protection itself. Only the latter saves the `DescribeImages` that reads it back."""
    (returned, read_back), (wanted, reported) = reading, protection
    aws.emulator.update_settings(protection_return=returned, pending_seconds=30)
    props = snapshot_image([aws.snapshot()], deregistrationProtection=wanted)
    aws.emulator.clear_requests()

    outs = image_provider.create(checked(image_provider, props)).outs

    polls = ["DescribeImages"] * (len(aws.time.sleeps) + 1)
    assert len(polls) > 1
    assert aws.calls() == [
        "RegisterImage",
        *polls,
        "EnableImageDeregistrationProtection",
        *read_back,
        "CreateTags",
    ]
    assert outs is not None
    assert outs["protectionState"] == reported
    assert outs["state"] == "available"
    [image] = images(aws)
    assert image["DeregistrationProtection"] == reported


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
    # Now it is finished (marked complete): a create with the same token, as `pulumi up
    # --replace` derives, never takes it for its own.
    again = snapshot_provider.check({}, {"volumeId": volume}).inputs
    assert again[TOKEN_PROPERTY] == inputs[TOKEN_PROPERTY]
    fresh = snapshot_provider.create(again).id
    assert fresh != orphan
    assert snapshots_of(aws, volume) == sorted([orphan, fresh])


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


def test_a_snapshot_wait_ec2_never_answers_names_the_step_and_deletes_it(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    ec2 = single_attempt_client(snapshot_provider)
    snapshot_provider.inject(schedule=PollSchedule(timeout=300))
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs
    cut = faults.refuse_requests(ec2, "DescribeSnapshots")
    with (
        faults.once_answered(ec2, "CreateSnapshot", cut),
        pytest.raises(SnapshotOperationError) as failed,
    ):
        snapshot_provider.create(inputs)
    message = str(failed.value)
    assert message.startswith(f"creating EBS snapshot (from {volume}): waiting for snap-")
    assert "to complete: the EC2 endpoint was unreachable: no answer for the last 300s" in message
    assert "Could not connect to the endpoint URL" in message
    assert "undone: deleted snap-" in message
    assert snapshots_of(aws, volume) == []


def test_a_snapshot_undo_that_cant_reach_ec2_keeps_trying_then_names_what_is_left(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    ec2 = single_attempt_client(snapshot_provider)
    volume = aws.volume()
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs

    with (
        faults.refuse_requests(ec2, "CreateTags", "DeleteSnapshot"),
        pytest.raises(SnapshotOperationError) as failed,
    ):
        snapshot_provider.create(inputs)

    [left] = snapshots_of(aws, volume)
    assert str(failed.value).startswith(
        f"creating EBS snapshot (from {volume}): marking {left} complete: "
    )
    assert str(failed.value).endswith(
        f"nothing was deleted; undoing failed for these, delete them by hand: {left} "
        "(EndpointConnectionError) (they are not marked complete, so the next `pulumi up` with "
        "the same inputs adopts them instead)"
    )
    assert sum(aws.time.sleeps) == pytest.approx(60)

    assert snapshot_provider.create(inputs).id == left
    assert snapshots_of(aws, volume) == [left]


# -- real cuts: the emulator server's endpoint goes dark ------------------------------------------


def test_a_wait_outlives_a_real_outage(served: Served) -> None:
    """The first poll is carried out but its answer is lost; then the endpoint refuses
    connections for a second."""
    served.provider.inject(schedule=PollSchedule(min_interval=0.2, report_every=0.5))
    inputs = checked(served.provider, snapshot_image([served.snapshot()]))
    served.server.cut(1.0, after="DescribeImages")
    messages: list[str] = []

    with reporting_to(messages.append):
        result = served.provider.create(inputs)

    assert served.server.wait_cut_over(timeout=30)
    assert result.outs is not None and result.outs["state"] == "available"
    assert served.images() == [result.id]
    assert any(re.search(r"no answer from EC2 for \d+s, still waiting", m) for m in messages)


def test_a_register_answer_lost_in_an_outage_is_adopted_once_ec2_answers_again(
    served: Served,
) -> None:
    served.provider.inject(schedule=PollSchedule(min_interval=0.2))
    inputs = checked(served.provider, snapshot_image([served.snapshot()]))
    served.server.cut(1.5, after="RegisterImage")
    messages: list[str] = []

    with reporting_to(messages.append):
        result = served.provider.create(inputs)

    assert served.images() == [result.id]
    assert any(f"but its image exists: adopting {result.id}" in m for m in messages)


def test_an_outage_past_the_waits_timeout_leaves_the_image_to_the_next_up(
    served: Served,
) -> None:
    """The wait gives up, and so does the undo: the image is named, and adopted next time."""
    served.provider.inject(schedule=PollSchedule(min_interval=0.2, timeout=1.0, undo_patience=0.5))
    inputs = checked(served.provider, snapshot_image([served.snapshot()]))
    served.server.cut(60, after="DescribeImages")

    with pytest.raises(ImageCreationError) as failed:
        served.provider.create(inputs)

    served.server.cut_over()
    [left] = served.images()
    message = str(failed.value)
    assert "waiting for completion: the EC2 endpoint was unreachable: no answer for" in message
    assert f"{left} is left, not marked complete" in message
    assert served.provider.create(inputs).id == left
    assert served.images() == [left]
