"""EnableImageDeprecation, DisableImageDeprecation and what DescribeImages shows of them.

Texts: the newest botocore model (EnableImageDeprecationRequest.DeprecateAt: "If you specify a
value for seconds, Amazon EC2 rounds the seconds to the nearest minute. You can't specify a date
in the past. The upper limit for DeprecateAt is 10 years from now, except for public AMIs, where
the upper limit is 2 years from the creation date."; DescribeImagesRequest.IncludeDeprecated:
"Default: No deprecated AMIs are included in the response. If you are the AMI owner, all
deprecated AMIs appear in the response regardless of what you specify for this parameter.";
``Image.DeprecationTime``) and the EC2 User Guide's "Deprecate an AMI" (deprecated AMIs asked for
by ID are returned; they still launch). The emulator's clock decides what is deprecated.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.model import StructureShape

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .conftest import SnapshotFactory


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _image(ec2: EC2Client, image_id: str, **kwargs: Any) -> dict[str, Any]:
    (image,) = ec2.describe_images(ImageIds=[image_id], **kwargs)["Images"]
    return cast(dict[str, Any], image)


def _ids(ec2: EC2Client, **kwargs: Any) -> list[str]:
    return [image["ImageId"] for image in ec2.describe_images(**kwargs)["Images"]]


@pytest.fixture
def image_id(ec2: EC2Client, make_snapshot: SnapshotFactory) -> str:
    return ec2.register_image(
        Name="to-deprecate",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": make_snapshot()}}],
    )["ImageId"]


# -- EnableImageDeprecation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "reported"),
    [(0, "13:17:00"), (29.999, "13:17:00"), (30, "13:18:00"), (59, "13:18:00")],
)
def test_the_time_is_rounded_to_the_nearest_minute_and_reported_with_milliseconds(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str, seconds: float, reported: str
) -> None:
    at = ec2_emulator.now().replace(hour=13, minute=17) + timedelta(seconds=seconds)

    assert ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=at)["Return"] is True

    assert _image(ec2, image_id)["DeprecationTime"] == f"2025-06-01T{reported}.000Z"


def test_an_image_not_set_to_be_deprecated_has_no_deprecation_time(
    ec2: EC2Client, image_id: str
) -> None:
    assert "DeprecationTime" not in _image(ec2, image_id)


def test_a_time_in_the_past_is_refused(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(
            ImageId=image_id, DeprecateAt=ec2_emulator.now() - timedelta(seconds=1)
        )

    code, message = _error(error)
    assert code == "InvalidParameterValue"
    assert "past" in message
    assert "DeprecationTime" not in _image(ec2, image_id)


def test_now_is_accepted_and_deprecates_at_once(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ec2_emulator.now())

    assert _image(ec2, image_id)["DeprecationTime"] == "2025-06-01T12:00:00.000Z"


def test_the_upper_limit_is_ten_years_from_now(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    now = ec2_emulator.now()
    ten_years = now.replace(year=now.year + 10)

    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ten_years)
    assert _image(ec2, image_id)["DeprecationTime"] == "2035-06-01T12:00:00.000Z"
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ten_years + timedelta(minutes=1))

    code, message = _error(error)
    assert code == "InvalidParameterValue"
    assert "10 years" in message
    assert _image(ec2, image_id)["DeprecationTime"] == "2035-06-01T12:00:00.000Z"


def test_a_public_image_may_be_deprecated_up_to_two_years_after_its_creation(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    ec2_emulator.advance_clock(timedelta(days=100))
    created = datetime.fromisoformat(_image(ec2, image_id)["CreationDate"])
    two_years = created.replace(year=created.year + 2)

    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=two_years)
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=two_years + timedelta(minutes=1))

    code, message = _error(error)
    assert code == "InvalidParameterValue"
    assert "2 years from its creation" in message
    assert _image(ec2, image_id)["DeprecationTime"] == "2027-06-01T12:00:00.000Z"


def test_enabling_again_replaces_the_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    now = ec2_emulator.now()
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=now + timedelta(days=30))
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=now + timedelta(days=1))

    assert _image(ec2, image_id)["DeprecationTime"] == "2025-06-02T12:00:00.000Z"


@pytest.mark.parametrize("action", ["enable_image_deprecation", "disable_image_deprecation"])
def test_only_the_owner_may_deprecate_or_cancel(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, action: str
) -> None:
    foreign = ec2_emulator.seed_foreign_image(public=True)
    kwargs: dict[str, Any] = {"ImageId": foreign}
    if action == "enable_image_deprecation":
        kwargs["DeprecateAt"] = ec2_emulator.now() + timedelta(days=1)

    with pytest.raises(ClientError) as error:
        getattr(ec2, action)(**kwargs)

    assert _error(error) == ("AuthFailure", f"Not authorized for image:{foreign}")


def test_deprecating_an_unknown_or_deregistered_image_fails(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    later = ec2_emulator.now() + timedelta(days=1)
    ec2.deregister_image(ImageId=image_id)
    with pytest.raises(ClientError) as gone:
        ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=later)
    with pytest.raises(ClientError) as unknown:
        ec2.enable_image_deprecation(ImageId="ami-0123456789abcdef0", DeprecateAt=later)

    assert _error(gone)[0] == "InvalidAMIID.Unavailable"
    assert _error(unknown)[0] == "InvalidAMIID.NotFound"


def test_dry_run_sets_nothing(ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str) -> None:
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(
            ImageId=image_id, DeprecateAt=ec2_emulator.now() + timedelta(days=1), DryRun=True
        )

    assert _error(error)[0] == "DryRunOperation"
    assert "DeprecationTime" not in _image(ec2, image_id)


# -- DisableImageDeprecation ----------------------------------------------------------------------


def test_cancelling_removes_the_deprecation_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ec2_emulator.now())

    assert ec2.disable_image_deprecation(ImageId=image_id)["Return"] is True
    assert "DeprecationTime" not in _image(ec2, image_id)
    # Cancelling what isn't set changes nothing.
    assert ec2.disable_image_deprecation(ImageId=image_id)["Return"] is True


# -- who sees a deprecated AMI --------------------------------------------------------------------


def test_the_owner_always_sees_its_deprecated_images(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ec2_emulator.now())
    ec2_emulator.advance_clock(60)

    assert _ids(ec2, Owners=["self"]) == [image_id]
    assert _ids(ec2, Owners=["self"], IncludeDeprecated=False) == [image_id]
    assert _ids(ec2) == [image_id]
    assert _image(ec2, image_id)["State"] == "available"


def test_another_accounts_deprecated_image_is_left_out_of_listings(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image(deprecate_at=ec2_emulator.now())

    assert _ids(ec2) == []
    assert _ids(ec2, ExecutableUsers=["self"]) == []
    assert _ids(ec2, IncludeDeprecated=True) == [foreign]
    listed = ec2.describe_images(ExecutableUsers=["self"], IncludeDeprecated=True)["Images"]
    assert [(image["ImageId"], image["DeprecationTime"]) for image in listed] == [
        (foreign, "2025-06-01T12:00:00.000Z")
    ]


def test_another_accounts_image_is_listed_until_its_deprecation_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image(deprecate_at=ec2_emulator.now() + timedelta(hours=1))

    (listed,) = ec2.describe_images()["Images"]
    assert listed["DeprecationTime"] == "2025-06-01T13:00:00.000Z"
    ec2_emulator.advance_clock(timedelta(minutes=59, seconds=59))
    assert _ids(ec2) == [foreign]
    ec2_emulator.advance_clock(1)
    assert _ids(ec2) == []


def test_another_accounts_deprecated_image_is_described_by_id(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    """User Guide: "if you specify --no-include-deprecated together with the AMI ID, the
    deprecated AMI will be returned in the results" (the default reading)."""
    foreign = ec2_emulator.seed_foreign_image(deprecate_at=ec2_emulator.now())

    assert _image(ec2, foreign)["DeprecationTime"] == "2025-06-01T12:00:00.000Z"
    assert _image(ec2, foreign, IncludeDeprecated=False)["ImageId"] == foreign


