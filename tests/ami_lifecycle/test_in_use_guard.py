"""The in-use guard: destroy asks DescribeImageReferences first, refuses while something still
uses the image (unless deleteWhenInUse), and never fails an unreferenced image's destroy for a
reason of its own. Also `lastLaunchedTime`, read from the same DescribeImages."""

from __future__ import annotations

from typing import Any

import pytest

from ami_lifecycle import AwsCallError, ProtectedImageError
from ami_lifecycle.in_use import ImageInUseError
from ami_lifecycle.provider.image import ImageProvider
from tests import faults

from .conftest import Aws
from .test_image_provider import checked, create, snapshot_image

ACCOUNT = "123456789012"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/golden/ami"
RECIPE = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}:image-recipe/golden/1.0.0"


def _image(aws: Aws, provider: ImageProvider, **overrides: Any) -> tuple[str, dict[str, Any]]:
    return create(
        provider,
        snapshot_image([aws.snapshot()], deregistrationProtection="disabled", **overrides),
    )


def _launch(aws: Aws, image_id: str) -> str:
    reservation = aws.ec2.run_instances(
        ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro"
    )
    return reservation["Instances"][0]["InstanceId"]


def _images_left(aws: Aws) -> list[str]:
    images = aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
    return [image["ImageId"] for image in images]


