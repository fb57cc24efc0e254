"""Benchmark 1: EC2 calls and wall time per provider operation, and our delete vs the classic.

Why this exists: the provider's cost on AWS is its number of API calls (each one is latency,
throttling budget and a CloudTrail line), and the headline claim is that a delete costs three
calls (the lookup, the in-use check, the deregistration) whatever the number of snapshots. This
runs every `ImageProvider` operation for N = 1..16 snapshots per image against the emulator,
counts the calls with the botocore hook (`call_counting`) and checks the count against the
emulator's own request log, then deletes identical images with our provider (also with the
opt-in Recycle Bin report, `recycleBinReport`) and with the Terraform, Packer and
cloud-custodian deletes (`classic_delete`) and verifies that every variant left neither the
image nor its snapshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ami_lifecycle.provider.image import ImageProvider

from .call_counting import CallWindow
from .charts import Panel, Series, draw
from .classic_delete import CLASSIC_DELETES, ClassicDelete
from .emulated_aws import EmulatedAws
from .report import Section, Table, Verdict
from .settings import Settings
from .stopwatch import Samples, stopwatch

__all__ = ["OPERATIONS", "OURS", "OURS_RECYCLE_BIN", "CallsResult", "measure", "run"]

OPERATIONS = (
    "create-from-snapshots",
    "create-from-instance",
    "refresh",
    "protection update",
    "delete",
)
OURS = "ours"
OURS_RECYCLE_BIN = "ours + recycleBinReport"
DELETE_TARGET = 3
"""DescribeImages, DescribeImageReferences (the in-use guard), DeregisterImage."""


@dataclass
class Measured:
    """Calls (client hook and emulator log) and wall time of one operation at one N."""

    calls: list[list[str]] = field(default_factory=list)
    """The hook's call list, one per repeat."""
    logged: list[list[str]] = field(default_factory=list)
    """The emulator's request log for the same window, one per repeat."""
    time: Samples = field(default_factory=Samples)

    @property
    def count(self) -> int:
        return len(self.calls[0])

    @property
    def stable(self) -> bool:
        """The same calls in the same order in every repeat."""
        return all(calls == self.calls[0] for calls in self.calls)

    @property
    def agrees_with_emulator(self) -> bool:
        return self.calls == self.logged


@dataclass
class CallsResult:
    sizes: tuple[int, ...]
    operations: dict[tuple[str, int], Measured] = field(default_factory=dict)
    """(operation, N) -> our provider's figures."""
    deletes: dict[tuple[str, int], Measured] = field(default_factory=dict)
    """(variant, N) -> delete figures; variant is "ours" or a classic's name."""
    simulated_wait: dict[tuple[str, int], float] = field(default_factory=dict)
    left_behind: dict[tuple[str, int], int] = field(default_factory=dict)
    """(variant, N) -> images + snapshots still there after the delete (must be 0)."""

    def op(self, operation: str, n: int) -> Measured:
        return self.operations.setdefault((operation, n), Measured())

    def delete(self, variant: str, n: int) -> Measured:
        return self.deletes.setdefault((variant, n), Measured())


@contextmanager
def _measured(aws: EmulatedAws, into: Measured | None) -> Iterator[CallWindow]:
    """Count, log and time the block (or only run it quietly when `into` is None: warm-up)."""
    aws.emulator.clear_requests()
    samples = into.time if into is not None else Samples()
    with aws.quiet(), aws.counter.window() as window, stopwatch(samples):
        yield window
    if into is not None:
        into.calls.append(list(window.calls))
        into.logged.append(aws.emulator_actions())


def _checked(provider: ImageProvider, props: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, props)
    if result.failures:
        raise RuntimeError(f"the benchmark's own inputs are invalid: {result.failures}")
    return dict(result.inputs)


def _provider_round(aws: EmulatedAws, n: int, result: CallsResult | None) -> None:
    """Every provider operation once, for an image of `n` snapshots / an instance of `n`
    volumes. `result=None` is a warm-up (botocore loads each operation's model on first use)."""

    def into(operation: str) -> Measured | None:
        return result.op(operation, n) if result is not None else None

    provider = aws.image_provider()
    inputs = _checked(provider, aws.snapshot_image_props(aws.snapshots(n)))
    with _measured(aws, into("create-from-snapshots")):
        created = provider.create(inputs)
    outs = dict(created.outs or {})
    with _measured(aws, into("refresh")):
        provider.read(created.id, outs)
    news = _checked(provider, {**inputs, "deregistrationProtection": "disabled"})
    with _measured(aws, into("protection update")):
        updated = provider.update(created.id, outs, news)
    with _measured(aws, into("delete")):
        provider.delete(created.id, dict(updated.outs or {}))

    instance_inputs = _checked(provider, aws.instance_image_props(aws.instance_with_volumes(n)))
    with _measured(aws, into("create-from-instance")):
        from_instance = provider.create(instance_inputs)
    # Not measured: clean up so that later listings (cloud-custodian's) see a small account.
    ec2 = aws.ec2
    with aws.quiet():
        ec2.disable_image_deregistration_protection(ImageId=from_instance.id)
        ec2.deregister_image(ImageId=from_instance.id, DeleteAssociatedSnapshots=True)


