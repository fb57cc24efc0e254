"""`python -m benchmarks` (`make bench`): run every benchmark, print its tables, write RESULTS.md.

Why this exists: one command must produce every figure the project quotes, on the machine at
hand, with the machine described next to them; `--quick` runs the same code at tiny sizes for
the smoke test. A benchmark that cannot run (a dev tool not importable) reports "skipped"; one
that crashes is reported as failed and the command exits 1, the others still run.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import calls_per_operation, policy_latency, through_cli, waiting
from .machine import describe_machine
from .report import Section, Verdict, render_results, render_terminal
from .settings import FULL, QUICK, Settings

__all__ = ["BENCHMARKS", "crashed", "main", "run_all", "write_results"]

DEFAULT_OUTPUT = Path(__file__).resolve().parent
RESULTS_NAME = "RESULTS.md"

Benchmark = Callable[[Settings, Path], Section]
BENCHMARKS: dict[str, tuple[str, Benchmark]] = {
    "calls": ("1. Calls per operation", calls_per_operation.run),
    "waiting": ("2. Waiting", waiting.run),
    "cli": ("3. Through the Pulumi CLI", through_cli.run),
    "policy": ("4. Policy pack", policy_latency.run),
}


def _failed(key: str, title: str, error: BaseException) -> Section:
    detail = f"failed: {type(error).__name__}: {error}"
    return Section(
        key=key,
        title=title,
        summary="The benchmark raised an exception; its figures are missing.",
        skipped=detail,
        verdicts=[Verdict("all targets of this benchmark", None, detail)],
        analysis=["```", traceback.format_exc().rstrip(), "```"],
    )


def run_all(
    settings: Settings,
    out_dir: Path,
    only: Sequence[str] = (),
    *,
    echo: Callable[[str], None] = print,
) -> list[Section]:
    sections = []
    for key, (title, benchmark) in BENCHMARKS.items():
        if only and key not in only:
            continue
        echo(f"running {title} ({settings.name}) ...")
        try:
            section = benchmark(settings, out_dir)
        except Exception as error:  # report it, keep going with the other benchmarks
            section = _failed(key, title, error)
        sections.append(section)
        echo(render_terminal(section))
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="API-call, waiting, Pulumi CLI and policy-latency benchmarks of the AMI "
        "lifecycle; writes RESULTS.md and PNG charts.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"where RESULTS.md and the charts go (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        default=[],
        help="run only this benchmark (repeatable)",
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    out_dir: Path = args.output_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = run_all(settings, out_dir, args.only)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    command += "".join(f" --only {key}" for key in args.only)
    results = write_results(sections, settings, out_dir, command)
    print(f"wrote {results}")
    return 1 if any(crashed(section) for section in sections) else 0


def crashed(section: Section) -> bool:
    return bool(section.skipped and section.skipped.startswith("failed:"))


def write_results(
    sections: Sequence[Section], settings: Settings, out_dir: Path, command: str
) -> Path:
    """RESULTS.md in `out_dir`, next to the charts the sections drew there."""
    results = out_dir / RESULTS_NAME
    results.write_text(
        render_results(
            describe_machine(), sections, mode=settings.name, command=command, base=out_dir
        ),
        encoding="utf-8",
    )
    return results


if __name__ == "__main__":
    sys.exit(main())
