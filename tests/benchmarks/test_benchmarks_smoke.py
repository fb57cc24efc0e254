"""`python -m benchmarks --quick`: every table is produced, and every count is what really ran.

Timing figures are never asserted (the machine is shared and noisy); call counts are, against
the emulator's own request log, which records each request as it arrives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS, crashed, main, run_all, write_results
from benchmarks.calls_per_operation import OPERATIONS, OURS, OURS_RECYCLE_BIN, CallsResult
from benchmarks.classic_delete import CLASSIC_DELETES
from benchmarks.policy_latency import PolicyResult
from benchmarks.report import Section
from benchmarks.settings import QUICK
from benchmarks.through_cli import NOOP, SHAPED, ThroughCliResult, calls_per_image
from benchmarks.through_cli import OURS as OURS_CLI
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
            assert section.skipped.startswith(("the Pulumi CLI", "the policy"))
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


def test_our_delete_is_three_calls_and_the_classic_ones_one_per_snapshot(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    result = quick_run[0]["calls"].data
    assert isinstance(result, CallsResult)
    ours = ["DescribeImages", "DescribeImageReferences", "DeregisterImage"]
    for n in QUICK.snapshot_counts:
        assert result.delete(OURS, n).logged[0] == ours
        assert result.op("delete", n).logged[0] == ours
        assert result.delete(OURS_RECYCLE_BIN, n).logged[0] == [
            *ours,
            "ListImagesInRecycleBin",
            "ListSnapshotsInRecycleBin",
        ]
        for variant in CLASSIC_DELETES:
            logged = result.delete(variant.name, n).logged[0]
            assert logged.count("DeleteSnapshot") == n
            assert logged.count("DeregisterImage") == 1
    assert set(result.left_behind.values()) == {0}
    verdict = quick_run[0]["calls"].verdicts[0]
    assert verdict.target.startswith("our delete stays at 3") and verdict.met is True


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


def test_cli_runs_count_the_calls_resources_and_bytes_they_made(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    section = quick_run[0]["cli"]
    if section.skipped:
        pytest.skip(section.skipped)
    result = section.data
    assert isinstance(result, ThroughCliResult)
    assert all(c.ok for c in result.all_commands()), [
        c.output for c in result.all_commands() if not c.ok
    ]
    for size in QUICK.cli_sizes:
        for command in ("up", "destroy"):
            ours = result.commands[(OURS_CLI, command, size)]
            floor = result.commands[(NOOP, command, size)]
            assert len(ours) == len(floor) == QUICK.cli_repeats
            # Every image is one call that does the work and one DescribeImages; a create also
            # marks its image complete (CreateTags), so that it is never adopted again, and a
            # destroy asks what still uses the image (DescribeImageReferences).
            per_image = 3.0
            assert calls_per_image(ours) == [per_image] * QUICK.cli_repeats
            assert all(c.ec2_calls == [] for c in floor)
        up = result.commands[(OURS_CLI, "up", size)][0].ec2_calls
        assert sorted(set(up)) == ["CreateTags", "DescribeImages", "RegisterImage"]
        # The images, the stack and the default provider.
        assert result.exported_counts[(OURS_CLI, size)] == result.exported_counts[(NOOP, size)]
        assert result.exported_counts[(OURS_CLI, size)] == size + 2
        images = result.state[(OURS_CLI, size)].bytes_by_type["ami-lifecycle:index:Image"]
        assert len(images) == size
    assert set(result.leftovers.values()) == {0}
    shaped = result.commands[(SHAPED, "up", max(QUICK.cli_sizes))]
    assert len(shaped) == QUICK.cli_repeats
    assert all(c.ec2_calls == [] for c in shaped)
    first = result.first[OURS_CLI]
    assert len(first.first_create.values) == QUICK.plugin_starts
    assert (
        first.create_calls
        == [["RegisterImage", "DescribeImages", "CreateTags"]] * QUICK.plugin_starts
    )
    assert (
        first.delete_calls
        == [["DescribeImages", "DescribeImageReferences", "DeregisterImage"]] * QUICK.plugin_starts
    )
    assert result.first[NOOP].create_calls == [[]] * QUICK.plugin_starts
    # The floor answers Configure as ours does, so the engine sends both the same requests.
    assert first.supports_preview is not None
    assert result.first[NOOP].supports_preview == first.supports_preview
    for (with_pack, _size), previews in result.previews.items():
        assert all(c.ec2_calls == [] for c in previews)
        assert all((result.pack_name in c.output) == with_pack for c in previews)
    assert set(result.probes) == set(QUICK.preview_sizes)
    for size, probe in result.probes.items():
        assert probe.ok
        # Every resource of the preview: the images, the stack and the default provider.
        assert probe.calls["Analyze"] == size + 2
        assert probe.calls["AnalyzeStack"] == 1
    table = section.table("`pulumi up` / `pulumi destroy`")
    assert table.column("EC2 calls/image") == ["3" for _command in table.column("command")]


def test_the_policy_run_reports_what_it_measured(
    quick_run: tuple[dict[str, Section], Path],
) -> None:
    policy = quick_run[0]["policy"]
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
