"""The in-use guard, the Recycle Bin report and `lastLaunchedTime` through the plugin, as the
engine drives it: the setting `recycleBinReport` as stack config sends it (a string) and as an
explicit provider does (a bool), the refusal as one plain message, the report in the engine's
log."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from .conftest import REGION, Plugin, plain, struct, urn
from .test_plugin_grpc import IMAGE_URN, create, failures, image_inputs, root_snapshot, rpc_failure

pytestmark = pytest.mark.e2e

PROVIDER_URN = urn("pulumi:providers:ami-lifecycle", "default")


def _unprotected(plugin: Plugin, **overrides: Any) -> tuple[str, dict[str, Any]]:
    return create(
        plugin,
        image_inputs(root_snapshot(plugin), deregistrationProtection="disabled", **overrides),
    )


def _delete(plugin: Plugin, image_id: str, outputs: dict[str, Any]) -> None:
    plugin.stub.Delete(
        provider_pb2.DeleteRequest(urn=IMAGE_URN, id=image_id, properties=struct(outputs))
    )


def _launch(plugin: Plugin, image_id: str) -> str:
    ec2 = plugin.aws.client(REGION)
    launched = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    return launched["Instances"][0]["InstanceId"]


def test_an_image_in_use_is_refused_in_one_plain_message(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    image_id, outputs = _unprotected(plugin)
    instance = _launch(plugin, image_id)

    refused = rpc_failure(
        plugin.stub.Delete,
        provider_pb2.DeleteRequest(urn=IMAGE_URN, id=image_id, properties=struct(outputs)),
    )

    assert refused.details() == (
        f"deleting EC2 AMI ({image_id}): 'golden-grpc' is still in use by 1 resource(s): "
        f"instance {instance}. Nothing was changed. Stop using it (terminate the instances; "
        "point the launch templates, parameters and recipes at another AMI), or set "
        "deleteWhenInUse to true on this image and run `pulumi up` to delete it anyway; then "
        "run `pulumi destroy` again."
    )
    ec2 = plugin.aws.client(REGION)
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]] == [image_id]
    assert "Traceback" not in plugin.stderr()


def test_delete_when_in_use_set_by_an_update_lets_the_destroy_through(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    snapshot = root_snapshot(plugin)
    declared = image_inputs(snapshot, deregistrationProtection="disabled")
    image_id, outputs = create(plugin, declared)
    assert outputs["deleteWhenInUse"] is False
    instance = _launch(plugin, image_id)

    news = plugin.check(IMAGE_URN, {**declared, "deleteWhenInUse": True}, olds=outputs)
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(urn=IMAGE_URN, id=image_id, olds=struct(outputs), news=news.inputs)
    )
    assert (list(diff.diffs), list(diff.replaces)) == (["deleteWhenInUse"], [])
    updated = plugin.stub.Update(
        provider_pb2.UpdateRequest(
            urn=IMAGE_URN, id=image_id, olds=struct(outputs), news=news.inputs
        )
    )
    plugin.stub.Delete(
        provider_pb2.DeleteRequest(urn=IMAGE_URN, id=image_id, properties=updated.properties)
    )

    log = " ".join(plugin.engine.messages(IMAGE_URN))
    assert (
        f"is still in use, deregistering it anyway (deleteWhenInUse=true): instance {instance}"
    ) in log
    ec2 = plugin.aws.client(REGION)
    assert ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []


@pytest.mark.parametrize("given", ["true", "True", True])
def test_the_recycle_bin_report_is_on_when_configured(plugin: Plugin, given: Any) -> None:
    plugin.stub.Configure(
        provider_pb2.ConfigureRequest(
            args=struct({"region": REGION, "recycleBinReport": given}), acceptSecrets=True
        )
    )
    plugin.aws.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id, outputs = _unprotected(plugin)
    plugin.aws.clear_requests()

    _delete(plugin, image_id, outputs)

    calls = [r.action for r in plugin.aws.requests]
    assert calls[-2:] == ["ListImagesInRecycleBin", "ListSnapshotsInRecycleBin"]
    log = "\n".join(plugin.engine.messages(IMAGE_URN))
    assert "): Recycle Bin: a retention rule keeps these" in log
    assert f"):   {image_id}: until " in log


@pytest.mark.parametrize(
    "request_",
    [
        provider_pb2.ConfigureRequest(args=struct({"region": REGION})),
        provider_pb2.ConfigureRequest(args=struct({"region": REGION, "recycleBinReport": "false"})),
        # The default provider's settings from stack config, as variables: strings.
        provider_pb2.ConfigureRequest(
            variables={
                "ami-lifecycle:config:region": REGION,
                "ami-lifecycle:config:recycleBinReport": "false",
            }
        ),
    ],
    ids=["unset", "false-string", "false-variable"],
)
def test_the_recycle_bin_report_is_off_unless_asked_for(
    plugin: Plugin, request_: provider_pb2.ConfigureRequest
) -> None:
    plugin.stub.Configure(request_)
    plugin.aws.add_recycle_bin_rule("EC2_IMAGE", 7)
    image_id, outputs = _unprotected(plugin)
    plugin.aws.clear_requests()

    _delete(plugin, image_id, outputs)

    assert [r.action for r in plugin.aws.requests] == [
        "DescribeImages",
        "DescribeImageReferences",
        "DeregisterImage",
    ]


def test_the_recycle_bin_report_from_stack_config_variables(plugin: Plugin) -> None:
    plugin.stub.Configure(
        provider_pb2.ConfigureRequest(
            variables={
                "ami-lifecycle:config:region": REGION,
                "ami-lifecycle:config:recycleBinReport": "true",
            }
        )
    )
    image_id, outputs = _unprotected(plugin)

    _delete(plugin, image_id, outputs)

    log = "\n".join(plugin.engine.messages(IMAGE_URN))
    assert f"): Recycle Bin: no retention rule kept {image_id}, " in log


def test_the_setting_must_be_true_or_false(plugin: Plugin) -> None:
    def check(value: Any) -> list[tuple[str, str]]:
        return failures(
            plugin.stub.CheckConfig(
                provider_pb2.CheckRequest(
                    urn=PROVIDER_URN, news=struct({"region": REGION, "recycleBinReport": value})
                )
            )
        )

    assert check("true") == check("false") == check(True) == []
    assert check("yes") == [
        (
            "recycleBinReport",
            "must be true or false, got 'yes' (`pulumi config set "
            "ami-lifecycle:recycleBinReport true`).",
        )
    ]


def test_last_launched_time_is_an_output_once_reported(plugin: Plugin) -> None:
    plugin.configure(region=REGION)
    image_id, outputs = _unprotected(plugin, deleteWhenInUse=True)
    assert "lastLaunchedTime" not in outputs
    plugin.aws.update_settings(last_launched_delay_seconds=0)
    _launch(plugin, image_id)

    read = plugin.stub.Read(
        provider_pb2.ReadRequest(id=image_id, urn=IMAGE_URN, properties=struct(outputs))
    )

    launched = plain(read.properties)["lastLaunchedTime"]
    assert launched.endswith("Z") and launched.startswith(f"{plugin.aws.now():%Y-%m-%d}")
