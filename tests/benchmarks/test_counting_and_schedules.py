"""The benchmark's own instruments: the call counter and the re-implemented classic schedules."""

from __future__ import annotations

import itertools

import pytest

from benchmarks.call_counting import CallCounter, CountingClientFactory
from benchmarks.classic_polling import PACKER, TERRAFORM_CREATE, PollState, poll_until
from benchmarks.report import Table
from ec2_emulator import Ec2Emulator


def test_the_hook_counts_every_call_by_operation_and_only_inside_a_window(
    ec2_emulator: Ec2Emulator,
) -> None:
    counter = CallCounter()
    factory = CountingClientFactory(ec2_emulator.client, counter)
    ec2 = factory("us-east-1", None)
    assert factory("us-east-1", None) is ec2  # one client per region, like the real cache
    ec2.describe_images(Owners=["self"])
    with counter.window() as window:
        ec2.describe_images(Owners=["self"])
        ec2.describe_snapshots(OwnerIds=["self"])
    assert window.calls == ["DescribeImages", "DescribeSnapshots"]
    assert counter.all_calls == ["DescribeImages", "DescribeImages", "DescribeSnapshots"]
    assert [r.action for r in ec2_emulator.requests] == counter.all_calls


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_terraform_waits_5_s_then_backs_off_from_3_s_to_10_s() -> None:
    assert list(itertools.islice(TERRAFORM_CREATE.delays(), 6)) == [5.0, 3.0, 6.0, 10.0, 10.0, 10.0]


def test_packer_polls_at_once_then_every_15_s_and_gives_up_after_120_polls() -> None:
    clock = _Clock()
    outcome = poll_until(lambda: PollState.WAITING, PACKER, clock)
    assert not outcome.done
    assert outcome.polls == 120
    assert outcome.poll_times[:3] == [0.0, 15.0, 30.0]
    assert outcome.poll_times[-1] == 119 * 15.0


def test_a_table_refuses_rows_of_the_wrong_width() -> None:
    table = Table("t", ("a", "b"), (("1", "2"),), ("note",))
    assert "| 1 | 2 |" in table.markdown()
    with pytest.raises(ValueError, match="1 cells"):
        Table("t", ("a", "b"), (("1",),))
