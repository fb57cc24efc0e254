"""Concurrent requests: each EC2 call is carried out as one atomic step, as AWS does.

The case: a parallel destroy, many DeregisterImage(DeleteAssociatedSnapshots=True) calls at once
over HTTP, some of the images sharing snapshots. Seed 000: a snapshot is ``skipped`` while
"it's associated with other AMIs"; seed 001: "if a snapshot is associated with multiple AMIs,
it won't be deleted even if specified for deletion, although the AMI will still be
deregistered". Whichever deregistration comes last deletes it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from ec2_emulator import EmulatorServer

from .conftest import register, unretried_client

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ROUNDS = 3
IMAGES = 40
THREADS = 16
SHARED = 8
#: Images 0..31 share a snapshot four by four (image i uses shared snapshot i % 8); the rest
#: have only their own.
SHARING_IMAGES = 32


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """The interpreter switches threads as often as it can, so that concurrent requests really
    interleave inside their handling (at the default 5 ms they rarely do in a test this size)."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(default)


def _snapshot(ec2: EC2Client) -> str:
    volume = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")
    return ec2.create_snapshot(VolumeId=volume["VolumeId"])["SnapshotId"]


@pytest.mark.usefixtures("eager_thread_switches")
def test_parallel_deregistrations_each_act_atomically(ec2_emulator_server: EmulatorServer) -> None:
    ec2 = unretried_client(ec2_emulator_server, connections=THREADS)
    for round_number in range(ROUNDS):
        shared = [_snapshot(ec2) for _ in range(SHARED)]
        users: dict[str, list[str]] = {snapshot_id: [] for snapshot_id in shared}
        own: dict[str, str] = {}
        for index in range(IMAGES):
            own_snapshot = _snapshot(ec2)
            snapshot_ids = [own_snapshot]
            if index < SHARING_IMAGES:
                snapshot_ids.append(shared[index % SHARED])
            image_id = register(ec2, f"parallel-{round_number}-{index}", *snapshot_ids)
            own[image_id] = own_snapshot
            if index < SHARING_IMAGES:
                users[shared[index % SHARED]].append(image_id)
        ec2_emulator_server.clear_requests()

        def deregister(image_id: str) -> Any:
            return ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

        with ThreadPoolExecutor(THREADS) as pool:
            answers = dict(zip(own, pool.map(deregister, own), strict=True))

        codes = {
            image_id: {r["SnapshotId"]: r["ReturnCode"] for r in answer["DeleteSnapshotResults"]}
            for image_id, answer in answers.items()
        }
        assert all(answer["Return"] is True for answer in answers.values())
        assert all(codes[image_id][snapshot] == "success" for image_id, snapshot in own.items())
        # The request log is in the order the calls were carried out.
        order = [r.params["ImageId"] for r in ec2_emulator_server.requests]
        for snapshot_id, image_ids in users.items():
            last = max(image_ids, key=order.index)
            assert {image_id: codes[image_id][snapshot_id] for image_id in image_ids} == {
                image_id: "success" if image_id == last else "skipped" for image_id in image_ids
            }
        assert ec2.describe_images(Owners=["self"])["Images"] == []
        assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []
