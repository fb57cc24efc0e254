"""Stack configuration as the CLI assembles it, and the project's identity from Pulumi.yaml.

Why this exists: a program reads ``pulumi.Config`` and a dynamic provider receives the stack
config in Configure, both as ``namespace:key`` -> string. The CLI builds that map from the
project's defaults (``config:`` in ``Pulumi.yaml``) and ``Pulumi.<stack>.yaml``; keys without a
namespace belong to the project; structured values travel as JSON strings. The runner adds two
layers the CLI doesn't have: values its local emulator seeded (ids of pre-existing objects)
and ``--config`` values, which it keeps in its state like ``pulumi config set`` would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]


class ConfigError(Exception):
    pass


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must be a YAML mapping")
    return loaded


def project_name(program_dir: Path) -> str:
    path = program_dir / "Pulumi.yaml"
    if not path.is_file():
        raise ConfigError(f"{program_dir} is not a Pulumi project: it has no Pulumi.yaml")
    name = _load_yaml(path).get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path} has no project name")
    return name


def namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _project_defaults(program_dir: Path, project: str) -> dict[str, str]:
    declared = _load_yaml(program_dir / "Pulumi.yaml").get("config") or {}
    defaults: dict[str, str] = {}
    for key, spec in declared.items():
        if isinstance(spec, dict):
            if "value" in spec:
                defaults[namespaced(key, project)] = _as_string(spec["value"])
            elif "default" in spec:
                defaults[namespaced(key, project)] = _as_string(spec["default"])
        elif spec is not None:
            defaults[namespaced(key, project)] = _as_string(spec)
    return defaults


def _stack_file(program_dir: Path, project: str, stack: str) -> dict[str, str]:
    path = program_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for key, value in (_load_yaml(path).get("config") or {}).items():
        if isinstance(value, dict) and "secure" in value:
            raise ConfigError(
                f"{path}: {key} is an encrypted secret, which only the Pulumi CLI can decrypt; "
                "give the value with --config instead"
            )
        values[namespaced(key, project)] = _as_string(value)
    return values


def parse_assignments(assignments: Iterable[str], project: str) -> dict[str, str]:
    """``key=value`` strings (as given to ``--config``) to namespaced config."""
    parsed: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key:
            raise ConfigError(f"--config expects key=value, got {assignment!r}")
        parsed[namespaced(key.strip(), project)] = value
    return parsed


def stack_config(
    program_dir: Path,
    project: str,
    stack: str,
    *,
    seeded: Mapping[str, str],
    overrides: Mapping[str, str],
) -> dict[str, str]:
    """Project defaults < Pulumi.<stack>.yaml < emulator-seeded values < --config values."""
    config = _project_defaults(program_dir, project)
    config.update(_stack_file(program_dir, project, stack))
    config.update({namespaced(k, project): v for k, v in seeded.items()})
    config.update({namespaced(k, project): v for k, v in overrides.items()})
    return config
