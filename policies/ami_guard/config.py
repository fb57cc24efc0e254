"""Typed configuration for the policies, and the JSON schemas the engine validates it against.

Configuration lives in the JSON file passed to `pulumi preview --policy-pack-config`, one object
per policy name. Besides the properties below, every policy accepts the engine's own
`enforcementLevel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import PolicyConfigSchema

from .errors import PolicyConfigError
from .resources import MACHINE_IMAGE, CheckedResource, urn_name

__all__ = [
    "EXEMPTION_SCHEMA",
    "PROTECTION_SCHEMA",
    "ExemptionConfig",
    "ProtectionConfig",
]

_EXEMPT_RESOURCES: Final[dict[str, Any]] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "default": [],
    "description": (
        "URNs or logical names of resources this policy skips. Listing a MachineImage also "
        "exempts the Image it creates. Keep a comment in review saying why each one is exempt."
    ),
}
_REQUIRE_COOLDOWN: Final[dict[str, Any]] = {
    "type": "boolean",
    "default": False,
    "description": 'Require "enabled-with-cooldown" rather than accepting "enabled" too.',
}

PROTECTION_SCHEMA: Final = PolicyConfigSchema(
    properties={"requireCooldown": _REQUIRE_COOLDOWN, "exemptResources": _EXEMPT_RESOURCES}
)
"""Schema of `ami-deregistration-protection` and `ami-deregistration-protection-applied`."""
EXEMPTION_SCHEMA: Final = PolicyConfigSchema(properties={"exemptResources": _EXEMPT_RESOURCES})
"""Schema of `ami-snapshots-kept-on-destroy`."""


@dataclass(frozen=True, kw_only=True)
class ExemptionConfig:
    """Options of a policy that only supports exemptions."""

    exempt_resources: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, policy_name: str, config: Mapping[str, Any]) -> ExemptionConfig:
        """Read the policy's configuration, refusing anything of the wrong shape."""
        return cls(exempt_resources=_exempt_resources(policy_name, config))

    def exempts(self, resource: CheckedResource) -> bool:
        """Whether the resource, or the MachineImage component that created it, is listed."""
        if not self.exempt_resources:
            return False
        listed = {resource.urn, resource.name}
        # Only a MachineImage passes its exemption on: a parent of any other type (above all the
        # stack itself) would exempt everything beneath it.
        if resource.parent_urn and resource.parent_type == MACHINE_IMAGE:
            listed |= {resource.parent_urn, urn_name(resource.parent_urn)}
        return not self.exempt_resources.isdisjoint(listed)


@dataclass(frozen=True, kw_only=True)
class ProtectionConfig(ExemptionConfig):
    """Options of the two deregistration-protection policies."""

    require_cooldown: bool = False

    @classmethod
    def parse(cls, policy_name: str, config: Mapping[str, Any]) -> ProtectionConfig:
        """Read the policy's configuration, refusing anything of the wrong shape."""
        require_cooldown = config.get("requireCooldown", False)
        if not isinstance(require_cooldown, bool):
            raise PolicyConfigError(
                f"{policy_name}: requireCooldown must be true or false, not {require_cooldown!r}."
            )
        return cls(
            exempt_resources=_exempt_resources(policy_name, config),
            require_cooldown=require_cooldown,
        )


def _exempt_resources(policy_name: str, config: Mapping[str, Any]) -> frozenset[str]:
    listed = config.get("exemptResources", [])
    if not isinstance(listed, list) or not all(isinstance(v, str) and v for v in listed):
        raise PolicyConfigError(
            f"{policy_name}: exemptResources must be a list of resource URNs or names, "
            f"not {listed!r}."
        )
    return frozenset(listed)
