"""Deleting an image when answers are lost on the way back.

A `DeregisterImage` that EC2 processed but whose answer was lost is retried by botocore; the
retry answers `InvalidAMIID.Unavailable`, and the first attempt's `DeleteSnapshotResults` are
lost with it. The delete must then check the snapshots recorded in the stack and delete what is
left, or fail naming exactly what is left: never succeed while a snapshot leaks.
"""

from __future__ import annotations

from typing import Any

import pytest

from ami_lifecycle import AwsCallError, SnapshotsLeftBehindError
from ami_lifecycle.provider.image import ImageProvider
from tests import faults

from .conftest import Aws
from .served import Served, served_by_the_server  # noqa: F401 (the fixture `served`)
from .test_image_provider import create, snapshot_image

_RETRIED = (
    "was already deregistered when DeregisterImage answered (by an earlier attempt whose "
    "answer was lost, or by someone else), so AWS's per-snapshot results are unknown"
)


def _images_left(aws: Aws) -> list[str]:
    images = aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
    return [image["ImageId"] for image in images]


def _snapshots_left(aws: Aws) -> list[str]:
    return [s["SnapshotId"] for s in aws.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]


def _unprotected(
    aws: Aws, image_provider: ImageProvider, count: int
) -> tuple[str, dict[str, Any], list[str]]:
    snapshots = [aws.snapshot() for _ in range(count)]
    image_id, outs = create(
        image_provider, snapshot_image(snapshots, deregistrationProtection="disabled")
    )
    aws.emulator.clear_requests()
    return image_id, outs, snapshots


