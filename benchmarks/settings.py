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
    stack_sizes: tuple[int, ...]
    """Images per stack for the protocol runs."""
    protocol_repeats: int
    """Rounds of the protocol runs (each round: a provider host, the example stack, every
    stack size)."""
    policy_resource_counts: tuple[int, ...]
    cold_starts: int
    """Policy pack launches timed."""


FULL = Settings(
    name="full",
    snapshot_counts=(1, 2, 4, 8, 16),
    repeats=7,
    pending_seconds=(1, 5, 30, 300, 1800),
    stack_sizes=(1, 10, 100),
    protocol_repeats=3,
    policy_resource_counts=(1, 100, 1000),
    cold_starts=5,
)

QUICK = Settings(
    name="quick",
    snapshot_counts=(1, 2),
    repeats=1,
    pending_seconds=(1, 5),
    stack_sizes=(1, 2),
    protocol_repeats=1,
    policy_resource_counts=(1, 10),
    cold_starts=1,
)
