"""Who may launch an image: never everyone (`ami-no-public-launch-permission`), and only the
accounts, organizations and organizational units the pack config allows
(`ami-launch-permission-allowed-targets`).

Our resources share through `launchPermissions` = {userIds, organizationArns,
organizationalUnitArns, public} (ModifyImageAttribute's LaunchPermission: UserId, OrganizationArn,
OrganizationalUnitArn, Group "all"), on MachineImage, Image and ImageCopy, and on each entry of a
MachineImage's `copies`. pulumi-aws 7.x has one `aws:ec2/amiLaunchPermission:AmiLaunchPermission`
per permission: `accountId`, `organizationArn`, `organizationalUnitArn`, or `group: "all"`.
"""

from __future__ import annotations

import re
from typing import Final

from pulumi_policy import EnforcementLevel

from .checks import Findings, ResourceCheck
from .config import EXEMPTION_SCHEMA, LAUNCH_TARGETS_SCHEMA, ExemptionConfig, LaunchTargetsConfig
from .copy_targets import copy_targets
from .property_values import PropertyValue, Unknown
from .resources import AMI_LAUNCH_PERMISSION, OUR_IMAGE_TYPES, CheckedResource

__all__ = ["LAUNCH_PERMISSION_ALLOWED_TARGETS", "NO_PUBLIC_LAUNCH_PERMISSION"]

PUBLIC_GROUP: Final = "all"
"""LaunchPermission's Group: "Valid Values: all", every AWS account."""


def _launch_permissions(
    resource: CheckedResource, findings: Findings
) -> list[tuple[str, dict[str, PropertyValue]]]:
    """`(path, launchPermissions)` for the resource's own and each of its copies' that is set."""
    permissions: list[tuple[str, dict[str, PropertyValue]]] = []

    def add(path: str, value: PropertyValue) -> None:
        if isinstance(value, Unknown):
            findings.unknown(value)
        elif isinstance(value, dict):
            permissions.append((path, value))

    add("launchPermissions", resource.props.get("launchPermissions"))
    for path, target in copy_targets(resource, findings):
        add(f"{path}.launchPermissions", target.get("launchPermissions"))
    return permissions


def _evaluate_public(resource: CheckedResource, config: ExemptionConfig) -> Findings:
    findings = Findings()
    if config.exempts(resource):
        return findings
    if resource.resource_type == AMI_LAUNCH_PERMISSION:
        group = resource.props.get("group")
        if isinstance(group, Unknown):
            findings.unknown(group)
        elif group == PUBLIC_GROUP:
            findings.violation(
                f'group must not be "{PUBLIC_GROUP}", so that the image is not shared with every '
                "AWS account."
            )
        return findings
    for path, permissions in _launch_permissions(resource, findings):
        public = permissions.get("public")
        if isinstance(public, Unknown):
            findings.unknown(public)
        elif public is True:
            findings.violation(
                f"{path}.public must be false or left out, so that the image is not shared with "
                "every AWS account."
            )
    return findings


NO_PUBLIC_LAUNCH_PERMISSION: Final = ResourceCheck[ExemptionConfig](
    name="ami-no-public-launch-permission",
    description=(
        "Checks whether every AMI stays out of public sharing, since a public image can be "
        "launched by every AWS account, with whatever its snapshots hold."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    resource_types=OUR_IMAGE_TYPES | {AMI_LAUNCH_PERMISSION},
    evaluate=_evaluate_public,
    parse_config=ExemptionConfig.parse,
    config_schema=EXEMPTION_SCHEMA,
)

_ACCOUNT: Final = "an account listed in allowedAccountIds"
_ORGANIZATION: Final = "an organization listed in allowedOrganizationArns"
_ORGANIZATIONAL_UNIT: Final = (
    "an organizational unit listed in allowedOrganizationalUnitArns, or one of an organization "
    "listed in allowedOrganizationArns"
)
# arn:<partition>:organizations::<management account>:ou/<organization id>/<ou id>
_OU_ARN_RE: Final = re.compile(
    r"^(?P<prefix>arn:[^:]+:organizations::[0-9]{12}:)ou/(?P<organization>o-[a-z0-9]+)/"
)


def _organization_of(ou_arn: str) -> str | None:
    """The ARN of the organization an OU ARN names, which has the same partition and account."""
    match = _OU_ARN_RE.match(ou_arn)
    return f"{match['prefix']}organization/{match['organization']}" if match else None


def _allowed(kind: str, target: str, config: LaunchTargetsConfig) -> bool:
    if kind == _ACCOUNT:
        return target in config.account_ids
    if kind == _ORGANIZATION:
        return target in config.organization_arns
    # Sharing with an OU shares with part of its organization, so an allowed organization
    # allows its OUs too.
    return (
        target in config.organizational_unit_arns
        or _organization_of(target) in config.organization_arns
    )


def _check_target(
    path: str, target: PropertyValue, kind: str, config: LaunchTargetsConfig, findings: Findings
) -> None:
    if isinstance(target, Unknown):
        findings.unknown(target)
    # A target that isn't a string is refused by the provider's Check (or pulumi-aws's) before
    # anything is shared, so only strings are compared.
    elif (
        config.restricted
        and isinstance(target, str)
        and target
        and not _allowed(kind, target, config)
    ):
        findings.violation(f'{path} must be {kind}, not "{target}".')


_LISTS: Final = {
    "userIds": _ACCOUNT,
    "organizationArns": _ORGANIZATION,
    "organizationalUnitArns": _ORGANIZATIONAL_UNIT,
}
_AWS_PROPERTIES: Final = {
    "accountId": _ACCOUNT,
    "organizationArn": _ORGANIZATION,
    "organizationalUnitArn": _ORGANIZATIONAL_UNIT,
}


def _evaluate_targets(resource: CheckedResource, config: LaunchTargetsConfig) -> Findings:
    # Unknowns are noted even without an allowlist: `ami-policy-values-known` runs this check
    # unconfigured, and can't tell whether the pack config restricts targets.
    findings = Findings()
    if resource.resource_type == AMI_LAUNCH_PERMISSION:
        for name, kind in _AWS_PROPERTIES.items():
            _check_target(name, resource.props.get(name), kind, config, findings)
        return findings
    for path, permissions in _launch_permissions(resource, findings):
        for name, kind in _LISTS.items():
            targets = permissions.get(name)
            if isinstance(targets, Unknown):
                findings.unknown(targets)
                continue
            for index, target in enumerate(targets if isinstance(targets, list) else []):
                _check_target(f"{path}.{name}[{index}]", target, kind, config, findings)
    return findings


LAUNCH_PERMISSION_ALLOWED_TARGETS: Final = ResourceCheck[LaunchTargetsConfig](
    name="ami-launch-permission-allowed-targets",
    description=(
        "Checks whether every AMI is shared only with the accounts, organizations and "
        "organizational units the policy configuration allows."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    resource_types=OUR_IMAGE_TYPES | {AMI_LAUNCH_PERMISSION},
    evaluate=_evaluate_targets,
    parse_config=LaunchTargetsConfig.parse,
    config_schema=LAUNCH_TARGETS_SCHEMA,
)
