"""Typed configuration for the policies, and the JSON schemas the engine validates it against.

Configuration lives in the JSON file passed to `pulumi preview --policy-pack-config`, one object
per policy name. Besides the properties below, every policy accepts the engine's own
`enforcementLevel`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import PolicyConfigSchema

from .errors import PolicyConfigError
from .resources import MACHINE_IMAGE, CheckedResource, urn_name

__all__ = [
    "DEFAULT_MAX_DAYS",
    "DEPRECATION_SCHEMA",
    "EXEMPTION_SCHEMA",
    "LAUNCH_TARGETS_SCHEMA",
    "MAX_DAYS_LIMIT",
    "PROTECTION_SCHEMA",
    "DeprecationConfig",
    "ExemptionConfig",
    "LaunchTargetsConfig",
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
"""Schema of `ami-snapshots-kept-on-destroy`, `ami-no-public-launch-permission` and
`ami-copy-encrypted`."""

DEFAULT_MAX_DAYS: Final = 365
MAX_DAYS_LIMIT: Final = 3650
"""EnableImageDeprecation's DeprecateAt: "The upper limit for DeprecateAt is 10 years from now"."""
DEPRECATION_SCHEMA: Final = PolicyConfigSchema(
    properties={
        "maxDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_DAYS_LIMIT,
            "default": DEFAULT_MAX_DAYS,
            "description": (
                "The furthest ahead, in days from now, an image's deprecationTime may be "
                f"(AWS's own limit is {MAX_DAYS_LIMIT} days, 10 years)."
            ),
        },
        "exemptResources": _EXEMPT_RESOURCES,
    }
)
"""Schema of `ami-deprecation-required`."""

# The forms of the botocore `imagebuilder` model's AccountId, OrganizationArn and
# OrganizationalUnitArn shapes (the EC2 model's LaunchPermission documents none).
ACCOUNT_ID_PATTERN: Final = r"^[0-9]{12}$"
ORGANIZATION_ARN_PATTERN: Final = (
    r"^arn:aws[^:]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$"
)
ORGANIZATIONAL_UNIT_ARN_PATTERN: Final = (
    r"^arn:aws[^:]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$"
)
_TARGET_LISTS: Final = {
    "allowedAccountIds": (ACCOUNT_ID_PATTERN, "12-digit AWS account ids"),
    "allowedOrganizationArns": (ORGANIZATION_ARN_PATTERN, "organization ARNs"),
    "allowedOrganizationalUnitArns": (ORGANIZATIONAL_UNIT_ARN_PATTERN, "organizational unit ARNs"),
}
LAUNCH_TARGETS_SCHEMA: Final = PolicyConfigSchema(
    properties={
        name: {
            "type": "array",
            "items": {"type": "string", "pattern": pattern},
            "default": [],
            "description": (
                f"The {kind} images may be shared with. While all three lists are empty, every "
                "target is allowed; once any has an entry, a target must be in its own list."
            ),
        }
        for name, (pattern, kind) in _TARGET_LISTS.items()
    }
)
"""Schema of `ami-launch-permission-allowed-targets`."""


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


@dataclass(frozen=True, kw_only=True)
class DeprecationConfig(ExemptionConfig):
    """Options of `ami-deprecation-required`."""

    max_days: int = DEFAULT_MAX_DAYS

    @classmethod
    def parse(cls, policy_name: str, config: Mapping[str, Any]) -> DeprecationConfig:
        """Read the policy's configuration, refusing anything of the wrong shape."""
        max_days = config.get("maxDays", DEFAULT_MAX_DAYS)
        # The engine marshals numbers as doubles.
        whole = isinstance(max_days, int | float) and not isinstance(max_days, bool)
        if not (whole and float(max_days).is_integer() and 1 <= max_days <= MAX_DAYS_LIMIT):
            raise PolicyConfigError(
                f"{policy_name}: maxDays must be a whole number of days from 1 to "
                f"{MAX_DAYS_LIMIT}, not {max_days!r}."
            )
        return cls(exempt_resources=_exempt_resources(policy_name, config), max_days=int(max_days))


@dataclass(frozen=True, kw_only=True)
class LaunchTargetsConfig:
    """Options of `ami-launch-permission-allowed-targets`: who images may be shared with."""

    account_ids: frozenset[str] = frozenset()
    organization_arns: frozenset[str] = frozenset()
    organizational_unit_arns: frozenset[str] = frozenset()

    @property
    def restricted(self) -> bool:
        """Whether any list has an entry; with none, there is nothing to compare with."""
        return bool(self.account_ids or self.organization_arns or self.organizational_unit_arns)

    @classmethod
    def parse(cls, policy_name: str, config: Mapping[str, Any]) -> LaunchTargetsConfig:
        """Read the policy's configuration, refusing anything of the wrong shape."""
        lists = {}
        for name, (pattern, kind) in _TARGET_LISTS.items():
            listed = config.get(name, [])
            if not isinstance(listed, list) or not all(
                isinstance(v, str) and re.fullmatch(pattern, v) for v in listed
            ):
                raise PolicyConfigError(
                    f"{policy_name}: {name} must be a list of {kind}, not {listed!r}."
                )
            lists[name] = frozenset(listed)
        return cls(
            account_ids=lists["allowedAccountIds"],
            organization_arns=lists["allowedOrganizationArns"],
            organizational_unit_arns=lists["allowedOrganizationalUnitArns"],
        )
