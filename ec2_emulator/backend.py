"""Backend behaviour of the extension: the functions ``install()`` binds onto moto's EC2Backend.

Why this exists: moto 5.2.5's ``AmiBackend`` drops RegisterImage's mappings, invents snapshots,
ignores ``DeleteAssociatedSnapshots``, knows no deregistration protection, deprecation, Recycle
Bin or ``LastLaunchedTime``, forgets a deregistered AMI at once, lets anyone change an image's
launch permissions, and its DisableImage neither hides the AMI from DescribeImages nor stops
launches or sharing; its volumes and snapshots are stamped with the real time, not the
emulator's clock.

Each function here replaces or adds one ``EC2Backend`` method (``self`` is a moto
``EC2Backend``); the originals stay reachable through :data:`ORIGINALS`. They follow seeds
000-004 and the newest botocore model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Literal

from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidAMIIdError,
    InvalidSnapshotInUse,
    InvalidTaggableResourceType,
    MalformedAMIIdError,
    UnvailableAMIIdError,
)
from moto.ec2.utils import random_ami_id

from . import recycle_bin
from .errors import (
    BackupManagedImageError,
    ImageDisabledError,
    ImageNotOwnedError,
    ImageProtectedError,
    IncorrectInstanceStateError,
    InvalidBlockDeviceMappingError,
    InvalidParameterValueError,
    SnapshotNotFoundError,
)
from .images import (
    BACKUP_VAULT_ALIAS,
    EmulatedAmi,
    build_mappings,
    is_deprecated,
    is_disabled,
    mapping_snapshot_ids,
    mark_deregistered,
    protection_of,
    record_launch,
    set_deprecation,
    set_disabled,
    validate_image_name,
)
from .sharing import check_launch_permissions
from .state import active_state

__all__ = [
    "ORIGINALS",
    "check_unique_name",
    "copy_snapshot",
    "create_image",
    "create_snapshot",
    "create_volume",
    "delete_snapshot",
    "deregister_image",
    "describe_images",
    "describe_snapshots",
    "disable_image",
    "disable_image_deprecation",
    "disable_image_deregistration_protection",
    "enable_image",
    "enable_image_deprecation",
    "enable_image_deregistration_protection",
    "get_image",
    "get_owned_image",
    "get_snapshot",
    "modify_image_attribute",
    "modify_image_fields",
    "register_image",
    "restore_image_from_recycle_bin",
    "run_instances",
    "tags_by_type",
    "timing",
]

#: moto's original methods, filled by ``install()`` before it replaces them.
ORIGINALS: dict[str, Any] = {}


def tags_by_type(
    tag_specifications: Sequence[Mapping[str, Any]], allowed: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Seed 004: RegisterImage tags only ``image``; CreateImage ``image`` and ``snapshot``.
    "If you specify other values for ResourceType, the request fails." (moto's error class.)"""
    tags: dict[str, dict[str, str]] = {kind: {} for kind in allowed}
    for spec in tag_specifications:
        resource_type = str(spec.get("ResourceType", ""))
        if resource_type not in allowed:
            raise InvalidTaggableResourceType(resource_type)
        for tag in spec.get("Tags", []):
            tags[resource_type][str(tag["Key"])] = str(tag.get("Value", ""))
    return tags


def check_unique_name(self: Any, name: str) -> None:
    for image in list(self.amis.values()):
        if image.name == name and image.owner_id == self.account_id:
            # EC2's code for this case; AMI names are unique per account and Region.
            raise EC2ClientError(
                "InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image.id}"
            )


def timing() -> tuple[datetime, datetime]:
    state = active_state()
    created_at = state.clock.now()
    ready_at = created_at + timedelta(seconds=state.settings.pending_seconds)
    return created_at, ready_at


