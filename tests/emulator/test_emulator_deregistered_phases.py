"""What DescribeImages shows of a deregistered AMI, phase by phase, on the fake clock.

Text: seed 004 and the newest botocore model, DescribeImages: "Recently deregistered images
appear in the returned results for a short interval and then return empty results. After all
instances that reference a deregistered AMI are terminated, specifying the ID of the image will
eventually return an error indicating that the AMI ID cannot be found." The settings
``deregistered_visible_seconds`` and ``deregistered_empty_seconds`` give the intervals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

VISIBLE = 60
EMPTY = 120


@pytest.fixture
def phased(ec2_emulator: Ec2Emulator) -> Ec2Emulator:
    ec2_emulator.update_settings(
        deregistered_visible_seconds=VISIBLE, deregistered_empty_seconds=EMPTY
    )
    return ec2_emulator


def _by_id(ec2: EC2Client, image_id: str) -> list[Any]:
    return list(ec2.describe_images(ImageIds=[image_id])["Images"])


def _named(ec2: EC2Client, name: str) -> list[Any]:
    return list(
        ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])["Images"]
    )


def _not_found(ec2: EC2Client, image_id: str) -> bool:
    with pytest.raises(ClientError) as error:
        ec2.describe_images(ImageIds=[image_id])
    return bool(error.value.response["Error"]["Code"] == "InvalidAMIID.NotFound")


def test_each_phase_ends_where_the_settings_say(phased: Ec2Emulator, ec2: EC2Client) -> None:
    image_id = ec2.register_image(Name="phases")["ImageId"]
    ec2.deregister_image(ImageId=image_id)

    # Visible: "appear in the returned results", by ID and in the owner's list alike.
    assert [(i["ImageId"], i["State"]) for i in _by_id(ec2, image_id)] == [
        (image_id, "deregistered")
    ]
    assert [i["ImageId"] for i in _named(ec2, "phases")] == [image_id]
    phased.advance_clock(VISIBLE - 1)
    assert _by_id(ec2, image_id)[0]["State"] == "deregistered"

    # Empty: "and then return empty results".
    phased.advance_clock(1)
    assert _by_id(ec2, image_id) == []
    assert _named(ec2, "phases") == []
    phased.advance_clock(EMPTY - 1)
    assert _by_id(ec2, image_id) == []

    # "eventually return an error indicating that the AMI ID cannot be found".
    phased.advance_clock(1)
    assert _not_found(ec2, image_id)
    assert _named(ec2, "phases") == []


def test_with_no_visible_interval_the_image_is_at_once_empty(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.update_settings(deregistered_empty_seconds=EMPTY)
    image_id = ec2.register_image(Name="empty-at-once")["ImageId"]
    ec2.deregister_image(ImageId=image_id)

    assert _by_id(ec2, image_id) == []
    assert _named(ec2, "empty-at-once") == []
    ec2_emulator.advance_clock(EMPTY)
    assert _not_found(ec2, image_id)


def test_a_visible_deregistered_image_matches_only_filters_it_meets(
    phased: Ec2Emulator, ec2: EC2Client
) -> None:
    """The state filter's values are "available | pending | failed": a deregistered image is none
    of them. A new image may take the name at once; the list then shows both."""
    old = ec2.register_image(Name="reused-name")["ImageId"]
    ec2.deregister_image(ImageId=old)
    new = ec2.register_image(Name="reused-name")["ImageId"]

    available = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "state", "Values": ["available"]}]
    )["Images"]
    assert [i["ImageId"] for i in available] == [new]
    named = {i["ImageId"]: i["State"] for i in _named(ec2, "reused-name")}
    assert named == {old: "deregistered", new: "available"}


def test_an_id_stays_empty_while_an_instance_launched_from_it_is_not_terminated(
    phased: Ec2Emulator, ec2: EC2Client
) -> None:
    """ "After all instances that reference a deregistered AMI are terminated" """
    image_id = ec2.register_image(Name="launched")["ImageId"]
    instance_id = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    ec2.deregister_image(ImageId=image_id)
    phased.advance_clock(VISIBLE + EMPTY + 3600)

    assert _by_id(ec2, image_id) == []
    ec2.terminate_instances(InstanceIds=[instance_id])
    assert _not_found(ec2, image_id)


def test_every_criterion_narrows_an_id_request(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    """``ImageIds``, ``Owners`` ("Scopes the results to images with the specified owners") and
    ``Filters`` apply together; an ID that exists but is left out is no error."""
    foreign = ec2_emulator.seed_foreign_image(name="vendor")
    own = ec2.register_image(Name="mine")["ImageId"]

    assert ec2.describe_images(ImageIds=[foreign], Owners=["self"])["Images"] == []
    both = ec2.describe_images(
        ImageIds=[foreign, own], Filters=[{"Name": "name", "Values": ["mine"]}]
    )["Images"]
    assert [i["ImageId"] for i in both] == [own]


def test_one_unknown_id_fails_the_whole_request(ec2: EC2Client) -> None:
    own = ec2.register_image(Name="known")["ImageId"]
    unknown = "ami-0123456789abcdef0"

    with pytest.raises(ClientError) as error:
        ec2.describe_images(ImageIds=[own, unknown])

    assert error.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"
    assert unknown in error.value.response["Error"]["Message"]
    assert own not in error.value.response["Error"]["Message"]


def test_other_actions_no_longer_find_a_visible_deregistered_image(
    phased: Ec2Emulator, ec2: EC2Client
) -> None:
    """Only DescribeImages reports the image for a while; it is deregistered for every other
    action (here DeregisterImage again, as before the phases existed)."""
    image_id = ec2.register_image(Name="gone-elsewhere")["ImageId"]
    ec2.deregister_image(ImageId=image_id)

    with pytest.raises(ClientError) as error:
        ec2.deregister_image(ImageId=image_id)

    assert error.value.response["Error"]["Code"] == "InvalidAMIID.Unavailable"
    assert _by_id(ec2, image_id)[0]["State"] == "deregistered"


@pytest.mark.parametrize(
    "changes",
    [{"deregistered_visible_seconds": -1}, {"deregistered_empty_seconds": "60"}],
)
def test_the_phase_settings_are_validated(
    ec2_emulator: Ec2Emulator, changes: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        ec2_emulator.update_settings(**changes)
