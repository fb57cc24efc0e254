"""Deregistration protection: declared on every image (`ami-deregistration-protection`) and
reported as applied by AWS once the image exists (`ami-deregistration-protection-applied`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .checks import Findings, ResourceCheck
from .config import PROTECTION_SCHEMA, ProtectionConfig
from .copy_targets import copy_targets
from .property_values import PropertyValue, Unknown, render
from .resources import AWS_IMAGE_TYPES, MACHINE_IMAGE, OUR_IMAGE_TYPES, CheckedResource

__all__ = [
    "DEREGISTRATION_PROTECTION",
    "DEREGISTRATION_PROTECTION_APPLIED",
    "ProtectionState",
    "parse_protection_state",
]

ENABLED: Final = "enabled"
ENABLED_WITH_COOLDOWN: Final = "enabled-with-cooldown"
DEFAULT: Final = ENABLED
"""What the plugin uses, for `MachineImage`, `Image` and `ImageCopy`, when
`deregistrationProtection` is left out."""


def _evaluate_declared(resource: CheckedResource, config: ProtectionConfig) -> Findings:
    findings = Findings()
    if config.exempts(resource):
        return findings
    if resource.resource_type in AWS_IMAGE_TYPES:
        findings.violation(
            f"AMIs must be managed with the {MACHINE_IMAGE} component, because "
            f"{resource.resource_type} cannot enable deregistration protection."
        )
        return findings

    declared = resource.props.get("deregistrationProtection")
    if declared is None:
        # The plugin fills in this default before the engine analyzes the resource (the
        # component registers its inputs with it, the Image's and ImageCopy's Check add it); a
        # value missing anyway means the same default.
        _check_declared(
            "deregistrationProtection", DEFAULT, f'the default "{DEFAULT}"', config, findings
        )
    else:
        _check_declared("deregistrationProtection", declared, None, config, findings)
    # A copy without its own value takes the component's, checked above.
    for path, target in copy_targets(resource, findings):
        if (copied := target.get("deregistrationProtection")) is not None:
            _check_declared(f"{path}.deregistrationProtection", copied, None, config, findings)
    return findings


def _check_declared(
    path: str,
    declared: PropertyValue,
    shown: str | None,
    config: ProtectionConfig,
    findings: Findings,
) -> None:
    if isinstance(declared, Unknown):
        findings.unknown(declared)
        return
    shown = shown or render(declared)
    if config.require_cooldown:
        if declared != ENABLED_WITH_COOLDOWN:
            findings.violation(
                f'{path} must be "{ENABLED_WITH_COOLDOWN}" because requireCooldown is set, '
                f"not {shown}."
            )
    elif declared not in (ENABLED, ENABLED_WITH_COOLDOWN):
        findings.violation(f'{path} must be "{ENABLED}" or "{ENABLED_WITH_COOLDOWN}", not {shown}.')


DEREGISTRATION_PROTECTION: Final = ResourceCheck[ProtectionConfig](
    name="ami-deregistration-protection",
    description=(
        "Checks whether every AMI is created with deregistration protection enabled, so that it "
        "can't be deregistered by accident."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    resource_types=OUR_IMAGE_TYPES | AWS_IMAGE_TYPES,
    evaluate=_evaluate_declared,
    parse_config=ProtectionConfig.parse,
    config_schema=PROTECTION_SCHEMA,
)


@dataclass(frozen=True)
class ProtectionState:
    """AWS's `DeregistrationProtection` string for an image, parsed."""

    enabled: bool
    cooldown: bool
    disabled_after: str | None = None
    """When protection that was disabled during a cooldown actually ends."""


_DISABLED_AFTER_RE = re.compile(r"after[-_: ]*(?P<after>\S.*)$", re.IGNORECASE)


def parse_protection_state(reported: str) -> ProtectionState | None:
    """Parse AWS's `DeregistrationProtection` string; None if it is neither enabled nor disabled.

    Known forms are `enabled-with-cooldown`, `enabled-without-cooldown`, `disabled`, and
    `disabled after <time>` while a cooldown runs. Anything starting with "enabled" counts as
    enabled, so that a new enabled variant doesn't fail every stack.
    """
    text = reported.strip()
    words = re.sub(r"[\s_]+", "-", text.lower())
    if words.startswith("enabled"):
        return ProtectionState(
            enabled=True, cooldown="with-cooldown" in words and "without" not in words
        )
    if words.startswith("disabled"):
        after = _DISABLED_AFTER_RE.search(text)
        return ProtectionState(
            enabled=False, cooldown=False, disabled_after=after["after"] if after else None
        )
    return None


def _applied_violation(reported: PropertyValue, config: ProtectionConfig) -> str | None:
    state = parse_protection_state(reported) if isinstance(reported, str) else None
    if state is None:
        return (
            "protectionState must report deregistration protection as enabled, but AWS reports "
            f"the unrecognised state {render(reported)}."
        )
    if not state.enabled:
        reports = (
            f"it disabled, protection lapsing after {state.disabled_after}"
            if state.disabled_after
            else render(reported)
        )
        return (
            "protectionState must report deregistration protection as enabled, but AWS reports "
            f"{reports}."
        )
    if config.require_cooldown and not state.cooldown:
        return (
            f'protectionState must be "{ENABLED_WITH_COOLDOWN}" because requireCooldown is set, '
            f"but AWS reports {render(reported)}."
        )
    return None


def _validate_applied(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = ProtectionConfig.parse(DEREGISTRATION_PROTECTION_APPLIED.name, args.get_config())
    for policy_resource in args.resources:
        if policy_resource.resource_type not in OUR_IMAGE_TYPES:
            continue
        resource = CheckedResource.from_stack_resource(policy_resource)
        if config.exempts(resource):
            continue
        reported = resource.props.get("protectionState")
        # During preview a new image has no state yet (missing or unknown); the declared value
        # was already checked by ami-deregistration-protection, and this runs again after `up`.
        if reported is None or isinstance(reported, Unknown):
            continue
        if message := _applied_violation(reported, config):
            report_violation(message, resource.urn)


DEREGISTRATION_PROTECTION_APPLIED: Final = StackValidationPolicy(
    name="ami-deregistration-protection-applied",
    description=(
        "Checks whether AWS reports deregistration protection as enabled on every deployed AMI, "
        "catching changes made out of band or left half-applied."
    ),
    validate=_validate_applied,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PROTECTION_SCHEMA,
)
