"""Recycle Bin awareness: with the provider setting `recycleBinReport`, a destroy says which of
the deregistered AMI and its deleted snapshots a retention rule keeps, and until when; without
it, no call is made. The report never fails a delete that is done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ami_lifecycle.provider.image import ImageProvider
from tests import faults

from .conftest import Aws
from .test_image_provider import create, snapshot_image

_KEEPS = (
    "Recycle Bin: a retention rule keeps these (still billed, restorable until then, "
    "permanently deleted after):"
)


def _reporting(provider: ImageProvider) -> ImageProvider:
    provider.configure(region=None, profile=None, recycle_bin_report=True)
    return provider


def _image(
    aws: Aws, provider: ImageProvider, snapshots: list[str], **overrides: Any
) -> tuple[str, dict[str, Any]]:
    return create(
        provider, snapshot_image(snapshots, deregistrationProtection="disabled", **overrides)
    )


def _until(aws: Aws, days: int) -> str:
    return f"{aws.now() + timedelta(days=days):%Y-%m-%d %H:%M:%S} UTC"


def test_the_report_is_off_by_default_and_costs_nothing(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id, outs = _image(aws, image_provider, [aws.snapshot()])
    aws.emulator.clear_requests()

    image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    assert "Recycle Bin" not in capsys.readouterr().err


def test_what_the_rules_keep_is_reported_with_when_it_leaves(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    aws.emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    aws.emulator.add_recycle_bin_rule(
        "EBS_SNAPSHOT", 30, resource_tags=[{"ResourceTagKey": "keep", "ResourceTagValue": "yes"}]
    )
    kept, gone = aws.snapshot(), aws.snapshot()
    aws.ec2.create_tags(Resources=[kept], Tags=[{"Key": "keep", "Value": "yes"}])
    image_id, outs = _image(aws, provider, [kept, gone])
    aws.emulator.clear_requests()

    provider.delete(image_id, outs)

    assert aws.calls() == [
        "DescribeImages",
        "DescribeImageReferences",
        "DeregisterImage",
        "ListImagesInRecycleBin",
        "ListSnapshotsInRecycleBin",
    ]
    asked = aws.emulator.requests[-1].params
    assert sorted(v for k, v in asked.items() if k.startswith("SnapshotId.")) == sorted(
        [kept, gone]
    )
    log = capsys.readouterr().err
    assert _KEEPS in log
    assert f"  {image_id}: until {_until(aws, 7)}" in log
    assert f"  {kept}: until {_until(aws, 30)}" in log
    assert f"  {gone}: until" not in log  # no rule matched it: permanently deleted


def test_without_a_matching_rule_the_report_says_so(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    snapshot = aws.snapshot()
    image_id, outs = _image(aws, provider, [snapshot])

    provider.delete(image_id, outs)

    log = capsys.readouterr().err
    assert (
        f"Recycle Bin: no retention rule kept {image_id}, {snapshot}; they are permanently deleted"
    ) in log


def test_kept_snapshots_are_not_asked_about(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    aws.emulator.add_recycle_bin_rule("EC2_IMAGE", 3)
    image_id, outs = _image(aws, provider, [aws.snapshot()], deleteSnapshotsOnDestroy=False)
    aws.emulator.clear_requests()

    provider.delete(image_id, outs)

    assert aws.calls()[-1] == "ListImagesInRecycleBin"
    assert "ListSnapshotsInRecycleBin" not in aws.calls()
    assert f"  {image_id}: until {_until(aws, 3)}" in capsys.readouterr().err


def test_a_refused_report_names_the_actions_and_the_delete_stands(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    image_id, outs = _image(aws, provider, [aws.snapshot()])

    with faults.answer_error(aws.ec2, "ListImagesInRecycleBin", code="UnauthorizedOperation"):
        provider.delete(image_id, outs)

    assert aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []
    log = capsys.readouterr().err
    assert (
        "Recycle Bin report skipped (UnauthorizedOperation: grant the IAM actions "
        "ec2:ListImagesInRecycleBin and ec2:ListSnapshotsInRecycleBin); the delete itself is done"
    ) in log


def test_a_report_without_an_answer_is_said_and_the_delete_stands(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    image_id, outs = _image(aws, provider, [aws.snapshot()])

    with faults.refuse_requests(aws.ec2, "ListSnapshotsInRecycleBin"):
        provider.delete(image_id, outs)

    assert aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []
    assert "Recycle Bin report skipped: no answer after botocore's retries" in (
        capsys.readouterr().err
    )


def test_after_a_lost_deregister_answer_the_report_still_finds_what_was_kept(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    aws.emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    aws.emulator.add_recycle_bin_rule("EBS_SNAPSHOT", 10)
    snapshot = aws.snapshot()
    image_id, outs = _image(aws, provider, [snapshot])

    with faults.lose_responses(aws.ec2, "DeregisterImage"):
        provider.delete(image_id, outs)

    log = capsys.readouterr().err
    assert "was already deregistered when DeregisterImage answered" in log
    assert f"  {image_id}: until {_until(aws, 7)}" in log
    assert f"  {snapshot}: until {_until(aws, 10)}" in log


def test_a_destroy_of_an_image_already_gone_reports_the_bin_too(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _reporting(image_provider)
    aws.emulator.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id, outs = _image(aws, provider, [aws.snapshot()])
    aws.ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)
    aws.emulator.clear_requests()

    provider.delete(image_id, outs)

    assert aws.calls() == [
        "DescribeImages",
        "DescribeSnapshots",
        "ListImagesInRecycleBin",
        "ListSnapshotsInRecycleBin",
    ]
    assert f"  {image_id}: until {_until(aws, 7)}" in capsys.readouterr().err
