"""The hand-written Python SDK under Pulumi's mocks: what each resource registers (its type, its
camelCase inputs, user keys kept) and the outputs it hands back under both names.
tests/plugin/test_schema.py checks the same SDK against the schema, statically."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from ami_lifecycle.schema import IMAGE, IMAGE_COPY, MACHINE_IMAGE
from pulumi_ami_lifecycle import (
    DeregistrationProtection,
    Image,
    ImageCopy,
    LaunchPermissionsArgs,
    MachineImage,
    Provider,
)

IMAGE_ID = "ami-0123456789abcdef0"
COPY_ID = "ami-0fedcba9876543210"


class Outputs(pulumi.runtime.Mocks):
    """The inputs back, with what AWS reports."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ in (IMAGE, IMAGE_COPY, MACHINE_IMAGE):
            outputs.update(
                imageId=COPY_ID if args.typ == IMAGE_COPY else IMAGE_ID,
                protectionState="enabled-without-cooldown",
                lastLaunchedTime="2026-01-02T03:04:05.000Z",
            )
        if args.typ == MACHINE_IMAGE:
            outputs["copyImageIds"] = {"eu-west-1": COPY_ID}
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """The mocks' monitor, keeping each registration as the engine receives it."""

    def __init__(self) -> None:
        super().__init__(Outputs())
        self.registered: dict[str, tuple[str, bool, bool, dict[str, Any]]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            self.registered[request.name] = (request.type, request.custom, request.remote, inputs)
        return response


@pytest.fixture
def monitor() -> Iterator[RecordingMonitor]:
    monitor = RecordingMonitor()
    pulumi.runtime.set_mocks(
        monitor.mocks, project="sdk", stack="dev", preview=False, monitor=monitor
    )
    yield monitor
    pulumi.runtime.set_all_config({})


SHARING: LaunchPermissionsArgs = {
    "user_ids": ["123456789012"],
    "organizational_unit_arns": [],
    "public": False,
}
SENT_SHARING = {"userIds": ["123456789012"], "organizationalUnitArns": [], "public": False}
# Tag keys are the user's: never camelCased, at any level.
TAGS = {"cost_center": "images", "team-name": "platform", "aws_like_key": "x"}


def test_a_machine_image_sends_its_copies_and_attributes_in_camel_case(
    monitor: RecordingMonitor,
) -> None:
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        image = MachineImage(
            "golden",
            {
                "image_name": "golden",
                "tags": TAGS,
                "deregistration_protection": DeregistrationProtection.ENABLED_WITH_COOLDOWN,
                "delete_when_in_use": True,
                "deprecation_time": "2027-06-01T00:00:00Z",
                "disabled": False,
                # An output's value is converted too, once known.
                "launch_permissions": pulumi.Output.from_input(SHARING),
                "from_instance": {"instance_id": "i-0123456789abcdef0", "no_reboot": True},
                "copies": [
                    {
                        "region": "eu-west-1",
                        "kms_key_id": "alias/images",
                        "encrypted": True,
                        "snapshot_copy_completion_duration_minutes": 30,
                        "deregistration_protection": DeregistrationProtection.DISABLED,
                        "launch_permissions": SHARING,
                        "tags": TAGS,
                    }
                ],
            },
        )
        return pulumi.Output.all(
            image_id=image.image_id,
            copy_image_ids=image.copy_image_ids,
            copyImageIds=image.copyImageIds,  # type: ignore[attr-defined]
            deprecation_time=image.deprecation_time,
            last_launched_time=image.last_launched_time,
        ).apply(resolved.update)

    run()

    kind, custom, remote, sent = monitor.registered["golden"]
    assert (kind, custom, remote) == (MACHINE_IMAGE, False, True)
    assert sent == {
        "imageName": "golden",
        "tags": TAGS,
        "deregistrationProtection": "enabled-with-cooldown",
        "deleteWhenInUse": True,
        # An input that is also an output keeps the program's value.
        "deprecationTime": "2027-06-01T00:00:00Z",
        "disabled": False,
        "launchPermissions": SENT_SHARING,
        "fromInstance": {"instanceId": "i-0123456789abcdef0", "noReboot": True},
        "copies": [
            {
                "region": "eu-west-1",
                "kmsKeyId": "alias/images",
                "encrypted": True,
                "snapshotCopyCompletionDurationMinutes": 30,
                "deregistrationProtection": "disabled",
                "launchPermissions": SENT_SHARING,
                "tags": TAGS,
            }
        ],
    }
    assert resolved == {
        "image_id": IMAGE_ID,
        # A map of the user's keys (Regions) as the plugin answers it.
        "copy_image_ids": {"eu-west-1": COPY_ID},
        "copyImageIds": {"eu-west-1": COPY_ID},
        "deprecation_time": "2027-06-01T00:00:00Z",
        "last_launched_time": "2026-01-02T03:04:05.000Z",
    }


def test_an_image_copy_is_a_custom_resource_with_an_images_outputs(
    monitor: RecordingMonitor,
) -> None:
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        copy = ImageCopy(
            "golden-copy",
            {
                "source_image_id": IMAGE_ID,
                "source_region": "us-east-1",
                "region": "eu-west-1",
                "image_name": "golden",
                "copy_image_tags": True,
                "tags": TAGS,
                "delete_snapshots_on_destroy": False,
                "delete_when_in_use": False,
                "launch_permissions": {"organization_arns": ["arn:aws:organizations::1:o"]},
            },
        )
        return pulumi.Output.all(
            image_id=copy.image_id,
            imageId=copy.imageId,  # type: ignore[attr-defined]
            protection_state=copy.protection_state,
            last_launched_time=copy.last_launched_time,
        ).apply(resolved.update)

    run()

    kind, custom, remote, sent = monitor.registered["golden-copy"]
    assert (kind, custom, remote) == (IMAGE_COPY, True, False)
    assert sent == {
        "sourceImageId": IMAGE_ID,
        "sourceRegion": "us-east-1",
        "region": "eu-west-1",
        "imageName": "golden",
        "copyImageTags": True,
        "tags": TAGS,
        "deleteSnapshotsOnDestroy": False,
        "deleteWhenInUse": False,
        "launchPermissions": {"organizationArns": ["arn:aws:organizations::1:o"]},
    }
    assert resolved == {
        "image_id": COPY_ID,
        "imageId": COPY_ID,
        "protection_state": "enabled-without-cooldown",
        "last_launched_time": "2026-01-02T03:04:05.000Z",
    }


def test_an_image_sends_what_it_is_given_for_the_plugin_to_judge(
    monitor: RecordingMonitor,
) -> None:
    """The SDK refuses nothing: `copies` (component-only) reaches the image's Check, which
    reports it, as it would from any other SDK."""

    @pulumi.runtime.test
    def run() -> None:
        Image(
            "alone",
            {  # type: ignore[typeddict-unknown-key]
                "image_name": "alone",
                "deprecation_time": "2027-06-01T00:00:00Z",
                "launch_permissions": {"public": True},
                "copies": [{"region": "eu-west-1", "tags": TAGS}],
            },
        )

    run()

    kind, custom, remote, sent = monitor.registered["alone"]
    assert (kind, custom, remote) == (IMAGE, True, False)
    assert sent == {
        "imageName": "alone",
        "deprecationTime": "2027-06-01T00:00:00Z",
        "launchPermissions": {"public": True},
        "copies": [{"region": "eu-west-1", "tags": TAGS}],
    }


def test_a_provider_sends_the_recycle_bin_report_setting(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test
    def run() -> None:
        Provider("reporting", region="eu-west-1", recycle_bin_report=True)
        Provider("plain", region="eu-west-1")

    run()

    assert monitor.registered["reporting"][3] == {"region": "eu-west-1", "recycleBinReport": True}
    assert monitor.registered["plain"][3] == {"region": "eu-west-1"}
