"""`python -m benchmarks --quick`: every table is produced, and every count is what really ran.

Timing figures are never asserted (the machine is shared and noisy); call counts are, against
the emulator's own request log, which records each request as it arrives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS, crashed, main, run_all, write_results
from benchmarks.calls_per_operation import OPERATIONS, OURS, CallsResult
from benchmarks.classic_delete import CLASSIC_DELETES
from benchmarks.policy_latency import PolicyResult
from benchmarks.protocols import ProtocolsResult
from benchmarks.report import Section
from benchmarks.settings import QUICK
from benchmarks.waiting import OURS as OURS_WAITING
from benchmarks.waiting import WaitingResult

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Section], Path]:
    out_dir = tmp_path_factory.mktemp("bench")
    sections = run_all(QUICK, out_dir, echo=lambda _text: None)
    results = write_results(sections, QUICK, out_dir, "python -m benchmarks --quick")
    return {section.key: section for section in sections}, results


def test_every_benchmark_reports_tables_or_an_honest_skip(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    sections, results = quick_run
    assert list(sections) == list(BENCHMARKS)
    for section in sections.values():
        assert not crashed(section), section.analysis
        if section.skipped:
            assert section.skipped.startswith(("lifecycle_runner not available", "the policy"))
            assert all(v.met is None for v in section.verdicts)
            continue
        assert section.tables, section.key
        for table in section.tables:
            assert table.rows, table.title
        assert section.verdicts
        for chart in section.charts:
            assert chart.exists()
            assert chart.read_bytes().startswith(b"\x89PNG")
    text = results.read_text(encoding="utf-8")
    assert "## Machine" in text and "cores:" in text and "botocore" in text
    for section in sections.values():
        assert f"## {section.title}" in text


def test_call_counts_are_the_calls_the_emulator_received(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    section = quick_run[0]["calls"]
    result = section.data
    assert isinstance(result, CallsResult)
    table = section.table("EC2 calls per operation")
    for row, n in zip(table.rows, QUICK.snapshot_counts, strict=True):
        assert row[0] == str(n)
        for operation, cell in zip(OPERATIONS, row[1:], strict=True):
            measured = result.op(operation, n)
            assert measured.calls == measured.logged  # hook == the emulator's request log
            assert cell == str(len(measured.logged[0]))
    for measured in [*result.operations.values(), *result.deletes.values()]:
        assert measured.calls == measured.logged


def test_our_delete_is_two_calls_and_the_classic_ones_one_per_snapshot(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    result = quick_run[0]["calls"].data
    assert isinstance(result, CallsResult)
    for n in QUICK.snapshot_counts:
        assert result.delete(OURS, n).logged[0] == ["DescribeImages", "DeregisterImage"]
        for variant in CLASSIC_DELETES:
            logged = result.delete(variant.name, n).logged[0]
            assert logged.count("DeleteSnapshot") == n
            assert logged.count("DeregisterImage") == 1
    assert set(result.left_behind.values()) == {0}
    verdict = quick_run[0]["calls"].verdicts[0]
    assert verdict.target.startswith("our delete stays at 2") and verdict.met is True


def test_waiting_counts_each_poll_and_measures_simulated_lateness(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    result = quick_run[0]["waiting"].data
    assert isinstance(result, WaitingResult)
    for pending in QUICK.pending_seconds:
        ours = result.run(OURS_WAITING, pending)
        assert ours.noticed
        assert ours.polls == len(ours.poll_times)  # one DescribeImages per recorded poll
        assert ours.late is not None and ours.late >= 0
        assert ours.waited >= pending


def test_protocol_and_policy_runs_report_what_they_measured(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    sections = quick_run[0]
    protocols = sections["protocols"]
    if not protocols.skipped:
        result = protocols.data
        assert isinstance(result, ProtocolsResult)
        assert all(run.ok for run in result.runs()), [r.output for r in result.runs()]
        assert result.host.clients_per_host  # counted inside the host, by the probe
    policy = sections["policy"]
    if not policy.skipped:
        data = policy.data
        assert isinstance(data, PolicyResult)
        assert set(data.analyze) == set(QUICK.policy_resource_counts)
        assert data.diagnostics[max(QUICK.policy_resource_counts)] > 0


def test_the_command_line_writes_results_and_charts(tmp_path: Path) -> None:
    assert main(["--quick", "--only", "calls", "--output-dir", str(tmp_path)]) == 0
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "python -m benchmarks --quick --only calls" in text
    assert "![1. Calls per operation](calls_per_operation.png)" in text
    assert (tmp_path / "calls_per_operation.png").exists()
