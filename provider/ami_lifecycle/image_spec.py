"""Typed, plain values for one image, parsed from the camelCase property bag.

Property bags arrive from Pulumi with numbers as floats (gRPC `Struct`), optional fields either
missing or `None`, and secrets already unwrapped. `ImageSpec.from_props` turns a bag that
`validation` accepted into frozen dataclasses; everything after that point works on these, and
`to_api` renders the exact EC2 request fields. A value of another type than the one expected
raises `TypeError` naming the property: it is never converted into something the user didn't
write (`str(["a"])`, a billing product per character, `bool("false")`).
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
    "recorded_rates",
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


def _str(props: Mapping[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{key} must be a string, not {type(value).__name__}")


def _required_str(props: Mapping[str, Any], key: str) -> str:
    value = _str(props, key)
    if value is None:
        raise TypeError(f"{key} is required")
    return value


def _bool(props: Mapping[str, Any], key: str) -> bool | None:
    value = props.get(key)
    if value is None or isinstance(value, bool):
        return value
    # Validation refuses strings, but state written before it did may hold config's "false":
    # read what it says, never its truthiness.
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError(f"{key} must be true or false, not {value!r}")


def _int(props: Mapping[str, Any], key: str) -> int | None:
    try:
        return as_int(props.get(key))
    except TypeError as error:
        raise TypeError(f"{key}: {error}") from None


def _object(props: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = props.get(key)
    if value is None or isinstance(value, Mapping):
        return value
    raise TypeError(f"{key} must be an object, not {type(value).__name__}")


def _list(props: Mapping[str, Any], key: str) -> list[Any]:
    value = props.get(key)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"{key} must be a list, not {type(value).__name__}")


def _strings(props: Mapping[str, Any], key: str) -> tuple[str, ...]:
    values = _list(props, key)
    if not all(isinstance(v, str) for v in values):
        raise TypeError(f"{key} must be a list of strings")
    return tuple(values)


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    tags = _object(props, "tags") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise TypeError("tags must map strings to strings")
    return dict(tags)


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
            snapshot_id=_str(props, "snapshotId"),
            volume_id=_str(props, "volumeId"),
            volume_size=_int(props, "volumeSize"),
            volume_type=_str(props, "volumeType"),
            iops=_int(props, "iops"),
            throughput=_int(props, "throughput"),
            delete_on_termination=_bool(props, "deleteOnTermination"),
            encrypted=_bool(props, "encrypted"),
            kms_key_id=_str(props, "kmsKeyId"),
            outpost_arn=_str(props, "outpostArn"),
            volume_initialization_rate=_int(props, "volumeInitializationRate"),
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
        ebs = _object(props, "ebs")
        return cls(
            device_name=_required_str(props, "deviceName"),
            ebs=Ebs.from_props(ebs) if ebs is not None else None,
            no_device=_bool(props, "noDevice") or False,
            virtual_name=_str(props, "virtualName"),
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
            root_device_name=_required_str(props, "rootDeviceName"),
            architecture=_str(props, "architecture"),
            boot_mode=_str(props, "bootMode"),
            virtualization_type=_str(props, "virtualizationType") or "hvm",
            ena_support=_bool(props, "enaSupport"),
            tpm_support=_str(props, "tpmSupport"),
            imds_support=_str(props, "imdsSupport"),
            uefi_data=_str(props, "uefiData"),
            sriov_net_support=_str(props, "sriovNetSupport"),
            kernel_id=_str(props, "kernelId"),
            ramdisk_id=_str(props, "ramdiskId"),
            billing_products=_strings(props, "billingProducts"),
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
        return cls(
            instance_id=_required_str(props, "instanceId"), no_reboot=_bool(props, "noReboot")
        )


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
        instance = _object(props, "fromInstance")
        if instance is not None:
            source = InstanceSource.from_props(instance)
        else:
            snapshots = _object(props, "fromSnapshots")
            if snapshots is None:
                raise TypeError("fromSnapshots or fromInstance is required")
            source = SnapshotSource.from_props(snapshots)
        mappings = []
        for mapping in _list(props, "blockDeviceMappings"):
            if not isinstance(mapping, Mapping):
                raise TypeError("blockDeviceMappings must be a list of objects")
            mappings.append(BlockDeviceMapping.from_props(mapping))
        delete_snapshots = _bool(props, "deleteSnapshotsOnDestroy")
        return cls(
            image_name=_required_str(props, "imageName"),
            source=source,
            block_device_mappings=tuple(mappings),
            description=_str(props, "description"),
            tags=_tags(props),
            region=_str(props, "region"),
            protection=Protection(_str(props, "deregistrationProtection") or Protection.ENABLED),
            delete_snapshots_on_destroy=True if delete_snapshots is None else delete_snapshots,
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


def recorded_rates(props: Mapping[str, Any]) -> dict[str, int]:
    """The declared `VolumeInitializationRate` per device, read leniently from recorded state:
    a refresh must work on state written before inputs were type-checked, where
    `ImageSpec.from_props` would refuse some other field."""
    rates: dict[str, int] = {}
    mappings = props.get("blockDeviceMappings")
    for mapping in mappings if isinstance(mappings, list) else []:
        ebs = mapping.get("ebs") if isinstance(mapping, Mapping) else None
        device = mapping.get("deviceName") if isinstance(mapping, Mapping) else None
        rate = ebs.get("volumeInitializationRate") if isinstance(ebs, Mapping) else None
        if isinstance(device, str) and isinstance(rate, int | float) and not isinstance(rate, bool):
            rates[device] = int(rate)
    return rates


def tag_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    """EC2's `[{"Key": …, "Value": …}]` form, in a stable order."""
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def tag_specifications(tags: Mapping[str, str], resource_types: Sequence[str]) -> list[Any]:
    if not tags:
        return []
    return [{"ResourceType": rt, "Tags": tag_list(tags)} for rt in resource_types]
