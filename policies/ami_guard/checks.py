"""A resource check, and how it becomes a CrossGuard policy.

Each domain module writes its rule once, as an `evaluate` function returning `Findings`: the
violations it is sure of and the values it couldn't judge because they aren't known yet. The
domain's own policy reports the violations at its enforcement level (mandatory by default) and
ignores the unknowns; `ami-policy-values-known` (see `values_known.py`) runs the same functions and
reports the unknowns, advisory. pulumi-policy fixes one enforcement level per policy, so this split
is what lets a known wrong value block while an unknown one only advises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .property_values import Unknown
from .resources import CheckedResource

__all__ = ["Findings", "ResourceCheck"]

ConfigT = TypeVar("ConfigT")


@dataclass
class Findings:
    """What one check found on one resource."""

    violations: list[str] = field(default_factory=list)
    """One sentence each, "X must Y."."""
    unknown_paths: list[str] = field(default_factory=list)
    """Properties the check needs but can't see yet, in the order it met them."""

    def violation(self, message: str) -> None:
        """Record a value that breaks the rule."""
        self.violations.append(message)

    def unknown(self, value: Unknown) -> None:
        """Record a value the check needs but the engine doesn't know yet."""
        if value.path not in self.unknown_paths:
            self.unknown_paths.append(value.path)


@dataclass(frozen=True, kw_only=True)
class ResourceCheck(Generic[ConfigT]):
    """A rule about single resources, with the policy metadata CrossGuard shows for it."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    resource_types: frozenset[str]
    evaluate: Callable[[CheckedResource, ConfigT], Findings]
    parse_config: Callable[[str, Mapping[str, Any]], ConfigT]
    config_schema: PolicyConfigSchema | None = None

    def applies_to(self, resource: CheckedResource) -> bool:
        """Whether the resource is of a type this check looks at."""
        return resource.resource_type in self.resource_types

    def evaluate_with_defaults(self, resource: CheckedResource) -> Findings:
        """Run the check as if the policy had no configuration."""
        return self.evaluate(resource, self.parse_config(self.name, {}))

    def policy(self) -> ResourceValidationPolicy:
        """The CrossGuard policy that reports this check's violations."""

        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if args.resource_type not in self.resource_types:
                return
            config = self.parse_config(self.name, args.get_config())
            resource = CheckedResource.from_validation_args(args)
            for message in self.evaluate(resource, config).violations:
                report_violation(message, None)

        return ResourceValidationPolicy(
            name=self.name,
            description=self.description,
            validate=validate,
            enforcement_level=self.enforcement_level,
            config_schema=self.config_schema,
        )


def no_config(policy_name: str, config: Mapping[str, Any]) -> None:
    """`parse_config` for a check without options."""
    del policy_name, config
