"""Server mode: the HTTP endpoint, the JSON control API and its Python client, and the CLI
(requirement 10b)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError

from ec2_emulator import ControlApiError, EmulatorControlClient, EmulatorServer

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

REPO_ROOT = Path(__file__).resolve().parents[2]


def _snapshot(ec2: EC2Client) -> str:
    volume = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")
    return ec2.create_snapshot(VolumeId=volume["VolumeId"])["SnapshotId"]


def test_the_server_serves_the_extension_over_http(ec2_emulator_server: EmulatorServer) -> None:
    ec2 = ec2_emulator_server.client()
    snapshot = _snapshot(ec2)
    image_id = ec2.register_image(
        Name="served",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, "VolumeSize": 9}}
        ],
    )["ImageId"]

    assert ec2.enable_image_deregistration_protection(ImageId=image_id)["Return"] == "true"
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 9
    assert image["DeregistrationProtection"] == "enabled-without-cooldown"
    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)
    assert error.value.response["Error"]["Code"] == "OperationNotPermitted"
    assert ec2_emulator_server.endpoint_url.startswith("http://127.0.0.1:")


def test_the_control_client_drives_every_control(ec2_emulator_server: EmulatorServer) -> None:
    control = ec2_emulator_server.control
    ec2 = control.client()

    assert control.health()["ok"] is True
    settings = control.update_settings(pending_seconds=60, echo_volume_initialization_rate=True)
    assert (settings.pending_seconds, settings.echo_volume_initialization_rate) == (60.0, True)
    assert control.settings == settings

    snapshot = _snapshot(ec2)
    control.fail_next_image("Client.InternalError", "A client error caused the failure.")
    failed = ec2.register_image(
        Name="fails",
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {"SnapshotId": snapshot, "VolumeInitializationRate": 300},
            }
        ],
    )["ImageId"]
    assert ec2.describe_images(ImageIds=[failed])["Images"][0]["State"] == "pending"
    before = control.now()
    assert (control.advance_clock(60) - before).total_seconds() == 60
    image = ec2.describe_images(ImageIds=[failed])["Images"][0]
    assert image["State"] == "failed"
    assert image["StateReason"]["Code"] == "Client.InternalError"
    assert image["BlockDeviceMappings"][0]["Ebs"]["VolumeInitializationRate"] == 300
    assert control.image_details(failed)["State"] == "failed"

    foreign = control.seed_foreign_image(name="shared-with-me")
    backup = control.seed_backup_image()
    assert ec2.describe_images(ImageIds=[foreign])["Images"][0]["Name"] == "shared-with-me"
    assert ec2.describe_images(ImageIds=[backup])["Images"][0]["ImageOwnerAlias"] == (
        "aws-backup-vault"
    )

    control.inject_snapshot_failure(snapshot, "internal-error")
    response = ec2.deregister_image(ImageId=failed, DeleteAssociatedSnapshots=True)
    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": snapshot, "ReturnCode": "internal-error"}
    ]

    actions = [r.action for r in control.requests]
    assert actions[:3] == ["CreateVolume", "CreateSnapshot", "RegisterImage"]
    assert actions[-1] == "DeregisterImage"
    assert control.clear_requests() == len(actions)
    assert control.requests == []

    control.reset()
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_boto3_reaches_the_server_through_the_environment(
    ec2_emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", ec2_emulator_server.endpoint_url)
    ec2 = boto3.client(
        "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )

    ec2.register_image(Name="via-env")

    assert [r.action for r in EmulatorControlClient.from_env().requests] == ["RegisterImage"]


def test_the_control_api_reports_bad_requests(ec2_emulator_server: EmulatorServer) -> None:
    control = ec2_emulator_server.control

    with pytest.raises(ControlApiError) as bad_code:
        control.inject_snapshot_failure("snap-0123456789abcdef0", "success")
    with pytest.raises(ControlApiError) as bad_setting:
        control.update_settings(pending_seconds=-5)
    with pytest.raises(ControlApiError) as unknown_image:
        control.image_details("ami-0123456789abcdef0")

    assert (bad_code.value.status, bad_setting.value.status) == (400, 400)
    assert "success" in bad_code.value.message
    assert unknown_image.value.status == 404


@pytest.mark.e2e
def test_the_cli_serves_until_sigterm() -> None:
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ec2_emulator", "--port", "0", "--fake-clock"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        control = EmulatorControlClient(endpoint)
        ec2 = control.client()
        image_id = ec2.register_image(Name="from-cli")["ImageId"]
        assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["CreationDate"] == (
            "2025-06-01T12:00:00.000Z"
        )
        assert [r.action for r in control.requests] == ["RegisterImage", "DescribeImages"]

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
