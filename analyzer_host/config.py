"""Policy pack configuration, reconciled the way the engine does it before `Configure`.

The engine (`pkg/resource/analyzer/config.go`, `ReconcilePolicyPackConfig`) starts every policy
from its default enforcement level and the `default`s in its config schema, applies the pack's
initial config, then the user's file (`--policy-pack-config`), where `"all"` sets every policy's
level. It validates the result against each policy's schema and sends the pack one
`PolicyConfig` per policy, enforcement level always set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import jsonschema  # type: ignore[import-untyped]
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto

__all__ = [
    "ENFORCEMENT_LEVELS",
    "PolicyPackConfigError",
    "load_config_file",
    "policy_schemas",
    "reconcile_config",
]

ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory", "remediate", "disabled")


class PolicyPackConfigError(ValueError):
    """The configuration would make the engine refuse to start the pack; the message says why."""


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a `--policy-pack-config` JSON file."""
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise PolicyPackConfigError(f"{path}: the policy pack config must be a JSON object")
    return loaded


def policy_schemas(info: proto.AnalyzerInfo) -> dict[str, dict[str, Any]]:
    """Each policy's config schema as a JSON schema object (without `enforcementLevel`)."""
    return {
        policy.name: {
            "type": "object",
            "properties": json_format.MessageToDict(policy.configSchema.properties),
            "required": list(policy.configSchema.required),
        }
        for policy in info.policies
    }


def reconcile_config(
    info: proto.AnalyzerInfo, given: Mapping[str, Any] | None = None
) -> dict[str, proto.PolicyConfig]:
    """The `Configure` request the engine would send for this pack and this user config."""
    schemas = policy_schemas(info)
    levels = {policy.name: _level_name(policy.enforcementLevel) for policy in info.policies}
    properties = {
        name: {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
        for name, schema in schemas.items()
    }

    initial = {
        name: {
            "enforcementLevel": _level_name(config.enforcementLevel),
            **json_format.MessageToDict(config.properties),
        }
        for name, config in info.initialConfig.items()
    }
    for layer in (initial, dict(given or {})):
        _apply(layer, levels, properties)

    errors = [
        f"{name}: {error.message}"
        for name, schema in schemas.items()
        for error in jsonschema.Draft7Validator(schema).iter_errors(properties.get(name, {}))
    ]
    if errors:
        raise PolicyPackConfigError("; ".join(errors))

    result = {}
    for name, level in levels.items():
        struct = struct_pb2.Struct()
        struct.update(properties.get(name, {}))
        result[name] = proto.PolicyConfig(
            enforcementLevel=proto.EnforcementLevel.Value(level.upper()), properties=struct
        )
    return result


def _apply(
    layer: Mapping[str, Any], levels: dict[str, str], properties: dict[str, dict[str, Any]]
) -> None:
    parsed = {name: _parse_entry(name, value) for name, value in layer.items()}
    all_level = parsed["all"][0] if "all" in parsed else None
    if all_level:
        levels.update(dict.fromkeys(levels, all_level))
    for name, (level, props) in parsed.items():
        if name == "all":
            continue
        if level:
            levels[name] = level
        properties.setdefault(name, {}).update(props)


def _parse_entry(name: str, value: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(value, str):
        return _checked_level(name, value), {}
    if not isinstance(value, Mapping):
        raise PolicyPackConfigError(f"parsing {name!r}: {value!r} is not a string or an object")
    props = dict(value)
    level = props.pop("enforcementLevel", None)
    if level is not None and not isinstance(level, str):
        raise PolicyPackConfigError(f"parsing enforcement level for {name!r}: must be a string")
    return (_checked_level(name, level) if level else None), props


def _checked_level(name: str, level: str) -> str:
    if level not in ENFORCEMENT_LEVELS:
        raise PolicyPackConfigError(
            f"parsing enforcement level for {name!r}: {level!r} is not a valid enforcement level"
        )
    return level


def _level_name(level: proto.EnforcementLevel.ValueType) -> str:
    return proto.EnforcementLevel.Name(level).lower()
