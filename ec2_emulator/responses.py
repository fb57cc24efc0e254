"""Request handling of the extension: the methods ``install()`` binds onto moto's EC2Response.

Why this exists: moto 5.2.5 parses RegisterImage/CreateImage/DeregisterImage with only a few of
their parameters, ignores DescribeImages' ``IncludeDisabled``, maps DescribeImageAttribute to
attribute names its model doesn't have, and has no handler for the deregistration-protection
actions. Each function here is one EC2 action
(``self`` is a moto ``EC2Response``; parameters arrive parsed against botocore's model). The
``call_action`` wrapper records every EC2 request before moto handles it.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import AuthFailureRestricted, InvalidRequest

from .errors import DisabledStateFilterError
from .images import protection_of
from .state import RecordedRequest, active_state

__all__ = [
    "ORIGINALS",
    "call_action",
    "create_image",
    "deregister_image",
    "describe_image_attribute",
    "describe_images",
    "disable_image_deregistration_protection",
    "enable_image_deregistration_protection",
    "modify_image_attribute",
    "register_image",
]

#: moto's ``BaseResponse.call_action`` and ``modify_image_attribute``, filled by ``install()``.
ORIGINALS: dict[str, Any] = {}

#: DescribeImageAttribute attribute -> response member.
_ATTRIBUTE_MEMBERS = {
    "description": "Description",
    "kernel": "KernelId",
    "ramdisk": "RamdiskId",
    "sriovNetSupport": "SriovNetSupport",
    "bootMode": "BootMode",
    "tpmSupport": "TpmSupport",
    "uefiData": "UefiData",
    "lastLaunchedTime": "LastLaunchedTime",
    "imdsSupport": "ImdsSupport",
    "deregistrationProtection": "DeregistrationProtection",
}


def _flat_params(querystring: dict[str, Any]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in querystring.items():
        if isinstance(value, list):
            flat[str(key)] = str(value[0]) if len(value) == 1 else ",".join(map(str, value))
        else:
            flat[str(key)] = str(value)
    return flat


def call_action(self: Any) -> Any:
    """Record the request (action, flat params as sent, region), then let moto handle it."""
    active_state().record(
        RecordedRequest(
            action=str(self._get_action() or ""),
            params=_flat_params(self.querystring),
            region=str(self.region),
            account_id=str(self.current_account),
        )
    )
    return ORIGINALS["call_action"](self)


def register_image(self: Any) -> ActionResult:
    get = self._get_param
    kwargs: dict[str, Any] = {
        "block_device_mappings": get("BlockDeviceMappings", []),
        "tag_specifications": get("TagSpecifications", []),
        "architecture": get("Architecture"),
        "virtualization_type": get("VirtualizationType"),
        "root_device_name": get("RootDeviceName"),
        "image_location": get("ImageLocation"),
        "boot_mode": get("BootMode"),
        "ena_support": get("EnaSupport"),
        "tpm_support": get("TpmSupport"),
        "imds_support": get("ImdsSupport"),
        "uefi_data": get("UefiData"),
        "sriov_net_support": get("SriovNetSupport"),
        "kernel_id": get("KernelId"),
        "ramdisk_id": get("RamdiskId"),
        "billing_products": get("BillingProducts", []),
    }
    name = get("Name")
    description = get("Description")
    self.error_on_dryrun()
    image = self.ec2_backend.register_image(name, description, **kwargs)
    return ActionResult({"ImageId": image.id})


def create_image(self: Any) -> ActionResult:
    get = self._get_param
    instance_id = get("InstanceId")
    name = get("Name")
    description = get("Description")
    tag_specifications = get("TagSpecifications", [])
    block_device_mappings = get("BlockDeviceMappings", [])
    no_reboot = bool(get("NoReboot", False))
    self.error_on_dryrun()
    image = self.ec2_backend.create_image(
        instance_id,
        name,
        description,
        tag_specifications,
        block_device_mappings=block_device_mappings,
        no_reboot=no_reboot,
    )
    return ActionResult({"ImageId": image.id})


def deregister_image(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    delete_snapshots = bool(self._get_param("DeleteAssociatedSnapshots", False))
    self.error_on_dryrun()
    results = self.ec2_backend.deregister_image(ami_id, delete_snapshots)
    body: dict[str, Any] = {"Return": True}
    if delete_snapshots:
        body["DeleteSnapshotResults"] = results
    return ActionResult(body)


def describe_images(self: Any) -> ActionResult:
    """moto's DescribeImages with ``IncludeDisabled`` ("Default: No disabled AMIs are included
    in the response"), which moto 5.2.5 ignores. Filtering on ``state=disabled`` without it is
    refused (see :class:`~ec2_emulator.errors.DisabledStateFilterError`)."""
    self.error_on_dryrun()
    include_disabled = bool(self._get_param("IncludeDisabled", False))
    filters = self._filters_from_querystring()
    if not include_disabled and "disabled" in (filters.get("state") or []):
        raise DisabledStateFilterError()
    images = self.ec2_backend.describe_images(
        ami_ids=self._get_param("ImageIds", []),
        filters=filters,
        exec_users=self._get_param("ExecutableUsers", []),
        owners=self._get_param("Owners", []),
        include_disabled=include_disabled,
    )
    return ActionResult({"Images": images})


def enable_image_deregistration_protection(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    with_cooldown = bool(self._get_param("WithCooldown", False))
    self.error_on_dryrun()
    status = self.ec2_backend.enable_image_deregistration_protection(ami_id, with_cooldown)
    return ActionResult({"Return": status})


def disable_image_deregistration_protection(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    self.error_on_dryrun()
    status = self.ec2_backend.disable_image_deregistration_protection(ami_id)
    return ActionResult({"Return": status})


def modify_image_attribute(self: Any) -> Any:
    """ModifyImageAttribute: ``Description``/``ImdsSupport`` (as structures or as
    ``Attribute`` + ``Value``) here; launch permissions stay moto's."""
    get = self._get_param
    attribute = get("Attribute")
    value = get("Value")
    changes: dict[str, str] = {}
    description = get("Description")
    if isinstance(description, dict):
        changes["description"] = str(description.get("Value", ""))
    elif attribute == "description" and value is not None:
        changes["description"] = str(value)
    imds = get("ImdsSupport")
    if isinstance(imds, dict):
        changes["imds_support"] = str(imds.get("Value", ""))
    elif attribute == "imdsSupport" and value is not None:
        changes["imds_support"] = str(value)
    if not changes:
        return ORIGINALS["modify_image_attribute"](self)
    self.error_on_dryrun()
    self.ec2_backend.modify_image_fields(get("ImageId"), **changes)
    return EmptyResult()


