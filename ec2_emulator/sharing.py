"""Sharing AMIs: launch permissions and block public access for AMIs.

Why this exists: moto 5.2.5 lets anyone change an image's launch permissions, keeps only the
first of several ``UserGroups``/``OrganizationArns``/``OrganizationalUnitArns``, takes any
string as an organization ARN, and has no block public access for AMIs. These functions follow
the newest botocore model (ModifyImageAttribute, ``LaunchPermission``,
Get/Enable/DisableImageBlockPublicAccess); ``install()`` binds the last three onto moto's
``EC2Backend``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from moto.ec2.exceptions import InvalidAMIAttributeItemValueError

from .errors import InvalidParameterValueError, PublicSharingBlockedError
from .regional import regional
from .state import active_state

__all__ = [
    "BLOCKED",
    "UNBLOCKED",
    "check_launch_permissions",
    "disable_image_block_public_access",
    "enable_image_block_public_access",
    "get_image_block_public_access_state",
    "public_sharing_blocked",
]

#: GetImageBlockPublicAccessState's two values (newest model).
BLOCKED = "block-new-sharing"
UNBLOCKED = "unblocked"

#: ``LaunchPermission`` members that are AWS Organizations ARNs; each must match the ``pattern``
#: of the shape of the same name in botocore's organizations service model (the format AWS
#: Organizations gives these ARNs).
_ORGANIZATION_ARNS = ("OrganizationArn", "OrganizationalUnitArn")


@cache
def _organizations_pattern(shape: str) -> re.Pattern[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("organizations")
    return re.compile(str(model.shape_for(shape).metadata["pattern"]) + "$")


def public_sharing_blocked(backend: Any) -> bool:
    """Whether block public access for AMIs is in force in this account and Region: from
    ``block_public_access_seconds`` after EnableImageBlockPublicAccess on."""
    since = regional(backend).block_public_access_from
    return since is not None and active_state().clock.now() >= since


def check_launch_permissions(
    backend: Any, to_add: Sequence[dict[str, str]], to_remove: Sequence[dict[str, str]]
) -> None:
    """ModifyImageAttribute's launch permissions, before any is changed.

    Organization and OU ARNs must have the AWS Organizations format (an ARN of another form is
    refused with moto's ``InvalidAMIAttributeItemValue``, as moto refuses a malformed account
    ID: the EMULATOR'S CHOICE of code). Adding ``Group=all`` is refused while block public
    access is in force (EnableImageBlockPublicAccess: "This will block any attempt to publicly
    share your AMIs"); removing it never is ("if you already have public AMIs, they will remain
    publicly available", and making one private is not sharing).
    """
    for permission in [*to_add, *to_remove]:
        for member in _ORGANIZATION_ARNS:
            arn = permission.get(member)
            if arn is not None and not _organizations_pattern(member).match(arn):
                raise InvalidAMIAttributeItemValueError(member, arn)
    public = any(permission.get("Group") == "all" for permission in to_add)
    if public and public_sharing_blocked(backend):
        raise PublicSharingBlockedError()


def get_image_block_public_access_state(self: Any) -> str:
    """``unblocked`` until EnableImageBlockPublicAccess is in force ("During this time, if you
    run GetImageBlockPublicAccessState, the response will be unblocked"). A new account and
    Region starts ``unblocked`` (the EMULATOR'S CHOICE: the model gives no initial state)."""
    return BLOCKED if public_sharing_blocked(self) else UNBLOCKED


def enable_image_block_public_access(self: Any, state: str) -> str:
    """EnableImageBlockPublicAccess: "Specify block-new-sharing"; it "Returns block-new-sharing
    if the request succeeds". Enabling it again while it is on changes nothing (the EMULATOR'S
    CHOICE); a value the model doesn't list is ``InvalidParameterValue`` (also its choice)."""
    if state != BLOCKED:
        raise InvalidParameterValueError(
            f"ImageBlockPublicAccessState must be {BLOCKED}, not {state!r}."
        )
    account = regional(self)
    if account.block_public_access_from is None:
        delay = timedelta(seconds=active_state().settings.block_public_access_seconds)
        account.block_public_access_from = active_state().clock.now() + delay
    return BLOCKED


def disable_image_block_public_access(self: Any) -> str:
    """DisableImageBlockPublicAccess: "Returns unblocked if the request succeeds", at once (the
    model gives this call no delay)."""
    regional(self).block_public_access_from = None
    return UNBLOCKED
