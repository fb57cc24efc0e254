"""Typed, plain values for one image, parsed from the camelCase property bag.

Property bags arrive from Pulumi with numbers as floats (gRPC `Struct`), optional fields either
missing or `None`, and secrets already unwrapped. `ImageSpec.from_props` turns a bag that
`validation` accepted into frozen dataclasses; everything after that point works on these, and
`to_api` renders the exact EC2 request fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .protection import Protection

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import TagTypeDef

__all__ = [
    "BlockDeviceMapping",
    "Ebs",
    "ImageSpec",
    "InstanceSource",
    "SnapshotSource",
    "as_int",
]


def as_int(value: Any) -> int | None:
    """A whole number from a property value (gRPC sends every number as a float)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"{value!r} is not a whole number")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _drop_none(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True)
class Ebs:
    """The `Ebs` part of a block device mapping: every documented field, plus `volume_id`."""

    snapshot_id: str | None = None
    volume_id: str | None = None
    """Not an AWS field: the component snapshots this volume and fills `snapshot_id`."""
    volume_size: int | None = None
    volume_type: str | None = None
    iops: int | None = None
    throughput: int | None = None
    delete_on_termination: bool | None = None
    encrypted: bool | None = None
    kms_key_id: str | None = None
    outpost_arn: str | None = None
    volume_initialization_rate: int | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Ebs:
        return cls(
            snapshot_id=_str(props.get("snapshotId")),
            volume_id=_str(props.get("volumeId")),
            volume_size=as_int(props.get("volumeSize")),
            volume_type=_str(props.get("volumeType")),
            iops=as_int(props.get("iops")),
            throughput=as_int(props.get("throughput")),
            delete_on_termination=_bool(props.get("deleteOnTermination")),
            encrypted=_bool(props.get("encrypted")),
            kms_key_id=_str(props.get("kmsKeyId")),
            outpost_arn=_str(props.get("outpostArn")),
            volume_initialization_rate=as_int(props.get("volumeInitializationRate")),
        )

    def to_api(self) -> dict[str, Any]:
        return _drop_none(
            {
                "SnapshotId": self.snapshot_id,
                "VolumeSize": self.volume_size,
                "VolumeType": self.volume_type,
                "Iops": self.iops,
                "Throughput": self.throughput,
                "DeleteOnTermination": self.delete_on_termination,
                "Encrypted": self.encrypted,
                "KmsKeyId": self.kms_key_id,
                "OutpostArn": self.outpost_arn,
                "VolumeInitializationRate": self.volume_initialization_rate,
            }
        )


@dataclass(frozen=True)
class BlockDeviceMapping:
    """One device of the image: an EBS volume, an instance store volume, or an omitted device."""

    device_name: str
    ebs: Ebs | None = None
    no_device: bool = False
    virtual_name: str | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> BlockDeviceMapping:
        ebs = props.get("ebs")
        return cls(
            device_name=str(props["deviceName"]),
            ebs=Ebs.from_props(ebs) if ebs is not None else None,
            no_device=bool(props.get("noDevice") or False),
            virtual_name=_str(props.get("virtualName")),
        )

    def to_api(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"DeviceName": self.device_name}
        if self.ebs is not None:
            fields["Ebs"] = self.ebs.to_api()
        if self.no_device:
            fields["NoDevice"] = ""  # AWS: "specify an empty string" to omit the device
        if self.virtual_name is not None:
            fields["VirtualName"] = self.virtual_name
        return fields