def _attribute_value(image: Any, attribute: str) -> str | None:
    if attribute == "deregistrationProtection":
        if hasattr(image, "deregistration_protection"):
            return str(image.deregistration_protection)
        return protection_of(image).status(active_state().clock.now())
    source = {
        "description": "description",
        "kernel": "kernel_id",
        "ramdisk": "ramdisk_id",
        "sriovNetSupport": "sriov_net_support",
        "bootMode": "boot_mode",
        "tpmSupport": "tpm_support",
        "uefiData": "uefi_data",
        "lastLaunchedTime": "last_launched_time",
        "imdsSupport": "imds_support",
    }[attribute]
    value = getattr(image, source, None)
    return None if value is None else str(value)


def describe_image_attribute(self: Any) -> ActionResult:
    """DescribeImageAttribute for every attribute of the newest model.

    ``blockDeviceMapping`` fails with ``AuthFailure``: the newest botocore model documents the
    attribute as deprecated ("Using this attribute returns the Client.AuthFailure error"), which
    wins over the 2025 changelog's response change (seed 004)."""
    ami_id = self._get_param("ImageId")
    attribute = self._get_param("Attribute")
    self.error_on_dryrun()
    if attribute == "blockDeviceMapping":
        raise AuthFailureRestricted
    image = self.ec2_backend.get_image(ami_id)
    result: dict[str, Any] = {"ImageId": ami_id}
    if attribute == "launchPermission":
        result["LaunchPermissions"] = list(image.launch_permissions)
    elif attribute == "productCodes":
        result["ProductCodes"] = [
            {"ProductCodeId": code, "ProductCodeType": "marketplace"}
            for code in sorted(image.product_codes)
        ]
    elif attribute in _ATTRIBUTE_MEMBERS:
        value = _attribute_value(image, attribute)
        result[_ATTRIBUTE_MEMBERS[attribute]] = {} if value is None else {"Value": value}
    else:
        raise InvalidRequest
    return ActionResult(result)
