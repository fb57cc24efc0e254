"""Creates that meet the plugin's shutdown: they stop at the next step and undo what they made.

The plugin cancels the process when it is told to stop or loses its engine (tests/plugin drives
that with real signals); here the cancellation is set at a chosen point of a create, through the
same process-wide switch, and what is left in the emulator is asserted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ami_lifecycle import cancellation
from ami_lifecycle.aws.waiter import SYSTEM_CLOCK
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from tests import faults

from .conftest import Aws, EmulatorTime
from .test_creation_faults import images, single_attempt_client, snapshots_of
from .test_image_provider import checked, snapshot_image

SHUTDOWN = "the plugin is shutting down (SIGTERM)"


@pytest.fixture(autouse=True)
def _own_cancellation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancellation of this test's own: the process-wide one would outlive it."""
    monkeypatch.setattr(cancellation, "_process", cancellation._Cancellation())


@pytest.fixture
def cancel_after() -> Iterator[Callable[[Any, str], None]]:
    """`cancel_after(client, operation)`: cancel the process as soon as EC2 has answered
    `operation` (the emulator's clients are shared, so the hook goes at teardown)."""
    hooked: list[tuple[Any, str]] = []

    def cancel(**_kwargs: Any) -> None:
        cancellation.cancel(SHUTDOWN)

    def hook(client: Any, operation: str) -> None:
        client.meta.events.register(f"after-call.ec2.{operation}", cancel)
        hooked.append((client, f"after-call.ec2.{operation}"))

    yield hook
    for client, event in hooked:
        client.meta.events.unregister(event, cancel)


class CancellingTime(EmulatorTime):
    """The emulator's time; the process is cancelled during the `at`-th sleep."""

    def __init__(self, aws: Aws, at: int) -> None:
        super().__init__(aws.emulator)
        self.at = at

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if len(self.sleeps) == self.at:
            cancellation.cancel(SHUTDOWN)


def test_a_create_cancelled_while_waiting_deregisters_its_image(
    aws: Aws, image_provider: ImageProvider
) -> None:
    aws.emulator.update_settings(pending_seconds=600)
    image_provider.inject(clock=CancellingTime(aws, at=3))
    root = aws.snapshot()
    inputs = checked(image_provider, snapshot_image([root]))

    with pytest.raises(cancellation.Cancelled) as cancelled:
        image_provider.create(inputs)

    assert str(cancelled.value) == SHUTDOWN
    [note] = cancelled.value.__notes__
    assert note.startswith("creating EC2 AMI (golden-test): interrupted; undone: deregistered ami-")
    assert note.endswith("; your snapshots were kept")
    assert aws.calls()[-1] == "DeregisterImage"
    assert aws.calls().count("DescribeImages") == 3  # none after the sleep the cancel cut short
    assert images(aws) == []
    assert aws.snapshot_exists(root)


def test_a_create_cancelled_during_register_image_undoes_it_before_waiting(
    aws: Aws, image_provider: ImageProvider, cancel_after: Callable[[Any, str], None]
) -> None:
    cancel_after(aws.ec2, "RegisterImage")
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))
    aws.emulator.clear_requests()

    with pytest.raises(cancellation.Cancelled):
        image_provider.create(inputs)

    assert aws.calls() == ["RegisterImage", "DeregisterImage"]
    assert images(aws) == []


def test_a_create_cancelled_once_protected_is_unprotected_and_never_marked_complete(
    aws: Aws, image_provider: ImageProvider, cancel_after: Callable[[Any, str], None]
) -> None:
    cancel_after(aws.ec2, "EnableImageDeregistrationProtection")
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    with pytest.raises(cancellation.Cancelled):
        image_provider.create(inputs)

    assert "CreateTags" not in aws.calls()
    assert aws.calls()[-2:] == ["DisableImageDeregistrationProtection", "DeregisterImage"]
    assert images(aws) == []


def test_an_undo_during_shutdown_does_not_keep_trying(
    aws: Aws, image_provider: ImageProvider, cancel_after: Callable[[Any, str], None]
) -> None:
    """The plugin is about to exit: what is left is the next `up`'s to adopt."""
    ec2 = single_attempt_client(image_provider)
    cancel_after(ec2, "RegisterImage")
    inputs = checked(image_provider, snapshot_image([aws.snapshot()]))

    with (
        faults.refuse_requests(ec2, "DeregisterImage") as refused,
        pytest.raises(cancellation.Cancelled) as cancelled,
    ):
        image_provider.create(inputs)

    [left] = [i["ImageId"] for i in images(aws)]
    assert refused.fired == ["DeregisterImage"]
    assert aws.time.sleeps == []
    assert cancelled.value.__notes__[0].endswith(
        f"{left} is left, not marked complete, so the next `pulumi up` with the same inputs "
        f"adopts it; or deregister {left} by hand"
    )


def test_a_snapshot_cancelled_once_made_is_deleted_and_other_snapshots_kept(
    aws: Aws,
    snapshot_provider: VolumeSnapshotProvider,
    cancel_after: Callable[[Any, str], None],
) -> None:
    volume = aws.volume()
    users = aws.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    cancel_after(aws.ec2, "CreateSnapshot")
    inputs = snapshot_provider.check({}, {"volumeId": volume}).inputs

    with pytest.raises(cancellation.Cancelled) as cancelled:
        snapshot_provider.create(inputs)

    assert cancelled.value.__notes__[0].startswith(
        f"creating EBS snapshot (from {volume}): interrupted; undone: deleted snap-"
    )
    assert snapshots_of(aws, volume) == [users]


def test_the_real_clock_wakes_up_when_the_process_is_cancelled() -> None:
    sleeper = threading.Thread(target=SYSTEM_CLOCK.sleep, args=(600,))
    sleeper.start()
    cancellation.cancel(SHUTDOWN)
    sleeper.join(timeout=30)
    assert not sleeper.is_alive()
