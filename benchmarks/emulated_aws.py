"""The EC2 emulator on a fake clock, with counted clients and providers wired to it.

Why this exists: every in-process benchmark needs the same setting: moto's EC2 taught the 2025
AMI API (`ec2_emulator.Ec2Emulator`), a clock that only moves when a waiter sleeps (so a 30-minute
wait takes milliseconds and is exactly reproducible), counted boto3 clients, and `ImageProvider`
instances wired the way the project's tests wire them (`provider.inject(...)`). The setup calls
made here (volumes, snapshots, instances) are made outside any counting window.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ami_lifecycle.aws.waiter import PollSchedule
from ami_lifecycle.provider.image import ImageProvider
from ec2_emulator import Ec2Emulator, FakeClock

from .call_counting import CallCounter, CountingClientFactory

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["EmulatedAws", "SimulatedTime", "device_name"]

ZONE = "us-east-1a"


def device_name(index: int) -> str:
    """`/dev/xvda` for the root, then `/dev/sdf`, `/dev/sdg`, ... (16 devices end at `sdu`)."""
    return "/dev/xvda" if index == 0 else f"/dev/sd{chr(ord('f') + index - 1)}"


class SimulatedTime:
    """A waiter clock on the emulator's fake clock: sleeping moves the emulator's time.

    The same seam the project's tests use (`EmulatorTime` in tests/ami_lifecycle/conftest.py):
    the image turns `available` when the fake clock passes its ready time, and a waiter only
    moves the fake clock by sleeping, so "how late" is measured exactly and costs no real time.
    """

    def __init__(self, emulator: Ec2Emulator) -> None:
        self._emulator = emulator
        self.slept = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._emulator.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.slept += seconds
        self._emulator.advance_clock(seconds)


class EmulatedAws:
    """`with EmulatedAws() as aws:` an emulator, a counter, counted clients and providers."""

    def __init__(self) -> None:
        os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        self.emulator = Ec2Emulator(clock=FakeClock())
        self.counter = CallCounter()
        self.factory = CountingClientFactory(self._raw_client, self.counter)
        self.time = SimulatedTime(self.emulator)
        self.log = io.StringIO()
        self._names = 0

    def _raw_client(self, region: str | None) -> EC2Client:
        return self.emulator.client(region)

    def __enter__(self) -> Self:
        self.emulator.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.emulator.stop()

    @property
    def ec2(self) -> EC2Client:
        """The counted client of the default region (the one the providers get)."""
        return self.factory(None, None)

    def now(self) -> datetime:
        return self.emulator.now()

    def image_provider(self, schedule: PollSchedule | None = None) -> ImageProvider:
        provider = ImageProvider()
        provider.inject(
            client_factory=self.factory,
            now=self.now,
            clock=self.time,
            schedule=schedule or PollSchedule(),
        )
        return provider

    @contextmanager
    def quiet(self) -> Iterator[io.StringIO]:
        """The providers report progress to stderr where no engine is listening
        (`ami_lifecycle.provider.progress`); keep it out of the benchmark's output (it stays
        readable in `self.log`)."""
        with redirect_stderr(self.log):
            yield self.log

    def unique_name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}-{self._names}"

    # -- setup (never inside a counting window) ----------------------------------------------
    def snapshots(self, count: int, size: int = 8) -> list[str]:
        ec2 = self.ec2
        snapshot_ids = []
        for _ in range(count):
            volume = ec2.create_volume(AvailabilityZone=ZONE, Size=size)["VolumeId"]
            snapshot_ids.append(ec2.create_snapshot(VolumeId=volume)["SnapshotId"])
        return snapshot_ids

    def instance_with_volumes(self, count: int) -> str:
        """A running instance with `count` EBS volumes (root included), for `CreateImage`."""
        ec2 = self.ec2
        base = ec2.register_image(
            Name=self.unique_name("launch-base"),
            RootDeviceName="/dev/xvda",
            Architecture="x86_64",
            VirtualizationType="hvm",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
        )["ImageId"]
        mappings: list[Any] = [
            {"DeviceName": device_name(i), "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}
            for i in range(count)
        ]
        instance = ec2.run_instances(
            ImageId=base, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings
        )["Instances"][0]
        # The launch image is only a means to an instance; keep the account's image list short.
        ec2.deregister_image(ImageId=base)
        return instance["InstanceId"]

    def snapshot_image_props(
        self, snapshot_ids: list[str], *, protection: str = "enabled"
    ) -> dict[str, Any]:
        """`Image` inputs as the component sends them: one device per snapshot."""
        return {
            "imageName": self.unique_name("bench"),
            "description": "benchmark image",
            "tags": {"team": "platform"},
            "deregistrationProtection": protection,
            "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
            "blockDeviceMappings": [
                {
                    "deviceName": device_name(i),
                    "ebs": {
                        "snapshotId": snapshot_id,
                        "volumeType": "gp3",
                        "iops": 3000.0,
                        "volumeInitializationRate": 200.0,
                    },
                }
                for i, snapshot_id in enumerate(snapshot_ids)
            ],
        }

    def instance_image_props(self, instance_id: str) -> dict[str, Any]:
        return {
            "imageName": self.unique_name("bench-instance"),
            "tags": {"team": "platform"},
            "fromInstance": {"instanceId": instance_id, "noReboot": True},
        }

    def emulator_actions(self) -> list[str]:
        """What the emulator itself logged (the server side of the count)."""
        return [request.action for request in self.emulator.requests]
