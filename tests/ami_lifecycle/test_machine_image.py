"""`MachineImage` as the plugin builds it for `Construct`, under Pulumi's mocks: the children it
registers, and what each one is given, for accepted and for refused inputs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.output import Unknown
from pulumi.resource import DependencyResource
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle.machine_image import MachineImage, component_defaults
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from ami_lifecycle.schema import IMAGE, MACHINE_IMAGE, VOLUME_SNAPSHOT

NOT_BOOL_HINT = (
    "stack config values are strings, so read this one with pulumi.Config.get_bool "
    "(or require_bool)."
)


def snapshot_of(name: str) -> str:
    """The snapshot id the mocks give the VolumeSnapshot `name`, in EC2's form."""
    return "snap-" + hashlib.sha256(name.encode()).hexdigest()[:17]


@dataclass(frozen=True)
class Registration:
    """One `RegisterResource` request, as the engine would receive it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]


class ChildOutputs(pulumi.runtime.Mocks):
    """Each resource's inputs back as its outputs, plus the ids the providers would add."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == VOLUME_SNAPSHOT:
            outputs["snapshotId"] = snapshot_of(args.name)
        if args.typ == IMAGE:
            outputs.update(imageId="ami-0mock", protectionState="enabled-without-cooldown")
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """The mocks' monitor, keeping every request's parent, dependencies and secrets, and (in a
    preview) its values not known yet, which `Mocks.new_resource` never sees."""

    def __init__(self) -> None:
        super().__init__(ChildOutputs())
        self.registered: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response  # registered once per process, by whichever test comes first
        self.registered.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=request.custom,
                inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                dependencies=list(request.dependencies),
            )
        )
        return response

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.registered if r.type == token]

    def named(self, name: str) -> Registration:
        [registration] = [r for r in self.registered if r.name == name]
        return registration

    def one(self, token: str) -> Registration:
        [registration] = self.of_type(token)
        return registration


def recording(*, preview: bool = False) -> RecordingMonitor:
    monitor = RecordingMonitor()
    pulumi.runtime.set_mocks(
        monitor.mocks, project="ami-lifecycle", stack="dev", preview=preview, monitor=monitor
    )
    return monitor


@pytest.fixture
def monitor() -> RecordingMonitor:
    return recording()


def construct(name: str, props: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Build the component as `Construct` does, wait for every registration, and return the
    component's outputs."""
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        component = MachineImage(name, props, **kwargs)
        return pulumi.Output.all(**component.outputs).apply(resolved.update)

    run()
    return resolved


def from_snapshots(*mappings: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "imageName": "golden-v2",
        "fromSnapshots": {"rootDeviceName": "/dev/xvda"},
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {"snapshotId": "snap-0a1b2c3d4e5f60718", "volumeType": "gp3"},
            },
            *mappings,
        ],
        **top,
    }


def failures(image: Registration) -> list[tuple[str, str]]:
    """What the Image's check, in the component, reports for what the component gave it."""
    checked = ImageProvider().check({}, image.inputs, in_component=True)
    return [(f.property, f.reason) for f in checked.failures]


def secret_keys(inputs: Mapping[str, Any]) -> set[str]:
    return {k for k, v in inputs.items() if rpc.is_rpc_secret(v)}


# -- accepted inputs ---------------------------------------------------------------------------


def test_each_volume_is_snapshotted_and_the_image_gets_the_snapshot_instead(
    monitor: RecordingMonitor,
) -> None:
    props = from_snapshots(
        {
            "deviceName": "/dev/sdf",
            "ebs": {
                "volumeId": "vol-0da7a0da7a0da7a0d",
                "volumeType": "gp3",
                "volumeInitializationRate": 300,
            },
        },
        {
            "deviceName": "/dev/sdg",
            "ebs": {"volumeId": "vol-010a010a010a010a0", "deleteOnTermination": False},
        },
        {"deviceName": "/dev/sdh", "virtualName": "ephemeral0"},
        tags={"team": "platform"},
        region="eu-west-1",
    )

    outputs = construct("golden", props)

    # The snapshots register in either order: they don't depend on each other.
    assert sorted(r.type for r in monitor.registered) == sorted(
        [MACHINE_IMAGE, VOLUME_SNAPSHOT, VOLUME_SNAPSHOT, IMAGE]
    )
    component = monitor.one(MACHINE_IMAGE)
    assert not component.custom
    data, logs = monitor.named("golden-snapshot-sdf"), monitor.named("golden-snapshot-sdg")
    assert [(data.name, data.parent), (logs.name, logs.parent)] == [
        ("golden-snapshot-sdf", component.urn),
        ("golden-snapshot-sdg", component.urn),
    ]
    assert data.inputs == {
        "volumeId": "vol-0da7a0da7a0da7a0d",
        # Named after the component and the device, not the image: renaming the image must not
        # snapshot the volume again.
        "description": "Snapshot for MachineImage golden (sdf)",
        "tags": {"team": "platform"},
        "region": "eu-west-1",
        "deleteOnDestroy": True,
    }
    assert logs.inputs["volumeId"] == "vol-010a010a010a010a0"
    assert VolumeSnapshotProvider().check({}, data.inputs).failures == []

    image = monitor.one(IMAGE)
    assert (image.name, image.parent, image.custom) == ("golden-image", component.urn, True)
    assert image.inputs["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"snapshotId": "snap-0a1b2c3d4e5f60718", "volumeType": "gp3"},
        },
        {
            "deviceName": "/dev/sdf",
            "ebs": {
                "snapshotId": snapshot_of("golden-snapshot-sdf"),
                "volumeType": "gp3",
                "volumeInitializationRate": 300,
            },
        },
        {
            "deviceName": "/dev/sdg",
            "ebs": {"snapshotId": snapshot_of("golden-snapshot-sdg"), "deleteOnTermination": False},
        },
        {"deviceName": "/dev/sdh", "virtualName": "ephemeral0"},
    ]
    assert {k: v for k, v in image.inputs.items() if k != "blockDeviceMappings"} == {
        k: v for k, v in component.inputs.items() if k != "blockDeviceMappings"
    }
    # The image depends on its snapshots, so Pulumi deletes it first (and with it, the snapshots
    # it owns); each snapshot's own delete then finds its snapshot gone.
    assert {data.urn, logs.urn} <= set(image.dependencies)
    assert failures(image) == []
    assert (outputs["imageId"], outputs["protectionState"]) == (
        "ami-0mock",
        "enabled-without-cooldown",
    )


def test_an_image_without_volumes_to_snapshot_is_the_only_child(
    monitor: RecordingMonitor,
) -> None:
    construct("golden", from_snapshots())
    assert [r.type for r in monitor.registered] == [MACHINE_IMAGE, IMAGE]
    image = monitor.one(IMAGE)
    assert image.inputs == monitor.one(MACHINE_IMAGE).inputs
    assert failures(image) == []


@pytest.mark.parametrize(
    ("declared", "protection", "delete_snapshots"),
    [
        pytest.param({}, "enabled", True, id="defaults"),
        pytest.param(
            {"deregistrationProtection": None, "deleteSnapshotsOnDestroy": None},
            "enabled",
            True,
            id="explicit-nulls",
        ),
        pytest.param(
            {
                "deregistrationProtection": "enabled-with-cooldown",
                "deleteSnapshotsOnDestroy": False,
            },
            "enabled-with-cooldown",
            False,
            id="declared",
        ),
    ],
)
def test_the_defaults_are_in_the_registered_inputs_of_the_component_and_its_children(
    monitor: RecordingMonitor,
    declared: dict[str, Any],
    protection: str,
    delete_snapshots: bool,
) -> None:
    props = from_snapshots(
        {"deviceName": "/dev/sdf", "ebs": {"volumeId": "vol-0da7a0da7a0da7a0d"}}, **declared
    )

    construct("golden", props)

    # A policy pack reads the component's inputs: it must see the protection the image gets.
    for registration in (monitor.one(MACHINE_IMAGE), monitor.one(IMAGE)):
        assert registration.inputs["deregistrationProtection"] == protection
        assert registration.inputs["deleteSnapshotsOnDestroy"] is delete_snapshots
    assert monitor.one(VOLUME_SNAPSHOT).inputs["deleteOnDestroy"] is delete_snapshots


def test_component_defaults_fill_only_what_is_missing() -> None:
    declared = {"imageName": "golden", "deleteSnapshotsOnDestroy": False}
    assert component_defaults(declared) == {
        "imageName": "golden",
        "deregistrationProtection": "enabled",
        "deleteSnapshotsOnDestroy": False,
        "disabled": False,
        "deleteWhenInUse": False,
    }
    assert declared == {"imageName": "golden", "deleteSnapshotsOnDestroy": False}


def test_secret_inputs_stay_secret_in_the_children_made_from_them(
    monitor: RecordingMonitor,
) -> None:
    props = from_snapshots(
        {"deviceName": "/dev/sdf", "ebs": {"volumeId": "vol-0da7a0da7a0da7a0d"}},
        tags={"team": "platform"},
    )

    construct("golden", props, secret={"blockDeviceMappings", "deleteSnapshotsOnDestroy"})

    secret = {"blockDeviceMappings", "deleteSnapshotsOnDestroy"}
    assert secret_keys(monitor.one(MACHINE_IMAGE).inputs) == secret
    assert secret_keys(monitor.one(IMAGE).inputs) == secret
    # The snapshot's volume and description come from the mappings, its deleteOnDestroy from
    # deleteSnapshotsOnDestroy.
    snapshot = monitor.one(VOLUME_SNAPSHOT)
    assert secret_keys(snapshot.inputs) == {"volumeId", "description", "deleteOnDestroy"}
    assert rpc.unwrap_rpc_secret(snapshot.inputs["volumeId"]) == "vol-0da7a0da7a0da7a0d"


