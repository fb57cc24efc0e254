"""A policy pack's configuration, assembled the way the CLI does before ``Analyzer.Configure``.

Why this exists: ``pulumi up --policy-pack DIR --policy-config FILE`` merges, for every policy
the pack declares (``GetAnalyzerInfo``): its own enforcement level, the pack's
``initial_config``, and the JSON file (``{"all": "mandatory", "<policy>": "advisory" |
{"enforcementLevel": ..., "<property>": ...}}``), then fills property defaults from the
policy's config schema and sends the result to the pack. Without this step a policy that reads
``args.get_config()`` sees nothing, and a level set in the file is ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format  # type: ignore[import-untyped]
from pulumi.runtime.proto import analyzer_pb2

from . import properties

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}


class PolicyConfigError(Exception):
    pass


def load_policy_config(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PolicyConfigError(f"cannot read policy config {path}: {error}") from error
    if not isinstance(loaded, dict):
        raise PolicyConfigError(f"policy config {path} must be a JSON object")
    return loaded


def _level(value: Any, where: str) -> analyzer_pb2.EnforcementLevel.ValueType:
    if value not in LEVELS:
        raise PolicyConfigError(f"{where}: unknown enforcement level {value!r}")
    return LEVELS[value]


def reconcile(
    info: analyzer_pb2.AnalyzerInfo, file_config: dict[str, Any]
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """The ``policyConfig`` map for ``ConfigureAnalyzerRequest``: one entry per policy."""
    known = {policy.name for policy in info.policies}
    unknown = sorted(set(file_config) - known - {"all"})
    if unknown:
        raise PolicyConfigError(f"policy config names unknown policies: {', '.join(unknown)}")
    result: dict[str, analyzer_pb2.PolicyConfig] = {}
    for policy in info.policies:
        level = policy.enforcementLevel
        props: dict[str, Any] = {}
        initial = info.initialConfig.get(policy.name)
        if initial is not None:
            # A level the pack didn't set in initial_config arrives as 0 (advisory): only a
            # non-default level overrides the policy's own.
            if initial.enforcementLevel != analyzer_pb2.ADVISORY:
                level = initial.enforcementLevel
            props.update(json_format.MessageToDict(initial.properties))
        if "all" in file_config:
            level = _level(file_config["all"], "all")
        entry = file_config.get(policy.name)
        if isinstance(entry, str):
            level = _level(entry, policy.name)
        elif isinstance(entry, dict):
            for key, value in entry.items():
                if key == "enforcementLevel":
                    level = _level(value, policy.name)
                else:
                    props[key] = value
        elif entry is not None:
            raise PolicyConfigError(f"{policy.name}: expected a level or an object")
        schema = json_format.MessageToDict(policy.configSchema.properties)
        for key, spec in schema.items():
            if key not in props and isinstance(spec, dict) and "default" in spec:
                props[key] = spec["default"]
        missing = [key for key in policy.configSchema.required if key not in props]
        if missing:
            raise PolicyConfigError(
                f"{policy.name}: missing required config properties: {', '.join(missing)}"
            )
        result[policy.name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=level, properties=properties.to_struct(props)
        )
    return result
