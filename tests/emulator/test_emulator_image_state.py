"""Image state driven by the injectable clock (requirement 3).

Texts: seed 004, DescribeImages Image.State ("If the state is available, the image is
successfully registered and can be used") and Image.StateReason {Code, Message}.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from ec2_emulator import Ec2Emulator, EmulatorSettings, FakeClock, SystemClock

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_ec2 import EC2Client


def _image(ec2: EC2Client, image_id: str) -> Any:
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]


def test_new_images_are_available_at_the_first_describe_by_default(ec2: EC2Client) -> None:
    image_id = ec2.register_image(Name="instant")["ImageId"]

    image = _image(ec2, image_id)
    assert image["State"] == "available"
    assert "StateReason" not in image


def test_images_stay_pending_for_the_configured_delay(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.update_settings(pending_seconds=30)
    image_id = ec2.register_image(Name="slow")["ImageId"]

    assert _image(ec2, image_id)["State"] == "pending"
    ec2_emulator.advance_clock(29)
    assert _image(ec2, image_id)["State"] == "pending"
    ec2_emulator.advance_clock(1)
    assert _image(ec2, image_id)["State"] == "available"


def test_the_state_filter_sees_the_clock_driven_state(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.update_settings(pending_seconds=60)
    image_id = ec2.register_image(Name="filtered")["ImageId"]

    pending = ec2.describe_images(Filters=[{"Name": "state", "Values": ["pending"]}])["Images"]
    assert [image["ImageId"] for image in pending] == [image_id]
    ec2_emulator.advance_clock(60)
    available = ec2.describe_images(Filters=[{"Name": "state", "Values": ["available"]}])
    assert [image["ImageId"] for image in available["Images"]] == [image_id]


def test_an_injected_failure_ends_the_next_image_failed_with_a_state_reason(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    ec2_emulator.update_settings(pending_seconds=10)
    ec2_emulator.fail_next_image(
        "Client.InvalidSnapshot.NotFound", "The specified snapshot was not found."
    )
    failing = ec2.register_image(Name="doomed")["ImageId"]
    healthy = ec2.register_image(Name="fine")["ImageId"]

    assert _image(ec2, failing)["State"] == "pending"
    assert "StateReason" not in _image(ec2, failing)
    ec2_emulator.advance_clock(10)
    image = _image(ec2, failing)
    assert image["State"] == "failed"
    assert image["StateReason"] == {
        "Code": "Client.InvalidSnapshot.NotFound",
        "Message": "The specified snapshot was not found.",
    }
    assert _image(ec2, healthy)["State"] == "available"


def test_creation_date_comes_from_the_clock(
    ec2_emulator_factory: Callable[..., Ec2Emulator],
) -> None:
    emulator = ec2_emulator_factory(clock=FakeClock(datetime(2025, 5, 28, 9, 30, tzinfo=UTC)))
    ec2 = emulator.client()

    image_id = ec2.register_image(Name="dated")["ImageId"]

    assert _image(ec2, image_id)["CreationDate"] == "2025-05-28T09:30:00.000Z"


def test_the_default_clock_is_real_time(
    ec2_emulator_factory: Callable[..., Ec2Emulator],
) -> None:
    emulator = ec2_emulator_factory(settings=EmulatorSettings(pending_seconds=3600))
    before = datetime.now(UTC)

    assert isinstance(emulator.clock, SystemClock)
    assert before <= emulator.now() <= datetime.now(UTC)
    image_id = emulator.client().register_image(Name="real-time")["ImageId"]
    assert _image(emulator.client(), image_id)["State"] == "pending"
    emulator.advance_clock(3600)
    assert _image(emulator.client(), image_id)["State"] == "available"


@pytest.mark.parametrize(
    "changes",
    [{"pending_seconds": -1}, {"echo_volume_initialization_rate": "yes"}, {"no_such": 1}],
)
def test_settings_are_validated(ec2_emulator: Ec2Emulator, changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ec2_emulator.update_settings(**changes)


def test_fake_clocks_do_not_go_backwards() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError):
        clock.advance(-1)
