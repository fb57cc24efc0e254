"""The image model the 2025 AMI API needs and moto 5.2.5 lacks.

Why this exists: moto's ``Ami`` reports one invented 15 GiB mapping, is ``available`` at once,
and has no deregistration protection. :class:`EmulatedAmi` subclasses it (so moto's filters,
launch permissions and tags keep working) and stores what the AWS texts say an image has: every
block-device-mapping field, the boot/virtualisation fields, a clock-driven state, the
deregistration-protection state, the deprecation time and the launches ``LastLaunchedTime``
reports. The mapping validation follows seed 004 (``EbsBlockDevice``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.amis import Ami

from .clock import format_aws_time
from .errors import (
    EncryptedWithSnapshotError,
    InvalidBlockDeviceMappingError,
    InvalidParameterValueError,
    SnapshotNotFoundError,
)
from .state import ImageFailure, active_state

__all__ = [
    "BACKUP_VAULT_ALIAS",
    "COOLDOWN",
    "VOLUME_INITIALIZATION_RATE_RANGE",
    "EmulatedAmi",
    "Protection",
    "build_ebs",
    "build_mappings",
    "deprecation_of",
    "format_launch_time",
    "is_deprecated",
    "is_disabled",
    "last_launched_of",
    "mapping_snapshot_ids",
    "mark_deregistered",
    "protection_of",
    "record_launch",
    "set_deprecation",
    "set_disabled",
    "validate_image_name",
]

#: ``ImageOwnerAlias`` of AMIs managed by AWS Backup (seed 004, Image.ImageOwnerAlias).
BACKUP_VAULT_ALIAS = "aws-backup-vault"

#: ``EnableImageDeregistrationProtection(WithCooldown=True)``: "enforces deregistration protection
#: for 24 hours after deregistration protection is disabled" (EC2 API reference).
COOLDOWN = timedelta(hours=24)

#: (``PlatformDetails``, ``UsageOperation``) of Linux and of Windows AMIs: EC2 User Guide, "AMI
#: billing information fields", "Sample data: usage operation by platform" ("Linux/UNIX |
#: RunInstances", "Windows | RunInstances:0002"); the newest model lists the same values for
#: DescribeInstances' ``platform-details`` and ``usage-operation`` filters. The emulator has no
#: snapshot billing metadata that would make another platform (RegisterImage: it "derives the
#: correct billing information from the snapshot's metadata").
_LINUX_BILLING = ("Linux/UNIX", "RunInstances")
_WINDOWS_BILLING = ("Windows", "RunInstances:0002")

#: Seed 004, RegisterImage/CreateImage ``Name``: "3-128 alphanumeric characters, parentheses
#: (()), square brackets ([]), spaces ( ), periods (.), slashes (/), dashes (-), single quotes
#: ('), at-signs (@), or underscores(_)".
_NAME_RE = re.compile(r"^[A-Za-z0-9()\[\] ./\-'@_]{3,128}$")

#: Seed 004, EbsBlockDevice.VolumeInitializationRate: "Valid range: 100 - 300 MiB/s" (the newest
#: botocore model says the same; a test compares with it).
VOLUME_INITIALIZATION_RATE_RANGE = (100, 300)

#: Seed 004, EbsBlockDevice.Iops: "This parameter is required for io1 and io2 volumes. The
#: default for gp3 volumes is 3,000 IOPS."
_IOPS_REQUIRED = ("io1", "io2")
_GP3_DEFAULT_IOPS = 3000


def validate_image_name(name: str | None) -> str:
    """``InvalidAMIName.Malformed`` is the code EC2 uses for a bad AMI name."""
    if name is None or not _NAME_RE.match(name):
        raise EC2ClientError(
            "InvalidAMIName.Malformed",
            f"AMI names must be between 3 and 128 characters long, and may contain letters, "
            f"numbers, '(', ')', '.', '-', '/', '_', '[', ']', ' ', '@' and single quotes: "
            f"{name!r}",
        )
    return name


@dataclass
class Protection:
    """Deregistration protection of one image.

    ``DeregistrationProtection`` strings (the emulator's rendering, see the README of the seeds):
    ``disabled``, ``enabled-without-cooldown``, ``enabled-with-cooldown``, and during the cooldown
    that follows disabling a with-cooldown protection ``disabled after <time>``, where ``<time>``
    is the instant deregistration becomes possible, as ``YYYY-MM-DDTHH:MM:SS.000Z`` (UTC, the
    format EC2 uses for ``CreationDate``).

    A cooldown that has started is never shortened (the emulator's conservative reading; the
    texts don't say): re-enabling, even without cooldown, and disabling again still leaves the
    image undeletable until the first cooldown ends.
    """

    enabled: bool = False
    with_cooldown: bool = False
    cooldown_until: datetime | None = None

    def enable(self, with_cooldown: bool) -> str:
        self.enabled = True
        self.with_cooldown = with_cooldown
        return "enabled-with-cooldown" if with_cooldown else "enabled-without-cooldown"

    def disable(self, now: datetime) -> None:
        if self.enabled and self.with_cooldown:
            until = now + COOLDOWN
            if self.cooldown_until is None or self.cooldown_until < until:
                self.cooldown_until = until
        self.enabled = False
        self.with_cooldown = False

    def in_cooldown(self, now: datetime) -> bool:
        return self.cooldown_until is not None and now < self.cooldown_until

    def blocks_deregistration(self, now: datetime) -> bool:
        return self.enabled or self.in_cooldown(now)

    def status(self, now: datetime) -> str:
        if self.enabled:
            return "enabled-with-cooldown" if self.with_cooldown else "enabled-without-cooldown"
        if self.cooldown_until is not None and self.in_cooldown(now):
            return f"disabled after {format_aws_time(self.cooldown_until)}"
        return "disabled"


def protection_of(image: Any) -> Protection:
    """The protection of any moto image (moto's own ``Ami`` objects get one on first use)."""
    protection = getattr(image, "protection", None)
    if not isinstance(protection, Protection):
        protection = Protection()
        image.protection = protection
    return protection


def is_disabled(image: Any) -> bool:
    """Whether DisableImage left the image ``disabled`` (moto's own ``Ami`` objects included)."""
    return bool(image.state == "disabled")


def set_disabled(image: Any, disabled: bool) -> None:
    """DisableImage / EnableImage on any moto image.

    An :class:`EmulatedAmi` keeps its clock-driven state underneath, so re-enabling a disabled
    image gives back what it would be now (EnableImage: "The re-enabled AMI is marked as
    available"; an image that never became available doesn't become so by re-enabling). moto's
    own ``Ami`` objects only have an assigned state.
    """
    if isinstance(image, EmulatedAmi):
        image.disabled = disabled
    else:
        image.state = "disabled" if disabled else "available"


def deprecation_of(image: Any) -> datetime | None:
    """When EnableImageDeprecation deprecates (or deprecated) the image, if it was asked to."""
    moment: datetime | None = getattr(image, "deprecate_at", None)
    return moment


def set_deprecation(image: Any, moment: datetime | None) -> None:
    """EnableImageDeprecation (a moment) / DisableImageDeprecation (``None``) on any moto image.
    moto's own ``Ami`` objects get the ``DeprecationTime`` string the serializer reads."""
    image.deprecate_at = moment
    if not isinstance(image, EmulatedAmi):
        image.deprecation_time = None if moment is None else format_aws_time(moment)


def is_deprecated(image: Any, now: datetime) -> bool:
    """User Guide, "Deprecate an AMI": "A deprecated AMI is an AMI whose deprecation date is in
    the past. If you have set the deprecation date to a date in the future, the AMI is not yet
    deprecated." From the deprecation instant on (the EMULATOR'S CHOICE for the instant itself)."""
    moment = deprecation_of(image)
    return moment is not None and moment <= now


def format_launch_time(moment: datetime) -> str:
    """``LastLaunchedTime`` as seed 003's example prints it: ``2022-02-10T02:03:18Z`` (the
    newest model: "in ISO 8601 date-time format")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_launch(image: Any, now: datetime) -> None:
    """RunInstances used the image (moto's own ``Ami`` objects included)."""
    launches: list[datetime] = image.__dict__.setdefault("launches", [])
    launches.append(now)


def last_launched_of(image: Any, now: datetime) -> str | None:
    """``LastLaunchedTime``: the latest launch already reported, "a 24-hour delay" after it (the
    ``last_launched_delay_seconds`` setting); ``None`` before the first one is."""
    delay = timedelta(seconds=active_state().settings.last_launched_delay_seconds)
    reported = [moment for moment in image.__dict__.get("launches", []) if moment + delay <= now]
    return format_launch_time(max(reported)) if reported else None


def mark_deregistered(image: Any, now: datetime) -> None:
    """DeregisterImage on any moto image: from now on its ``State`` is ``deregistered`` (an
    ``ImageState`` of the newest model), for as long as DescribeImages still shows it."""
    image.deregistered_at = now
    if not isinstance(image, EmulatedAmi):
        image.state = "deregistered"


def mapping_snapshot_ids(image: Any) -> list[str]:
    """Snapshot IDs in an image's mappings, in mapping order, without duplicates."""
    mappings = (
        image.stored_mappings if isinstance(image, EmulatedAmi) else image.block_device_mappings
    )
    ids: list[str] = []
    for mapping in mappings:
        ebs = mapping.get("Ebs") or {}
        snapshot_id = ebs.get("SnapshotId") if isinstance(ebs, Mapping) else None
        if snapshot_id and snapshot_id not in ids:
            ids.append(str(snapshot_id))
    return ids


def build_ebs(
    backend: Any, device_name: str, ebs: Mapping[str, Any], *, operation: str
) -> dict[str, Any]:
    """Validate one requested ``Ebs`` structure and return what the image stores.

    Rules (seed 004, EbsBlockDevice; limits that changed between the 2025 texts and the newest
    model, such as gp3 IOPS/size/throughput ceilings, are deliberately not enforced):
    * ``Encrypted`` with a ``SnapshotId`` fails the request; ``Encrypted`` is reported from the
      snapshot (new empty volumes: as requested, default false).
    * ``VolumeSize`` defaults to the snapshot's size and can't be smaller; without a snapshot
      it is required ("You must specify either a snapshot ID or a volume size").
    * ``Iops`` is required for io1/io2; gp3 defaults to 3,000. ``Throughput`` only for gp3.
    * ``VolumeInitializationRate``: 100-300, only for volumes created from snapshots, "not
      supported when using CreateImage".
    """
    snapshot_id = ebs.get("SnapshotId")
    rate = ebs.get("VolumeInitializationRate")
    if operation == "CreateImage":
        # Seed 004 / newest model: both are "not supported when using CreateImage".
        # InvalidParameterValue is the emulator's choice of code.
        for unsupported in ("VolumeInitializationRate", "OutpostArn"):
            if unsupported in ebs:
                raise InvalidParameterValueError(
                    f"{unsupported} is not supported when using CreateImage (device {device_name})."
                )
    if snapshot_id:
        if "Encrypted" in ebs:
            raise EncryptedWithSnapshotError(device_name)
        snapshot = backend.snapshots.get(snapshot_id)
        if snapshot is None:
            raise SnapshotNotFoundError(snapshot_id)
        snapshot_size = int(snapshot.volume_size)
        size = int(ebs.get("VolumeSize", snapshot_size))
        if size < snapshot_size:
            raise InvalidBlockDeviceMappingError(
                f"Volume of size {size} GiB is smaller than snapshot '{snapshot_id}', expect "
                f"size >= {snapshot_size} GiB (device {device_name})."
            )
        encrypted = bool(snapshot.encrypted)
    else:
        if "VolumeSize" not in ebs:
            raise InvalidBlockDeviceMappingError(
                f"You must specify either a snapshot ID or a volume size (device {device_name})."
            )
        size = int(ebs["VolumeSize"])
        encrypted = bool(ebs.get("Encrypted", False))
    if rate is not None:
        low, high = VOLUME_INITIALIZATION_RATE_RANGE
        # InvalidParameterValue is the emulator's choice of code for both cases.
        if not snapshot_id:
            raise InvalidParameterValueError(
                f"VolumeInitializationRate is supported only for volumes created from "
                f"snapshots (device {device_name})."
            )
        if not low <= int(rate) <= high:
            raise InvalidParameterValueError(
                f"VolumeInitializationRate must be between {low} and {high} MiB/s, not {rate} "
                f"(device {device_name})."
            )
    # The texts give no default volume type for an AMI mapping; "standard" is moto's default
    # and what EC2 historically reports for mappings registered without one.
    volume_type = str(ebs.get("VolumeType", "standard"))
    iops = ebs.get("Iops")
    if volume_type in _IOPS_REQUIRED and iops is None:
        raise InvalidBlockDeviceMappingError(
            f"Iops is required for {volume_type} volumes (device {device_name})."
        )
    if volume_type == "gp3" and iops is None:
        iops = _GP3_DEFAULT_IOPS
    if "Throughput" in ebs and volume_type != "gp3":
        raise InvalidBlockDeviceMappingError(
            f"Throughput is valid only for gp3 volumes, not {volume_type} (device {device_name})."
        )

    stored: dict[str, Any] = {}
    # Not stated in the texts: EC2's default for an EBS mapping's DeleteOnTermination is true.
    stored["DeleteOnTermination"] = bool(ebs.get("DeleteOnTermination", True))
    if iops is not None:
        stored["Iops"] = int(iops)
    if snapshot_id:
        stored["SnapshotId"] = str(snapshot_id)
    stored["VolumeSize"] = size
    stored["VolumeType"] = volume_type
    # Seed 004 restricts KmsKeyId to RunInstances/RequestSpot*; the emulator stores what it is
    # given rather than guessing how EC2 treats it in RegisterImage.
    for key in ("KmsKeyId", "OutpostArn"):
        if key in ebs:
            stored[key] = str(ebs[key])
    if "Throughput" in ebs:
        stored["Throughput"] = int(ebs["Throughput"])
    stored["Encrypted"] = encrypted
    if rate is not None:
        stored["VolumeInitializationRate"] = int(rate)
    return stored


def build_mappings(
    backend: Any, requested: Iterable[Mapping[str, Any]], *, operation: str
) -> list[dict[str, Any]]:
    """Validate requested mappings (RegisterImage, or new devices in CreateImage)."""
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for mapping in requested:
        device_name = mapping.get("DeviceName")
        if not device_name:
            raise InvalidBlockDeviceMappingError("Every block device mapping needs a DeviceName.")
        if device_name in seen:
            raise InvalidBlockDeviceMappingError(
                f"The device name {device_name} is used more than once."
            )
        seen.add(device_name)
        if "NoDevice" in mapping:
            # "When this property is specified, the device is removed from the block device
            # mapping regardless of the assigned value." EC2 reports it as an empty string.
            result.append({"DeviceName": device_name, "NoDevice": ""})
            continue
        stored: dict[str, Any] = {"DeviceName": device_name}
        if "VirtualName" in mapping:
            stored["VirtualName"] = str(mapping["VirtualName"])
        if "Ebs" in mapping:
            stored["Ebs"] = build_ebs(backend, device_name, mapping["Ebs"], operation=operation)
        if len(stored) == 1:
            raise InvalidBlockDeviceMappingError(
                f"The mapping for {device_name} needs Ebs, VirtualName or NoDevice."
            )
        result.append(stored)
    return result


class EmulatedAmi(Ami):
    """An AMI as the 2025 API describes it.

    Deliberately does not call ``Ami.__init__``: that one invents a 15 GiB volume and snapshot
    for every image. Every attribute moto's other code reads from an ``Ami`` is set here.
    The serializer picks ``DescribeImages`` fields from the snake_case attributes.
    """

    def __init__(
        self,
        ec2_backend: Any,
        ami_id: str,
        *,
        name: str,
        created_at: datetime,
        ready_at: datetime,
        mappings: list[dict[str, Any]],
        description: str | None = None,
        owner_id: str | None = None,
        owner_alias: str | None = None,
        image_location: str | None = None,
        architecture: str | None = None,
        virtualization_type: str | None = None,
        root_device_name: str | None = None,
        boot_mode: str | None = None,
        ena_support: bool | None = None,
        tpm_support: str | None = None,
        imds_support: str | None = None,
        uefi_data: str | None = None,
        sriov_net_support: str | None = None,
        kernel_id: str | None = None,
        ramdisk_id: str | None = None,
        platform: str | None = None,
        billing_products: Iterable[str] = (),
        source_instance_id: str | None = None,
        source_image_id: str | None = None,
        source_image_region: str | None = None,
        failure: ImageFailure | None = None,
        launch_permissions: Iterable[dict[str, str]] = (),
    ) -> None:
        self.ec2_backend = ec2_backend
        self.id = ami_id
        self.name = name
        self.description = description
        self.image_type = "machine"
        self.owner_id = owner_id or ec2_backend.account_id
        # An EBS-backed AMI's location is "<owner>/<name>": the DescribeImages examples of the
        # newest model ("ImageLocation": "123456789012/My server") and of the AWS CLI. The
        # RegisterImage parameter is "The full path to your AMI manifest in Amazon S3 storage".
        self.image_location = image_location or f"{self.owner_id}/{name}"
        self.owner_alias = owner_alias
        self.architecture = architecture
        self.virtualization_type = virtualization_type
        # moto types these as ``str``; EC2 leaves them out when they were never set.
        self.root_device_name = root_device_name  # type: ignore[assignment]
        self.hypervisor = "xen"
        self.boot_mode = boot_mode  # type: ignore[assignment]
        self.ena_support = ena_support
        self.tpm_support = tpm_support
        self.imds_support = imds_support
        self.uefi_data = uefi_data
        self.sriov_net_support = sriov_net_support
        self.sriov = sriov_net_support  # type: ignore[assignment]  # moto's name for it
        self.kernel_id = kernel_id
        self.ramdisk_id = ramdisk_id
        self.platform = platform
        self.billing_products = list(billing_products)
        self.product_codes: set[str] = set()
        self.instance_id = source_instance_id
        self.source_image_id = source_image_id
        self.source_image_region = source_image_region
        self.creation_date = created_at
        self.ready_at = ready_at
        self.failure = failure
        self.stored_mappings = mappings
        has_ebs = any("Ebs" in mapping for mapping in mappings)
        self.root_device_type = "ebs" if has_ebs else "instance-store"
        self.launch_permissions: list[dict[str, str]] = list(launch_permissions)
        self.protection = Protection()
        #: Set by DisableImage, cleared by EnableImage (see :func:`set_disabled`).
        self.disabled = False
        #: Set by DeregisterImage (see :func:`mark_deregistered`).
        self.deregistered_at: datetime | None = None
        #: Set by EnableImageDeprecation (see :func:`set_deprecation`).
        self.deprecate_at: datetime | None = None
        #: Every RunInstances with this image (see :func:`record_launch`).
        self.launches: list[datetime] = []
        self._state_override: str | None = None

    # -- fields computed at describe time -----------------------------------------------------
    @property
    def state(self) -> str:
        if self.deregistered_at is not None:
            return "deregistered"
        if self.disabled:
            return "disabled"
        if self._state_override is not None:
            return self._state_override
        if active_state().clock.now() < self.ready_at:
            return "pending"
        return "failed" if self.failure is not None else "available"

    @state.setter
    def state(self, value: str) -> None:
        # moto code that assigns a state directly; DisableImage/EnableImage go through
        # set_disabled instead, so that re-enabling restores the clock-driven state.
        self._state_override = value

    @property
    def state_reason(self) -> dict[str, str] | None:
        if self.failure is not None and self.state == "failed":
            return {"Code": self.failure.code, "Message": self.failure.message}
        return None

    @property
    def image_owner_alias(self) -> str | None:
        return self.owner_alias

    @property
    def _billing(self) -> tuple[str, str]:
        # DescribeImages' platform filter: "The only supported value is windows".
        return _WINDOWS_BILLING if str(self.platform).lower() == "windows" else _LINUX_BILLING

    @property
    def platform_details(self) -> str:
        return self._billing[0]

    @property
    def usage_operation(self) -> str:
        return self._billing[1]

    @property
    def deregistration_protection(self) -> str:
        return self.protection.status(active_state().clock.now())

    @property
    def deprecation_time(self) -> str | None:
        """DescribeImages' ``DeprecationTime``, left out when none is set (User Guide: "If the AMI
        is not set to be deprecated, the DeprecationTime field does not appear"). The model
        documents "YYYY-MM-DDTHH:MM:SSZ"; EC2's answers print it as ``CreationDate`` is printed,
        with milliseconds (the User Guide's example ``2021-05-10T13:17:12.000Z``)."""
        return None if self.deprecate_at is None else format_aws_time(self.deprecate_at)

    @property
    def last_launched_time(self) -> str | None:
        return last_launched_of(self, active_state().clock.now())

    @property
    def block_device_mappings(self) -> list[dict[str, Any]]:
        """What DescribeImages reports: the stored mappings, with ``VolumeInitializationRate``
        only when the emulator's echo switch is on (see ``EmulatorSettings``)."""
        echo = active_state().settings.echo_volume_initialization_rate
        reported: list[dict[str, Any]] = []
        for mapping in self.stored_mappings:
            entry = copy.deepcopy(mapping)
            if not echo and "Ebs" in entry:
                entry["Ebs"].pop("VolumeInitializationRate", None)
            reported.append(entry)
        return reported

    def details(self) -> dict[str, Any]:
        """Everything the emulator stores for this image, including fields EC2 never reports
        back (``BillingProducts``) and the unfiltered mappings. For tests and the control API."""
        now = active_state().clock.now()
        return {
            "ImageId": self.id,
            "Name": self.name,
            "Description": self.description,
            "OwnerId": self.owner_id,
            "ImageOwnerAlias": self.owner_alias,
            "ImageLocation": self.image_location,
            "PlatformDetails": self.platform_details,
            "UsageOperation": self.usage_operation,
            "State": self.state,
            "StateReason": self.state_reason,
            "CreationDate": format_aws_time(self.creation_date),
            "ReadyAt": format_aws_time(self.ready_at),
            "Architecture": self.architecture,
            "VirtualizationType": self.virtualization_type,
            "RootDeviceName": self.root_device_name,
            "RootDeviceType": self.root_device_type,
            "BootMode": self.boot_mode,
            "EnaSupport": self.ena_support,
            "TpmSupport": self.tpm_support,
            "ImdsSupport": self.imds_support,
            "UefiData": self.uefi_data,
            "SriovNetSupport": self.sriov_net_support,
            "KernelId": self.kernel_id,
            "RamdiskId": self.ramdisk_id,
            "BillingProducts": list(self.billing_products),
            "SourceInstanceId": self.instance_id,
            "SourceImageId": self.source_image_id,
            "SourceImageRegion": self.source_image_region,
            "BlockDeviceMappings": copy.deepcopy(self.stored_mappings),
            "DeregistrationProtection": self.protection.status(now),
            "DeprecationTime": self.deprecation_time,
            "Launches": [format_launch_time(moment) for moment in self.launches],
            "LastLaunchedTime": self.last_launched_time,
        }
