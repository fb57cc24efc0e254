"""The example stack under Pulumi's mocks: what it registers, and what it refuses."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
import pytest

from ami_lifecycle import InvalidImageArgsError

PROGRAM = Path(__file__).resolve().parents[2] / "__main__.py"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ.endswith(":VolumeSnapshot"):
            outputs["snapshotId"] = "snap-fromvolume"
        if args.typ.endswith(":Image"):
            outputs.update(imageId="ami-0mock", snapshotIds=["snap-root", "snap-fromvolume"])
            outputs["protectionState"] = "enabled-without-cooldown"
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, suffix: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ.endswith(suffix)]


@pytest.fixture
def mocks() -> Iterator[RecordingMocks]:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="ami-lifecycle", stack="dev", preview=False)
    yield recording
    pulumi.runtime.set_all_config({})


def run_program(config: dict[str, str]) -> dict[str, Any]:
    pulumi.runtime.set_all_config(
        {f"ami-lifecycle:{k}": v for k, v in config.items()} | {"aws:region": "eu-west-1"}
    )
    return runpy.run_path(str(PROGRAM))


@pulumi.runtime.test
def test_registers_a_protected_image_from_the_root_snapshot(mocks: RecordingMocks) -> Any:
    program = run_program({"rootSnapshotId": "snap-root"})

    def check(image_id: str) -> None:
        assert image_id == "ami-0mock"
        [component] = mocks.of_type("ami-lifecycle:index:MachineImage")
        [image] = mocks.of_type("pulumi-python:dynamic/ami-lifecycle:Image")
        assert not mocks.of_type(":VolumeSnapshot")
        for props in (component.inputs, image.inputs):
            assert props["deregistrationProtection"] == "enabled"
            assert props["deleteSnapshotsOnDestroy"] is True
            assert props["region"] == "eu-west-1"
            root = props["blockDeviceMappings"][0]
            assert root["ebs"]["volumeInitializationRate"] == 200
            assert root["ebs"]["snapshotId"] == "snap-root"
        assert image.name == "golden-image"
        assert image.inputs["imageName"] == "golden-dev"
        assert image.inputs["fromSnapshots"]["rootDeviceName"] == "/dev/xvda"
        assert image.inputs["tags"] == {"project": "ami-lifecycle", "stack": "dev"}

    return program["image"].image_id.apply(check)


@pulumi.runtime.test
def test_a_volume_is_snapshotted_by_a_child_the_image_uses(mocks: RecordingMocks) -> Any:
    program = run_program(
        {"rootSnapshotId": "snap-root", "dataVolumeId": "vol-data", "protection": "disabled"}
    )

    def check(snapshot_ids: list[str]) -> None:
        assert snapshot_ids == ["snap-root", "snap-fromvolume"]
        [snapshot] = mocks.of_type("pulumi-python:dynamic/ami-lifecycle:VolumeSnapshot")
        assert snapshot.name == "golden-snapshot-sdf"
        assert snapshot.inputs["volumeId"] == "vol-data"
        assert snapshot.inputs["tags"] == {"project": "ami-lifecycle", "stack": "dev"}
        [image] = mocks.of_type(":Image")
        data = image.inputs["blockDeviceMappings"][1]["ebs"]
        assert data["snapshotId"] == "snap-fromvolume"
        assert data["volumeId"] == "vol-data"
        assert image.inputs["deregistrationProtection"] == "disabled"

    return program["image"].snapshot_ids.apply(check)


def test_bad_config_is_refused_before_anything_is_registered(mocks: RecordingMocks) -> None:
    with pytest.raises(InvalidImageArgsError) as refused:
        run_program({"rootSnapshotId": "snap-root", "protection": "always", "imageName": "x"})
    message = str(refused.value)
    assert "MachineImage 'golden' has invalid arguments" in message
    assert (
        'deregistrationProtection: must be one of "disabled", "enabled", "enabled-with-cooldown"'
        in message
    )
    assert "imageName: must be 3-128 characters long, got 1" in message
    assert mocks.resources == []
