"""Backend behaviour of the extension: the functions ``install()`` binds onto moto's EC2Backend.

Why this exists: moto 5.2.5's ``AmiBackend`` drops RegisterImage's mappings, invents snapshots,
ignores ``DeleteAssociatedSnapshots``, knows no deregistration protection, and its DisableImage
neither hides the AMI from DescribeImages nor stops launches or sharing. Each function here
replaces or adds one ``EC2Backend`` method (``self`` is a moto ``EC2Backend``); the originals stay
reachable through :data:`ORIGINALS`. They follow seeds 000-004 and the newest botocore model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidAMIIdError,
    InvalidSnapshotInUse,
    InvalidTaggableResourceType,
    UnvailableAMIIdError,
)
from moto.ec2.utils import random_ami_id

from .errors import (
    BackupManagedImageError,
    ImageDisabledError,
    ImageNotOwnedError,
    ImageProtectedError,
    IncorrectInstanceStateError,
    InvalidBlockDeviceMappingError,
    InvalidParameterValueError,
)
from .images import (
    BACKUP_VAULT_ALIAS,
    EmulatedAmi,
    build_mappings,
    is_disabled,
    mapping_snapshot_ids,
    protection_of,
    set_disabled,
    validate_image_name,
)
from .state import active_state

__all__ = [
    "ORIGINALS",
    "create_image",
    "delete_snapshot",
    "deregister_image",
    "describe_images",
    "disable_image",
    "disable_image_deregistration_protection",
    "enable_image",
    "enable_image_deregistration_protection",
    "get_image",
    "get_owned_image",
    "modify_image_attribute",
    "modify_image_fields",
    "register_image",
    "run_instances",
]

#: moto's original methods, filled by ``install()`` before it replaces them.
ORIGINALS: dict[str, Any] = {}


def _tags_by_type(
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


def _check_unique_name(self: Any, name: str) -> None:
    for image in self.amis.values():
        if image.name == name and image.owner_id == self.account_id:
            # EC2's code for this case; AMI names are unique per account and Region.
            raise EC2ClientError(
                "InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image.id}"
            )


def _timing() -> tuple[datetime, datetime]:
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
    tags = _tags_by_type(tag_specifications, ("image",))
    mappings = build_mappings(self, block_device_mappings, operation="RegisterImage")
    _check_unique_name(self, name)
    created_at, ready_at = _timing()
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
    tags = _tags_by_type(tag_specifications, ("image", "snapshot"))
    overrides: dict[str, Mapping[str, Any]] = {}
    for mapping in block_device_mappings:
        device_name = mapping.get("DeviceName")
        if not device_name:
            raise InvalidBlockDeviceMappingError("Every block device mapping needs a DeviceName.")
        overrides[str(device_name)] = mapping
    _check_unique_name(self, name)

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

    created_at, ready_at = _timing()
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


def describe_images(
    self: Any, *args: Any, include_disabled: bool = True, **kwargs: Any
) -> list[Any]:
    """moto's DescribeImages, plus disabled AMIs and the ``deregistered_image_lookup`` setting.

    Disabled AMIs (newest botocore model): DisableImage "A disabled AMI does not appear in
    DescribeImages API calls by default", ``IncludeDisabled`` "Default: No disabled AMIs are
    included in the response". The API handler passes the request's ``IncludeDisabled``; moto's
    own callers (RunInstances, ModifyImageAttribute, CopyImage) look images up by id and keep
    seeing every image. DisableImage makes the AMI private, so even with ``IncludeDisabled`` only
    its owner sees it. An ``ImageIds`` request whose only match is left out because it is
    disabled answers an empty list, not ``InvalidAMIID.NotFound``: the AMI exists (the EMULATOR'S
    CHOICE; the texts only say it "does not appear").

    With the default ``deregistered_image_lookup`` ``"not-found"``, an ``ImageIds`` request that
    matches nothing fails with ``InvalidAMIID.NotFound`` (moto returns an empty list for
    deregistered IDs).
    """
    images: list[Any] = ORIGINALS["describe_images"](self, *args, **kwargs)
    ami_ids = kwargs.get("ami_ids") if "ami_ids" in kwargs else (args[0] if args else None)
    if ami_ids and not images and active_state().settings.deregistered_image_lookup == "not-found":
        raise InvalidAMIIdError(list(ami_ids))
    return [
        image
        for image in images
        if not is_disabled(image) or (include_disabled and image.owner_id == self.account_id)
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
    for image in self.amis.values():
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
    Backup, one with deregistration protection or in its cooldown. Then removes the image and,
    only with ``delete_associated_snapshots``, deletes each snapshot of its mappings:
    ``skipped`` if another registered AMI still uses it, an injected failure code if one was
    injected (kept), ``client-error`` if the snapshot no longer exists, else ``success``.
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
            del self.snapshots[snapshot_id]
            code = "success"
        results.append({"SnapshotId": snapshot_id, "ReturnCode": code})
    return results


def delete_snapshot(self: Any, snapshot_id: str) -> Any:
    """DeleteSnapshot refuses a snapshot any registered AMI's mappings use
    (``InvalidSnapshot.InUse``); moto only knew snapshots it invented for its own AMIs. A
    disabled AMI counts: "You can't delete snapshots associated with disabled AMIs" (User Guide,
    "Disable an Amazon EC2 AMI")."""
    user = _snapshot_in_use_by(self, snapshot_id)
    if user is not None:
        raise InvalidSnapshotInUse(snapshot_id, user)
    return ORIGINALS["delete_snapshot"](self, snapshot_id)


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
    """Returns the new protection string, which is what EC2 sends as ``Return`` (AWS CLI
    examples: ``enabled-without-cooldown`` / ``enabled-with-cooldown``)."""
    image = get_owned_image(self, ami_id)
    return protection_of(image).enable(with_cooldown)


def disable_image_deregistration_protection(self: Any, ami_id: str) -> str:
    """Returns ``disabled`` (AWS CLI example). After a with-cooldown protection the image still
    can't be deregistered for 24 hours and reports ``disabled after <time>``."""
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
    disabled AMI will fail", User Guide, "Disable an Amazon EC2 AMI")."""
    image_id = args[0] if args else kwargs.get("image_id")
    if not image_id and kwargs.get("launch_template"):
        image_id = self._get_template_from_args(kwargs["launch_template"]).data.get("ImageId")
    image = self.amis.get(image_id) if image_id else None
    if image is not None and is_disabled(image):
        raise ImageDisabledError(str(image_id), "used for instance launches")
    return ORIGINALS["run_instances"](self, *args, **kwargs)


def modify_image_attribute(
    self: Any,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> None:
    """moto's launch-permission changes, refusing to share a disabled AMI ("A disabled AMI can't
    be shared", DisableImage)."""
    image = self.amis.get(ami_id)
    if launch_permissions_to_add and image is not None and is_disabled(image):
        raise ImageDisabledError(ami_id, "shared")
    ORIGINALS["modify_image_attribute"](
        self,
        ami_id=ami_id,
        launch_permissions_to_add=launch_permissions_to_add,
        launch_permissions_to_remove=launch_permissions_to_remove,
    )
