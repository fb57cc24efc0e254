"""The example stack's lifecycle through the real protocols: the dynamic-provider host and the
policy analyzer over gRPC, against the EC2 emulator in its own process (no CLI, no AWS)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lifecycle_runner import AwsTarget, CommandResult, RunOptions, run_command
from lifecycle_runner.display import Display
from lifecycle_runner.local_emulator import EmulatorProcess

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    result: CommandResult
    output: str

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.result.state_path.read_text())
        return state

    def resource(self, name: str) -> dict[str, Any] | None:
        live = [r for r in self.state()["resources"] if r["name"] == name and not r["delete"]]
        return live[0] if live else None


class Stack:
    """One stack of the example program, with its own snapshot, volume and image name."""

    def __init__(self, endpoint: str, work_dir: Path, name: str) -> None:
        self.endpoint = endpoint
        self.work_dir = work_dir
        self.ec2: Any = AwsTarget(endpoint).client("ec2")
        volume = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
        self.root_snapshot = self.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        self.data_volume = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=4)["VolumeId"]
        self.config = {
            "aws:region": "us-east-1",
            "ami-lifecycle:rootSnapshotId": self.root_snapshot,
            "ami-lifecycle:dataVolumeId": self.data_volume,
            "ami-lifecycle:imageName": name,
        }

    def run(self, command: str, policy_pack: bool = False, **config: str) -> Run:
        output = io.StringIO()
        result = run_command(
            RunOptions(
                command=command,
                program=REPO_ROOT,
                stack="e2e",
                config={**self.config, **{f"ami-lifecycle:{k}": v for k, v in config.items()}},
                policy_pack=REPO_ROOT / "policies" if policy_pack else None,
                work_dir=self.work_dir,
            ),
            AwsTarget(self.endpoint),
            Display(output),
        )
        return Run(result, output.getvalue())

    def images(self, name: str | None = None) -> list[dict[str, Any]]:
        images: list[dict[str, Any]] = self.ec2.describe_images(Owners=["self"])["Images"]
        return [i for i in images if name is None or i["Name"] == name]

    def snapshot_exists(self, snapshot_id: str) -> bool:
        found = self.ec2.describe_snapshots(
            Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}]
        )["Snapshots"]
        return bool(found)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    emulator = EmulatorProcess.start(
        tmp_path_factory.mktemp("emulator") / "emulator.log", detached=False
    )
    yield emulator.endpoint_url
    emulator.stop()


@pytest.fixture
def stack(endpoint: str, tmp_path: Path, request: pytest.FixtureRequest) -> Stack:
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    return Stack(endpoint, tmp_path / "work", f"golden-{request.node.name[5:40]}")


def test_protected_image_refuses_destroy_until_protection_is_turned_off(stack: Stack) -> None:
    up = stack.run("up")
    assert up.result.ok, up.output
    assert up.result.names("create") == ["golden", "golden-snapshot-sdf", "golden-image"]
    assert up.result.outputs["protectionState"] == "enabled-without-cooldown"
    [image] = stack.images(stack.config["ami-lifecycle:imageName"])
    assert image["DeregistrationProtection"] == "enabled-without-cooldown"

    refused = stack.run("destroy")
    assert refused.result.exit_code == 1
    assert "deregistration protection is on (enabled-without-cooldown)" in refused.output
    assert 'set its deregistrationProtection to "disabled", run `pulumi up`' in refused.output
    assert stack.images(image["Name"])

    unprotect = stack.run("up", protection="disabled")
    assert unprotect.result.ok, unprotect.output
    assert unprotect.result.names("update") == ["golden-image"]
    assert unprotect.result.outputs["protectionState"] == "disabled"

    destroy = stack.run("destroy")
    assert destroy.result.ok, destroy.output
    snapshots = unprotect.result.outputs["snapshotIds"]
    for snapshot_id in snapshots:
        assert f"{snapshot_id}: success (deleted)" in destroy.output
        assert not stack.snapshot_exists(snapshot_id)
    assert stack.images(image["Name"]) == []
    assert destroy.state()["resources"] == []


def test_a_second_up_changes_nothing(stack: Stack) -> None:
    assert stack.run("up", protection="disabled").result.ok
    again = stack.run("up", protection="disabled")
    assert again.result.ok, again.output
    assert {s.op for s in again.result.steps if s.status == "done"} == {"same"}
    assert "registered" not in again.output
    assert stack.run("destroy").result.ok


def test_refresh_drops_an_image_deregistered_outside_pulumi(stack: Stack) -> None:
    up = stack.run("up", protection="disabled")
    assert up.result.ok, up.output
    stack.ec2.deregister_image(ImageId=up.result.outputs["imageId"])

    refresh = stack.run("refresh")
    assert refresh.result.ok, refresh.output
    assert "deregistered outside Pulumi" in refresh.output
    assert refresh.resource("golden-image") is None
    assert refresh.resource("golden-snapshot-sdf") is not None
    assert stack.run("destroy").result.ok


def test_a_new_name_replaces_the_image_and_the_old_one_keeps_shared_snapshots(
    stack: Stack,
) -> None:
    first = stack.run("up", protection="disabled")
    assert first.result.ok, first.output
    old_image = first.result.outputs["imageId"]

    replaced = stack.run("up", protection="disabled", imageName="golden-replacement-v2")
    assert replaced.result.ok, replaced.output
    assert replaced.result.names("replace") == ["golden-image"]
    new_image = replaced.result.outputs["imageId"]
    assert new_image != old_image
    # Create before delete: the new image uses the same snapshots, so AWS skips them.
    assert f"{stack.root_snapshot}: skipped (kept: another AMI still uses it)" in replaced.output
    assert stack.snapshot_exists(stack.root_snapshot)
    assert [i["ImageId"] for i in stack.images("golden-replacement-v2")] == [new_image]
    assert stack.run("destroy", imageName="golden-replacement-v2").result.ok
    assert not stack.snapshot_exists(stack.root_snapshot)


def test_destroy_keeps_a_snapshot_another_image_uses(stack: Stack) -> None:
    assert stack.run("up", protection="disabled").result.ok
    other = stack.ec2.register_image(
        Name=f"other-{stack.config['ami-lifecycle:imageName']}",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": stack.root_snapshot}}
        ],
    )["ImageId"]

    destroy = stack.run("destroy")
    assert destroy.result.ok, destroy.output
    assert f"{stack.root_snapshot}: skipped (kept: another AMI still uses it)" in destroy.output
    assert stack.snapshot_exists(stack.root_snapshot)
    stack.ec2.deregister_image(ImageId=other, DeleteAssociatedSnapshots=True)


def test_the_policy_pack_blocks_an_unprotected_image_before_anything_is_created(
    stack: Stack,
) -> None:
    blocked = stack.run("up", policy_pack=True, protection="disabled")
    assert blocked.result.exit_code == 1
    assert {d.policy for d in blocked.result.policy_diagnostics if d.blocking} >= {
        "ami-deregistration-protection"
    }
    assert 'deregistrationProtection must be "enabled" or "enabled-with-cooldown"' in blocked.output
    assert blocked.result.names("create") == []
    assert stack.images(stack.config["ami-lifecycle:imageName"]) == []


def test_the_example_stack_passes_the_policy_pack(stack: Stack) -> None:
    up = stack.run("up", policy_pack=True)
    assert up.result.ok, up.output
    mandatory = [d for d in up.result.policy_diagnostics if d.blocking]
    assert mandatory == []
    assert stack.run("up", protection="disabled").result.ok
    assert stack.run("destroy").result.ok