def register_image(
    self: Any,
    name: str | None = None,
    description: str | None = None,
    *,
    block_device_mappings: Sequence[Mapping[str, Any]] = (),
    tag_specifications: Sequence[Mapping[str, Any]] = (),
    architecture: str | None = None,
    virtualization_type: str | None = None,
    root_device_name: str | None = None,
    image_location: str | None = None,
    boot_mode: str | None = None,
    ena_support: bool | None = None,
    tpm_support: str | None = None,
    imds_support: str | None = None,
    uefi_data: str | None = None,
    sriov_net_support: str | None = None,
    kernel_id: str | None = None,
    ramdisk_id: str | None = None,
    billing_products: Sequence[str] = (),
) -> EmulatedAmi:
    """RegisterImage (seed 004): stores every mapping field and image field given.

    Defaults from the text: ``Architecture`` i386 for EBS-backed AMIs, ``VirtualizationType``
    paravirtual. Validation happens before anything is created, so a failed request leaves no
    image behind.
    """
    name = validate_image_name(name)
    tags = tags_by_type(tag_specifications, ("image",))
    mappings = build_mappings(self, block_device_mappings, operation="RegisterImage")
    check_unique_name(self, name)
    created_at, ready_at = timing()
    image = EmulatedAmi(
        self,
        random_ami_id(),
        name=name,
        description=description,
        created_at=created_at,
        ready_at=ready_at,
        mappings=mappings,
        image_location=image_location,
        architecture=architecture or "i386",
        virtualization_type=virtualization_type or "paravirtual",
        root_device_name=root_device_name,
        boot_mode=boot_mode,
        ena_support=ena_support,
        tpm_support=tpm_support,
        imds_support=imds_support,
        uefi_data=uefi_data,
        sriov_net_support=sriov_net_support,
        kernel_id=kernel_id,
        ramdisk_id=ramdisk_id,
        billing_products=billing_products,
        failure=active_state().take_image_failure(),
    )
    self.amis[image.id] = image
    image.add_tags(tags["image"])
    return image


def _check_existing_device_override(device_name: str, volume: Any, ebs: Mapping[str, Any]) -> None:
    """Seed 004, CreateImage BlockDeviceMappings: "The only option that can be changed for
    existing mappings or snapshots is DeleteOnTermination"; VolumeSize and encryption can't be
    changed. Restating the current value is accepted."""
    unsupported = sorted({"VolumeInitializationRate", "OutpostArn"} & set(ebs))
    if unsupported:
        # Same rule and code as for new devices (see images.build_ebs).
        raise InvalidParameterValueError(
            f"{unsupported[0]} is not supported when using CreateImage (device {device_name})."
        )
    current = {
        "VolumeSize": volume.size,
        "VolumeType": volume.volume_type,
        "Encrypted": bool(volume.encrypted),
        "Iops": volume.iops,
        "Throughput": volume.throughput,
        "KmsKeyId": volume.kms_key_id,
        "SnapshotId": None,
    }
    for key, value in ebs.items():
        if key == "DeleteOnTermination":
            continue
        if key in current and current[key] == value:
            continue
        if key == "VolumeSize":
            reason = "You can't change the volume size using the VolumeSize parameter"
        elif key == "Encrypted":
            reason = "You can't modify the encryption status of existing volumes (use CopyImage)"
        else:
            reason = (
                "The only option that can be changed for existing mappings is DeleteOnTermination"
            )
        raise InvalidBlockDeviceMappingError(f"{reason} (device {device_name}, {key}).")


