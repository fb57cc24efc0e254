"""Request handling of the extension: the methods ``install()`` binds onto moto's EC2Response.

Why this exists: moto 5.2.5 parses RegisterImage/CreateImage/DeregisterImage/CopyImage with only a
few of their parameters, ignores DescribeImages' ``IncludeDisabled`` and ``IncludeDeprecated``,
keeps only the first of ModifyImageAttribute's groups and organization ARNs, maps
DescribeImageAttribute to attribute names its model doesn't have, and has no handler for the
deregistration-protection, deprecation, block-public-access, image-reference and Recycle Bin
actions. Each function here is one EC2 action
(``self`` is a moto ``EC2Response``; parameters arrive parsed against botocore's model). The
``call_action`` wrapper records every EC2 request, handles it as one atomic step and gives its
answer a request ID of its own.
"""

from __future__ import annotations

import re
import uuid
from functools import cache
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import AuthFailureRestricted, InvalidRequest

from .backend import get_owned_image
from .errors import DisabledStateFilterError, InvalidParameterValueError
from .images import last_launched_of, protection_of
from .state import BACKEND_LOCK, RecordedRequest, active_state

__all__ = [
    "ORIGINALS",
    "call_action",
    "copy_image",
    "create_image",
    "deregister_image",
    "describe_image_attribute",
    "describe_image_references",
    "describe_images",
    "disable_image_block_public_access",
    "disable_image_deprecation",
    "disable_image_deregistration_protection",
    "enable_image_block_public_access",
    "enable_image_deprecation",
    "enable_image_deregistration_protection",
    "get_image_block_public_access_state",
    "list_images_in_recycle_bin",
    "list_snapshots_in_recycle_bin",
    "modify_image_attribute",
    "register_image",
    "restore_image_from_recycle_bin",
    "restore_snapshot_from_recycle_bin",
]

#: moto's ``BaseResponse.call_action``, filled by ``install()``.
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


#: Where moto's EC2 answers carry their request ID: ``<requestId>`` in a result, ``<RequestID>``
#: in an error. moto writes the constant ``request-id`` there.
_REQUEST_ID = re.compile(r"(<requestId>|<RequestID>)[^<]*(</requestId>|</RequestID>)")


def call_action(self: Any) -> Any:
    """Record the request (action, flat params as sent, region), let moto handle it, and give
    the answer a fresh request ID.

    Requests are handled one at a time (:data:`~ec2_emulator.state.BACKEND_LOCK`): AWS carries
    out each API call atomically, and concurrent requests must not see each other half done.
    The request ID is a new UUID for every answer, errors included, as EC2's are (the AWS CLI's
    ``enable-image-deprecation`` example: ``"RequestID": "59dbff89-35bd-4eac-99ed-be587EXAMPLE"``),
    the same in the body and in the ``x-amzn-requestid`` header.
    """
    with BACKEND_LOCK:
        active_state().record(
            RecordedRequest(
                action=str(self._get_action() or ""),
                params=_flat_params(self.querystring),
                region=str(self.region),
                account_id=str(self.current_account),
            )
        )
        status, headers, body = ORIGINALS["call_action"](self)
    request_id = str(uuid.uuid4())
    headers["x-amzn-requestid"] = request_id
    if isinstance(body, str):
        body = _REQUEST_ID.sub(rf"\g<1>{request_id}\g<2>", body)
    return status, headers, body


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


def _none_if_empty(values: Any) -> Any:
    """The serializer leaves a ``None`` field out of the answer."""
    return values or None


#: DescribeImages' ``Image`` fields as EC2 prints them: ``Tags`` and ``ProductCodes`` left out
#: when there are none (the DescribeImages examples of the newest model and of the AWS CLI have
#: neither; moto 5.2.5 prints empty lists).
_IMAGE_FIELDS = {
    "Image.Tags": _none_if_empty,
    "Image.ProductCodes": _none_if_empty,
}


