"""What each CRUD step of a resource answers, in plain Python values (camelCase properties).

The plugin (`ami_lifecycle.plugin`) turns these into the engine's protocol messages; tests call
the resources directly and read them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputProblem

__all__ = ["CheckResult", "CreateResult", "DiffResult", "ReadResult", "UpdateResult"]


@dataclass(frozen=True)
class CheckResult:
    """The checked inputs (defaults and the creation token added) and every refused input."""

    inputs: dict[str, Any]
    failures: list[InputProblem] = field(default_factory=list)


@dataclass(frozen=True)
class DiffResult:
    changes: bool
    replaces: list[str] = field(default_factory=list)
    """The properties whose change replaces the resource."""
    updates: list[str] = field(default_factory=list)
    """The properties changed in place."""
    stables: list[str] = field(default_factory=list)
    """Outputs an update never changes (a preview can show them as known)."""
    delete_before_replace: bool = False


@dataclass(frozen=True)
class CreateResult:
    id: str
    outs: dict[str, Any]


@dataclass(frozen=True)
class ReadResult:
    """`id` is empty when the resource is gone; `inputs` are what the next diff compares with."""

    id: str
    outs: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateResult:
    outs: dict[str, Any]
