"""Images that are deprecated in time (`ami-deprecation-required`).

DescribeImages leaves a deprecated AMI out of everyone's answers but its owner's ("IncludeDeprecated
... Default: No deprecated AMIs are included"), so a stale image stops being picked by a lookup.
Every image must say when (`deprecationTime`), and not so far ahead that it is as good as never.
EnableImageDeprecation's DeprecateAt is a UTC time `YYYY-MM-DDTHH:MM:SSZ`, at most 10 years
ahead; pulumi-aws 7.x's `Ami`, `AmiCopy` and `AmiFromInstance` take the same string as
`deprecationTime`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from pulumi_policy import EnforcementLevel

from .checks import Findings, ResourceCheck
from .config import DEPRECATION_SCHEMA, DeprecationConfig
from .copy_targets import copy_targets
from .property_values import PropertyValue, Unknown, render
from .resources import AWS_DEPRECATION_TYPES, OUR_IMAGE_TYPES, CheckedResource

__all__ = ["DEPRECATION_REQUIRED", "parse_deprecation_time"]


def parse_deprecation_time(value: str) -> datetime | None:
    """The instant an RFC 3339 time with a UTC offset names; None if it isn't one."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A date alone, or a time without an offset, names no instant.
    if "T" not in value.upper() or parsed.tzinfo is None:
        return None
    return parsed


def _check_time(
    path: str, value: PropertyValue, config: DeprecationConfig, findings: Findings
) -> None:
    if isinstance(value, Unknown):
        findings.unknown(value)
        return
    when = parse_deprecation_time(value) if isinstance(value, str) else None
    if when is None:
        findings.violation(
            f"{path} must be a UTC time of the form YYYY-MM-DDTHH:MM:SSZ, not {render(value)}."
        )
    # A time already past is not refused: the image is deprecated, which is what this asks for.
    elif when - datetime.now(UTC) > timedelta(days=config.max_days):
        findings.violation(
            f"{path} must be at most {config.max_days} days ahead, not {render(value)}."
        )


def _evaluate(resource: CheckedResource, config: DeprecationConfig) -> Findings:
    findings = Findings()
    if config.exempts(resource):
        return findings
    declared = resource.props.get("deprecationTime")
    if declared is None or declared == "":
        findings.violation(
            f"deprecationTime must be set, at most {config.max_days} days ahead, so that the "
            "image is deprecated before it goes stale."
        )
    else:
        _check_time("deprecationTime", declared, config, findings)
    # A copy without its own deprecationTime takes the component's, checked above.
    for path, target in copy_targets(resource, findings):
        copied = target.get("deprecationTime")
        if copied is not None and copied != "":
            _check_time(f"{path}.deprecationTime", copied, config, findings)
    return findings


DEPRECATION_REQUIRED: Final = ResourceCheck[DeprecationConfig](
    name="ami-deprecation-required",
    description=(
        "Checks whether every AMI has a deprecation time, not too far ahead, so that stale "
        "images drop out of image searches."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    resource_types=OUR_IMAGE_TYPES | AWS_DEPRECATION_TYPES,
    evaluate=_evaluate,
    parse_config=DeprecationConfig.parse,
    config_schema=DEPRECATION_SCHEMA,
)
