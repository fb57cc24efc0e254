"""Providers on the emulator server, whose endpoint a test can cut for real (`cut`, `hold`).

The in-process emulator fakes faults at botocore's send layer; the server's are a network's:
refused connections, an answer lost after the request was carried out. Its clients make one
attempt per call, so that a cut is one failure instead of botocore's retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from ami_lifecycle.provider.image import ImageProvider
from ec2_emulator import EmulatorServer

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


@dataclass
class Served:
    server: EmulatorServer
    provider: ImageProvider
    ec2: EC2Client

    def snapshot(self) -> str:
        volume = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
        return self.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]

    def images(self) -> list[str]:
        found = self.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
        return sorted(i["ImageId"] for i in found)

    def snapshots(self) -> list[str]:
        found = self.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
        return sorted(s["SnapshotId"] for s in found)

    def someone_elses_image(self, snapshot_id: str) -> str:
        return self.ec2.register_image(
            Name="not-the-stacks",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
        )["ImageId"]


@pytest.fixture(name="served")
def served_by_the_server(ec2_emulator_server: EmulatorServer) -> Served:
    """An ImageProvider on the emulator server (its clock a fake one, at rest)."""
    client: EC2Client = boto3.session.Session().client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=ec2_emulator_server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    provider = ImageProvider()
    provider.inject(client_factory=lambda _region, _profile: client, now=ec2_emulator_server.now)
    return Served(ec2_emulator_server, provider, client)
