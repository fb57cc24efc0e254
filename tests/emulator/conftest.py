"""Fixtures for the emulator's own tests.

The emulator fixtures come from ``ec2_emulator.pytest_plugin`` (the same ones the rest of the
project loads with ``pytest_plugins``); the helpers here build the EBS resources the AMI tests
start from, through boto3 like any caller.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from ec2_emulator import Ec2Emulator, EmulatorServer
from ec2_emulator.pytest_plugin import (
    ec2_emulator,
    ec2_emulator_factory,
    ec2_emulator_server,
)

os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["ec2_emulator", "ec2_emulator_factory", "ec2_emulator_server"]

SnapshotFactory = Callable[..., str]


@pytest.fixture
def ec2(ec2_emulator: Ec2Emulator) -> EC2Client:
    """A boto3 client of the in-process emulator (us-east-1)."""
    return ec2_emulator.client()


@pytest.fixture
def make_snapshot(ec2: EC2Client) -> SnapshotFactory:
    """``make_snapshot(size=8, encrypted=False) -> snapshot id`` (a moto volume, snapshotted)."""

    def make(size: int = 8, *, encrypted: bool = False) -> str:
        volume = ec2.create_volume(
            Size=size, AvailabilityZone="us-east-1a", VolumeType="gp3", Encrypted=encrypted
        )
        snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="test root")
        return snapshot["SnapshotId"]

    return make


def unretried_client(server: EmulatorServer, *, connections: int = 10) -> EC2Client:
    """A client of the server that tries each call once, so that a failed call is seen as such;
    `connections` lets that many threads share it."""
    return boto3.session.Session().client(
        "ec2",
        region_name=server.region,
        endpoint_url=server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=connections, retries={"total_max_attempts": 1}),
    )


def register(ec2: EC2Client, name: str, *snapshot_ids: str) -> str:
    """An AMI of up to four snapshots, the first its root device."""
    devices = ["/dev/xvda", "/dev/sdf", "/dev/sdg", "/dev/sdh"]
    return ec2.register_image(
        Name=name,
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {"DeviceName": device, "Ebs": {"SnapshotId": snapshot_id}}
            for device, snapshot_id in zip(devices, snapshot_ids, strict=False)
        ],
    )["ImageId"]