def _left_behind(aws: EmulatedAws, image_id: str, snapshot_ids: list[str]) -> int:
    ec2 = aws.emulator.client()  # uncounted: this is the benchmark checking, not the tool
    images = ec2.describe_images(Filters=[{"Name": "image-id", "Values": [image_id]}])["Images"]
    snapshots = ec2.describe_snapshots(Filters=[{"Name": "snapshot-id", "Values": snapshot_ids}])
    return len(images) + len(snapshots["Snapshots"])


def _delete_round(aws: EmulatedAws, n: int, repeat: int, result: CallsResult | None) -> None:
    """Delete one fresh, unprotected image of `n` snapshots with each variant."""
    variants: list[tuple[str, Callable[[str, dict[str, Any]], float]]] = []
    provider = aws.image_provider()
    reporting = aws.image_provider()
    reporting.configure(region=None, profile=None, recycle_bin_report=True)

    def ours(image_id: str, outs: dict[str, Any]) -> float:
        provider.delete(image_id, outs)
        return 0.0

    def ours_reporting(image_id: str, outs: dict[str, Any]) -> float:
        reporting.delete(image_id, outs)
        return 0.0

    def classic(variant: ClassicDelete) -> Callable[[str, dict[str, Any]], float]:
        def run(image_id: str, outs: dict[str, Any]) -> float:
            del outs
            return variant.run(aws.ec2, image_id, aws.time).simulated_wait

        return run

    variants = [
        (OURS, ours),
        (OURS_RECYCLE_BIN, ours_reporting),
        *((v.name, classic(v)) for v in CLASSIC_DELETES),
    ]
    # Rotate the order between repeats, so that drift on a noisy machine hits all alike.
    shift = repeat % len(variants)
    for name, delete in variants[shift:] + variants[:shift]:
        snapshot_ids = aws.snapshots(n)
        with aws.quiet():
            inputs = _checked(
                provider, aws.snapshot_image_props(snapshot_ids, protection="disabled")
            )
            created = provider.create(inputs)
        with _measured(aws, result.delete(name, n) if result is not None else None):
            waited = delete(created.id, dict(created.outs or {}))
        if result is not None:
            result.simulated_wait[(name, n)] = waited
            left = _left_behind(aws, created.id, snapshot_ids)
            result.left_behind[(name, n)] = max(result.left_behind.get((name, n), 0), left)


def measure(settings: Settings) -> CallsResult:
    result = CallsResult(sizes=settings.snapshot_counts)
    with EmulatedAws() as aws:
        _provider_round(aws, 1, None)
        _delete_round(aws, 1, 0, None)
        for repeat in range(settings.repeats):
            for n in settings.snapshot_counts:
                _provider_round(aws, n, result)
                _delete_round(aws, n, repeat, result)
    return result


# -- report -------------------------------------------------------------------------------------
def _sequences_note(result: CallsResult) -> list[str]:
    notes = []
    for operation in OPERATIONS:
        sequences = {tuple(result.op(operation, n).calls[0]) for n in result.sizes}
        if len(sequences) == 1:
            (sequence,) = sequences
            notes.append(f"{operation}, every N: {', '.join(sequence)}")
        else:
            for n in result.sizes:
                calls = ", ".join(result.op(operation, n).calls[0])
                notes.append(f"{operation}, N={n}: {calls}")
    return notes


