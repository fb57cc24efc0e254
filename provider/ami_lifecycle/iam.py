"""The IAM actions each operation needs, declared beside the operation's code.

Operations are decorated with `@requires("ec2:…")`. `iam-policy.json`, next to this file, is the
policy document users attach; a test keeps it equal to the union of the declarations, and
another checks that every EC2 call the tests record is declared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["POLICY_FILE", "declared_actions", "policy_actions", "requires"]

F = TypeVar("F", bound=Callable[..., object])

POLICY_FILE = Path(__file__).with_name("iam-policy.json")

_declared: dict[str, tuple[str, ...]] = {}


def requires(*actions: str) -> Callable[[F], F]:
    """Declare the IAM actions the decorated operation calls."""

    def declare(operation: F) -> F:
        _declared[f"{operation.__module__}.{operation.__qualname__}"] = actions
        return operation

    return declare


def declared_actions() -> dict[str, tuple[str, ...]]:
    """Operation name -> the IAM actions it declared (import the providers first)."""
    return dict(_declared)


def policy_actions() -> set[str]:
    """Every action the shipped policy document allows."""
    document = json.loads(POLICY_FILE.read_text())
    actions: set[str] = set()
    for statement in document["Statement"]:
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions
