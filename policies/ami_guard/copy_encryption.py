"""Copies into another Region are encrypted (`ami-copy-encrypted`).

CopyImage's `Encrypted`: "You can encrypt a copy of an unencrypted snapshot, but you cannot create
an unencrypted copy of an encrypted snapshot", so asking for encryption never fails and is the
only way to be sure a copy that leaves its Region is encrypted where it lands. Checked on
`ImageCopy` (`sourceRegion` to `region`), on each of a MachineImage's `copies` (the component's
`region` to the entry's `region`) and on pulumi-aws 7.x's `aws:ec2/amiCopy:AmiCopy`
(`sourceAmiRegion` to `region`, "Defaults to the Region set in the provider configuration").

A resource without `region` is made in its provider's Region. The engine sends a custom
resource's provider inputs along with it (`region`, from `ami-lifecycle:region` or `aws:region`),
so that Region is compared when set there. A component gets no provider inputs, and a provider
may take its Region from the environment (AWS_REGION), which no policy can see: then the Regions
can't be compared even during `pulumi up`, and the copy must be encrypted, with a message that
says which `region` to set instead.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel

from .checks import Findings, ResourceCheck
from .config import EXEMPTION_SCHEMA, ExemptionConfig
from .copy_targets import copy_targets
from .property_values import PropertyValue, Unknown
from .resources import AMI_COPY, IMAGE_COPY, MACHINE_IMAGE, CheckedResource

__all__ = ["COPY_ENCRYPTED"]

Region = str | Unknown | None
"""A Region name, a value not known yet, or None when the policy can't see it."""


def _region(value: PropertyValue) -> Region:
    if isinstance(value, Unknown) or (isinstance(value, str) and value):
        return value
    return None


def _own_region(resource: CheckedResource) -> Region:
    """Where the resource is made: its `region`, else its provider's."""
    declared = _region(resource.props.get("region"))
    return declared if declared is not None else _region(resource.provider_props.get("region"))


def _check_copy(
    path: str,
    encrypted: PropertyValue,
    *,
    source: Region,
    destination: Region,
    cannot_tell: str,
    findings: Findings,
) -> None:
    """`cannot_tell` ends the message when a Region is not visible: "... without <it>"."""
    if encrypted is True:
        return
    unknown = [v for v in (source, destination, encrypted) if isinstance(v, Unknown)]
    if isinstance(source, Unknown) or isinstance(destination, Unknown):
        for value in unknown:
            findings.unknown(value)
        return
    if source is not None and source == destination:
        return
    if unknown:
        findings.unknown(unknown[0])
    elif source is None or destination is None:
        findings.violation(
            f"{path} must be true unless the copy stays in its source Region, which this policy "
            f"can't tell without {cannot_tell}."
        )
    else:
        findings.violation(
            f'{path} must be true, because the copy goes from "{source}" to another Region, '
            f'"{destination}".'
        )


_SOURCE_REGION = {IMAGE_COPY: "sourceRegion", AMI_COPY: "sourceAmiRegion"}
"""The copy resources, and the property that names the Region each copies from."""


def _evaluate(resource: CheckedResource, config: ExemptionConfig) -> Findings:
    findings = Findings()
    if config.exempts(resource):
        return findings
    props = resource.props
    if resource.resource_type in _SOURCE_REGION:
        source_key = _SOURCE_REGION[resource.resource_type]
        source = _region(props.get(source_key))
        where = "region (on the resource or its provider)"
        _check_copy(
            "encrypted",
            props.get("encrypted"),
            source=source,
            destination=_own_region(resource),
            cannot_tell=source_key if source is None else where,
            findings=findings,
        )
    elif resource.resource_type == MACHINE_IMAGE:
        source = _own_region(resource)
        for path, target in copy_targets(resource, findings):
            destination = _region(target.get("region"))
            missing = "region on the component" if source is None else f"{path}.region"
            _check_copy(
                f"{path}.encrypted",
                target.get("encrypted"),
                source=source,
                destination=destination,
                cannot_tell=missing,
                findings=findings,
            )
    return findings


COPY_ENCRYPTED: Final = ResourceCheck[ExemptionConfig](
    name="ami-copy-encrypted",
    description=(
        "Checks whether every copy of an AMI into another Region is encrypted, so that no "
        "unencrypted snapshot lands outside the image's Region."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    resource_types=frozenset({IMAGE_COPY, MACHINE_IMAGE, AMI_COPY}),
    evaluate=_evaluate,
    parse_config=ExemptionConfig.parse,
    config_schema=EXEMPTION_SCHEMA,
)
