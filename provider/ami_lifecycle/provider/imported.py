"""The inputs of an AMI that Pulumi did not create, read back from one `DescribeImages` answer
(`pulumi import`, or the `import` resource option).

An imported image is described as registered from its snapshots, whatever made it: only the
snapshots remain of an instance an image was made from, and a mapping declared the way AWS
reports it re-creates the same image. Only fields a declaration may carry are kept (`encrypted`
must be omitted beside a snapshot; `iops` only for the volume types that take it), so that the
imported inputs pass the same checks as a program's, and the next `up` shows no diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import limits
from ..outputs import protection_setting, reported_tags

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["imported_inputs"]

_SOURCE_FIELDS = {
    "RootDeviceName": "rootDeviceName",
    "Architecture": "architecture",
    "BootMode": "bootMode",
    "VirtualizationType": "virtualizationType",
    "EnaSupport": "enaSupport",
    "TpmSupport": "tpmSupport",
    "ImdsSupport": "imdsSupport",
    "SriovNetSupport": "sriovNetSupport",
    "KernelId": "kernelId",
    "RamdiskId": "ramdiskId",
}
_EBS_FIELDS = {
    "SnapshotId": "snapshotId",
    "VolumeSize": "volumeSize",
    "VolumeType": "volumeType",
    "Iops": "iops",
    "Throughput": "throughput",
    "DeleteOnTermination": "deleteOnTermination",
    "Encrypted": "encrypted",
    "OutpostArn": "outpostArn",
    "VolumeInitializationRate": "volumeInitializationRate",
}


def _ebs(reported: Mapping[str, Any]) -> dict[str, Any]:
    ebs = {
        ours: reported[aws] for aws, ours in _EBS_FIELDS.items() if reported.get(aws) is not None
    }
    type_limits = limits.VOLUME_TYPES.get(str(ebs.get("volumeType")))
    if "snapshotId" in ebs:
        ebs.pop("encrypted", None)
    if type_limits is None or type_limits.iops is None:
        ebs.pop("iops", None)
    if type_limits is None or type_limits.throughput_mibps is None:
        ebs.pop("throughput", None)
    return ebs


def _mapping(reported: Mapping[str, Any]) -> dict[str, Any]:
    mapping: dict[str, Any] = {"deviceName": reported.get("DeviceName")}
    if reported.get("Ebs") is not None:
        mapping["ebs"] = _ebs(reported["Ebs"])
    elif "NoDevice" in reported:
        mapping["noDevice"] = True
    elif reported.get("VirtualName"):
        mapping["virtualName"] = reported["VirtualName"]
    return mapping


def imported_inputs(image: ImageTypeDef) -> dict[str, Any]:
    source = {ours: image[aws] for aws, ours in _SOURCE_FIELDS.items() if image.get(aws)}  # type: ignore[literal-required]
    inputs: dict[str, Any] = {
        "imageName": image.get("Name"),
        "deregistrationProtection": protection_setting(image.get("DeregistrationProtection")),
        "deleteSnapshotsOnDestroy": True,
        "fromSnapshots": source,
        "blockDeviceMappings": [_mapping(m) for m in image.get("BlockDeviceMappings", [])],
    }
    if image.get("Description"):
        inputs["description"] = image["Description"]
    tags = reported_tags(image.get("Tags", []))
    if tags:
        inputs["tags"] = tags
    return inputs
