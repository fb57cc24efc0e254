"""The example stack under Pulumi's mocks: the one remote component it registers, with what
inputs, and what the plugin's side of that component makes of them."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from ami_lifecycle.machine_image import MachineImage as ConstructedMachineImage
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.schema import IMAGE, MACHINE_IMAGE, VOLUME_SNAPSHOT
from pulumi_ami_lifecycle import MachineImage

PROGRAM = Path(__file__).resolve().parents[2] / "__main__.py"
PROJECT = "golden-image"
"""Pulumi.yaml's name: the namespace of the program's own config."""
TAGS = {"project": PROJECT, "stack": "dev"}
ROOT_MAPPING = {
    "deviceName": "/dev/xvda",
    "ebs": {
        "snapshotId": "snap-0a1b2c3d4e5f60718",
        "volumeType": "gp3",
        "iops": 3000,
        "throughput": 125,
        "deleteOnTermination": True,
        "volumeInitializationRate": 200,
    },
}


@dataclass(frozen=True)
class Registration:
    type: str
    name: str
    custom: bool
    remote: bool
    inputs: dict[str, Any]


class Outputs(pulumi.runtime.Mocks):
    """What the plugin would answer: the inputs back, with the ids AWS gives."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == VOLUME_SNAPSHOT:
            outputs["snapshotId"] = "snap-0f0f0f0f0f0f0f0f0"
        if args.typ in (MACHINE_IMAGE, IMAGE):
            outputs.update(
                imageId="ami-0mock",
                snapshotIds=["snap-0a1b2c3d4e5f60718", "snap-0f0f0f0f0f0f0f0f0"],
            )
            outputs["protectionState"] = "enabled-without-cooldown"
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """The mocks' monitor, keeping whether each resource is a remote component (built by the
    plugin), which `Mocks.new_resource` never hears."""

    def __init__(self) -> None:
        super().__init__(Outputs())
        self.registered: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registered.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    custom=request.custom,
                    remote=request.remote,
                    inputs=rpc.deserialize_properties(request.object),
                )
            )
        return response

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.registered if r.type == token]


def recording() -> RecordingMonitor:
    monitor = RecordingMonitor()
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack="dev", preview=False, monitor=monitor
    )
    return monitor


@pytest.fixture
def monitor() -> Iterator[RecordingMonitor]:
    yield recording()
    pulumi.runtime.set_all_config({})


def run_program(config: dict[str, str]) -> dict[str, Any]:
    """Run the example with this stack config; what it exports, once resolved."""
    # The stack's aws:region is set but no longer read: the plugin's ami-lifecycle:region is.
    pulumi.runtime.set_all_config(
        {f"{PROJECT}:{k}": v for k, v in config.items()} | {"aws:region": "eu-west-1"}
    )
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        image = runpy.run_path(str(PROGRAM))["image"]
        return pulumi.Output.all(
            imageId=image.image_id,
            snapshotIds=image.snapshot_ids,
            protectionState=image.protection_state,
        ).apply(exported.update)

    run()
    return exported


def the_component(monitor: RecordingMonitor) -> Registration:
    [component] = monitor.registered
    assert (component.type, component.name) == (MACHINE_IMAGE, "golden")
    # Remote: the plugin builds its children (`Construct`), the program registers none.
    assert (component.remote, component.custom) == (True, False)
    return component


def construct(props: dict[str, Any]) -> RecordingMonitor:
    """The plugin's side: the component built from what the program sent."""
    monitor = recording()

    @pulumi.runtime.test
    def run() -> None:
        ConstructedMachineImage("golden", props)

    run()
    return monitor


def test_registers_one_remote_component_with_the_camel_case_inputs(
    monitor: RecordingMonitor,
) -> None:
    exported = run_program({"rootSnapshotId": "snap-0a1b2c3d4e5f60718"})

    assert the_component(monitor).inputs == {
        "imageName": "golden-dev",
        "description": "Golden base image managed by Pulumi",
        "tags": TAGS,
        "deregistrationProtection": "enabled",
        "fromSnapshots": {
            "rootDeviceName": "/dev/xvda",
            "architecture": "x86_64",
            "bootMode": "uefi",
            "enaSupport": True,
            "imdsSupport": "v2.0",
        },
        "blockDeviceMappings": [ROOT_MAPPING],
    }
    # The component's outputs reach the program under their Python names.
    assert exported == {
        "imageId": "ami-0mock",
        "snapshotIds": ["snap-0a1b2c3d4e5f60718", "snap-0f0f0f0f0f0f0f0f0"],
        "protectionState": "enabled-without-cooldown",
    }


