"""Comparing property bags the way a user means them.

gRPC turns 3000 into 3000.0, an omitted optional field may arrive as `None`, and an empty map as
`{}`: none of these is a change. A value still unknown during a preview is a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..validation import is_unknown

__all__ = ["DYNAMIC_PROVIDER_KEY", "changed_keys", "contains_unknown", "normalized"]

DYNAMIC_PROVIDER_KEY = "__provider"
"""Where the dynamic-provider version kept its pickled provider, in every resource's state: its
presence means the state still has to be rewritten in this version's form."""


def normalized(value: Any) -> Any:
    """Whole floats as ints, `None` members dropped, empty containers as `None`."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        cleaned = {k: normalized(v) for k, v in value.items()}
        cleaned = {k: v for k, v in cleaned.items() if v is not None}
        return cleaned or None
    if isinstance(value, list | tuple):
        return [normalized(v) for v in value] or None
    return value


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


def changed_keys(
    olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]
) -> list[str]:
    return [
        key
        for key in keys
        if contains_unknown(news.get(key)) or normalized(olds.get(key)) != normalized(news.get(key))
    ]