def test_an_unreferenced_image_costs_one_call_more_and_is_deleted(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    aws.emulator.clear_requests()

    image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    asked = aws.emulator.requests[1].params
    assert asked["ImageId.1"] == image_id
    assert asked["IncludeAllResourceTypes"] == "true"
    # Only instances that still need the AMI count; launch templates to AWS's default depth.
    assert asked["ResourceType.1.ResourceType"] == "ec2:Instance"
    instance_option = "ResourceType.1.ResourceTypeOption.1"
    assert asked[f"{instance_option}.OptionName"] == "state-name"
    assert [asked.get(f"{instance_option}.OptionValue.{i}") for i in range(1, 6)] == [
        "pending",
        "running",
        "stopping",
        "stopped",
        None,
    ]
    assert asked["ResourceType.2.ResourceType"] == "ec2:LaunchTemplate"
    assert asked["ResourceType.2.ResourceTypeOption.1.OptionName"] == "version-depth"
    assert asked["ResourceType.2.ResourceTypeOption.1.OptionValue.1"] == "10"
    assert _images_left(aws) == []


def test_an_image_an_instance_runs_from_is_refused_with_nothing_changed(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    instance = _launch(aws, image_id)
    aws.emulator.clear_requests()

    with pytest.raises(ImageInUseError) as refused:
        image_provider.delete(image_id, outs)

    assert str(refused.value) == (
        f"deleting EC2 AMI ({image_id}): 'golden-test' is still in use by 1 resource(s): "
        f"instance {instance}. Nothing was changed. Stop using it (terminate the instances; "
        "point the launch templates, parameters and recipes at another AMI), or set "
        "deleteWhenInUse to true on this image and run `pulumi up` to delete it anyway; then "
        "run `pulumi destroy` again."
    )
    assert aws.calls() == ["DescribeImages", "DescribeImageReferences"]
    assert _images_left(aws) == [image_id]
    assert all(aws.snapshot_exists(s) for s in outs["snapshotIds"])

    # Stopping is not enough (a stopped instance starts from its AMI's snapshots' volumes, and
    # is still listed); terminating is.
    aws.ec2.stop_instances(InstanceIds=[instance])
    with pytest.raises(ImageInUseError):
        image_provider.delete(image_id, outs)
    aws.ec2.terminate_instances(InstanceIds=[instance])
    image_provider.delete(image_id, outs)
    assert _images_left(aws) == []


def test_every_kind_of_reference_is_listed_with_the_launch_template_versions(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    other, _ = _image(aws, image_provider, imageName="other-image")
    template = aws.ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": other}
    )["LaunchTemplate"]["LaunchTemplateId"]
    for ami in (image_id, other, image_id):
        aws.ec2.create_launch_template_version(
            LaunchTemplateId=template, LaunchTemplateData={"ImageId": ami}
        )
    aws.emulator.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)
    aws.emulator.declare_image_reference(image_id, "imagebuilder:ImageRecipe", RECIPE)
    aws.emulator.clear_requests()

    with pytest.raises(ImageInUseError) as refused:
        image_provider.delete(image_id, outs)

    assert (
        f"is still in use by 3 resource(s): launch template {template} (versions 2, 4); "
        f"Systems Manager parameter {PARAMETER}; Image Builder image recipe {RECIPE}. "
        "Nothing was changed."
    ) in str(refused.value)
    assert [r.resource_type for r in refused.value.references] == [
        "ec2:LaunchTemplate",
        "ssm:Parameter",
        "imagebuilder:ImageRecipe",
    ]
    assert aws.calls() == [
        "DescribeImages",
        "DescribeImageReferences",
        "DescribeLaunchTemplateVersions",
    ]
    assert set(_images_left(aws)) == {image_id, other}


def test_delete_when_in_use_reports_the_references_and_deletes(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs = _image(aws, image_provider, deleteWhenInUse=True)
    assert outs["deleteWhenInUse"] is True
    instance = _launch(aws, image_id)
    aws.emulator.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)
    aws.emulator.clear_requests()

    image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    assert _images_left(aws) == []
    log = capsys.readouterr().err
    assert (
        f"{image_id} is still in use, deregistering it anyway (deleteWhenInUse=true): "
        f"instance {instance}; Systems Manager parameter {PARAMETER}"
    ) in log
    # The instance keeps running: deregistering never touches what was launched.
    state = aws.ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"]
    assert state[0]["State"]["Name"] == "running"


def test_delete_when_in_use_is_only_true_when_it_says_so(
    aws: Aws, image_provider: ImageProvider
) -> None:
    """Older state may hold a string; only an explicit true deletes an image in use."""
    image_id, outs = _image(aws, image_provider)
    _launch(aws, image_id)
    with pytest.raises(ImageInUseError):
        image_provider.delete(image_id, {**outs, "deleteWhenInUse": "false"})
    with pytest.raises(ImageInUseError):
        image_provider.delete(image_id, {k: v for k, v in outs.items() if k != "deleteWhenInUse"})
    image_provider.delete(image_id, {**outs, "deleteWhenInUse": "true"})
    assert _images_left(aws) == []


def test_a_refused_check_says_which_action_to_grant_and_the_delete_goes_on(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs = _image(aws, image_provider)
    aws.emulator.clear_requests()

    with faults.answer_error(
        aws.ec2, "DescribeImageReferences", code="UnauthorizedOperation"
    ) as fault:
        image_provider.delete(image_id, outs)

    assert fault.fired == ["DescribeImageReferences"]
    assert _images_left(aws) == []
    log = capsys.readouterr().err
    assert (
        f"could not check whether anything still uses {image_id} (UnauthorizedOperation; grant "
        "the IAM action ec2:DescribeImageReferences to have it checked); deregistering it "
        "without the in-use check"
    ) in log


def test_another_refusal_of_the_check_is_quoted_and_the_delete_goes_on(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs = _image(aws, image_provider)

    with faults.answer_error(aws.ec2, "DescribeImageReferences", code="InvalidAction"):
        image_provider.delete(image_id, outs)

    assert _images_left(aws) == []
    log = capsys.readouterr().err
    assert "(InvalidAction; AWS refused DescribeImageReferences: " in log
    assert "deregistering it without the in-use check" in log


def test_a_check_without_an_answer_changes_nothing_and_the_next_destroy_finishes(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    aws.emulator.clear_requests()

    with (
        faults.refuse_requests(aws.ec2, "DescribeImageReferences"),
        pytest.raises(AwsCallError) as failed,
    ):
        image_provider.delete(image_id, outs)

    assert str(failed.value).startswith(
        f"deleting EC2 AMI ({image_id}): EndpointConnectionError: DescribeImageReferences (the "
        "in-use check) got no answer after botocore's retries"
    )
    assert str(failed.value).endswith("nothing was changed; run `pulumi destroy` again.")
    assert "DeregisterImage" not in aws.calls()
    assert _images_left(aws) == [image_id]

    image_provider.delete(image_id, outs)
    assert _images_left(aws) == []


def test_a_launch_template_whose_versions_cant_be_read_is_still_named(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    template = aws.ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image_id}
    )["LaunchTemplate"]["LaunchTemplateId"]

    with (
        faults.answer_error(
            aws.ec2, "DescribeLaunchTemplateVersions", code="UnauthorizedOperation"
        ),
        pytest.raises(ImageInUseError) as refused,
    ):
        image_provider.delete(image_id, outs)

    assert f"in use by 1 resource(s): launch template {template}. Nothing" in str(refused.value)


def test_a_protected_image_is_refused_before_the_check(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    _launch(aws, image_id)
    aws.emulator.clear_requests()

    with pytest.raises(ProtectedImageError, match="deregistration protection is on"):
        image_provider.delete(image_id, outs)

    assert aws.calls() == ["DescribeImages"]


# -- the input: checked at preview, changed only in the state -----------------------------------


def test_delete_when_in_use_defaults_to_false_and_must_be_a_bool(
    aws: Aws, image_provider: ImageProvider
) -> None:
    assert (
        checked(image_provider, snapshot_image(["snap-0123456789abcdef1"]))["deleteWhenInUse"]
        is False
    )
    refused = image_provider.check(
        {}, snapshot_image(["snap-0123456789abcdef1"], deleteWhenInUse="true")
    )
    assert [(p.property, p.reason) for p in refused.failures] == [
        (
            "deleteWhenInUse",
            "must be true or false (a bool), not the string 'true'; stack config values are "
            "strings, so read this one with pulumi.Config.get_bool (or require_bool).",
        )
    ]
    assert aws.calls() == []


def test_changing_delete_when_in_use_is_an_update_of_the_state_only(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider)
    news = checked(
        image_provider,
        snapshot_image(
            outs["snapshotIds"], deregistrationProtection="disabled", deleteWhenInUse=True
        ),
    )
    diff = image_provider.diff(image_id, outs, news)
    assert (diff.changes, diff.replaces, diff.updates) == (True, [], ["deleteWhenInUse"])
    aws.emulator.clear_requests()

    updated = image_provider.update(image_id, outs, news).outs or {}

    assert updated["deleteWhenInUse"] is True
    assert aws.calls() == ["DescribeImages"]


def test_state_recorded_before_the_input_existed_shows_no_change(
    image_provider: ImageProvider,
) -> None:
    olds = checked(image_provider, snapshot_image(["snap-0123456789abcdef1"]))
    del olds["deleteWhenInUse"]
    news = checked(image_provider, snapshot_image(["snap-0123456789abcdef1"]))
    assert image_provider.diff("ami-1", olds, news).changes is False


# -- lastLaunchedTime ---------------------------------------------------------------------------


def test_last_launched_time_appears_once_aws_reports_the_launch(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = _image(aws, image_provider, deleteWhenInUse=True)
    assert outs.get("lastLaunchedTime") is None
    _launch(aws, image_id)
    launched = aws.now()

    aws.emulator.clear_requests()
    refreshed = image_provider.read(image_id, outs).outs
    assert refreshed.get("lastLaunchedTime") is None  # AWS reports a launch 24 hours later
    assert aws.calls().count("DescribeImages") == 1

    aws.emulator.advance_clock(aws.emulator.settings.last_launched_delay_seconds + 1)
    refreshed = image_provider.read(image_id, outs).outs
    assert refreshed["lastLaunchedTime"] == f"{launched:%Y-%m-%dT%H:%M:%SZ}"
    assert aws.calls().count("DescribeImages") == 2  # the refresh's own lookup, nothing more
    assert "lastLaunchedTime" not in image_provider.diff(image_id, refreshed, refreshed).stables