def create_image(
    self: Any,
    instance_id: str,
    name: str,
    description: str | None,
    tag_specifications: Sequence[Mapping[str, Any]] = (),
    *,
    block_device_mappings: Sequence[Mapping[str, Any]] = (),
    no_reboot: bool = False,
) -> EmulatedAmi:
    """CreateImage (seeds 002, 004): snapshots the instance's attached moto volumes.

    Each snapshot is described ``Created by CreateImage(<instance>) for <ami>`` and tagged with
    the ``snapshot`` tag specification; the image mappings come from the instance's devices,
    with ``BlockDeviceMappings`` overrides (``DeleteOnTermination`` changed, ``NoDevice``
    removes a device, other devices added). ``NoReboot`` has no observable effect here.
    """
    del no_reboot
    instance = self.get_instance(instance_id)
    if instance.state not in ("running", "stopped"):
        raise IncorrectInstanceStateError(instance_id, instance.state)
    name = validate_image_name(name)
    tags = tags_by_type(tag_specifications, ("image", "snapshot"))
    overrides: dict[str, Mapping[str, Any]] = {}
    for mapping in block_device_mappings:
        device_name = mapping.get("DeviceName")
        if not device_name:
            raise InvalidBlockDeviceMappingError("Every block device mapping needs a DeviceName.")
        overrides[str(device_name)] = mapping
    check_unique_name(self, name)

    devices = list(instance.get_block_device_mapping)
    device_names = {device for device, _ in devices}
    # Validate everything before the first snapshot is taken.
    plan: list[tuple[str, Any, bool]] = []
    for device_name, block in devices:
        override = overrides.get(device_name)
        if override is not None and "NoDevice" in override:
            continue
        volume = self.get_volume(block.volume_id)
        delete_on_termination = bool(block.delete_on_termination)
        if override is not None and "Ebs" in override:
            _check_existing_device_override(device_name, volume, override["Ebs"])
            delete_on_termination = bool(
                override["Ebs"].get("DeleteOnTermination", delete_on_termination)
            )
        plan.append((device_name, volume, delete_on_termination))
    extra = [
        mapping
        for device_name, mapping in overrides.items()
        if device_name not in device_names and "NoDevice" not in mapping
    ]
    extra_mappings = build_mappings(self, extra, operation="CreateImage")

    ami_id = random_ami_id()
    mappings: list[dict[str, Any]] = []
    for device_name, volume, delete_on_termination in plan:
        snapshot = self.create_snapshot(
            volume.id, f"Created by CreateImage({instance_id}) for {ami_id}", from_ami=ami_id
        )
        snapshot.add_tags(tags["snapshot"])
        ebs: dict[str, Any] = {"DeleteOnTermination": delete_on_termination}
        if volume.iops:
            ebs["Iops"] = int(volume.iops)
        ebs["SnapshotId"] = snapshot.id
        ebs["VolumeSize"] = int(volume.size)
        ebs["VolumeType"] = str(volume.volume_type)
        if volume.throughput:
            ebs["Throughput"] = int(volume.throughput)
        ebs["Encrypted"] = bool(volume.encrypted)
        mappings.append({"DeviceName": device_name, "Ebs": ebs})
    mappings.extend(extra_mappings)

    created_at, ready_at = timing()
    kernel_id = instance.kernel_id if instance.kernel_id not in (None, "None") else None
    image = EmulatedAmi(
        self,
        ami_id,
        name=name,
        description=description,
        created_at=created_at,
        ready_at=ready_at,
        mappings=mappings,
        architecture=instance.architecture,
        virtualization_type=instance.virtualization_type,
        root_device_name=instance.root_device_name,
        kernel_id=kernel_id,
        platform=instance.platform,
        source_instance_id=instance.id,
        source_image_id=instance.image_id,
        source_image_region=self.region_name,
        failure=active_state().take_image_failure(),
    )
    self.amis[ami_id] = image
    image.add_tags(tags["image"])
    return image


DeregisteredPhase = Literal["visible", "empty", "not-found"]


def _deregistered_images(self: Any) -> dict[str, Any]:
    """This backend's deregistered images by ID (they leave with the backend on a moto reset)."""
    images: dict[str, Any] = self.__dict__.setdefault("emulator_deregistered_images", {})
    return images


