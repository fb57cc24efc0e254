"""EBS volume initialization rates (`ami-volume-initialization-rate`).

AWS accepts a provisioned initialization rate of 100-300 MiB/s, and only for volumes restored
from a snapshot. `CreateImage` (our `fromInstance` source) takes no rate at all. pulumi-aws 7.x
carries the field on `aws:ebs/volume:Volume` (`volumeInitializationRate`, only with
`snapshotId`) and on `aws:ec2/launchTemplate:LaunchTemplate`
(`blockDeviceMappings[].ebs.volumeInitializationRate`).
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel

from .checks import Findings, ResourceCheck, no_config
from .property_values import PropertyValue, Unknown, render
from .resources import (
    EBS_VOLUME,
    LAUNCH_TEMPLATE,
    MACHINE_IMAGE,
    REGISTERED_IMAGE_TYPES,
    CheckedResource,
)

__all__ = ["MAX_RATE", "MIN_RATE", "VOLUME_INITIALIZATION_RATE"]

MIN_RATE: Final = 100
MAX_RATE: Final = 300


def _check_rate(path: str, rate: PropertyValue, findings: Findings) -> bool:
    """Check a declared rate's value; True if the rate is known, so the rest can be checked."""
    if isinstance(rate, Unknown):
        findings.unknown(rate)
        return False
    in_range = isinstance(rate, float) and rate.is_integer() and MIN_RATE <= rate <= MAX_RATE
    if not in_range:
        findings.violation(
            f"{path} must be a whole number of MiB/s from {MIN_RATE} to {MAX_RATE}, "
            f"not {render(rate)}."
        )
    return True


def _presence(*values: PropertyValue) -> bool | Unknown:
    """Whether any of the values is set: True, False, or the first Unknown if that decides it."""
    if any(v is not None and v != "" and not isinstance(v, Unknown) for v in values):
        return True
    return next((v for v in values if isinstance(v, Unknown)), False)


def _ebs_blocks(
    resource: CheckedResource, findings: Findings
) -> list[tuple[str, dict[str, PropertyValue]]]:
    mappings = resource.props.get("blockDeviceMappings")
    if isinstance(mappings, Unknown):
        findings.unknown(mappings)
        return []
    blocks = []
    for index, mapping in enumerate(mappings if isinstance(mappings, list) else []):
        if isinstance(mapping, Unknown):
            findings.unknown(mapping)
            continue
        ebs = mapping.get("ebs") if isinstance(mapping, dict) else None
        if isinstance(ebs, Unknown):
            findings.unknown(ebs)
        elif isinstance(ebs, dict):
            blocks.append((f"blockDeviceMappings[{index}].ebs", ebs))
    return blocks


def _evaluate_image(resource: CheckedResource, findings: Findings) -> None:
    from_instance = _presence(resource.props.get("fromInstance"))
    for path, ebs in _ebs_blocks(resource, findings):
        rate = ebs.get("volumeInitializationRate")
        rate_path = f"{path}.volumeInitializationRate"
        if rate is None or not _check_rate(rate_path, rate, findings):
            continue
        if isinstance(from_instance, Unknown):
            findings.unknown(from_instance)
            continue
        if from_instance:
            findings.violation(
                f"{rate_path} must not be set on an image created fromInstance, because "
                "CreateImage does not support volume initialization rates."
            )
            continue
        sources = _snapshot_sources(resource)
        restored = _presence(*(ebs.get(key) for key in sources))
        if isinstance(restored, Unknown) and resource.parent_type == MACHINE_IMAGE:
            # A MachineImage hands its Image the snapshot it takes of a declared volumeId, unknown
            # until taken. The component's own mapping, checked beside it, already decided (or
            # noted) whether this device is restored, so the unknown changes nothing here.
            restored = True
        if isinstance(restored, Unknown):
            findings.unknown(restored)
        elif not restored:
            named = " or ".join(f"{path}.{key}" for key in sources)
            findings.violation(
                f"{rate_path} must only be set on a volume restored from a snapshot ({named})."
            )


def _snapshot_sources(resource: CheckedResource) -> tuple[str, ...]:
    # The component snapshots an ebs.volumeId itself (its Image sees one only when the
    # component's inputs are refused); an Image declared on its own takes snapshots only.
    if MACHINE_IMAGE in (resource.resource_type, resource.parent_type):
        return ("snapshotId", "volumeId")
    return ("snapshotId",)


def _evaluate_volume(resource: CheckedResource, findings: Findings) -> None:
    rate = resource.props.get("volumeInitializationRate")
    if rate is None or not _check_rate("volumeInitializationRate", rate, findings):
        return
    restored = _presence(resource.props.get("snapshotId"))
    if isinstance(restored, Unknown):
        findings.unknown(restored)
    elif not restored:
        findings.violation(
            "volumeInitializationRate must only be set together with snapshotId, because only "
            "volumes restored from a snapshot are initialized."
        )


def _evaluate_launch_template(resource: CheckedResource, findings: Findings) -> None:
    # A launch template's device may take its snapshot from the AMI's own mapping, which the
    # template can't show, so only the rate's range is checked here.
    for path, ebs in _ebs_blocks(resource, findings):
        rate = ebs.get("volumeInitializationRate")
        if rate is not None:
            _check_rate(f"{path}.volumeInitializationRate", rate, findings)


def _evaluate(resource: CheckedResource, config: None) -> Findings:
    del config
    findings = Findings()
    if resource.resource_type in REGISTERED_IMAGE_TYPES:
        _evaluate_image(resource, findings)
    elif resource.resource_type == EBS_VOLUME:
        _evaluate_volume(resource, findings)
    elif resource.resource_type == LAUNCH_TEMPLATE:
        _evaluate_launch_template(resource, findings)
    return findings


VOLUME_INITIALIZATION_RATE: Final = ResourceCheck[None](
    name="ami-volume-initialization-rate",
    description=(
        "Checks whether EBS volume initialization rates are whole numbers from 100 to 300 MiB/s, "
        "set only on volumes restored from a snapshot."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    resource_types=REGISTERED_IMAGE_TYPES | {EBS_VOLUME, LAUNCH_TEMPLATE},
    evaluate=_evaluate,
    parse_config=no_config,
)
