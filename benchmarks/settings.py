"""The sizes each benchmark runs at: the full run for `make bench`, tiny ones for `--quick`.

Why this exists: the smoke test must exercise exactly the code the full run uses, only smaller,
so both runs read their sizes from one place.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "Settings"]


@dataclass(frozen=True)
class Settings:
    name: str
    snapshot_counts: tuple[int, ...]
    """N, snapshots (or instance volumes) per image."""
    repeats: int
    """Timed samples per figure (the median is reported)."""
    pending_seconds: tuple[float, ...]
    """T, how long the emulator keeps a new image `pending` (simulated seconds)."""
    cli_sizes: tuple[int, ...]
    """Images per stack for the `up`/`destroy` runs through the Pulumi CLI."""
    cli_repeats: int
    """Rounds of those runs (each round: every size, ours and the no-op floor)."""
    preview_sizes: tuple[int, ...]
    """Images per `pulumi preview`, with and without the policy pack."""
    plugin_starts: int
    """Plugin processes started to time their first calls."""
    policy_resource_counts: tuple[int, ...]
    cold_starts: int
    """Policy pack launches timed."""


FULL = Settings(
    name="full",
    snapshot_counts=(1, 2, 4, 8, 16),
    repeats=7,
    pending_seconds=(1, 5, 30, 300, 1800),
    cli_sizes=(10, 40),
    cli_repeats=5,
    preview_sizes=(100, 400),
    plugin_starts=7,
    policy_resource_counts=(1, 100, 1000),
    cold_starts=5,
)

QUICK = Settings(
    name="quick",
    snapshot_counts=(1, 2),
    repeats=1,
    pending_seconds=(1, 5),
    cli_sizes=(2,),
    cli_repeats=1,
    preview_sizes=(3,),
    plugin_starts=1,
    policy_resource_counts=(1, 10),
    cold_starts=1,
)
