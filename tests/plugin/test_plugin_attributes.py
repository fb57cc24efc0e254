"""Deprecation, disabling and sharing through the plugin's gRPC protocol, as the engine drives it:
check at preview, create, a refresh that finds changes made outside Pulumi, and the update that
repairs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pulumi.runtime.proto import provider_pb2

from ami_lifecycle.schema import IMAGE

from .conftest import REGION, Plugin, plain, struct, urn
from .test_plugin_grpc import create, failures, image_inputs, root_snapshot

pytestmark = pytest.mark.e2e

IMAGE_URN = urn(IMAGE, "golden")
ACCOUNT = "111122223333"


def _in(days: int) -> str:
    moment = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_check_refuses_bad_attributes_and_public_sharing_that_aws_would_block(
    plugin: Plugin,
) -> None:
    plugin.configure(region=REGION)
    snapshot = root_snapshot(plugin)
    refused = plugin.check(
        IMAGE_URN,
        image_inputs(
            snapshot,
            deprecationTime="2020-01-01T00:00:00Z",
            launchPermissions={"userIds": ["1234"], "organizationArns": ["o-abc"]},
        ),
    )
    assert [p for p, _ in failures(refused)] == [
        "launchPermissions.userIds[0]",
        "launchPermissions.organizationArns[0]",
        "deprecationTime",
    ]

    plugin.aws.client(REGION).enable_image_block_public_access(
        ImageBlockPublicAccessState="block-new-sharing"
    )
    [(prop, reason)] = failures(
        plugin.check(IMAGE_URN, image_inputs(snapshot, launchPermissions={"public": True}))
    )
    assert prop == "launchPermissions.public"
    assert f"`aws ec2 disable-image-block-public-access --region {REGION}`" in reason


def test_attributes_are_made_read_back_and_repaired_over_grpc(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    ec2 = plugin.aws.client(REGION)
    snapshot = root_snapshot(plugin)
    declared = image_inputs(
        snapshot,
        deprecationTime=_in(30),
        launchPermissions={"userIds": [ACCOUNT]},
    )
    image_id, outputs = create(plugin, declared)
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["DeprecationTime"].startswith(declared["deprecationTime"][:-1])
    shared = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert shared["LaunchPermissions"] == [{"UserId": ACCOUNT}]
    assert outputs["disabled"] is False

    # Outside Pulumi: disabled (which also unshares it).
    ec2.disable_image(ImageId=image_id)
    refreshed = plugin.stub.Read(
        provider_pb2.ReadRequest(
            id=image_id, urn=IMAGE_URN, properties=struct(outputs), inputs=struct(declared)
        )
    )
    state = plain(refreshed.properties)
    assert state["disabled"] is True
    assert "launchPermissions" not in state
    assert state["deprecationTime"] == declared["deprecationTime"]

    news = plugin.check(IMAGE_URN, declared, olds=plain(refreshed.inputs))
    assert failures(news) == []
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(
            urn=IMAGE_URN, id=image_id, olds=refreshed.properties, news=news.inputs
        )
    )
    assert sorted(diff.diffs) == ["disabled", "launchPermissions"]
    assert "state" not in diff.stables
    updated = plugin.stub.Update(
        provider_pb2.UpdateRequest(
            urn=IMAGE_URN, id=image_id, olds=refreshed.properties, news=news.inputs
        )
    )

    repaired = plain(updated.properties)
    assert repaired["state"] == "available"
    assert repaired["disabled"] is False
    shared = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert shared["LaunchPermissions"] == [{"UserId": ACCOUNT}]
    messages = " ".join(plugin.engine.messages(IMAGE_URN))
    assert "enabled again (EnableImage)" in messages
