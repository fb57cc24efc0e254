"""What a benchmark hands back, and how it is printed and written to RESULTS.md.

Why this exists: every benchmark ends the same way (tables, a verdict per target, the analysis
of what was missed, charts, or an honest "skipped"), so the runner and the smoke test can treat
them alike and RESULTS.md always has the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .machine import Machine

__all__ = ["Section", "Table", "Verdict", "render_results", "render_terminal"]


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"{self.title}: row {row} has {len(row)} cells, not {len(self.columns)}"
                )

    def column(self, name: str) -> list[str]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def markdown(self) -> str:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        out = [f"**{self.title}**", "", line(self.columns), line(["---"] * len(self.columns))]
        out += [line(row) for row in self.rows]
        out += ["", *(f"- {note}" for note in self.notes)] if self.notes else []
        return "\n".join(out)

    def text(self) -> str:
        widths = [
            max(len(self.columns[i]), *(len(row[i]) for row in self.rows))
            if self.rows
            else len(self.columns[i])
            for i in range(len(self.columns))
        ]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        out = [self.title, line(self.columns), line(["-" * w for w in widths])]
        out += [line(row) for row in self.rows]
        out += [f"  * {note}" for note in self.notes]
        return "\n".join(out)


@dataclass(frozen=True)
class Verdict:
    """One target and whether this run met it (`None`: not measured, see `detail`)."""

    target: str
    met: bool | None
    detail: str

    @property
    def label(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


@dataclass
class Section:
    """Everything one benchmark produced."""

    key: str
    title: str
    summary: str
    tables: list[Table] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    analysis: list[str] = field(default_factory=list)
    """Why a target was missed, from a profile or a measured timeline, in markdown."""
    charts: list[Path] = field(default_factory=list)
    skipped: str | None = None
    data: object = None
    """The benchmark's raw measurements (what the smoke test checks the tables against)."""

    def table(self, title_prefix: str) -> Table:
        for table in self.tables:
            if table.title.startswith(title_prefix):
                return table
        raise KeyError(title_prefix)


def render_terminal(section: Section) -> str:
    out = [f"== {section.title} ==", section.summary, ""]
    if section.skipped:
        out.append(f"skipped: {section.skipped}")
    for table in section.tables:
        out += [table.text(), ""]
    for verdict in section.verdicts:
        out.append(f"[{verdict.label}] {verdict.target}: {verdict.detail}")
    for chart in section.charts:
        out.append(f"chart: {chart}")
    return "\n".join(out).rstrip() + "\n"


def render_results(
    machine: Machine, sections: Sequence[Section], *, mode: str, command: str, base: Path
) -> str:
    """RESULTS.md: machine, a verdict summary, then each benchmark in full."""
    out = [
        "# Benchmark results",
        "",
        f"Written by `{command}` ({mode} run). Every figure below comes from counting and timing "
        "the runs this command made; re-run it to refresh them.",
        "",
        "## Machine",
        "",
        *(f"- {line}" for line in machine.lines()),
        "",
        "## Targets",
        "",
        "| benchmark | target | result | detail |",
        "| --- | --- | --- | --- |",
    ]
    for section in sections:
        if section.skipped and not section.verdicts:
            out.append(f"| {section.title} | all | skipped | {section.skipped} |")
        for verdict in section.verdicts:
            out.append(
                f"| {section.title} | {verdict.target} | {verdict.label} | {verdict.detail} |"
            )
    for section in sections:
        out += ["", f"## {section.title}", "", section.summary, ""]
        if section.skipped:
            out += [f"**Skipped:** {section.skipped}", ""]
        for table in section.tables:
            out += [table.markdown(), ""]
        if section.analysis:
            out += ["### Why targets were missed, or nearly", "", *section.analysis, ""]
        for chart in section.charts:
            out += [f"![{section.title}]({chart.relative_to(base).as_posix()})", ""]
    return "\n".join(out).rstrip() + "\n"