def test_the_plugin_fills_the_defaults_and_registers_a_protected_image(
    monitor: RecordingMonitor,
) -> None:
    run_program({"rootSnapshotId": "snap-0a1b2c3d4e5f60718"})
    sent = the_component(monitor).inputs
    # Defaults are the plugin's, not the SDK's: the program sends none, nor a Region.
    assert {"deleteSnapshotsOnDestroy", "deleteWhenInUse", "disabled", "region"}.isdisjoint(sent)

    built = construct(sent)

    assert built.of_type(VOLUME_SNAPSHOT) == []
    [image] = built.of_type(IMAGE)
    assert image.name == "golden-image"
    assert image.inputs == {
        **sent,
        "deleteSnapshotsOnDestroy": True,
        "deleteWhenInUse": False,
        "disabled": False,
    }
    assert ImageProvider().check({}, image.inputs, in_component=True).failures == []


def test_a_data_volume_is_sent_as_a_volume_and_snapshotted_by_the_plugin(
    monitor: RecordingMonitor,
) -> None:
    run_program(
        {
            "rootSnapshotId": "snap-0a1b2c3d4e5f60718",
            "dataVolumeId": "vol-0da7a0da7a0da7a0d",
            "protection": "disabled",
        }
    )
    sent = the_component(monitor).inputs
    assert sent["deregistrationProtection"] == "disabled"
    data = {
        "deviceName": "/dev/sdf",
        "ebs": {
            "volumeId": "vol-0da7a0da7a0da7a0d",
            "volumeType": "gp3",
            "volumeInitializationRate": 300,
        },
    }
    assert sent["blockDeviceMappings"] == [ROOT_MAPPING, data]

    built = construct(sent)

    [snapshot] = built.of_type(VOLUME_SNAPSHOT)
    assert snapshot.name == "golden-snapshot-sdf"
    assert (snapshot.inputs["volumeId"], snapshot.inputs["tags"]) == ("vol-0da7a0da7a0da7a0d", TAGS)
    [image] = built.of_type(IMAGE)
    assert image.inputs["deregistrationProtection"] == "disabled"
    assert image.inputs["blockDeviceMappings"] == [
        ROOT_MAPPING,
        {
            "deviceName": "/dev/sdf",
            "ebs": {
                "snapshotId": "snap-0f0f0f0f0f0f0f0f0",
                "volumeType": "gp3",
                "volumeInitializationRate": 300,
            },
        },
    ]


def test_bad_config_is_sent_as_it_is_and_refused_by_the_images_check(
    monitor: RecordingMonitor,
) -> None:
    run_program(
        {"rootSnapshotId": "snap-0a1b2c3d4e5f60718", "protection": "always", "imageName": "x"}
    )
    sent = the_component(monitor).inputs
    assert (sent["imageName"], sent["deregistrationProtection"]) == ("x", "always")

    built = construct(sent)

    [image] = built.of_type(IMAGE)
    problems = [str(p) for p in ImageProvider().check({}, image.inputs, in_component=True).failures]
    assert problems == [
        "imageName: must be 3-128 characters long, got 1 ('x').",
        'deregistrationProtection: must be one of "disabled", "enabled", '
        "\"enabled-with-cooldown\"; got 'always'.",
    ]


def test_a_programs_tag_keys_are_sent_as_written(monitor: RecordingMonitor) -> None:
    tags = {"cost_centre": "42", "Team_Name": "platform", "app:tier": "web"}

    @pulumi.runtime.test
    def run() -> None:
        MachineImage(
            "tagged",
            {
                "image_name": "tagged-image",
                "tags": tags,
                "delete_snapshots_on_destroy": False,
                "from_instance": {"instance_id": "i-0123456789abcdef0", "no_reboot": True},
                "block_device_mappings": [
                    {"device_name": "/dev/xvda", "ebs": {"delete_on_termination": False}},
                    {"device_name": "/dev/sdf", "no_device": True},
                ],
            },
        )

    run()

    [component] = monitor.registered
    # Every property name becomes camelCase, at any depth; a tag's key is data, not a name.
    assert component.inputs == {
        "imageName": "tagged-image",
        "tags": tags,
        "deleteSnapshotsOnDestroy": False,
        "fromInstance": {"instanceId": "i-0123456789abcdef0", "noReboot": True},
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"deleteOnTermination": False}},
            {"deviceName": "/dev/sdf", "noDevice": True},
        ],
    }
