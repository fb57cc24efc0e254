"""DisableImage, EnableImage and DescribeImages' IncludeDisabled.

Texts: the newest botocore model (DisableImage: "Sets the AMI state to disabled and removes all
launch permissions from the AMI. A disabled AMI can't be used for instance launches. A disabled
AMI can't be shared. If an AMI was public or previously shared, it is made private. [...] A
disabled AMI does not appear in DescribeImages API calls by default. Only the AMI owner can
disable an AMI."; EnableImage: "marked as available [...] appears in describe operations, and
can be shared", lost access is not regained automatically; DescribeImages.IncludeDisabled
"Default: No disabled AMIs are included in the response"; ``Image.State`` includes ``disabled``)
and the User Guide's "Disable an Amazon EC2 AMI" ("You can't delete snapshots associated with
disabled AMIs"). Whether a disabled AMI can be deregistered is not said anywhere: the emulator
allows it (see ``ec2_emulator.backend.deregister_image``), and a test below fails if the model's
DeregisterImage text ever starts to mention disabled AMIs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.model import StringShape, StructureShape

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _register(ec2: EC2Client, make_snapshot: SnapshotFactory, name: str = "to-disable") -> str:
    return ec2.register_image(
        Name=name,
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": make_snapshot()}}],
    )["ImageId"]


def _owned_ids(ec2: EC2Client, **kwargs: Any) -> list[str]:
    return [i["ImageId"] for i in ec2.describe_images(Owners=["self"], **kwargs)["Images"]]


def _launch_permissions(ec2: EC2Client, image_id: str) -> list[Any]:
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    return list(attribute["LaunchPermissions"])


@pytest.fixture
def image_id(ec2: EC2Client, make_snapshot: SnapshotFactory) -> str:
    return _register(ec2, make_snapshot)


# -- DescribeImages -------------------------------------------------------------------------------


def test_a_disabled_image_is_left_out_of_describe_images_by_default(
    ec2: EC2Client, image_id: str
) -> None:
    assert ec2.disable_image(ImageId=image_id)["Return"] is True

    assert _owned_ids(ec2) == []
    # Asked for by id it is still left out; it exists, so this is not InvalidAMIID.NotFound.
    assert ec2.describe_images(ImageIds=[image_id])["Images"] == []


def test_include_disabled_shows_it_in_state_disabled(ec2: EC2Client, image_id: str) -> None:
    ec2.disable_image(ImageId=image_id)

    (image,) = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    assert image["State"] == "disabled"
    assert _owned_ids(ec2, IncludeDisabled=True) == [image_id]


def test_include_disabled_changes_nothing_for_enabled_images(ec2: EC2Client, image_id: str) -> None:
    (image,) = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    assert image["State"] == "available"


def test_filtering_on_the_disabled_state_needs_include_disabled(
    ec2: EC2Client, image_id: str
) -> None:
    ec2.disable_image(ImageId=image_id)
    state_filter: Any = [{"Name": "state", "Values": ["disabled"]}]

    with pytest.raises(ClientError) as error:
        ec2.describe_images(Owners=["self"], Filters=state_filter)
    assert _error(error)[0] == "InvalidParameter"

    assert _owned_ids(ec2, Filters=state_filter, IncludeDisabled=True) == [image_id]


# -- EnableImage ----------------------------------------------------------------------------------


def test_enable_image_makes_it_available_and_visible_again(ec2: EC2Client, image_id: str) -> None:
    ec2.disable_image(ImageId=image_id)

    assert ec2.enable_image(ImageId=image_id)["Return"] is True

    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["State"] == "available"


def test_enabling_a_pending_image_gives_back_its_real_state(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    ec2_emulator.update_settings(pending_seconds=60)
    image_id = _register(ec2, make_snapshot, "still-pending")
    ec2.disable_image(ImageId=image_id)
    ec2.enable_image(ImageId=image_id)

    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "pending"
    ec2_emulator.advance_clock(61)
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"


# -- who may, and what is refused -----------------------------------------------------------------


@pytest.mark.parametrize("action", ["disable_image", "enable_image"])
def test_only_the_owner_may_disable_or_enable(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, action: str
) -> None:
    foreign = ec2_emulator.seed_foreign_image(public=True)

    with pytest.raises(ClientError) as error:
        getattr(ec2, action)(ImageId=foreign)

    assert _error(error) == ("AuthFailure", f"Not authorized for image:{foreign}")
    assert ec2.describe_images(ImageIds=[foreign])["Images"][0]["State"] == "available"


def test_disabling_a_deregistered_or_unknown_image_fails(ec2: EC2Client, image_id: str) -> None:
    ec2.deregister_image(ImageId=image_id)
    with pytest.raises(ClientError) as gone:
        ec2.disable_image(ImageId=image_id)
    with pytest.raises(ClientError) as unknown:
        ec2.disable_image(ImageId="ami-0123456789abcdef0")

    assert _error(gone)[0] == "InvalidAMIID.Unavailable"
    assert _error(unknown)[0] == "InvalidAMIID.NotFound"


def test_a_disabled_image_cannot_launch_instances(ec2: EC2Client, image_id: str) -> None:
    ec2.disable_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)

    code, message = _error(error)
    assert code == "IncorrectState"
    assert "EnableImage" in message
    assert ec2.describe_instances()["Reservations"] == []

    ec2.enable_image(ImageId=image_id)
    assert ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"]


def test_a_launch_template_naming_a_disabled_image_cannot_launch(
    ec2: EC2Client, image_id: str
) -> None:
    template = ec2.create_launch_template(
        LaunchTemplateName="uses-disabled-image", LaunchTemplateData={"ImageId": image_id}
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.disable_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template}, MinCount=1, MaxCount=1)

    assert _error(error)[0] == "IncorrectState"


def test_disabling_makes_a_public_and_shared_image_private_for_good(
    ec2: EC2Client, image_id: str
) -> None:
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Add": [{"Group": "all"}, {"UserId": "111122223333"}]},
    )
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is True

    ec2.disable_image(ImageId=image_id)

    assert _launch_permissions(ec2, image_id) == []
    (image,) = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    assert image["Public"] is False
    # Re-enabling does not give the access back ("do not regain access automatically").
    ec2.enable_image(ImageId=image_id)
    assert _launch_permissions(ec2, image_id) == []
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is False


def test_a_disabled_image_cannot_be_shared_until_enabled(ec2: EC2Client, image_id: str) -> None:
    ec2.disable_image(ImageId=image_id)
    share: Any = {"Add": [{"UserId": "111122223333"}]}

    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(ImageId=image_id, LaunchPermission=share)
    assert _error(error)[0] == "IncorrectState"

    ec2.enable_image(ImageId=image_id)
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission=share)
    assert _launch_permissions(ec2, image_id) == [{"UserId": "111122223333"}]


# -- snapshots and deregistration -----------------------------------------------------------------


def test_the_snapshots_of_a_disabled_image_cannot_be_deleted(ec2: EC2Client, image_id: str) -> None:
    ec2.disable_image(ImageId=image_id)
    (image,) = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]

    with pytest.raises(ClientError) as error:
        ec2.delete_snapshot(SnapshotId=snapshot_id)

    code, message = _error(error)
    assert code == "InvalidSnapshot.InUse"
    assert "is currently in use" in message


def test_a_disabled_image_can_be_deregistered_with_its_snapshots(
    ec2: EC2Client, image_id: str
) -> None:
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    ec2.disable_image(ImageId=image_id)

    response = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert response["DeleteSnapshotResults"] == [
        {"SnapshotId": snapshot_id, "ReturnCode": "success"}
    ]
    assert _owned_ids(ec2, IncludeDisabled=True) == []
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_the_other_reading_refuses_to_deregister_a_disabled_image(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2_emulator.update_settings(disabled_image_deregistration="refused")
    ec2.disable_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert _error(error)[0] == "IncorrectState"
    assert _owned_ids(ec2, IncludeDisabled=True) == [image_id]
    assert len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]) == 1
    ec2.enable_image(ImageId=image_id)
    ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_the_setting_takes_only_its_two_readings(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(ValueError, match="'allowed' or 'refused'"):
        ec2_emulator.update_settings(disabled_image_deregistration="maybe")


def test_a_disabled_image_keeps_its_deregistration_protection(
    ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deregistration_protection(ImageId=image_id)
    ec2.disable_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)

    assert _error(error)[0] == "OperationNotPermitted"


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_model_says_what_the_emulator_does() -> None:
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    disable = _doc(model.operation_model("DisableImage").documentation)
    enable = _doc(model.operation_model("EnableImage").documentation)
    request = model.operation_model("DescribeImages").input_shape
    assert request is not None
    image = cast(StructureShape, model.shape_for("Image"))

    assert "removes all launch permissions" in disable
    assert "can't be used for instance launches" in disable
    assert "A disabled AMI can't be shared" in disable
    assert "does not appear in DescribeImages API calls by default" in disable
    assert "Only the AMI owner can disable an AMI" in disable
    assert "do not regain access automatically" in enable
    assert "No disabled AMIs are included" in _doc(request.members["IncludeDisabled"].documentation)
    assert "disabled" in cast(StringShape, image.members["State"]).enum


def test_the_model_does_not_forbid_deregistering_a_disabled_image() -> None:
    """The basis of the emulator's assumption that DeregisterImage accepts a disabled AMI: if a
    newer model starts to talk about disabled AMIs here, revisit ``deregister_image``."""
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model

    assert "disabled" not in _doc(model.operation_model("DeregisterImage").documentation).lower()