def describe_images(self: Any) -> ActionResult:
    """moto's DescribeImages with ``IncludeDisabled`` ("Default: No disabled AMIs are included
    in the response") and ``IncludeDeprecated`` ("Default: No deprecated AMIs are included"),
    which moto 5.2.5 ignores, and deregistered AMIs in their phases (see
    :func:`ec2_emulator.backend.describe_images`). Filtering on ``state=disabled`` without
    ``IncludeDisabled`` is refused (see :class:`~ec2_emulator.errors.DisabledStateFilterError`).
    """
    self.error_on_dryrun()
    # The serializer reads this per answer; this request's copy changes no other answer.
    self.RESPONSE_KEY_PATH_TO_TRANSFORMER = {
        **self.RESPONSE_KEY_PATH_TO_TRANSFORMER,
        **_IMAGE_FIELDS,
    }
    include_disabled = bool(self._get_param("IncludeDisabled", False))
    include_deprecated = bool(self._get_param("IncludeDeprecated", False))
    filters = self._filters_from_querystring()
    if not include_disabled and "disabled" in (filters.get("state") or []):
        raise DisabledStateFilterError()
    images = self.ec2_backend.describe_images(
        ami_ids=self._get_param("ImageIds", []),
        filters=filters,
        exec_users=self._get_param("ExecutableUsers", []),
        owners=self._get_param("Owners", []),
        include_disabled=include_disabled,
        include_deprecated=include_deprecated,
        include_deregistered=True,
    )
    return ActionResult({"Images": images})


def _protection_return(status: str) -> str:
    """``Return`` as the ``protection_return`` setting reads the texts: ``true`` (the newest
    model) or the new protection state (the AWS CLI's examples)."""
    return status if active_state().settings.protection_return == "state" else "true"


