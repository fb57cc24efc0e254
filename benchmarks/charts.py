"""PNG charts of the scaling runs (matplotlib, headless).

Why this exists: a table says what each size cost; a chart shows at a glance whether a cost is
flat, linear or worse as the size grows, which is what the targets are about. The benchmarks
hand over plain numbers (`Panel`s of series); only this module knows matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a build machine; must precede pyplot

import matplotlib.pyplot as plt

__all__ = ["Panel", "Series", "draw"]


@dataclass(frozen=True)
class Series:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: Sequence[Series]
    log_x: bool = False
    log_y: bool = False
    symlog_y: bool = False
    """Linear near zero, logarithmic above 1: for values that can be 0 and can be large."""
    notes: Sequence[str] = field(default_factory=tuple)
    xticks: Sequence[float] = field(default_factory=tuple)
    """Label exactly these x values (the sizes that were run)."""


_MARKERS = ("o", "s", "^", "D", "v", "P")


def draw(path: Path, title: str, panels: Sequence[Panel]) -> Path:
    """One figure, one row of panels; returns `path`."""
    figure, axes = plt.subplots(1, len(panels), figsize=(6.0 * len(panels), 4.6), squeeze=False)
    for axis, panel in zip(axes[0], panels, strict=True):
        for index, series in enumerate(panel.series):
            axis.plot(
                list(series.xs),
                list(series.ys),
                marker=_MARKERS[index % len(_MARKERS)],
                markersize=7 - index,
                linestyle="--" if series.dashed else "-",
                label=series.label,
            )
        if panel.log_x:
            axis.set_xscale("log")
        if panel.log_y:
            axis.set_yscale("log")
        if panel.symlog_y:
            axis.set_yscale("symlog", linthresh=1.0)
            axis.set_ylim(bottom=0.0)
        if panel.xticks:
            axis.set_xticks(list(panel.xticks), [f"{x:g}" for x in panel.xticks])
            axis.minorticks_off()
        axis.set_title(panel.title, fontsize=10)
        axis.set_xlabel(panel.xlabel)
        axis.set_ylabel(panel.ylabel)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
        for index, note in enumerate(panel.notes):
            axis.annotate(
                note,
                xy=(0.01, 0.01 + 0.05 * index),
                xycoords="axes fraction",
                fontsize=7,
                alpha=0.8,
            )
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