def _deregistered_phase(self: Any, image: Any, now: datetime) -> DeregisteredPhase:
    """Where a deregistered image is in DescribeImages' phases (``EmulatorSettings``): "appear
    in the returned results for a short interval and then return empty results. After all
    instances that reference a deregistered AMI are terminated, specifying the ID of the image
    will eventually return an error"."""
    settings = active_state().settings
    elapsed = (now - image.deregistered_at).total_seconds()
    if elapsed < settings.deregistered_visible_seconds:
        return "visible"
    if elapsed < settings.deregistered_visible_seconds + settings.deregistered_empty_seconds:
        return "empty"
    launched = any(
        instance.image_id == image.id and instance.state != "terminated"
        for instance in self.all_instances()
    )
    return "empty" if launched else "not-found"


def _scoped(
    self: Any,
    images: Sequence[Any],
    filters: Any,
    exec_users: Sequence[str] | None,
    owners: Sequence[str] | None,
) -> list[Any]:
    """moto's own scoping by launch permission, owner and filters, run over ``images`` (moto's
    ``describe_images`` reads nothing of the backend but these three attributes)."""
    view = SimpleNamespace(
        amis={image.id: image for image in images}, deleted_amis=[], account_id=self.account_id
    )
    scoped: list[Any] = ORIGINALS["describe_images"](
        view, filters=filters, exec_users=exec_users, owners=owners
    )
    return scoped


def describe_images(
    self: Any,
    ami_ids: Sequence[str] | None = None,
    filters: Any = None,
    exec_users: Sequence[str] | None = None,
    owners: Sequence[str] | None = None,
    *,
    include_disabled: bool = True,
    include_deprecated: bool = True,
    include_deregistered: bool = False,
) -> list[Any]:
    """DescribeImages with every criterion applied together, deregistered AMIs' phases, and
    disabled and deprecated AMIs left out.

    ``ImageIds`` ("Default: Describes all images available to you"), ``Owners`` ("Scopes the
    results to images with the specified owners"), ``ExecutableUsers`` and ``Filters`` ("joined
    with an AND") narrow the same result; moto 5.2.5 ignores the others once ``ImageIds`` is
    given. An ID that matches no image, or a deregistered one in its last phase, fails the
    request with ``InvalidAMIID.NotFound``; one left out by the other criteria does not.

    Deregistered AMIs (the API handler passes ``include_deregistered``; moto's own callers, such
    as RunInstances, CreateTags and ModifyImageAttribute, only see registered images and get
    ``InvalidAMIID.NotFound`` for the others) go through the phases of ``EmulatorSettings``.

    Disabled AMIs (newest botocore model): DisableImage "A disabled AMI does not appear in
    DescribeImages API calls by default", ``IncludeDisabled`` "Default: No disabled AMIs are
    included in the response". moto's own callers keep seeing every image. DisableImage makes
    the AMI private, so even with ``IncludeDisabled`` only its owner sees it. An ``ImageIds``
    request whose only match is left out because it is disabled answers an empty list, not
    ``InvalidAMIID.NotFound``: the AMI exists (the EMULATOR'S CHOICE; the texts only say it
    "does not appear").

    Deprecated AMIs (``include_deprecated``, the API handler passes the request's
    ``IncludeDeprecated``; moto's own callers see them: "if you know the ID of a deprecated AMI,
    you can continue to launch instances", User Guide, "Deprecate an AMI"): "Default: No
    deprecated AMIs are included in the response. If you are the AMI owner, all deprecated AMIs
    appear in the response regardless of what you specify for this parameter." Asked for by ID,
    another account's deprecated AMI is answered or not as the ``deprecated_image_ids`` setting
    says (``EmulatorSettings``); left out, it is an empty list, as a disabled AMI is.
    """
    requested = list(ami_ids or [])
    malformed = [ami_id for ami_id in requested if not ami_id.startswith("ami-")]
    if malformed:
        raise MalformedAMIIdError(malformed)
    now = active_state().clock.now()
    phases: dict[str, DeregisteredPhase] = {}
    if include_deregistered:
        for ami_id, image in list(_deregistered_images(self).items()):
            phases[ami_id] = _deregistered_phase(self, image, now)
    known = set(self.amis) | {ami_id for ami_id, phase in phases.items() if phase != "not-found"}
    missing = [ami_id for ami_id in requested if ami_id not in known]
    if missing:
        raise InvalidAMIIdError(missing)
    candidates = list(self.amis.values()) + [
        _deregistered_images(self)[ami_id] for ami_id, phase in phases.items() if phase == "visible"
    ]
    if requested:
        candidates = [image for image in candidates if image.id in requested]
    show_deprecated = include_deprecated or (
        bool(requested) and active_state().settings.deprecated_image_ids == "described"
    )
    return [
        image
        for image in _scoped(self, candidates, filters, exec_users, owners)
        if (not is_disabled(image) or (include_disabled and image.owner_id == self.account_id))
        and (show_deprecated or image.owner_id == self.account_id or not is_deprecated(image, now))
    ]