def test_the_models_reading_hides_it_by_id_too(ec2_emulator: Ec2Emulator, ec2: EC2Client) -> None:
    ec2_emulator.update_settings(deprecated_image_ids="hidden")
    foreign = ec2_emulator.seed_foreign_image(deprecate_at=ec2_emulator.now())

    # Hidden, not gone: an empty list, not InvalidAMIID.NotFound.
    assert ec2.describe_images(ImageIds=[foreign])["Images"] == []
    assert _image(ec2, foreign, IncludeDeprecated=True)["ImageId"] == foreign


def test_the_setting_takes_only_its_two_readings(ec2_emulator: Ec2Emulator) -> None:
    with pytest.raises(ValueError, match="'described' or 'hidden'"):
        ec2_emulator.update_settings(deprecated_image_ids="sometimes")


def test_a_deprecated_image_still_launches_instances(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    foreign = ec2_emulator.seed_foreign_image(deprecate_at=ec2_emulator.now())
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=ec2_emulator.now())

    for launched in (image_id, foreign):
        (instance,) = ec2.run_instances(ImageId=launched, MinCount=1, MaxCount=1)["Instances"]
        assert instance["ImageId"] == launched


def test_the_stored_details_carry_the_deprecation_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2.enable_image_deprecation(
        ImageId=image_id, DeprecateAt=ec2_emulator.now() + timedelta(days=2)
    )

    assert ec2_emulator.image_details(image_id)["DeprecationTime"] == "2025-06-03T12:00:00.000Z"


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_model_says_what_the_emulator_does() -> None:
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    enable = model.operation_model("EnableImageDeprecation").input_shape
    describe = model.operation_model("DescribeImages").input_shape
    assert enable is not None and describe is not None
    deprecate_at = _doc(enable.members["DeprecateAt"].documentation)
    include = _doc(describe.members["IncludeDeprecated"].documentation)
    image = cast(StructureShape, model.shape_for("Image"))

    assert "rounds the seconds to the nearest minute" in deprecate_at
    assert "specify a date in the past" in deprecate_at
    assert "The upper limit for DeprecateAt is 10 years from now" in deprecate_at
    assert "except for public AMIs, where the upper limit is 2 years from the creation date" in (
        deprecate_at
    )
    assert "Default: No deprecated AMIs are included in the response" in include
    assert "If you are the AMI owner, all deprecated AMIs appear in the response" in include
    assert image.members["DeprecationTime"].type_name == "string"
