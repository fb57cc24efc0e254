"""Deregistration protection (requirements 2 and 5, and the protection part of 6).

Texts: EC2 API reference / botocore model for EnableImageDeregistrationProtection ("WithCooldown:
If true, enforces deregistration protection for 24 hours after deregistration protection is
disabled") and DisableImageDeregistrationProtection ("you won't immediately be able to
deregister the AMI"); ``Return`` is a string that "Returns true if the request succeeds" (the
model), or the new state (AWS CLI examples: ``enabled-without-cooldown``, ``disabled``), as the
``protection_return`` setting chooses; the seeds' README for the ``DescribeImages`` strings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator, format_aws_time

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


def _protection(ec2: EC2Client, image_id: str) -> str:
    described = ec2.describe_images(ImageIds=[image_id])["Images"][0]["DeregistrationProtection"]
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="deregistrationProtection")
    assert attribute["DeregistrationProtection"]["Value"] == described
    return described


@pytest.fixture
def image_id(ec2: EC2Client) -> str:
    return ec2.register_image(Name="protected-image")["ImageId"]


def test_new_images_are_not_protected(ec2: EC2Client, image_id: str) -> None:
    assert _protection(ec2, image_id) == "disabled"


def test_enable_without_cooldown(ec2: EC2Client, image_id: str) -> None:
    response = ec2.enable_image_deregistration_protection(ImageId=image_id)

    assert response["Return"] == "true"
    assert _protection(ec2, image_id) == "enabled-without-cooldown"


def test_enable_with_cooldown(ec2: EC2Client, image_id: str) -> None:
    response = ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)

    assert response["Return"] == "true"
    assert _protection(ec2, image_id) == "enabled-with-cooldown"


def test_the_calls_can_answer_the_new_state_as_the_cli_examples_read(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2_emulator.update_settings(protection_return="state")

    enabled = ec2.enable_image_deregistration_protection(ImageId=image_id)["Return"]
    assert enabled == "enabled-without-cooldown" == _protection(ec2, image_id)
    assert ec2.disable_image_deregistration_protection(ImageId=image_id)["Return"] == "disabled"
    with_cooldown = ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    assert with_cooldown["Return"] == "enabled-with-cooldown" == _protection(ec2, image_id)
    # The state the call answers is the one set, not the cooldown it leaves.
    assert ec2.disable_image_deregistration_protection(ImageId=image_id)["Return"] == "disabled"
    assert _protection(ec2, image_id).startswith("disabled after ")


def test_the_return_setting_is_validated(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(ValueError, match="protection_return"):
        ec2_emulator.update_settings(protection_return="enabled")


def test_a_protected_image_refuses_deregistration(ec2: EC2Client, image_id: str) -> None:
    """OperationNotPermitted is the emulator's choice of code."""
    ec2.enable_image_deregistration_protection(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)

    assert error.value.response["Error"]["Code"] == "OperationNotPermitted"
    message = error.value.response["Error"]["Message"]
    assert image_id in message
    assert "deregistration protection" in message
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"


def test_disable_without_cooldown_allows_deregistration_at_once(
    ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deregistration_protection(ImageId=image_id)

    response = ec2.disable_image_deregistration_protection(ImageId=image_id)

    assert response["Return"] == "true"
    assert _protection(ec2, image_id) == "disabled"
    assert ec2.deregister_image(ImageId=image_id)["Return"] is True


def test_disable_with_cooldown_blocks_deregistration_for_24_hours(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    disabled_at = ec2_emulator.now()

    assert ec2.disable_image_deregistration_protection(ImageId=image_id)["Return"] == "true"

    until = format_aws_time(disabled_at + timedelta(hours=24))
    assert _protection(ec2, image_id) == f"disabled after {until}"
    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)
    assert error.value.response["Error"]["Code"] == "OperationNotPermitted"
    assert until in error.value.response["Error"]["Message"]

    ec2_emulator.advance_clock(timedelta(hours=24) - timedelta(seconds=1))
    assert _protection(ec2, image_id) == f"disabled after {until}"
    with pytest.raises(ClientError):
        ec2.deregister_image(ImageId=image_id)

    ec2_emulator.advance_clock(1)
    assert _protection(ec2, image_id) == "disabled"
    assert ec2.deregister_image(ImageId=image_id)["Return"] is True


def test_re_enabling_during_the_cooldown_protects_again(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    ec2.disable_image_deregistration_protection(ImageId=image_id)
    ec2_emulator.advance_clock(3600)

    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    ec2_emulator.advance_clock(timedelta(hours=24))

    assert _protection(ec2, image_id) == "enabled-with-cooldown"
    with pytest.raises(ClientError):
        ec2.deregister_image(ImageId=image_id)


def test_a_started_cooldown_is_never_shortened(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    """The emulator's conservative reading (the texts don't say): switching to protection
    without cooldown and disabling again doesn't lift the 24 hours already running."""
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    until = format_aws_time(ec2_emulator.now() + timedelta(hours=24))
    ec2.disable_image_deregistration_protection(ImageId=image_id)
    ec2_emulator.advance_clock(3600)

    ec2.enable_image_deregistration_protection(ImageId=image_id)
    assert _protection(ec2, image_id) == "enabled-without-cooldown"
    ec2.disable_image_deregistration_protection(ImageId=image_id)

    assert _protection(ec2, image_id) == f"disabled after {until}"
    with pytest.raises(ClientError):
        ec2.deregister_image(ImageId=image_id)
    ec2_emulator.advance_clock(timedelta(hours=23))
    assert ec2.deregister_image(ImageId=image_id)["Return"] is True


def test_protection_of_an_unknown_image_is_not_found(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deregistration_protection(ImageId="ami-0123456789abcdef0")

    assert error.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_protection_of_another_accounts_image_is_refused(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image()

    with pytest.raises(ClientError) as error:
        ec2.enable_image_deregistration_protection(ImageId=foreign)

    assert error.value.response["Error"]["Code"] == "AuthFailure"


def test_dry_run_changes_nothing(ec2: EC2Client, image_id: str) -> None:
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deregistration_protection(ImageId=image_id, DryRun=True)

    assert error.value.response["Error"]["Code"] == "DryRunOperation"
    assert _protection(ec2, image_id) == "disabled"
