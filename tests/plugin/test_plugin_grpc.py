"""The plugin over gRPC, as the engine drives it: what the seam over the SDK's experimental
provider API does to numbers, unknowns, child types, secrets and errors, and the CRUD of an image
against the emulator."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle.schema import (
    IMAGE,
    IMAGE_COPY,
    MACHINE_IMAGE,
    VERSION,
    VOLUME_SNAPSHOT,
    package_schema,
)

from .conftest import REGION, Plugin, plain, secret, struct, urn

pytestmark = pytest.mark.e2e

IMAGE_URN = urn(IMAGE, "golden")


def root_snapshot(plugin: Plugin) -> str:
    ec2 = plugin.aws.client(REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume)["SnapshotId"]


def image_inputs(snapshot_id: str, **overrides: Any) -> dict[str, Any]:
    """An image's inputs as a program sends them: every number a float."""
    inputs: dict[str, Any] = {
        "imageName": "golden-grpc",
        "description": "made over gRPC",
        "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "snapshotId": snapshot_id,
                    "volumeType": "gp3",
                    "iops": 3000.0,
                    "volumeInitializationRate": 200.0,
                },
            }
        ],
    }
    inputs.update(overrides)
    return inputs


def failures(response: provider_pb2.CheckResponse) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in response.failures]


def create(plugin: Plugin, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    checked = plugin.check(IMAGE_URN, inputs)
    assert failures(checked) == []
    created = plugin.stub.Create(
        provider_pb2.CreateRequest(urn=IMAGE_URN, properties=checked.inputs)
    )
    return created.id, plain(created.properties)


def rpc_failure(call: Any, request: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(request)
    return raised.value


def test_the_schema_is_the_package_schema(plugin: Plugin) -> None:
    answer = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0))
    schema = json.loads(answer.schema)
    assert schema == package_schema()
    assert set(schema["resources"]) == {IMAGE, IMAGE_COPY, VOLUME_SNAPSHOT, MACHINE_IMAGE}
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == VERSION


def test_whole_numbers_stay_whole_and_fractions_are_refused(plugin: Plugin) -> None:
    checked = plugin.check(IMAGE_URN, image_inputs("snap-0123456789abcdef0"))
    assert failures(checked) == []
    ebs = checked.inputs.fields["blockDeviceMappings"].list_value.values[0]
    rate = ebs.struct_value.fields["ebs"].struct_value.fields["volumeInitializationRate"]
    assert rate.number_value == 200

    fractional = image_inputs("snap-0123456789abcdef0")
    fractional["blockDeviceMappings"][0]["ebs"]["volumeInitializationRate"] = 200.5
    assert failures(plugin.check(IMAGE_URN, fractional)) == [
        (
            "blockDeviceMappings[0].ebs.volumeInitializationRate",
            "must be a whole number, got 200.5.",
        )
    ]


def test_unknowns_at_preview_are_kept_and_never_refused(plugin: Plugin) -> None:
    inputs = image_inputs(UNKNOWN, description=UNKNOWN)
    checked = plugin.check(IMAGE_URN, inputs)
    assert failures(checked) == []
    values = plain(checked.inputs)
    assert values["description"] == UNKNOWN
    assert values["blockDeviceMappings"][0]["ebs"]["snapshotId"] == UNKNOWN
    # A value still unknown may change the image: the diff says so, still without asking AWS.
    # (An unprotected image: a protected one refuses to be replaced.)
    olds = {
        **values,
        "deregistrationProtection": "disabled",
        "blockDeviceMappings": image_inputs("snap-1")["blockDeviceMappings"],
    }
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(urn=IMAGE_URN, id="ami-1", olds=struct(olds), news=checked.inputs)
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert "blockDeviceMappings" in diff.replaces
    assert plugin.aws.requests == []


def test_a_component_child_arrives_as_parent_dollar_child(plugin: Plugin) -> None:
    """Only a MachineImage's own Image may carry a volume to snapshot (when the component's
    inputs are refused, it hands them on as they are, to be reported here)."""
    inputs = image_inputs("snap-0123456789abcdef0", imageName="ab")
    inputs["blockDeviceMappings"][0]["ebs"] = {"volumeId": "vol-0123456789abcdef0"}
    name_problem = ("imageName", "must be 3-128 characters long, got 2 ('ab').")

    child = plugin.check(urn(IMAGE, "golden-image", parent=MACHINE_IMAGE), inputs)
    assert failures(child) == [name_problem]

    standalone = plugin.check(IMAGE_URN, inputs)
    assert failures(standalone) == [
        name_problem,
        (
            "blockDeviceMappings[0].ebs.volumeId",
            "is taken only by a MachineImage, which snapshots the volume first; on an Image, "
            "give the snapshot as snapshotId (or use MachineImage).",
        ),
    ]