def enable_image_deregistration_protection(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    with_cooldown = bool(self._get_param("WithCooldown", False))
    self.error_on_dryrun()
    status = self.ec2_backend.enable_image_deregistration_protection(ami_id, with_cooldown)
    return ActionResult({"Return": _protection_return(status)})


def disable_image_deregistration_protection(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    self.error_on_dryrun()
    status = self.ec2_backend.disable_image_deregistration_protection(ami_id)
    return ActionResult({"Return": _protection_return(status)})


def _launch_permission_changes(self: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """``LaunchPermission`` (``Add``/``Remove`` lists of ``LaunchPermission``), or ``Attribute``
    ``launchPermission`` with ``OperationType`` and every one of ``UserIds``, ``UserGroups``,
    ``OrganizationArns`` and ``OrganizationalUnitArns`` (moto 5.2.5 kept only the first group
    and the first ARN of each kind)."""
    get = self._get_param
    structure = get("LaunchPermission") or {}
    to_add = [{str(k): str(v) for k, v in entry.items()} for entry in structure.get("Add") or []]
    to_remove = [
        {str(k): str(v) for k, v in entry.items()} for entry in structure.get("Remove") or []
    ]
    operation = get("OperationType")
    if operation in ("add", "remove"):
        target = to_add if operation == "add" else to_remove
        for member, parameter in (
            ("UserId", "UserIds"),
            ("Group", "UserGroups"),
            ("OrganizationArn", "OrganizationArns"),
            ("OrganizationalUnitArn", "OrganizationalUnitArns"),
        ):
            target.extend({member: str(value)} for value in get(parameter) or [])
    return to_add, to_remove


def modify_image_attribute(self: Any) -> EmptyResult:
    """ModifyImageAttribute: ``Description``/``ImdsSupport`` (as structures or as
    ``Attribute`` + ``Value``), or launch permissions (see
    :func:`ec2_emulator.backend.modify_image_attribute`)."""
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
    if changes:
        self.error_on_dryrun()
        self.ec2_backend.modify_image_fields(get("ImageId"), **changes)
        return EmptyResult()
    to_add, to_remove = _launch_permission_changes(self)
    self.error_on_dryrun()
    self.ec2_backend.modify_image_attribute(
        ami_id=get("ImageId"),
        launch_permissions_to_add=to_add,
        launch_permissions_to_remove=to_remove,
    )
    return EmptyResult()


def _attribute_value(image: Any, attribute: str) -> str | None:
    if attribute == "deregistrationProtection":
        if hasattr(image, "deregistration_protection"):
            return str(image.deregistration_protection)
        return protection_of(image).status(active_state().clock.now())
    if attribute == "lastLaunchedTime":
        return last_launched_of(image, active_state().clock.now())
    source = {
        "description": "description",
        "kernel": "kernel_id",
        "ramdisk": "ramdisk_id",
        "sriovNetSupport": "sriov_net_support",
        "bootMode": "boot_mode",
        "tpmSupport": "tpm_support",
        "uefiData": "uefi_data",
        "imdsSupport": "imds_support",
    }[attribute]
    value = getattr(image, source, None)
    return None if value is None else str(value)


def describe_image_attribute(self: Any) -> ActionResult:
    """DescribeImageAttribute for every attribute of the newest model.

    ``blockDeviceMapping`` fails with ``AuthFailure``: the newest botocore model documents the
    attribute as deprecated ("Using this attribute returns the Client.AuthFailure error"), which
    wins over the 2025 changelog's response change (seed 004). ``lastLaunchedTime`` is the
    owner's only (seed 003: "You must be the AMI owner to run this command"; ``AuthFailure`` as
    for the other owner-only calls)."""
    ami_id = self._get_param("ImageId")
    attribute = self._get_param("Attribute")
    self.error_on_dryrun()
    if attribute == "blockDeviceMapping":
        raise AuthFailureRestricted
    if attribute == "lastLaunchedTime":
        image = get_owned_image(self.ec2_backend, ami_id)
    else:
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


def copy_image(self: Any) -> ActionResult:
    """CopyImage (see :func:`ec2_emulator.copying.copy_image`). Copies to an Outpost or a Local
    Zone (``DestinationOutpostArn``, ``DestinationAvailabilityZone``,
    ``DestinationAvailabilityZoneId``) are not modelled and are refused with
    ``InvalidParameterValue``: the emulator has neither."""
    get = self._get_param
    for parameter in (
        "DestinationOutpostArn",
        "DestinationAvailabilityZone",
        "DestinationAvailabilityZoneId",
    ):
        if get(parameter):
            raise InvalidParameterValueError(
                f"{parameter}: the EC2 emulator models Region to Region copies only."
            )
    kwargs: dict[str, Any] = {
        "encrypted": bool(get("Encrypted", False)),
        "kms_key_id": get("KmsKeyId"),
        "copy_image_tags": bool(get("CopyImageTags", False)),
        "snapshot_copy_completion_duration_minutes": get("SnapshotCopyCompletionDurationMinutes"),
        "tag_specifications": get("TagSpecifications", []),
        "client_token": get("ClientToken"),
    }
    source_image_id = get("SourceImageId")
    source_region = get("SourceRegion")
    name = get("Name")
    description = get("Description")
    self.error_on_dryrun()
    image_id = self.ec2_backend.copy_image(
        source_image_id, source_region, name, description, **kwargs
    )
    return ActionResult({"ImageId": image_id})


def enable_image_deprecation(self: Any) -> ActionResult:
    """EnableImageDeprecation: "Returns true if the request succeeds" (a Boolean member)."""
    ami_id = self._get_param("ImageId")
    deprecate_at = self._get_param("DeprecateAt")
    self.error_on_dryrun()
    self.ec2_backend.enable_image_deprecation(ami_id, deprecate_at)
    return ActionResult({"Return": True})


def disable_image_deprecation(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    self.error_on_dryrun()
    self.ec2_backend.disable_image_deprecation(ami_id)
    return ActionResult({"Return": True})


def get_image_block_public_access_state(self: Any) -> ActionResult:
    """``ManagedBy`` is ``account`` ("The state is managed by the account"): the emulator has
    no declarative policies."""
    self.error_on_dryrun()
    state = self.ec2_backend.get_image_block_public_access_state()
    return ActionResult({"ImageBlockPublicAccessState": state, "ManagedBy": "account"})


def enable_image_block_public_access(self: Any) -> ActionResult:
    state = self._get_param("ImageBlockPublicAccessState")
    self.error_on_dryrun()
    answered = self.ec2_backend.enable_image_block_public_access(state)
    return ActionResult({"ImageBlockPublicAccessState": answered})


def disable_image_block_public_access(self: Any) -> ActionResult:
    self.error_on_dryrun()
    answered = self.ec2_backend.disable_image_block_public_access()
    return ActionResult({"ImageBlockPublicAccessState": answered})


@cache
def _max_results_range(operation: str) -> tuple[int, int | None]:
    """The ``MaxResults`` range of an operation, from its shape in botocore's EC2 model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    request = model.operation_model(operation).input_shape
    assert request is not None
    metadata = request.members["MaxResults"].metadata
    high = metadata.get("max")
    return int(metadata.get("min", 1)), None if high is None else int(high)


def _page(self: Any, items: list[Any], operation: str) -> tuple[list[Any], str | None]:
    """``MaxResults``/``NextToken`` of a list action. ``MaxResults`` out of the range of the
    operation's shape in the model, or a token this emulator didn't hand out, is
    ``InvalidParameterValue`` (the EMULATOR'S CHOICE of code). Without ``MaxResults``
    everything from the token on."""
    low, high = _max_results_range(operation)
    max_results = self._get_param("MaxResults")
    token = self._get_param("NextToken")
    if max_results is not None and (max_results < low or (high is not None and max_results > high)):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidParameterValueError(f"MaxResults must be {bound}, not {max_results}.")
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(items):
            raise InvalidParameterValueError(f"Invalid NextToken {token!r}.")
        start = int(token)
    if max_results is None:
        return items[start:], None
    end = start + int(max_results)
    return items[start:end], (str(end) if end < len(items) else None)


def describe_image_references(self: Any) -> ActionResult:
    """DescribeImageReferences (see :func:`ec2_emulator.references.describe_image_references`)."""
    get = self._get_param
    image_ids = get("ImageIds", [])
    include_all = bool(get("IncludeAllResourceTypes", False))
    resource_types = get("ResourceTypes", [])
    self.error_on_dryrun()
    references = self.ec2_backend.describe_image_references(
        image_ids, include_all_resource_types=include_all, resource_types=resource_types
    )
    page, token = _page(self, references, "DescribeImageReferences")
    return ActionResult({"ImageReferences": page, "NextToken": token})


#: ListImagesInRecycleBin.ImageIds: "You can specify up to 20 IDs in a single request."
_MAX_RECYCLE_BIN_IMAGE_IDS = 20


def list_images_in_recycle_bin(self: Any) -> ActionResult:
    """ListImagesInRecycleBin (see :mod:`ec2_emulator.recycle_bin`); more than 20 ``ImageIds``
    is ``InvalidParameterValue`` (the EMULATOR'S CHOICE of code)."""
    image_ids = self._get_param("ImageIds", [])
    if len(image_ids) > _MAX_RECYCLE_BIN_IMAGE_IDS:
        raise InvalidParameterValueError(
            f"ImageIds takes up to {_MAX_RECYCLE_BIN_IMAGE_IDS} IDs, not {len(image_ids)}."
        )
    self.error_on_dryrun()
    images = self.ec2_backend.list_images_in_recycle_bin(image_ids)
    page, token = _page(self, images, "ListImagesInRecycleBin")
    return ActionResult({"Images": page, "NextToken": token})


def list_snapshots_in_recycle_bin(self: Any) -> ActionResult:
    snapshot_ids = self._get_param("SnapshotIds", [])
    self.error_on_dryrun()
    snapshots = self.ec2_backend.list_snapshots_in_recycle_bin(snapshot_ids)
    page, token = _page(self, snapshots, "ListSnapshotsInRecycleBin")
    return ActionResult({"Snapshots": page, "NextToken": token})


def restore_image_from_recycle_bin(self: Any) -> ActionResult:
    ami_id = self._get_param("ImageId")
    self.error_on_dryrun()
    self.ec2_backend.restore_image_from_recycle_bin(ami_id)
    return ActionResult({"Return": True})


def restore_snapshot_from_recycle_bin(self: Any) -> ActionResult:
    """The restored snapshot's fields the model lists (RestoreSnapshotFromRecycleBinResult),
    ``completed``: "the snapshot is immediately available for use" (the AWS CLI's example)."""
    snapshot_id = self._get_param("SnapshotId")
    self.error_on_dryrun()
    snapshot = self.ec2_backend.restore_snapshot_from_recycle_bin(snapshot_id)
    return ActionResult(
        {
            "SnapshotId": snapshot.id,
            "Description": snapshot.description,
            "Encrypted": bool(snapshot.encrypted),
            "OwnerId": snapshot.owner_id,
            "Progress": "100%",
            "StartTime": snapshot.start_time,
            "State": "completed",
            "VolumeId": snapshot.volume_id,
            "VolumeSize": int(snapshot.volume_size),
        }
    )
