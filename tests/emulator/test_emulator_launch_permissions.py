"""Launch permissions (ModifyImageAttribute, DescribeImageAttribute) and block public access.

Texts: the newest botocore model (ModifyImageAttribute's ``LaunchPermission`` "The Amazon Web
Services account ID, organization ARN, or OU ARN to add to the list of launch permissions", and
its ``OperationType``/``UserIds``/``UserGroups``/``OrganizationArns``/``OrganizationalUnitArns``
form; ``LaunchPermission``; GetImageBlockPublicAccessState, EnableImageBlockPublicAccess ("This
prevents the public sharing of your AMIs. However, if you already have public AMIs, they will
remain publicly available. The API can take up to 10 minutes to configure this setting"),
DisableImageBlockPublicAccess) and botocore's organizations model for the ARN formats. The code
of a refused public share is the one AWS is seen returning (``OperationNotPermitted``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory

ORG = "arn:aws:organizations::123456789012:organization/o-abcdefghij"
OTHER_ORG = "arn:aws:organizations::444455556666:organization/o-0123456789"
OU = "arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdefgh34"
OTHER_OU = "arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-zz99-abcdefgh"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _permissions(ec2: EC2Client, image_id: str) -> list[Any]:
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    return list(attribute["LaunchPermissions"])


def _blocking(ec2: EC2Client) -> str:
    return str(ec2.get_image_block_public_access_state()["ImageBlockPublicAccessState"])


def _public(ec2: EC2Client, image_id: str) -> bool:
    return bool(ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"])


@pytest.fixture
def image_id(ec2: EC2Client, make_snapshot: SnapshotFactory) -> str:
    return ec2.register_image(
        Name="to-share",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": make_snapshot()}}],
    )["ImageId"]


# -- ModifyImageAttribute / DescribeImageAttribute ------------------------------------------------


def test_a_new_image_has_no_launch_permissions(ec2: EC2Client, image_id: str) -> None:
    assert _permissions(ec2, image_id) == []
    assert _public(ec2, image_id) is False


def test_every_kind_of_launch_permission_is_added_and_described(
    ec2: EC2Client, image_id: str
) -> None:
    added: Any = [
        {"UserId": ACCOUNT},
        {"Group": "all"},
        {"OrganizationArn": ORG},
        {"OrganizationalUnitArn": OU},
    ]

    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": added})

    assert _permissions(ec2, image_id) == added
    assert _public(ec2, image_id) is True


def test_removing_leaves_exactly_the_rest(ec2: EC2Client, image_id: str) -> None:
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Add": [{"UserId": ACCOUNT}, {"Group": "all"}, {"OrganizationArn": ORG}]},
    )

    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Remove": [{"Group": "all"}, {"OrganizationalUnitArn": OU}]},
    )

    # Removing what isn't there (the OU) changes nothing.
    assert _permissions(ec2, image_id) == [{"UserId": ACCOUNT}, {"OrganizationArn": ORG}]
    assert _public(ec2, image_id) is False


def test_adding_a_permission_twice_keeps_one(ec2: EC2Client, image_id: str) -> None:
    for _ in range(2):
        ec2.modify_image_attribute(
            ImageId=image_id, LaunchPermission={"Add": [{"OrganizationArn": ORG}]}
        )

    assert _permissions(ec2, image_id) == [{"OrganizationArn": ORG}]


def test_the_operation_type_form_takes_every_value_given(ec2: EC2Client, image_id: str) -> None:
    """moto 5.2.5 kept only the first of UserGroups, OrganizationArns and
    OrganizationalUnitArns."""
    ec2.modify_image_attribute(
        ImageId=image_id,
        Attribute="launchPermission",
        OperationType="add",
        UserIds=[ACCOUNT, OTHER_ACCOUNT],
        UserGroups=["all"],
        OrganizationArns=[ORG, OTHER_ORG],
        OrganizationalUnitArns=[OU, OTHER_OU],
    )
    assert _permissions(ec2, image_id) == [
        {"UserId": ACCOUNT},
        {"UserId": OTHER_ACCOUNT},
        {"Group": "all"},
        {"OrganizationArn": ORG},
        {"OrganizationArn": OTHER_ORG},
        {"OrganizationalUnitArn": OU},
        {"OrganizationalUnitArn": OTHER_OU},
    ]

    ec2.modify_image_attribute(
        ImageId=image_id,
        Attribute="launchPermission",
        OperationType="remove",
        UserIds=[ACCOUNT],
        OrganizationArns=[ORG, OTHER_ORG],
        OrganizationalUnitArns=[OTHER_OU],
    )
    assert _permissions(ec2, image_id) == [
        {"UserId": OTHER_ACCOUNT},
        {"Group": "all"},
        {"OrganizationalUnitArn": OU},
    ]


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("OrganizationArn", "arn:aws:organizations::123456789012:organization/acme"),
        ("OrganizationArn", OU),
        ("OrganizationalUnitArn", ORG),
        ("OrganizationalUnitArn", "ou-ab12-cdefgh34"),
        ("UserId", "1234"),
    ],
)
def test_a_malformed_target_changes_nothing(
    ec2: EC2Client, image_id: str, member: str, value: str
) -> None:
    added: Any = [{"UserId": ACCOUNT}, {member: value}]

    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": added})

    code, message = _error(error)
    assert code == "InvalidAMIAttributeItemValue"
    assert value in message
    assert _permissions(ec2, image_id) == []


def test_only_the_owner_may_change_launch_permissions(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image()

    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(
            ImageId=foreign, LaunchPermission={"Add": [{"UserId": OTHER_ACCOUNT}]}
        )

    assert _error(error) == ("AuthFailure", f"Not authorized for image:{foreign}")
    assert _permissions(ec2, foreign) == [{"UserId": "123456789012"}]


def test_disabling_removes_organization_permissions_too(ec2: EC2Client, image_id: str) -> None:
    """DisableImage "removes all launch permissions from the AMI"."""
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Add": [{"OrganizationArn": ORG}, {"OrganizationalUnitArn": OU}]},
    )

    ec2.disable_image(ImageId=image_id)

    assert _permissions(ec2, image_id) == []
    (image,) = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    assert (image["State"], image["Public"]) == ("disabled", False)


# -- block public access for AMIs -----------------------------------------------------------------


def test_a_region_starts_unblocked(ec2: EC2Client) -> None:
    state = ec2.get_image_block_public_access_state()

    assert (state["ImageBlockPublicAccessState"], state["ManagedBy"]) == ("unblocked", "account")


def test_blocking_refuses_new_public_sharing_only(ec2: EC2Client, image_id: str) -> None:
    answer = ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    assert answer["ImageBlockPublicAccessState"] == "block-new-sharing"
    assert _blocking(ec2) == "block-new-sharing"

    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    code, message = _error(error)
    assert code == "OperationNotPermitted"
    assert "block public access for AMIs is enabled" in message
    assert "DisableImageBlockPublicAccess" in message
    with pytest.raises(ClientError) as by_group:
        ec2.modify_image_attribute(
            ImageId=image_id, Attribute="launchPermission", OperationType="add", UserGroups=["all"]
        )
    assert _error(by_group)[0] == "OperationNotPermitted"

    # Sharing with accounts and organizations is not public sharing.
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Add": [{"UserId": ACCOUNT}, {"OrganizationArn": ORG}]},
    )
    assert _permissions(ec2, image_id) == [{"UserId": ACCOUNT}, {"OrganizationArn": ORG}]


def test_public_images_stay_public_and_can_be_made_private(ec2: EC2Client, image_id: str) -> None:
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})

    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    assert _public(ec2, image_id) is True
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Remove": [{"Group": "all"}]})
    assert _public(ec2, image_id) is False


def test_unblocking_allows_public_sharing_again(ec2: EC2Client, image_id: str) -> None:
    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")

    answer = ec2.disable_image_block_public_access()

    assert answer["ImageBlockPublicAccessState"] == "unblocked"
    assert _blocking(ec2) == "unblocked"
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    assert _public(ec2, image_id) is True


def test_blocking_takes_the_configured_time_to_be_in_force(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    """EnableImageBlockPublicAccess: "During this time, if you run
    GetImageBlockPublicAccessState, the response will be unblocked." Enabling it again meanwhile
    doesn't start the wait over."""
    ec2_emulator.update_settings(block_public_access_seconds=600)

    answer = ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    assert answer["ImageBlockPublicAccessState"] == "block-new-sharing"
    ec2_emulator.advance_clock(300)
    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    ec2_emulator.advance_clock(299)
    assert _blocking(ec2) == "unblocked"
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})

    ec2_emulator.advance_clock(1)
    assert _blocking(ec2) == "block-new-sharing"


def test_the_configured_time_is_at_most_ten_minutes(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(ValueError, match="at most 600"):
        ec2_emulator.update_settings(block_public_access_seconds=601)


def test_blocking_is_per_region(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, make_snapshot: SnapshotFactory
) -> None:
    europe = ec2_emulator.client("eu-west-1")
    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    image_id = europe.register_image(Name="in-europe")["ImageId"]

    assert _blocking(europe) == "unblocked"
    europe.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    assert europe.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is True


def test_dry_runs_change_nothing(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as error:
        ec2.enable_image_block_public_access(
            ImageBlockPublicAccessState="block-new-sharing", DryRun=True
        )

    assert _error(error)[0] == "DryRunOperation"
    assert _blocking(ec2) == "unblocked"


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_model_says_what_the_emulator_does() -> None:
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    enable = _doc(model.operation_model("EnableImageBlockPublicAccess").documentation)
    get = model.operation_model("GetImageBlockPublicAccessState").output_shape
    modify = model.operation_model("ModifyImageAttribute").input_shape
    assert get is not None and modify is not None
    launch_permission: Any = model.shape_for("LaunchPermission")

    assert "if you already have public AMIs, they will remain publicly available" in enable
    assert "can take up to 10 minutes" in enable
    assert "the response will be unblocked" in enable
    assert "block-new-sharing" in _doc(get.members["ImageBlockPublicAccessState"].documentation)
    assert set(launch_permission.members) == {
        "UserId",
        "Group",
        "OrganizationArn",
        "OrganizationalUnitArn",
    }
    assert {"OperationType", "UserIds", "UserGroups", "OrganizationArns"} <= set(modify.members)


def test_the_organizations_model_gives_the_arn_formats() -> None:
    model = botocore.session.get_session().get_service_model("organizations")

    assert re.match(model.shape_for("OrganizationArn").metadata["pattern"], ORG)
    assert re.match(model.shape_for("OrganizationalUnitArn").metadata["pattern"], OU)