def _tables(result: CallsResult, settings: Settings) -> list[Table]:
    sizes = result.sizes
    counted_ok = all(
        m.agrees_with_emulator for m in [*result.operations.values(), *result.deletes.values()]
    )
    stable = all(m.stable for m in [*result.operations.values(), *result.deletes.values()])
    calls = Table(
        "EC2 calls per operation of our ImageProvider, by N snapshots (volumes) per image",
        ("N", *OPERATIONS),
        tuple((str(n), *(str(result.op(op, n).count) for op in OPERATIONS)) for n in sizes),
        (
            *_sequences_note(result),
            "counted with a botocore `before-call.ec2` hook on the providers' clients; the "
            "emulator's request log shows the same calls in every run: "
            + ("yes" if counted_ok else "NO (see the raw data)"),
            f"the same calls in each of the {settings.repeats} repeat(s): "
            + ("yes" if stable else "NO"),
        ),
    )
    times = Table(
        f"Wall time per operation of our ImageProvider, ms (median (min..max) of "
        f"{settings.repeats}), in-process emulator",
        ("N", *OPERATIONS),
        tuple((str(n), *(result.op(op, n).time.ms() for op in OPERATIONS)) for n in sizes),
        (
            "wall time includes botocore serialisation and moto's handling of each request; "
            "waits run on the emulator's fake clock and cost no wall time",
        ),
    )
    names = [OURS, OURS_RECYCLE_BIN, *(v.name for v in CLASSIC_DELETES)]
    delete_calls = Table(
        "Delete: EC2 calls, ours vs the classic deletes",
        ("N", *names, f"ours = {DELETE_TARGET}?"),
        tuple(
            (
                str(n),
                *(str(result.delete(name, n).count) for name in names),
                "met" if result.delete(OURS, n).count == DELETE_TARGET else "MISSED",
            )
            for n in sizes
        ),
        (
            *(f"{v.name}: {v.source}" for v in CLASSIC_DELETES),
            "images and snapshots left after each delete (must be 0): "
            + ", ".join(
                f"{name} {max(result.left_behind.get((name, n), 0) for n in sizes)}"
                for name in names
            ),
            f"ours, every N: {', '.join(result.delete(OURS, sizes[-1]).calls[0])}",
            f"{OURS_RECYCLE_BIN}, every N: "
            + ", ".join(result.delete(OURS_RECYCLE_BIN, sizes[-1]).calls[0])
            + " (the opt-in report of what a Recycle Bin retention rule keeps; no rule here, "
            "which costs the same calls)",
            *(
                f"{v.name}, N={sizes[-1]}: "
                + ", ".join(
                    f"{op} x{count}"
                    for op, count in CallWindow(result.delete(v.name, sizes[-1]).calls[0])
                    .by_operation()
                    .items()
                )
                for v in CLASSIC_DELETES
            ),
        ),
    )
    classic_names = [v.name for v in CLASSIC_DELETES]
    delete_times = Table(
        f"Delete: wall time, ms (median (min..max) of {settings.repeats}) and ratio ours/classic",
        (
            "N",
            *(f"{name} ms" for name in names),
            *(f"ours/{name}" for name in classic_names),
        ),
        tuple(
            (
                str(n),
                *(result.delete(name, n).time.ms() for name in names),
                *(
                    f"{result.delete(OURS, n).time.median / result.delete(name, n).time.median:.2f}"
                    for name in classic_names
                ),
            )
            for n in sizes
        ),
        (
            "the ratio is of medians; below 1 means ours is faster",
            "Terraform's wait for the image to disappear runs on the fake clock: "
            + ", ".join(
                f"N={n}: {result.simulated_wait.get(('Terraform', n), 0.0):.0f} s" for n in sizes
            )
            + " of simulated waiting per delete, NOT included in its wall time (on AWS it is "
            "real time); ours and the others do not wait",
        ),
    )
    return [calls, times, delete_calls, delete_times]


def _chart(result: CallsResult, out_dir: Path) -> Path:
    names = [OURS, OURS_RECYCLE_BIN, *(v.name for v in CLASSIC_DELETES)]
    xs = [float(n) for n in result.sizes]
    return draw(
        out_dir / "calls_per_operation.png",
        "Deleting an AMI with N snapshots (EC2 emulator, in-process)",
        [
            Panel(
                "EC2 calls per delete",
                "snapshots per image (N)",
                "EC2 API calls",
                [
                    Series(
                        name,
                        xs,
                        [float(result.delete(name, n).count) for n in result.sizes],
                        dashed=name not in (OURS, OURS_RECYCLE_BIN),
                    )
                    for name in names
                ],
                log_x=True,
                xticks=xs,
            ),
            Panel(
                "Wall time per delete (median)",
                "snapshots per image (N)",
                "ms",
                [
                    Series(
                        name,
                        xs,
                        [result.delete(name, n).time.median * 1000 for n in result.sizes],
                        dashed=name not in (OURS, OURS_RECYCLE_BIN),
                    )
                    for name in names
                ],
                log_x=True,
                xticks=xs,
                notes=["Terraform's simulated 5 s wait not included"],
            ),
        ],
    )


def run(settings: Settings, out_dir: Path) -> Section:
    result = measure(settings)
    ours = [result.delete(OURS, n).count for n in result.sizes]
    met = all(count == DELETE_TARGET for count in ours)
    largest = result.sizes[-1]
    ratio = (
        result.delete(OURS, largest).time.median / result.delete("Terraform", largest).time.median
    )
    headline = (
        f"At N={largest}, our delete makes {result.delete(OURS, largest).count} EC2 calls "
        f"({result.delete(OURS_RECYCLE_BIN, largest).count} with the Recycle Bin report); "
        f"Terraform {result.delete('Terraform', largest).count}, "
        f"Packer {result.delete('Packer', largest).count}, "
        f"cloud-custodian {result.delete('cloud-custodian', largest).count}; wall time "
        f"ours/Terraform = {ratio:.2f}."
    )
    verdicts = [
        Verdict(
            f"our delete stays at {DELETE_TARGET} EC2 calls for every N",
            met,
            f"ours: {', '.join(f'N={n}: {c}' for n, c in zip(result.sizes, ours, strict=True))}",
        ),
        Verdict(
            "every delete leaves no image and no snapshot behind (checked, not a target)",
            all(v == 0 for v in result.left_behind.values()),
            "checked with DescribeImages/DescribeSnapshots after each delete",
        ),
    ]
    section = Section(
        key="calls",
        title="1. Calls per operation",
        summary=(
            "Each ImageProvider operation against the in-process EC2 emulator, N snapshots per "
            "image (create-from-instance: N volumes on the instance). " + headline
        ),
        tables=_tables(result, settings),
        verdicts=verdicts,
        charts=[_chart(result, out_dir)],
        data=result,
    )
    return section
