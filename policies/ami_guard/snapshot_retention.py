"""Snapshots left behind when an image is destroyed (`ami-snapshots-kept-on-destroy`)."""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel

from .checks import Findings, ResourceCheck
from .config import EXEMPTION_SCHEMA, ExemptionConfig
from .property_values import Unknown
from .resources import OUR_IMAGE_TYPES, CheckedResource

__all__ = ["SNAPSHOTS_KEPT_ON_DESTROY"]


def _evaluate(resource: CheckedResource, config: ExemptionConfig) -> Findings:
    findings = Findings()
    if config.exempts(resource):
        return findings
    delete = resource.props.get("deleteSnapshotsOnDestroy")
    if isinstance(delete, Unknown):
        findings.unknown(delete)
    elif delete is False:
        findings.violation(
            "deleteSnapshotsOnDestroy must be true, or the image's snapshots outlive it and keep "
            "costing money."
        )
    return findings


SNAPSHOTS_KEPT_ON_DESTROY: Final = ResourceCheck[ExemptionConfig](
    name="ami-snapshots-kept-on-destroy",
    description=(
        "Checks whether destroying an AMI also deletes its snapshots, since snapshots kept after "
        "the image is gone keep costing money."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    resource_types=OUR_IMAGE_TYPES,
    evaluate=_evaluate,
    parse_config=ExemptionConfig.parse,
    config_schema=EXEMPTION_SCHEMA,
)
