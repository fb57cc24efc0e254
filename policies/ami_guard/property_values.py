"""Resource properties as a policy sees them, with values that aren't known yet made explicit.

pulumi-policy hands a policy its resource's properties behind a proxy
(`pulumi_policy.proxy.unknown_checking_proxy`). During `pulumi preview`, a value computed from
another resource arrives as one of the engine's unknown sentinels (in practice always the string
sentinel `04da6b54-80e4-46f7-96ec-b56ff0331ba9`, whatever the value's type), and reading it through
the proxy raises `UnknownValueError`. Left uncaught, that error ends the whole policy for the
resource: pulumi-policy then reports one generic advisory diagnostic and none of the remaining
checks run, so a known wrong value next to an unknown one would slip through.

`resolve` reads every value once, up front, and replaces each unknown by an `Unknown` that records
where it was. The checks then work on plain values and decide for themselves what an unknown
means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from pulumi_policy import Secret
from pulumi_policy.proxy import UnknownValueError

__all__ = ["UNKNOWN_SENTINELS", "PropertyValue", "Unknown", "render", "resolve"]

UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (what the engine sends for any output)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
"""The engine's wire sentinels for unknown values (`sdk/go/common/resource/plugin/rpc.go`)."""


@dataclass(frozen=True)
class Unknown:
    """A value the engine doesn't know yet: during preview it is another resource's output."""

    path: str
    """Where the value sits, e.g. `blockDeviceMappings[0].ebs.volumeInitializationRate`."""


PropertyValue: TypeAlias = (
    bool | float | str | Unknown | list["PropertyValue"] | dict[str, "PropertyValue"] | None
)
"""A property value as the engine marshals it: numbers are always floats."""


def resolve(props: Mapping[str, Any], *, prefix: str = "") -> dict[str, PropertyValue]:
    """Read a resource's properties into plain values, replacing every unknown with an `Unknown`
    whose path is the property's, after `prefix`."""
    return {str(key): _resolve_item(props, key, f"{prefix}{key}") for key in props}


def render(value: PropertyValue) -> str:
    """Show a value the way the user wrote it: strings quoted, whole floats without `.0`."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Unknown):
        return "an unknown value"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _resolve_item(container: Any, key: Any, path: str) -> PropertyValue:
    try:
        value = container[key]
    except UnknownValueError:
        return Unknown(path)
    return _resolve_value(value, path)


def _resolve_value(value: Any, path: str) -> PropertyValue:
    if isinstance(value, Secret):
        value = value.value
    if isinstance(value, str):
        # The proxy catches sentinels on access; this also covers values handed over unproxied.
        return Unknown(path) if value in UNKNOWN_SENTINELS else value
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _resolve_item(value, k, f"{path}.{k}") for k in value}
    if isinstance(value, Sequence):
        return [_resolve_item(value, i, f"{path}[{i}]") for i in range(len(value))]
    # Assets, archives and the like: nothing these policies read.
    return None