def test_the_children_depend_on_the_resources_the_inputs_came_from(
    monitor: RecordingMonitor,
) -> None:
    volume = "urn:pulumi:dev::ami-lifecycle::aws:ebs/volume:Volume::data"
    props = from_snapshots({"deviceName": "/dev/sdf", "ebs": {"volumeId": "vol-0da7a0da7a0da7a0d"}})

    construct("golden", props, depends_on=[DependencyResource(volume)])

    assert volume in monitor.one(VOLUME_SNAPSHOT).dependencies
    assert volume in monitor.one(IMAGE).dependencies


# -- values not known yet (a preview) ------------------------------------------------------------


def test_mappings_not_known_yet_reach_the_image_unknown_and_snapshot_nothing() -> None:
    monitor = recording(preview=True)
    construct("golden", {**from_snapshots(), "blockDeviceMappings": UNKNOWN})
    assert monitor.of_type(VOLUME_SNAPSHOT) == []
    assert isinstance(monitor.one(IMAGE).inputs["blockDeviceMappings"], Unknown)


def test_a_volume_not_known_yet_is_still_snapshotted() -> None:
    monitor = recording(preview=True)
    construct("golden", from_snapshots({"deviceName": "/dev/sdf", "ebs": {"volumeId": UNKNOWN}}))
    snapshot = monitor.one(VOLUME_SNAPSHOT)
    assert snapshot.name == "golden-snapshot-sdf"
    assert isinstance(snapshot.inputs["volumeId"], Unknown)
    [_, data] = monitor.one(IMAGE).inputs["blockDeviceMappings"]
    assert "volumeId" not in data["ebs"]


# -- refused inputs: reported by the Image's check, before any AWS call -------------------------


def test_refused_inputs_snapshot_nothing_and_reach_the_image_as_declared(
    monitor: RecordingMonitor,
) -> None:
    props = from_snapshots(
        {"deviceName": "/dev/sdf", "ebs": {"volumeId": "vol-0da7a0da7a0da7a0d"}},
        deleteSnapshotsOnDestroy="false",
        deregistrationProtecton="disabled",
    )

    construct("golden", props)

    assert monitor.of_type(VOLUME_SNAPSHOT) == []
    declared = {
        **props,
        "deregistrationProtection": "enabled",
        "deleteWhenInUse": False,
        "disabled": False,
    }
    assert monitor.one(MACHINE_IMAGE).inputs == declared
    image = monitor.one(IMAGE)
    assert image.inputs == declared
    # Each problem once, as a check failure; the volume the component would have snapshotted
    # is not one of them.
    assert failures(image) == [
        ("deregistrationProtecton", "unknown property; did you mean deregistrationProtection?"),
        (
            "deleteSnapshotsOnDestroy",
            f"must be true or false (a bool), not the string 'false'; {NOT_BOOL_HINT}",
        ),
    ]


def test_mappings_given_as_an_object_reach_the_image_as_that_object(
    monitor: RecordingMonitor,
) -> None:
    mapping = {"deviceName": "/dev/xvda", "ebs": {"volumeId": "vol-0700700700700700a"}}
    props = {**from_snapshots(), "blockDeviceMappings": mapping}

    construct("golden", props)

    assert monitor.of_type(VOLUME_SNAPSHOT) == []
    image = monitor.one(IMAGE)
    assert image.inputs["blockDeviceMappings"] == mapping
    assert failures(image) == [
        ("blockDeviceMappings", "must be a list of block device mappings, got an object.")
    ]


def test_a_refused_mapping_keeps_its_volume_for_the_image_check_to_see(
    monitor: RecordingMonitor,
) -> None:
    props = from_snapshots(
        {
            "deviceName": "/dev/sdf",
            "ebs": {"volumeId": "vol-0da7a0da7a0da7a0d", "volumeInitializationRate": 400},
        }
    )

    construct("golden", props)

    assert monitor.of_type(VOLUME_SNAPSHOT) == []
    image = monitor.one(IMAGE)
    assert image.inputs["blockDeviceMappings"][1]["ebs"]["volumeId"] == "vol-0da7a0da7a0da7a0d"
    [(prop, reason)] = failures(image)
    assert prop == "blockDeviceMappings[1].ebs.volumeInitializationRate"
    assert reason.startswith("must be 100-300 MiB/s, got 400")
