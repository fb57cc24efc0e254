"""Property values the way the Pulumi engine puts them on the wire for an analyzer.

The engine marshals a resource's properties for `Analyze` / `AnalyzeStack` with
`MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true}`
(`sdk/go/common/resource/plugin/analyzer_plugin.go`, `rpc.go`), so:

- numbers are protobuf doubles, integers included;
- a value not known yet (a computed output during preview) is a string sentinel, in practice
  always `04da6b54-80e4-46f7-96ec-b56ff0331ba9` because outputs are computed strings;
- a secret is an object `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  "value": <the value>}`;
- keys starting with `__` (internal properties, which the engine never shows a user or a policy)
  are left out, at any depth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from google.protobuf import struct_pb2

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "UNKNOWN_SENTINELS",
    "Secret",
    "UnknownValue",
    "marshal_properties",
    "marshal_value",
]

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"

UnknownKind = Literal["bool", "number", "string", "array", "asset", "archive", "object"]

UNKNOWN_SENTINELS: Final[dict[UnknownKind, str]] = {
    "bool": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "number": "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "string": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "array": "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "asset": "030794c1-ac77-496b-92df-f27374a8bd58",
    "archive": "e48ece36-62e2-4504-bad9-02848725956a",
    "object": "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
}


@dataclass(frozen=True)
class UnknownValue:
    """A value not known yet. The engine sends outputs as unknown strings whatever their type."""

    kind: UnknownKind = "string"

    @property
    def sentinel(self) -> str:
        """The string the engine sends in its place."""
        return UNKNOWN_SENTINELS[self.kind]


UNKNOWN: Final = UnknownValue()
"""An unknown value exactly as the engine sends a computed output during preview."""


@dataclass(frozen=True)
class Secret:
    """A secret value; the engine keeps it wrapped when talking to analyzers."""

    value: Any


def marshal_properties(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """A resource's properties as the engine sends them to an analyzer."""
    struct = struct_pb2.Struct()
    for key, value in props.items():
        if not key.startswith("__"):
            struct.fields[key].CopyFrom(marshal_value(value))
    return struct


def marshal_value(value: Any) -> struct_pb2.Value:
    """One property value as the engine sends it to an analyzer."""
    if isinstance(value, UnknownValue):
        return struct_pb2.Value(string_value=value.sentinel)
    if isinstance(value, Secret):
        return struct_pb2.Value(
            struct_value=marshal_properties({SIG_KEY: SECRET_SIG, "value": value.value})
        )
    if value is None:
        return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, int | float):
        return struct_pb2.Value(number_value=float(value))
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    if isinstance(value, Mapping):
        return struct_pb2.Value(struct_value=marshal_properties(value))
    if isinstance(value, Sequence):
        return struct_pb2.Value(
            list_value=struct_pb2.ListValue(values=[marshal_value(v) for v in value])
        )
    raise TypeError(f"the engine has no wire form for {type(value).__name__} values")
