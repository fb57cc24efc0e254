"""An image's outputs, as AWS reports them, in the same camelCase as the inputs.

The newest EC2 model says `DescribeImages` does not report `VolumeInitializationRate` (the 2025
changelog said it does). Where AWS leaves it out, the declared value is kept, so that a refresh
never shows a difference that exists only because AWS omits a field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .adoption import without_own_tags
from .protection import Protection, parse_protection_state

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import ImageTypeDef, TagTypeDef

__all__ = [
    "OUTPUT_KEYS",
    "SNAPSHOT_OUTPUT_KEYS",
    "image_outputs",
    "protection_setting",
    "reported_tags",
]

OUTPUT_KEYS = (
    "imageId",
    "state",
    "ownerId",
    "creationDate",
    "rootDeviceName",
    "reportedBlockDeviceMappings",
    "snapshotIds",
    "protectionState",
    "lastLaunchedTime",
)
"""An `Image`'s outputs (besides its inputs)."""
SNAPSHOT_OUTPUT_KEYS = ("snapshotId", "state", "volumeSize", "encrypted")
"""A `VolumeSnapshot`'s outputs (besides its inputs)."""


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _mapping(reported: Mapping[str, Any], declared_rates: Mapping[str, int]) -> dict[str, Any]:
    device = str(reported.get("DeviceName", ""))
    out: dict[str, Any] = {"deviceName": device}
    ebs = reported.get("Ebs")
    if ebs is not None:
        out_ebs = {_camel(k): v for k, v in ebs.items()}
        if "volumeInitializationRate" not in out_ebs and device in declared_rates:
            out_ebs["volumeInitializationRate"] = declared_rates[device]
        out["ebs"] = out_ebs
    if "NoDevice" in reported:
        out["noDevice"] = True
    if reported.get("VirtualName"):
        out["virtualName"] = reported["VirtualName"]
    return out


def image_outputs(image: ImageTypeDef, declared_rates: Mapping[str, int]) -> dict[str, Any]:
    """The computed outputs of an image from one `DescribeImages` answer."""
    mappings = [_mapping(m, declared_rates) for m in image.get("BlockDeviceMappings", [])]
    return {
        "imageId": image.get("ImageId"),
        "state": image.get("State"),
        "ownerId": image.get("OwnerId"),
        "creationDate": image.get("CreationDate"),
        "rootDeviceName": image.get("RootDeviceName"),
        "reportedBlockDeviceMappings": mappings,
        "snapshotIds": [
            m["ebs"]["snapshotId"] for m in mappings if m.get("ebs", {}).get("snapshotId")
        ],
        # AWS's own string, never a call's `Return` (documented as just `true`).
        "protectionState": image.get("DeregistrationProtection") or "disabled",
        # Absent until AWS reports a launch (24 hours after it), then AWS's own string.
        "lastLaunchedTime": image.get("LastLaunchedTime"),
    }


def protection_setting(reported: str | None) -> str:
    """The `deregistrationProtection` input value that matches what AWS reports."""
    state = parse_protection_state(reported)
    if not state.enabled:
        return Protection.DISABLED.value
    if state.with_cooldown:
        return Protection.ENABLED_WITH_COOLDOWN.value
    return Protection.ENABLED.value


def reported_tags(tags: Sequence[TagTypeDef]) -> dict[str, str]:
    """The user's tags as AWS reports them: without the `aws:` ones AWS manages itself, nor
    the creation token this package tags its images and snapshots with."""
    return without_own_tags(
        {
            t["Key"]: t.get("Value", "")
            for t in tags
            if "Key" in t and not t["Key"].startswith("aws:")
        }
    )
