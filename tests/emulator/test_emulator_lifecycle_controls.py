"""The controls of deprecation, block public access, image references and the Recycle Bin from
another process: the server's JSON control API and its Python client; and what the AWS CLI
prints of the new fields."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from typing import Any

import pytest

from ec2_emulator import ControlApiError, EmulatorServer

PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/golden/ami"


def _image(server: EmulatorServer) -> str:
    ec2 = server.client()
    volume = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"])["SnapshotId"]
    return ec2.register_image(
        Name="served",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]


def test_recycle_bin_rules_over_http(ec2_emulator_server: EmulatorServer) -> None:
    control = ec2_emulator_server.control
    ec2 = control.client()
    image_id = _image(ec2_emulator_server)

    rule = control.add_recycle_bin_rule(
        "EC2_IMAGE", 7, resource_tags=[{"ResourceTagKey": "keep", "ResourceTagValue": "yes"}]
    )
    assert [r["Identifier"] for r in control.recycle_bin_rules()] == [rule]
    assert control.recycle_bin_rules(region="eu-west-1") == []
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "keep", "Value": "yes"}])
    ec2.deregister_image(ImageId=image_id)
    assert [i["ImageId"] for i in ec2.list_images_in_recycle_bin()["Images"]] == [image_id]

    control.remove_recycle_bin_rule(rule)
    assert control.recycle_bin_rules() == []
    with pytest.raises(ControlApiError) as unknown:
        control.remove_recycle_bin_rule(rule)
    with pytest.raises(ControlApiError) as bad_days:
        control.add_recycle_bin_rule("EC2_IMAGE", 400)
    assert (unknown.value.status, bad_days.value.status) == (404, 400)


def test_image_references_over_http(ec2_emulator_server: EmulatorServer) -> None:
    control = ec2_emulator_server.control
    ec2 = control.client()
    image_id = _image(ec2_emulator_server)

    control.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)
    answer = ec2.describe_image_references(ImageIds=[image_id], IncludeAllResourceTypes=True)
    assert [r["Arn"] for r in answer["ImageReferences"]] == [PARAMETER]

    control.forget_image_reference(image_id, "ssm:Parameter", PARAMETER)
    answer = ec2.describe_image_references(ImageIds=[image_id], IncludeAllResourceTypes=True)
    assert answer["ImageReferences"] == []
    with pytest.raises(ControlApiError) as unknown:
        control.forget_image_reference(image_id, "ssm:Parameter", PARAMETER)
    with pytest.raises(ControlApiError) as bad_arn:
        control.declare_image_reference(image_id, "ssm:Parameter", "arn:aws:s3:::bucket")
    assert (unknown.value.status, bad_arn.value.status) == (404, 400)


def test_a_deprecated_foreign_image_and_the_new_settings_over_http(
    ec2_emulator_server: EmulatorServer,
) -> None:
    control = ec2_emulator_server.control
    ec2 = control.client()

    foreign = control.seed_foreign_image(deprecate_at=control.now() + timedelta(minutes=5))
    settings = control.update_settings(
        deprecated_image_ids="hidden", last_launched_delay_seconds=0, block_public_access_seconds=60
    )

    assert (settings.deprecated_image_ids, settings.block_public_access_seconds) == ("hidden", 60)
    assert [i["ImageId"] for i in ec2.describe_images()["Images"]] == [foreign]
    control.advance_clock(300)
    assert ec2.describe_images(ImageIds=[foreign])["Images"] == []
    (image,) = ec2.describe_images(ImageIds=[foreign], IncludeDeprecated=True)["Images"]
    assert image["DeprecationTime"] == "2025-06-01T12:05:00.000Z"
    with pytest.raises(ControlApiError) as naive:
        control.seed_foreign_image(deprecate_at=datetime(2025, 6, 1, 12))
    assert naive.value.status == 400


def test_reset_forgets_rules_and_declared_references(ec2_emulator_server: EmulatorServer) -> None:
    control = ec2_emulator_server.control
    image_id = _image(ec2_emulator_server)
    control.add_recycle_bin_rule("EBS_SNAPSHOT", 1)
    control.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)

    control.reset()

    assert control.recycle_bin_rules() == []
    answer = control.client().describe_image_references(
        ImageIds=[image_id], IncludeAllResourceTypes=True
    )
    assert answer["ImageReferences"] == []


# -- the AWS CLI ----------------------------------------------------------------------------------


def _aws(server: EmulatorServer, *arguments: str) -> Any:
    command = shutil.which("aws")
    assert command is not None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("AWS_PROFILE", None)
    result = subprocess.run(
        [command, "ec2", *arguments, "--endpoint-url", server.endpoint_url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("aws") is None, reason="no AWS CLI on PATH")
def test_the_aws_cli_prints_what_its_examples_show(ec2_emulator_server: EmulatorServer) -> None:
    """What the CLI prints: ``Return`` the model's Boolean; ``DeprecationTime`` rounded, as the
    User Guide's example prints it (``2021-05-10T13:17:12.000Z``); the Recycle Bin times as the
    CLI's ``list-images-in-recycle-bin`` example does (``2022-03-14T15:35:08.000Z``)."""
    image_id = _image(ec2_emulator_server)
    ec2_emulator_server.add_recycle_bin_rule("EC2_IMAGE", 1)

    deprecated = _aws(
        ec2_emulator_server,
        "enable-image-deprecation",
        "--image-id",
        image_id,
        "--deprecate-at",
        "2025-10-15T13:17:12.000Z",
    )
    described = _aws(ec2_emulator_server, "describe-images", "--image-ids", image_id)
    _aws(ec2_emulator_server, "deregister-image", "--image-id", image_id)
    binned = _aws(ec2_emulator_server, "list-images-in-recycle-bin")

    assert deprecated["Return"] is True
    assert described["Images"][0]["DeprecationTime"] == "2025-10-15T13:17:00.000Z"
    (entry,) = binned["Images"]
    assert (entry["RecycleBinEnterTime"], entry["RecycleBinExitTime"]) == (
        "2025-06-01T12:00:00.000Z",
        "2025-06-02T12:00:00.000Z",
    )
