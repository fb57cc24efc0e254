"""Copies over gRPC: `ImageCopy` and `CopyTarget` in the schema, the docs and the checks alike; an
`ImageCopy`'s check; and a `MachineImage` with `copies` built by `Construct`, whose children a
small resource monitor checks and creates through the plugin as the engine would, against the
emulator in two Regions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import provider_pb2, resource_pb2, resource_pb2_grpc

from ami_lifecycle import validation
from ami_lifecycle.schema import IMAGE, IMAGE_COPY, MACHINE_IMAGE, package_schema

from .conftest import REGION, STACK, Plugin, plain, struct, urn
from .test_schema import _READER_TYPES, documented_tables, documented_type

pytestmark = pytest.mark.e2e

DESTINATION = "eu-west-1"
SCHEMA = package_schema()
COPY_URN = urn(IMAGE_COPY, "golden-eu")


# -- one contract ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "schema_properties", "readers"),
    [
        (
            f"`{IMAGE_COPY}`",
            SCHEMA["resources"][IMAGE_COPY]["inputProperties"],
            validation._IMAGE_COPY,
        ),
        (
            "`CopyTarget`",
            SCHEMA["types"]["ami-lifecycle:index:CopyTarget"]["properties"],
            validation._COPY_TARGET,
        ),
    ],
)
def test_copies_are_the_same_in_schema_checks_and_docs(
    heading: str, schema_properties: dict[str, Any], readers: dict[str, Any]
) -> None:
    documented = documented_tables()[heading]
    assert list(documented) == list(schema_properties) == list(readers)
    for name, prop in schema_properties.items():
        assert documented[name] == documented_type(prop), name
        assert _READER_TYPES[readers[name].__qualname__](prop), (name, prop)


def test_the_component_takes_copies_and_its_image_does_not() -> None:
    component = SCHEMA["resources"][MACHINE_IMAGE]
    image = SCHEMA["resources"][IMAGE]
    only = {
        k: v for k, v in component["inputProperties"].items() if k not in image["inputProperties"]
    }
    documented = documented_tables()[f"`{MACHINE_IMAGE}` only"]
    assert (
        {k: documented_type(v) for k, v in only.items()} == documented == {"copies": "CopyTarget[]"}
    )
    assert "copyImageIds" in component["properties"]
    copy = SCHEMA["resources"][IMAGE_COPY]
    outputs = {k for k in copy["properties"] if k not in copy["inputProperties"]}
    assert outputs == {k for k in image["properties"] if k not in image["inputProperties"]}


# -- check -------------------------------------------------------------------------------------


def failures(response: provider_pb2.CheckResponse) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in response.failures]


def test_a_copys_check_refuses_what_aws_would_and_names_the_property(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    checked = plugin.check(
        COPY_URN,
        {
            "sourceImageId": "ami-0123456789abcdef0",
            "sourceRegion": REGION,
            "region": DESTINATION,
            "imageName": "golden-eu",
            "kmsKeyId": "alias/golden",
            "snapshotCopyCompletionDurationMinutes": 20.0,
        },
    )
    assert [p for p, _ in failures(checked)] == [
        "kmsKeyId",
        "snapshotCopyCompletionDurationMinutes",
    ]
    assert "Traceback" not in plugin.stderr()


# -- Construct with copies, then the children's Check and Create --------------------------------


@dataclass
class Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The engine's resource monitor, as far as a component needs it: each custom resource the
    component registers is checked and created through the plugin, and its outputs answered."""

    plugin: Plugin
    registered: dict[str, resource_pb2.RegisterResourceRequest] = field(default_factory=dict)
    created: dict[str, tuple[str, struct_pb2.Struct]] = field(default_factory=dict)
    refused: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def SupportsFeature(  # noqa: N802
        self, request: resource_pb2.SupportsFeatureRequest, context: Any
    ) -> resource_pb2.SupportsFeatureResponse:
        return resource_pb2.SupportsFeatureResponse(hasSupport=False)

    def RegisterResource(  # noqa: N802
        self, request: resource_pb2.RegisterResourceRequest, context: Any
    ) -> resource_pb2.RegisterResourceResponse:
        parent_types = request.parent.split("::")[2] + "$" if request.parent else ""
        resource_urn = f"{STACK}::{parent_types}{request.type}::{request.name}"
        with self.lock:
            self.registered[resource_urn] = request
        if not request.custom:
            return resource_pb2.RegisterResourceResponse(urn=resource_urn)
        checked = self.plugin.check(resource_urn, plain(request.object))
        if checked.failures:
            self.refused[resource_urn] = failures(checked)
            context.abort(grpc.StatusCode.UNKNOWN, "check failed")
        created = self.plugin.stub.Create(
            provider_pb2.CreateRequest(urn=resource_urn, properties=checked.inputs)
        )
        with self.lock:
            self.created[resource_urn] = (created.id, created.properties)
        return resource_pb2.RegisterResourceResponse(
            urn=resource_urn, id=created.id, object=created.properties
        )

    def RegisterResourceOutputs(  # noqa: N802
        self, request: resource_pb2.RegisterResourceOutputsRequest, context: Any
    ) -> empty_pb2.Empty:
        return empty_pb2.Empty()


