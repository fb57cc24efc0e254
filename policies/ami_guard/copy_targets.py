"""The entries of a MachineImage's `copies`: one ImageCopy child each, checked beside the
component's own settings so that a wrong value is reported where it was written."""

from __future__ import annotations

from .checks import Findings
from .property_values import PropertyValue, Unknown
from .resources import MACHINE_IMAGE, CheckedResource

__all__ = ["copy_targets"]


def copy_targets(
    resource: CheckedResource, findings: Findings
) -> list[tuple[str, dict[str, PropertyValue]]]:
    """`(copies[i], entry)` for each known entry of a MachineImage's `copies`; unknowns noted."""
    if resource.resource_type != MACHINE_IMAGE:
        return []
    copies = resource.props.get("copies")
    if isinstance(copies, Unknown):
        findings.unknown(copies)
        return []
    targets = []
    for index, entry in enumerate(copies if isinstance(copies, list) else []):
        if isinstance(entry, Unknown):
            findings.unknown(entry)
        elif isinstance(entry, dict):
            targets.append((f"copies[{index}]", entry))
    return targets
