"""Providers wired to the in-process emulator, with time under the test's control."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from ami_lifecycle.aws.waiter import PollSchedule
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


class EmulatorTime:
    """The waiter's clock on the emulator's fake clock: sleeping moves emulated time."""

    def __init__(self, emulator: Ec2Emulator) -> None:
        self.emulator = emulator
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.emulator.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.emulator.advance_clock(seconds)


@dataclass
class Aws:
    """The emulator plus helpers that make AWS objects the way a user would have them."""

    emulator: Ec2Emulator
    ec2: EC2Client
    time: EmulatorTime
    zone: str = "us-east-1a"
    made: list[str] = field(default_factory=list)

    def volume(self, size: int = 8) -> str:
        return self.ec2.create_volume(AvailabilityZone=self.zone, Size=size)["VolumeId"]

    def snapshot(self, size: int = 8) -> str:
        return self.ec2.create_snapshot(VolumeId=self.volume(size))["SnapshotId"]

    def snapshot_exists(self, snapshot_id: str) -> bool:
        found = self.ec2.describe_snapshots(
            Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}]
        )["Snapshots"]
        return bool(found)

    def calls(self) -> list[str]:
        return [r.action for r in self.emulator.requests]

    def now(self) -> datetime:
        return self.emulator.now()


@pytest.fixture
def aws(ec2_emulator: Ec2Emulator) -> Aws:
    return Aws(ec2_emulator, ec2_emulator.client(), EmulatorTime(ec2_emulator))


def _wire(provider: Any, aws: Aws) -> Any:
    provider.inject(
        client_factory=lambda region, _profile: aws.emulator.client(region),
        now=aws.now,
        clock=aws.time,
        schedule=PollSchedule(report_every=60),
    )
    return provider


@pytest.fixture
def image_provider(aws: Aws) -> ImageProvider:
    provider: ImageProvider = _wire(ImageProvider(), aws)
    return provider


@pytest.fixture
def snapshot_provider(aws: Aws) -> VolumeSnapshotProvider:
    provider: VolumeSnapshotProvider = _wire(VolumeSnapshotProvider(), aws)
    return provider