def test_secrets_stay_secret(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    inputs = image_inputs(root_snapshot(plugin), description=secret("internal build 42"))
    checked = plugin.check(IMAGE_URN, inputs)
    assert failures(checked) == []
    sig = rpc._special_sig_key
    assert plain(checked.inputs)["description"] == secret("internal build 42")

    created = plugin.stub.Create(
        provider_pb2.CreateRequest(urn=IMAGE_URN, properties=checked.inputs)
    )
    outputs = plain(created.properties)
    assert outputs["description"] == secret("internal build 42")
    assert outputs["imageId"] == created.id  # not secret: no secret input made it
    assert sig not in json.dumps(outputs["reportedBlockDeviceMappings"])


def test_an_image_lives_and_dies_over_grpc(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    snapshot = root_snapshot(plugin)
    image_id, outputs = create(plugin, image_inputs(snapshot))
    assert outputs["state"] == "available"
    assert outputs["protectionState"] == "enabled-without-cooldown"
    assert outputs["blockDeviceMappings"][0]["ebs"]["iops"] == 3000
    progress = plugin.engine.messages(IMAGE_URN)
    assert any("waiting for it to become available" in line for line in progress), progress

    refreshed = plugin.stub.Read(
        provider_pb2.ReadRequest(
            id=image_id,
            urn=IMAGE_URN,
            properties=struct(outputs),
            inputs=struct(image_inputs(snapshot)),
        )
    )
    assert refreshed.id == image_id
    assert plain(refreshed.inputs)["deregistrationProtection"] == "enabled"
    assert plain(refreshed.properties)["imageId"] == image_id

    news = plugin.check(
        IMAGE_URN, image_inputs(snapshot, deregistrationProtection="disabled"), olds=outputs
    )
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(urn=IMAGE_URN, id=image_id, olds=struct(outputs), news=news.inputs)
    )
    assert (diff.changes, list(diff.replaces)) == (provider_pb2.DiffResponse.DIFF_SOME, [])
    assert list(diff.diffs) == ["deregistrationProtection"]
    updated = plugin.stub.Update(
        provider_pb2.UpdateRequest(
            urn=IMAGE_URN, id=image_id, olds=struct(outputs), news=news.inputs
        )
    )
    assert plain(updated.properties)["protectionState"] == "disabled"

    plugin.stub.Delete(
        provider_pb2.DeleteRequest(urn=IMAGE_URN, id=image_id, properties=updated.properties)
    )
    assert f"  {snapshot}: success (deleted)" in " ".join(plugin.engine.messages(IMAGE_URN))
    ec2 = plugin.aws.client(REGION)
    assert ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []


def test_a_refusal_is_one_plain_message(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    image_id, outputs = create(plugin, image_inputs(root_snapshot(plugin)))
    refused = rpc_failure(
        plugin.stub.Delete,
        provider_pb2.DeleteRequest(urn=IMAGE_URN, id=image_id, properties=struct(outputs)),
    )
    assert refused.details() == (
        f"deleting EC2 AMI ({image_id}): deregistration protection is on "
        "(enabled-without-cooldown). To delete 'golden-grpc', set its deregistrationProtection "
        'to "disabled", run `pulumi up`, then run `pulumi destroy` again.'
    )
    assert "Traceback" not in plugin.stderr()


def test_an_unknown_type_is_named(plugin: Plugin) -> None:
    refused = rpc_failure(
        plugin.stub.Check,
        provider_pb2.CheckRequest(urn=urn("ami-lifecycle:index:Nope", "x"), news=struct({})),
    )
    assert refused.details() == (
        f"ami-lifecycle {VERSION} has no resource type 'ami-lifecycle:index:Nope'; it serves "
        f"{IMAGE}, {IMAGE_COPY}, {VOLUME_SNAPSHOT} and the component {MACHINE_IMAGE}."
    )
    assert 'File "' not in refused.details()


def test_import_reads_every_input_so_the_next_diff_is_empty(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    ec2 = plugin.aws.client(REGION)
    snapshot = root_snapshot(plugin)
    image_id = ec2.register_image(
        Name="made-elsewhere",
        Description="registered by hand",
        RootDeviceName="/dev/xvda",
        Architecture="arm64",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, "VolumeType": "gp3"}}
        ],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "a"}]}],
    )["ImageId"]

    read = plugin.stub.Read(provider_pb2.ReadRequest(id=image_id, urn=IMAGE_URN))
    inputs = plain(read.inputs)
    assert inputs["imageName"] == "made-elsewhere"
    assert inputs["description"] == "registered by hand"
    assert inputs["tags"] == {"team": "a"}
    assert inputs["deregistrationProtection"] == "disabled"
    assert inputs["fromSnapshots"]["architecture"] == "arm64"
    assert inputs["blockDeviceMappings"][0]["ebs"]["snapshotId"] == snapshot

    checked = plugin.check(IMAGE_URN, inputs, olds=inputs)
    assert failures(checked) == []
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(
            urn=IMAGE_URN, id=image_id, olds=read.properties, news=checked.inputs
        )
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_provider_settings_are_checked(plugin: Plugin) -> None:
    checked = plugin.stub.CheckConfig(
        provider_pb2.CheckRequest(
            urn=urn("pulumi:providers:ami-lifecycle", "default"),
            news=struct({"region": REGION, "regoin": "eu-west-1", "version": "0.1.0"}),
        )
    )
    assert failures(checked) == [
        ("regoin", "unknown ami-lifecycle setting; it takes region, profile, recycleBinReport.")
    ]
    assert isinstance(checked.inputs, struct_pb2.Struct)


def test_previews_make_no_aws_call_and_keep_what_an_update_wont_change(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    image_id, outputs = create(plugin, image_inputs(root_snapshot(plugin)))
    plugin.aws.clear_requests()

    previewed = plugin.stub.Create(
        provider_pb2.CreateRequest(
            urn=IMAGE_URN, properties=struct(image_inputs("snap-1")), preview=True
        )
    )
    assert previewed.id == ""
    assert "imageId" not in plain(previewed.properties)  # unknown until the create

    news = {**outputs, "deregistrationProtection": "disabled", "description": "renamed"}
    update = plugin.stub.Update(
        provider_pb2.UpdateRequest(
            urn=IMAGE_URN, id=image_id, olds=struct(outputs), news=struct(news), preview=True
        )
    )
    shown = plain(update.properties)
    assert shown["imageId"] == image_id
    assert shown["snapshotIds"] == outputs["snapshotIds"]
    assert shown["description"] == "renamed"
    assert shown["protectionState"] == UNKNOWN  # the one output the update changes
    assert plugin.aws.requests == []