@contextmanager
def monitor_for(plugin: Plugin) -> Iterator[tuple[Monitor, str]]:
    monitor = Monitor(plugin)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield monitor, f"127.0.0.1:{port}"
    finally:
        server.stop(None)


def root_snapshot(plugin: Plugin) -> str:
    ec2 = plugin.aws.client(REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume)["SnapshotId"]


def test_a_machine_image_with_copies_is_constructed_and_its_copy_made_in_another_region(
    plugin: Plugin,
) -> None:
    plugin.configure(region=REGION)
    snapshot = root_snapshot(plugin)
    inputs = {
        "imageName": "golden-grpc",
        "deregistrationProtection": "disabled",
        "tags": {"team": "platform"},
        "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"snapshotId": snapshot, "volumeType": "gp3"}}
        ],
        "copies": [{"region": DESTINATION, "description": "in Europe"}],
    }
    with monitor_for(plugin) as (monitor, endpoint):
        answer = plugin.stub.Construct(
            provider_pb2.ConstructRequest(
                project="golden-image",
                stack="dev",
                monitorEndpoint=endpoint,
                type=MACHINE_IMAGE,
                name="golden",
                inputs=struct(inputs),
            )
        )
    assert monitor.refused == {}
    component_urn = urn(MACHINE_IMAGE, "golden")
    image_urn = urn(IMAGE, "golden-image", parent=MACHINE_IMAGE)
    copy_urn = urn(IMAGE_COPY, f"golden-copy-{DESTINATION}", parent=MACHINE_IMAGE)
    assert answer.urn == component_urn
    assert set(monitor.created) == {image_urn, copy_urn}
    # The image never sees the copies; the component's registration (a policy's view) does.
    assert "copies" not in plain(monitor.registered[image_urn].object)
    assert plain(monitor.registered[component_urn].object)["copies"][0]["region"] == DESTINATION

    image_id, image_state = monitor.created[image_urn]
    copy_id, copy_state = monitor.created[copy_urn]
    assert plain(answer.state)["copyImageIds"] == {DESTINATION: copy_id}
    copied = plain(copy_state)
    assert (copied["sourceImageId"], copied["sourceRegion"]) == (image_id, REGION)
    assert (copied["imageName"], copied["region"]) == ("golden-grpc", DESTINATION)
    assert copied["tags"] == {"team": "platform"}
    [copy] = plugin.aws.client(DESTINATION).describe_images(Owners=["self"])["Images"]
    assert (copy["ImageId"], copy["SourceImageId"], copy["Description"]) == (
        copy_id,
        image_id,
        "in Europe",
    )
    progress = " ".join(plugin.engine.messages(copy_urn))
    assert f"being copied from {image_id} in {REGION}" in progress, progress

    # Destroy, as the engine orders it: the copy first (it depends on the image).
    plugin.stub.Delete(provider_pb2.DeleteRequest(urn=copy_urn, id=copy_id, properties=copy_state))
    plugin.stub.Delete(
        provider_pb2.DeleteRequest(urn=image_urn, id=image_id, properties=image_state)
    )
    for snapshot_id in copied["snapshotIds"]:
        assert f"  {snapshot_id}: success (deleted)" in " ".join(plugin.engine.messages(copy_urn))
    for region in (REGION, DESTINATION):
        ec2 = plugin.aws.client(region)
        assert ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []
    assert plugin.aws.client(DESTINATION).describe_snapshots(OwnerIds=["self"])["Snapshots"] == []