def get_owned_image(self: Any, ami_id: str) -> Any:
    """The image, if it exists and is the caller's; the errors DeregisterImage uses."""
    if ami_id in self.amis:
        image = self.amis[ami_id]
    elif ami_id in self.deleted_amis:
        raise UnvailableAMIIdError(ami_id)
    else:
        raise InvalidAMIIdError(ami_id)
    if image.owner_id != self.account_id:
        raise ImageNotOwnedError(ami_id)
    return image


def get_image(self: Any, ami_id: str) -> Any:
    """Any image visible in this backend (DescribeImageAttribute)."""
    if ami_id in self.amis:
        return self.amis[ami_id]
    if ami_id in self.deleted_amis:
        raise UnvailableAMIIdError(ami_id)
    raise InvalidAMIIdError(ami_id)


def _snapshot_in_use_by(self: Any, snapshot_id: str) -> str | None:
    for image in list(self.amis.values()):
        if snapshot_id in mapping_snapshot_ids(image):
            return str(image.id)
    return None


def deregister_image(
    self: Any, ami_id: str, delete_associated_snapshots: bool = False
) -> list[dict[str, str]]:
    """DeregisterImage (seeds 000-002).

    A disabled AMI is deregistered like any other, snapshots included. Neither the newest
    botocore model (DeregisterImage, DisableImage) nor the User Guide's "Deregister an Amazon EC2
    AMI" page lists "disabled" among the reasons DeregisterImage refuses an AMI (those are:
    another account's AMI, an AWS Backup AMI, deregistration protection), so the emulator
    assumes AWS allows it; the ``disabled_image_deregistration`` setting gives the other reading.
    Only DeleteSnapshot is documented to refuse a disabled AMI's snapshots ("snapshot is
    currently in use"; see :func:`delete_snapshot`).

    Refuses, in this order: an image of another account (``AuthFailure``), one managed by AWS
    Backup, one with deregistration protection or in its cooldown. Then deregisters the image
    (DescribeImages shows it as its phases say, see :func:`describe_images`; a Recycle Bin rule
    may retain it, see :mod:`ec2_emulator.recycle_bin`) and, only with
    ``delete_associated_snapshots``, deletes each snapshot of its mappings:
    ``skipped`` if another registered AMI still uses it, an injected failure code if one was
    injected (kept), ``client-error`` if the snapshot no longer exists, else ``success`` (and a
    snapshot rule may retain it).
    """
    image = get_owned_image(self, ami_id)
    if getattr(image, "owner_alias", None) == BACKUP_VAULT_ALIAS:
        raise BackupManagedImageError(ami_id)
    state = active_state()
    now = state.clock.now()
    protection = protection_of(image)
    if protection.blocks_deregistration(now):
        raise ImageProtectedError(
            ami_id, protection.cooldown_until if not protection.enabled else None
        )
    if is_disabled(image) and state.settings.disabled_image_deregistration == "refused":
        raise ImageDisabledError(ami_id, "deregistered")
    snapshot_ids = mapping_snapshot_ids(image)
    del self.amis[ami_id]
    self.deleted_amis.append(ami_id)
    mark_deregistered(image, now)
    _deregistered_images(self)[ami_id] = image
    recycle_bin.retain_image(self, image, now)
    if not delete_associated_snapshots:
        return []
    results: list[dict[str, str]] = []
    for snapshot_id in snapshot_ids:
        if _snapshot_in_use_by(self, snapshot_id) is not None:
            code = "skipped"
        elif (injected := state.snapshot_failure(snapshot_id)) is not None:
            code = injected
        elif snapshot_id not in self.snapshots:
            # The emulator's reading: a DeleteSnapshot that would fail with
            # InvalidSnapshot.NotFound is a client error.
            code = "client-error"
        else:
            tags = recycle_bin.tags_of(self, snapshot_id)
            recycle_bin.retain_snapshot(self, self.snapshots.pop(snapshot_id), tags, now)
            code = "success"
        results.append({"SnapshotId": snapshot_id, "ReturnCode": code})
    return results


