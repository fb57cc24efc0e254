"""The request log (requirement 8), the seed helpers (requirement 9) and the patch's
install/uninstall life cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import moto
import pytest
from botocore.exceptions import ClientError

import ec2_emulator as package
from ec2_emulator import (
    BACKUP_VAULT_ALIAS,
    DEFAULT_FOREIGN_ACCOUNT_ID,
    Ec2Emulator,
    install,
    is_installed,
    uninstall,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_ec2 import EC2Client


def test_every_ec2_request_is_recorded_flat_as_sent(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2.register_image(
        Name="recorded",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )
    with pytest.raises(ClientError):
        ec2.deregister_image(ImageId="ami-0123456789abcdef0", DeleteAssociatedSnapshots=True)
    ec2_emulator.client("eu-west-1").describe_images(Owners=["self"])

    requests = ec2_emulator.requests
    assert [(r.action, r.region) for r in requests] == [
        ("RegisterImage", "us-east-1"),
        ("DeregisterImage", "us-east-1"),
        ("DescribeImages", "eu-west-1"),
    ]
    assert requests[0].params == {
        "Action": "RegisterImage",
        "Version": "2016-11-15",
        "Name": "recorded",
        "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
        "BlockDeviceMapping.1.Ebs.VolumeSize": "8",
    }
    assert requests[1].params["DeleteAssociatedSnapshots"] == "true"
    assert requests[2].params["Owner.1"] == "self"
    assert requests[0].account_id == ec2_emulator.account_id


def test_the_request_log_can_be_cleared(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    ec2.describe_images()
    ec2_emulator.clear_requests()
    ec2.describe_snapshots(OwnerIds=["self"])

    assert [r.action for r in ec2_emulator.requests] == ["DescribeSnapshots"]


def test_the_request_log_outlives_the_emulator(
    ec2_emulator_factory: Callable[..., Ec2Emulator],
) -> None:
    emulator = ec2_emulator_factory()
    emulator.client().describe_images()
    emulator.stop()

    assert [r.action for r in emulator.requests] == ["DescribeImages"]
    emulator.start()
    assert emulator.requests == []


def test_seeded_foreign_images_are_shared_with_the_caller(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    image_id = ec2_emulator.seed_foreign_image(name="vendor-image")

    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["OwnerId"] == DEFAULT_FOREIGN_ACCOUNT_ID
    assert image["Name"] == "vendor-image"
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    shared = ec2.describe_images(ExecutableUsers=["self"])["Images"]
    assert [i["ImageId"] for i in shared] == [image_id]
    snapshot = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert snapshot not in {s["SnapshotId"] for s in ec2.describe_snapshots()["Snapshots"]}


def test_seeded_public_foreign_images_are_public(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    image_id = ec2_emulator.seed_foreign_image(owner_id="444455556666", public=True)

    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert (image["OwnerId"], image["Public"]) == ("444455556666", True)


def test_seeded_backup_images_are_owned_by_the_caller(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    image_id = ec2_emulator.seed_backup_image(region="us-west-2")

    west = ec2_emulator.client("us-west-2")
    image = west.describe_images(Owners=["self"])["Images"][0]
    assert image["ImageId"] == image_id
    assert image["ImageOwnerAlias"] == BACKUP_VAULT_ALIAS
    snapshot = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert [s["SnapshotId"] for s in west.describe_snapshots(OwnerIds=["self"])["Snapshots"]] == [
        snapshot
    ]
    assert ec2.describe_images(Owners=["self"])["Images"] == []  # another Region


def test_the_package_exports_what_it_declares() -> None:
    assert all(hasattr(package, name) for name in package.__all__)


def test_install_is_idempotent_and_the_emulator_restores_moto(
    ec2_emulator_factory: Callable[..., Ec2Emulator],
) -> None:
    assert not is_installed()
    emulator = ec2_emulator_factory()
    assert is_installed()
    assert install() is False  # already in place
    emulator.stop()

    assert not is_installed()
    assert uninstall() is False
    with moto.mock_aws():
        plain = boto3.client("ec2", region_name="us-east-1")
        image_id = plain.register_image(Name="plain-moto")["ImageId"]
        # moto's own behaviour is back: an invented 15 GiB mapping, no protection action.
        mapping = plain.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"]
        assert mapping[0]["Ebs"]["VolumeSize"] == 15
        with pytest.raises(NotImplementedError):
            plain.enable_image_deregistration_protection(ImageId=image_id)


def test_only_one_emulator_runs_at_a_time(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        Ec2Emulator().start()
    assert ec2_emulator.running