def test_a_lost_answer_on_the_happy_path_still_succeeds_honestly(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs, _ = _unprotected(aws, image_provider, 2)

    with faults.lose_responses(aws.ec2, "DeregisterImage") as fault:
        image_provider.delete(image_id, outs)

    assert fault.fired == ["DeregisterImage"]
    assert aws.calls() == [
        "DescribeImages",
        "DescribeImageReferences",
        "DeregisterImage",
        "DeregisterImage",
        "DescribeSnapshots",
    ]
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []
    log = capsys.readouterr().err
    assert f"{image_id} {_RETRIED}, and its recorded snapshots are gone" in log
    assert "success (deleted)" not in log  # nothing is claimed that wasn't seen


def test_a_lost_answer_with_a_snapshot_aws_could_not_delete_cleans_it_up(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs, (stuck, fine) = _unprotected(aws, image_provider, 2)
    aws.emulator.inject_snapshot_failure(stuck, "internal-error")

    with faults.lose_responses(aws.ec2, "DeregisterImage") as fault:
        image_provider.delete(image_id, outs)

    assert fault.fired == ["DeregisterImage"]
    assert aws.calls() == [
        "DescribeImages",
        "DescribeImageReferences",
        "DeregisterImage",
        "DeregisterImage",
        "DescribeSnapshots",
        "DeleteSnapshot",
    ]
    assert aws.emulator.requests[-1].params["SnapshotId"] == stuck
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []
    log = capsys.readouterr().err
    assert f"{image_id} {_RETRIED}; deleting its remaining recorded snapshots:" in log
    assert f"{stuck}: success (deleted)" in log
    assert fine not in log  # the first attempt deleted it; it is not reported as ours


def test_when_the_clean_up_fails_too_exactly_what_is_left_is_named_and_retried(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs, (stuck, fine) = _unprotected(aws, image_provider, 2)
    aws.emulator.inject_snapshot_failure(stuck, "internal-error")

    with (
        faults.lose_responses(aws.ec2, "DeregisterImage"),
        faults.refuse_requests(aws.ec2, "DeleteSnapshot"),
        pytest.raises(SnapshotsLeftBehindError) as left,
    ):
        image_provider.delete(image_id, outs)

    assert left.value.left_behind == {stuck: "EndpointConnectionError"}
    message = str(left.value)
    assert message.startswith(
        f"deleting EC2 AMI ({image_id}): the AMI is already deregistered but 1 snapshot(s) were "
        f"not deleted: {stuck}: EndpointConnectionError (NOT deleted, as far as is known: "
        "DeleteSnapshot got no answer after botocore's retries)."
    )
    assert _snapshots_left(aws) == [stuck]

    # `pulumi destroy` again, with the network back: nothing leaks.
    image_provider.delete(image_id, outs)
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []
    assert fine not in message


def test_when_every_answer_is_lost_the_delete_fails_and_the_next_one_finishes(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs, (stuck, _fine) = _unprotected(aws, image_provider, 2)
    aws.emulator.inject_snapshot_failure(stuck, "internal-error")

    with (
        faults.lose_responses(aws.ec2, "DeregisterImage", times=None) as fault,
        pytest.raises(AwsCallError) as unknown,
    ):
        image_provider.delete(image_id, outs)

    assert len(fault.fired) > 1  # botocore retried before giving up
    message = str(unknown.value)
    assert message.startswith(
        f"deleting EC2 AMI ({image_id}): ConnectionClosedError: DeregisterImage got no answer "
        "after botocore's retries"
    )
    assert "the AMI may or may not be deregistered now; run `pulumi destroy` again" in message
    assert _images_left(aws) == []  # it was deregistered: only the answer was lost
    assert _snapshots_left(aws) == [stuck]

    image_provider.delete(image_id, outs)
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []


def test_a_lookup_that_never_arrives_changes_nothing_and_says_so(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs, snapshots = _unprotected(aws, image_provider, 1)

    with (
        faults.refuse_requests(aws.ec2, "DescribeImages"),
        pytest.raises(AwsCallError) as refused,
    ):
        image_provider.delete(image_id, outs)

    assert str(refused.value).startswith(
        f"deleting EC2 AMI ({image_id}): EndpointConnectionError: DescribeImages got no answer "
        "after botocore's retries"
    )
    assert "nothing was changed; run `pulumi destroy` again." in str(refused.value)
    assert _images_left(aws) == [image_id]
    assert _snapshots_left(aws) == snapshots


def test_a_refresh_without_an_answer_keeps_the_image_in_the_stack(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs, _ = _unprotected(aws, image_provider, 1)

    with (
        faults.refuse_requests(aws.ec2, "DescribeImages"),
        pytest.raises(AwsCallError) as refused,
    ):
        image_provider.read(image_id, outs)

    assert str(refused.value).startswith(
        f"reading EC2 AMI ({image_id}): EndpointConnectionError: DescribeImages got no answer"
    )


# -- real cuts: the emulator server's endpoint goes dark ------------------------------------------


def test_a_cut_as_deregister_image_answers_then_destroy_again_leaves_only_what_others_use(
    served: Served,
) -> None:
    shared, own = served.snapshot(), served.snapshot()
    image_id, outs = create(
        served.provider, snapshot_image([shared, own], deregistrationProtection="disabled")
    )
    theirs = served.someone_elses_image(shared)
    served.server.cut(60, after="DeregisterImage")

    with pytest.raises(AwsCallError) as cut:
        served.provider.delete(image_id, outs)

    assert "DeregisterImage got no answer after botocore's retries" in str(cut.value)
    served.server.cut_over()
    served.provider.delete(image_id, outs)  # `pulumi destroy` again

    assert served.images() == [theirs]
    assert served.snapshots() == [shared]


def test_a_cut_during_the_leftover_snapshot_clean_up_then_destroy_again_leaves_nothing(
    served: Served,
) -> None:
    shared, stuck = served.snapshot(), served.snapshot()
    image_id, outs = create(
        served.provider, snapshot_image([shared, stuck], deregistrationProtection="disabled")
    )
    theirs = served.someone_elses_image(shared)
    served.server.inject_snapshot_failure(stuck, "internal-error")
    served.server.cut(60, after="DeregisterImage")
    with pytest.raises(AwsCallError):
        served.provider.delete(image_id, outs)
    served.server.cut_over()

    # The next destroy finds the image gone and deletes its snapshots; the cut hits that: the
    # first DeleteSnapshot's answer is lost, the second is refused.
    served.server.cut(60, after="DeleteSnapshot")
    with pytest.raises(SnapshotsLeftBehindError) as left:
        served.provider.delete(image_id, outs)
    served.server.cut_over()

    assert set(left.value.left_behind) == {shared, stuck}  # neither is known to be deleted
    served.provider.delete(image_id, outs)
    assert served.images() == [theirs]
    assert served.snapshots() == [shared]