def delete_snapshot(self: Any, snapshot_id: str) -> Any:
    """DeleteSnapshot refuses a snapshot any registered AMI's mappings use
    (``InvalidSnapshot.InUse``); moto only knew snapshots it invented for its own AMIs. A
    disabled AMI counts: "You can't delete snapshots associated with disabled AMIs" (User Guide,
    "Disable an Amazon EC2 AMI"). A missing snapshot is named in the error
    (:class:`~ec2_emulator.errors.SnapshotNotFoundError`). A Recycle Bin rule may retain the
    deleted snapshot (see :mod:`ec2_emulator.recycle_bin`)."""
    if snapshot_id not in self.snapshots:
        raise SnapshotNotFoundError(snapshot_id)
    user = _snapshot_in_use_by(self, snapshot_id)
    if user is not None:
        raise InvalidSnapshotInUse(snapshot_id, user)
    tags = recycle_bin.tags_of(self, snapshot_id)
    snapshot = ORIGINALS["delete_snapshot"](self, snapshot_id)
    recycle_bin.retain_snapshot(self, snapshot, tags, active_state().clock.now())
    return snapshot


def get_snapshot(self: Any, snapshot_id: str) -> Any:
    """moto's lookup behind every snapshot action, naming a missing snapshot in the error."""
    if snapshot_id not in self.snapshots:
        raise SnapshotNotFoundError(snapshot_id)
    return ORIGINALS["get_snapshot"](self, snapshot_id)


def describe_snapshots(
    self: Any, snapshot_ids: Sequence[str] | None = None, filters: Any = None
) -> list[Any]:
    """moto's DescribeSnapshots, naming a missing snapshot in the error: the first requested
    one that doesn't exist (the EMULATOR'S CHOICE when several are missing)."""
    missing = [
        snapshot_id for snapshot_id in snapshot_ids or [] if snapshot_id not in self.snapshots
    ]
    if missing:
        raise SnapshotNotFoundError(missing[0])
    snapshots: list[Any] = ORIGINALS["describe_snapshots"](self, snapshot_ids, filters)
    return snapshots


def _moto_now() -> datetime:
    """The emulator's clock as moto stamps its resources: naive UTC."""
    return active_state().clock.now().astimezone(UTC).replace(tzinfo=None)


