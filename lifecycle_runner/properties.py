"""Property maps as the engine holds them: JSON-shaped dicts that round-trip a protobuf Struct.

Why this exists: the runner stores property maps in its state file and forwards them between
the program, the provider host and the policy pack, so it needs a form that is lossless and
JSON-serialisable. ``json_format`` on a ``Struct`` is exactly that: nulls stay, numbers are
floats (protobuf has no integers: a program's ``8`` reaches a provider as ``8.0``, as under the
real CLI), and the SDK's special values stay data: the unknown sentinel (``rpc.UNKNOWN``, only
during a preview), secret wrappers (:mod:`lifecycle_runner.secret_values`) and resource references.
The SDK's ``rpc.deserialize_properties`` is meant for a program's view instead: it drops nulls,
turns unknowns into ``None`` outside a preview and rebuilds resource objects.

What each peer receives follows the CLI: a provider gets secrets stripped and resource
references replaced by their id (or URN) unless it accepted them in Configure; a policy pack
gets secrets and unknowns but no internal ``__`` keys (so never the ``__provider`` pickle).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc

from .secret_values import strip_secrets

PropertyMap = dict[str, Any]

UNKNOWN = rpc.UNKNOWN

# Signature constants of the wire format (pulumi/sdk/go/common/resource/properties.go); the
# Python SDK keeps its copies private, pulumi_policy re-declares them the same way.
SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


def from_struct(struct: struct_pb2.Struct) -> PropertyMap:
    result: PropertyMap = json_format.MessageToDict(struct)
    return result


def to_struct(properties: PropertyMap) -> struct_pb2.Struct:
    return json_format.ParseDict(properties, struct_pb2.Struct())


def _downgrade_references(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            if "id" in value:
                return value["id"] or UNKNOWN
            return value["urn"]
        return {key: _downgrade_references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_downgrade_references(item) for item in value]
    return value


def for_provider(
    properties: PropertyMap, *, accept_secrets: bool, accept_resources: bool
) -> struct_pb2.Struct:
    """What the engine sends a provider, given what it accepted in Configure."""
    value: Any = properties
    if not accept_secrets:
        value = strip_secrets(value)
    if not accept_resources:
        value = _downgrade_references(value)
    return to_struct(value)


def for_analyzer(properties: PropertyMap) -> struct_pb2.Struct:
    """What the engine sends a policy pack: internal ``__`` keys skipped, the rest as-is."""
    return to_struct({key: value for key, value in properties.items() if not key.startswith("__")})


def changed_keys(old: PropertyMap, new: PropertyMap) -> list[str]:
    """Top-level keys whose values differ (for display and the engine's fallback diff)."""
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
