"""A disabled AMI (DisableImage) through ImageProvider: found, kept, and deleted for good.

`DescribeImages` leaves a disabled AMI out unless `IncludeDisabled=True`. Without it, refresh
dropped the image from the stack and delete reported success while the AMI and its snapshots
stayed in EC2.
"""

from __future__ import annotations

import pytest

from ami_lifecycle import AwsCallError, ProtectedImageError
from ami_lifecycle.provider.image import ImageProvider

from .conftest import Aws
from .test_image_provider import checked, create, snapshot_image


def _images_left(aws: Aws) -> list[str]:
    images = aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
    return [image["ImageId"] for image in images]


def _snapshots_left(aws: Aws) -> list[str]:
    return [s["SnapshotId"] for s in aws.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]


def test_refresh_keeps_a_disabled_image_and_says_how_to_re_enable_it(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.ec2.disable_image(ImageId=image_id)
    aws.emulator.clear_requests()

    read = image_provider.read(image_id, outs)

    assert read.id == image_id
    assert read.outs is not None
    assert read.outs["state"] == "disabled"
    assert read.outs["snapshotIds"] == outs["snapshotIds"]
    assert read.outs["disabled"] is True
    # The launch permissions are read back too: a disabled AMI has none.
    assert aws.calls() == ["DescribeImages", "DescribeImageAttribute"]
    assert aws.emulator.requests[0].params["IncludeDisabled"] == "true"
    log = capsys.readouterr().err
    assert f"image {image_id}: disabled (DisableImage): it can't launch instances" in log
    assert f"`aws ec2 enable-image --image-id {image_id}`" in log
    # Disabled outside Pulumi is drift: a program that says `disabled: false` re-enables it in
    # place, and nothing is replaced.
    diff = image_provider.diff(
        image_id, read.outs, checked(image_provider, snapshot_image(outs["snapshotIds"]))
    )
    assert (diff.changes, diff.replaces, diff.updates) == (True, [], ["disabled"])


def test_delete_deregisters_a_disabled_image_with_its_snapshots_in_three_calls(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshots = [aws.snapshot(), aws.snapshot()]
    image_id, outs = create(
        image_provider, snapshot_image(snapshots, deregistrationProtection="disabled")
    )
    aws.ec2.disable_image(ImageId=image_id)
    aws.emulator.clear_requests()

    image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    assert aws.emulator.requests[2].params["DeleteAssociatedSnapshots"] == "true"
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []
    log = capsys.readouterr().err
    assert f"{image_id} is disabled (DisableImage); deregistering it without re-enabling" in log
    for snapshot_id in snapshots:
        assert f"{snapshot_id}: success (deleted)" in log


def test_delete_of_a_disabled_image_can_keep_its_snapshots(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    image_id, outs = create(
        image_provider,
        snapshot_image([root], deregistrationProtection="disabled", deleteSnapshotsOnDestroy=False),
    )
    aws.ec2.disable_image(ImageId=image_id)

    image_provider.delete(image_id, outs)

    assert _images_left(aws) == []
    assert _snapshots_left(aws) == [root]


def test_a_disabled_image_is_still_protected_from_deregistration(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.ec2.disable_image(ImageId=image_id)

    with pytest.raises(ProtectedImageError, match="deregistration protection is on"):
        image_provider.delete(image_id, outs)

    assert _images_left(aws) == [image_id]
    assert len(_snapshots_left(aws)) == 1


def test_if_aws_refuses_a_disabled_image_the_delete_fails_and_says_to_re_enable_it(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """Under the other reading of the texts (DeregisterImage refuses a disabled AMI), nothing is
    reported deleted, and the message says what to do."""
    aws.emulator.update_settings(disabled_image_deregistration="refused")
    image_id, outs = create(
        image_provider, snapshot_image([aws.snapshot()], deregistrationProtection="disabled")
    )
    aws.ec2.disable_image(ImageId=image_id)

    with pytest.raises(AwsCallError) as refused:
        image_provider.delete(image_id, outs)

    message = str(refused.value)
    assert message.startswith(f"deleting EC2 AMI ({image_id}): IncorrectState: ")
    assert f"re-enable it (`aws ec2 enable-image --image-id {image_id}`)" in message
    assert "run `pulumi destroy` again" in message
    assert _images_left(aws) == [image_id]
    assert len(_snapshots_left(aws)) == 1

    aws.ec2.enable_image(ImageId=image_id)
    image_provider.delete(image_id, outs)
    assert _images_left(aws) == []
    assert _snapshots_left(aws) == []