def create_volume(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's CreateVolume, its ``CreateTime`` read from the emulator's clock (moto stamps the
    real time, so a snapshot could look newer than an AMI made from it on a fake clock)."""
    volume = ORIGINALS["create_volume"](self, *args, **kwargs)
    volume.create_time = _moto_now()
    return volume


def create_snapshot(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's CreateSnapshot (also behind CreateImage and CreateSnapshots), its ``StartTime``
    read from the emulator's clock."""
    snapshot = ORIGINALS["create_snapshot"](self, *args, **kwargs)
    snapshot.start_time = _moto_now()
    return snapshot


def copy_snapshot(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's CopySnapshot, the copy's ``StartTime`` read from the emulator's clock."""
    snapshot = ORIGINALS["copy_snapshot"](self, *args, **kwargs)
    snapshot.start_time = _moto_now()
    return snapshot


def modify_image_fields(self: Any, ami_id: str, **fields: str) -> None:
    """ModifyImageAttribute for ``description`` and ``imdsSupport`` (moto only knew launch
    permissions). Only the owner may modify an image."""
    image = get_owned_image(self, ami_id)
    for name, value in fields.items():
        if name == "imds_support" and value != "v2.0":
            # Newest model: "Set to v2.0 to indicate that IMDSv2 is specified in the AMI."
            # InvalidParameterValue is the emulator's choice of code.
            raise InvalidParameterValueError(f"ImdsSupport can only be set to v2.0, not {value!r}.")
        if name not in ("description", "imds_support"):
            raise TypeError(f"unsupported image field {name}")
        setattr(image, name, value)


def enable_image_deregistration_protection(
    self: Any, ami_id: str, with_cooldown: bool = False
) -> str:
    """Returns the new protection string (``enabled-without-cooldown`` /
    ``enabled-with-cooldown``); the ``protection_return`` setting decides whether EC2's answer
    carries it."""
    image = get_owned_image(self, ami_id)
    return protection_of(image).enable(with_cooldown)


def disable_image_deregistration_protection(self: Any, ami_id: str) -> str:
    """Returns ``disabled``, the new protection string. After a with-cooldown protection the
    image still can't be deregistered for 24 hours and reports ``disabled after <time>``."""
    image = get_owned_image(self, ami_id)
    protection_of(image).disable(active_state().clock.now())
    return "disabled"


def disable_image(self: Any, ami_id: str) -> None:
    """DisableImage (newest botocore model): "Only the AMI owner can disable an AMI"; it "Sets the
    AMI state to disabled and removes all launch permissions from the AMI" ("If an AMI was public
    or previously shared, it is made private"). Disabling a disabled AMI again changes nothing
    (the EMULATOR'S CHOICE; the texts don't say)."""
    image = get_owned_image(self, ami_id)
    set_disabled(image, True)
    image.launch_permissions.clear()


def enable_image(self: Any, ami_id: str) -> None:
    """EnableImage (newest botocore model): "Only the AMI owner can re-enable a disabled AMI";
    accounts "that lost access to the AMI when it was disabled do not regain access
    automatically", so launch permissions stay as DisableImage left them. Enabling an AMI that
    isn't disabled changes nothing (the EMULATOR'S CHOICE; the texts don't say)."""
    image = get_owned_image(self, ami_id)
    set_disabled(image, False)


def run_instances(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's RunInstances, refusing a disabled AMI: "A disabled AMI can't be used for instance
    launches", also when a launch template names it ("Subsequent instance launches from a
    disabled AMI will fail", User Guide, "Disable an Amazon EC2 AMI"). A deprecated AMI launches
    ("you can continue to launch instances using the deprecated AMI", "Deprecate an AMI"). Each
    launch is recorded for ``LastLaunchedTime`` ("when the AMI was last used to launch an EC2
    instance"), on the emulator's clock."""
    image_id = args[0] if args else kwargs.get("image_id")
    if not image_id and kwargs.get("launch_template"):
        image_id = self._get_template_from_args(kwargs["launch_template"]).data.get("ImageId")
    image = self.amis.get(image_id) if image_id else None
    if image is not None and is_disabled(image):
        raise ImageDisabledError(str(image_id), "used for instance launches")
    reservation = ORIGINALS["run_instances"](self, *args, **kwargs)
    if image is not None:
        record_launch(image, active_state().clock.now())
    return reservation


def modify_image_attribute(
    self: Any,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> None:
    """moto's launch-permission changes, by the owner only (``AuthFailure``, as for the other
    attributes), refusing to share a disabled AMI ("A disabled AMI can't be shared",
    DisableImage), and with the checks of :func:`ec2_emulator.sharing.check_launch_permissions`
    (organization ARNs, block public access). Nothing is changed unless all of it is valid."""
    image = get_owned_image(self, ami_id)
    if launch_permissions_to_add and is_disabled(image):
        raise ImageDisabledError(ami_id, "shared")
    check_launch_permissions(self, launch_permissions_to_add, launch_permissions_to_remove)
    ORIGINALS["modify_image_attribute"](
        self,
        ami_id=ami_id,
        launch_permissions_to_add=launch_permissions_to_add,
        launch_permissions_to_remove=launch_permissions_to_remove,
    )


def _round_to_minute(moment: datetime) -> datetime:
    """EnableImageDeprecation: "If you specify a value for seconds, Amazon EC2 rounds the
    seconds to the nearest minute" (half a minute rounds up: the EMULATOR'S CHOICE)."""
    floor = moment.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if moment - floor >= timedelta(seconds=30) else floor


def _years_after(moment: datetime, years: int) -> datetime:
    """The same calendar instant ``years`` later (29 February: 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _aware(moment: datetime) -> datetime:
    """moto hands over request timestamps and stamps its own objects in naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def enable_image_deprecation(self: Any, ami_id: str, deprecate_at: datetime) -> None:
    """EnableImageDeprecation (newest model): the owner only (User Guide, "Deprecate an AMI":
    "To deprecate an AMI, you must be the owner of the AMI"; ``AuthFailure`` as for the other
    owner-only calls). ``DeprecateAt`` is rounded to the nearest minute; "You can't specify a
    date in the past. The upper limit for DeprecateAt is 10 years from now, except for public
    AMIs, where the upper limit is 2 years from the creation date." Both limits fail with
    ``InvalidParameterValue`` (the EMULATOR'S CHOICE of code: the model gives none); "in the
    past" is judged on the time as given, the limits on the rounded one. Setting it again
    replaces the time."""
    image = get_owned_image(self, ami_id)
    now = active_state().clock.now()
    requested = _aware(deprecate_at)
    if requested < now:
        raise InvalidParameterValueError(
            f"The deprecation time {requested.isoformat()} is in the past: you can't specify a "
            "date in the past."
        )
    moment = _round_to_minute(requested)
    if image.is_public:
        limit, reason = _years_after(_aware(image.creation_date), 2), "2 years from its creation"
    else:
        limit, reason = _years_after(now, 10), "10 years from now"
    if moment > limit:
        raise InvalidParameterValueError(
            f"The deprecation time {moment.isoformat()} is too far ahead: the upper limit for "
            f"{'a public' if image.is_public else 'an'} AMI is {reason}."
        )
    set_deprecation(image, moment)


def disable_image_deprecation(self: Any, ami_id: str) -> None:
    """DisableImageDeprecation: "Cancels the deprecation of the specified AMI", which "removes
    the DeprecationTime field from the describe-images output" (the AWS CLI's example); the
    owner only ("You must be the AMI owner"). Cancelling when none is set changes nothing (the
    EMULATOR'S CHOICE)."""
    set_deprecation(get_owned_image(self, ami_id), None)


def restore_image_from_recycle_bin(self: Any, ami_id: str) -> None:
    """RestoreImageFromRecycleBin (see :func:`ec2_emulator.recycle_bin.take_image`): the AMI is
    registered again, as it was deregistered (tags, launch permissions, protection,
    deprecation: the EMULATOR'S CHOICE; the texts only say it "can be restored"), in the state
    its clock gives it. Its name must still be free (AMI names are unique per account and
    Region: ``InvalidAMIName.Duplicate``, as for a new AMI). Its snapshots are not restored with
    it: a snapshot rule retains them as snapshots of their own."""
    image = recycle_bin.take_image(self, ami_id, lambda found: check_unique_name(self, found.name))
    _deregistered_images(self).pop(ami_id, None)
    if ami_id in self.deleted_amis:
        self.deleted_amis.remove(ami_id)
    image.deregistered_at = None
    if not isinstance(image, EmulatedAmi):
        image.state = "available"
    self.amis[ami_id] = image