@dataclass(frozen=True)
class SnapshotSource:
    """`RegisterImage`: an EBS-backed image assembled from existing snapshots."""

    root_device_name: str
    architecture: str | None = None
    boot_mode: str | None = None
    virtualization_type: str = "hvm"
    ena_support: bool | None = None
    tpm_support: str | None = None
    imds_support: str | None = None
    uefi_data: str | None = None
    sriov_net_support: str | None = None
    kernel_id: str | None = None
    ramdisk_id: str | None = None
    billing_products: tuple[str, ...] = ()

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> SnapshotSource:
        return cls(
            root_device_name=str(props["rootDeviceName"]),
            architecture=_str(props.get("architecture")),
            boot_mode=_str(props.get("bootMode")),
            virtualization_type=str(props.get("virtualizationType") or "hvm"),
            ena_support=_bool(props.get("enaSupport")),
            tpm_support=_str(props.get("tpmSupport")),
            imds_support=_str(props.get("imdsSupport")),
            uefi_data=_str(props.get("uefiData")),
            sriov_net_support=_str(props.get("sriovNetSupport")),
            kernel_id=_str(props.get("kernelId")),
            ramdisk_id=_str(props.get("ramdiskId")),
            billing_products=tuple(str(p) for p in props.get("billingProducts") or ()),
        )

    def to_api(self) -> dict[str, Any]:
        return _drop_none(
            {
                "RootDeviceName": self.root_device_name,
                "Architecture": self.architecture,
                "BootMode": self.boot_mode,
                "VirtualizationType": self.virtualization_type,
                "EnaSupport": self.ena_support,
                "TpmSupport": self.tpm_support,
                "ImdsSupport": self.imds_support,
                "UefiData": self.uefi_data,
                "SriovNetSupport": self.sriov_net_support,
                "KernelId": self.kernel_id,
                "RamdiskId": self.ramdisk_id,
                "BillingProducts": list(self.billing_products) or None,
            }
        )


@dataclass(frozen=True)
class InstanceSource:
    """`CreateImage`: an image of a running or stopped EBS-backed instance."""

    instance_id: str
    no_reboot: bool | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> InstanceSource:
        return cls(instance_id=str(props["instanceId"]), no_reboot=_bool(props.get("noReboot")))


@dataclass(frozen=True)
class ImageSpec:
    """Everything the provider needs to create, update and delete one image."""

    image_name: str
    source: SnapshotSource | InstanceSource
    block_device_mappings: tuple[BlockDeviceMapping, ...] = ()
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    protection: Protection = Protection.ENABLED
    delete_snapshots_on_destroy: bool = True

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ImageSpec:
        source: SnapshotSource | InstanceSource
        if props.get("fromInstance") is not None:
            source = InstanceSource.from_props(props["fromInstance"])
        else:
            source = SnapshotSource.from_props(props["fromSnapshots"])
        delete_snapshots = props.get("deleteSnapshotsOnDestroy")
        return cls(
            image_name=str(props["imageName"]),
            source=source,
            block_device_mappings=tuple(
                BlockDeviceMapping.from_props(m) for m in props.get("blockDeviceMappings") or ()
            ),
            description=_str(props.get("description")),
            tags={str(k): str(v) for k, v in (props.get("tags") or {}).items()},
            region=_str(props.get("region")),
            protection=Protection(props.get("deregistrationProtection") or Protection.ENABLED),
            delete_snapshots_on_destroy=True
            if delete_snapshots is None
            else bool(delete_snapshots),
        )

    @property
    def from_instance(self) -> bool:
        return isinstance(self.source, InstanceSource)

    @property
    def ident(self) -> str:
        """How messages name the image before it has an id."""
        return self.image_name

    def mappings_api(self) -> list[dict[str, Any]]:
        return [m.to_api() for m in self.block_device_mappings]

    def declared_rates(self) -> dict[str, int]:
        """Declared `VolumeInitializationRate` per device, for when AWS doesn't echo it."""
        return {
            m.device_name: m.ebs.volume_initialization_rate
            for m in self.block_device_mappings
            if m.ebs is not None and m.ebs.volume_initialization_rate is not None
        }


def tag_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    """EC2's `[{"Key": …, "Value": …}]` form, in a stable order."""
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def tag_specifications(tags: Mapping[str, str], resource_types: Sequence[str]) -> list[Any]:
    if not tags:
        return []
    return [{"ResourceType": rt, "Tags": tag_list(tags)} for rt in resource_types]
