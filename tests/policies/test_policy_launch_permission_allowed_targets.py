"""`ami-launch-permission-allowed-targets`: images are shared only with allowed targets."""

from __future__ import annotations

from typing import ClassVar

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, PolicyPackConfigError, Resource
from policies.ami_guard import LaunchTargetsConfig, PolicyConfigError
from tests.policies.policy_cases import (
    ALLOWED_TARGETS,
    AMI_LAUNCH_PERMISSION,
    Configured,
    copy_target,
    image,
    image_copy,
    machine_image,
    note,
    reported,
)

OUR_ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
OUR_ORG = "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"
OTHER_ORG = "arn:aws:organizations::444455556666:organization/o-z9y8x7w6v5"
OUR_OU = "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"
OU_OF_OUR_ORG = "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-99999999"
OU_OF_OTHER_ORG = "arn:aws:organizations::444455556666:ou/o-z9y8x7w6v5/ou-zz99-aa11bb22"

ALLOWLIST = {
    ALLOWED_TARGETS: {
        "allowedAccountIds": [OUR_ACCOUNT],
        "allowedOrganizationArns": [OUR_ORG],
        "allowedOrganizationalUnitArns": [OUR_OU],
    }
}
ACCOUNT = "must be an account listed in allowedAccountIds"
ORGANIZATION = "must be an organization listed in allowedOrganizationArns"
ORGANIZATIONAL_UNIT = (
    "must be an organizational unit listed in allowedOrganizationalUnitArns, or one of an "
    "organization listed in allowedOrganizationArns"
)


def shared_with(
    user_ids: list[object] | None = None,
    organization_arns: list[object] | None = None,
    ou_arns: list[object] | None = None,
) -> dict[str, list[object]]:
    """A `launchPermissions` value; entries may be `UNKNOWN`."""
    return {
        "userIds": user_ids or [],
        "organizationArns": organization_arns or [],
        "organizationalUnitArns": ou_arns or [],
    }


def launch_permission(**properties: object) -> Resource:
    return Resource(
        type=AMI_LAUNCH_PERMISSION,
        name="share",
        properties={"imageId": "ami-0123456789abcdef0", **properties},
    )


def refused(path: str, rule: str, target: str) -> tuple[str, str]:
    return ("mandatory", f'{path} {rule}, not "{target}".')


def test_without_config_every_target_is_allowed(analyzer: AnalyzerClient) -> None:
    anyone = shared_with([OTHER_ACCOUNT], [OTHER_ORG], [OU_OF_OTHER_ORG])
    assert analyzer.analyze(machine_image(launchPermissions=anyone)) == []
    assert analyzer.analyze(launch_permission(accountId=OTHER_ACCOUNT)) == []


class TestAllowlist:
    @pytest.fixture
    def analyzer(self, configured: Configured) -> AnalyzerClient:
        return configured(ALLOWLIST)

    @pytest.mark.parametrize(
        "resource",
        [machine_image(), image(), image_copy(), image_copy(machine_image())],
        ids=["component", "image", "copy", "component-copy"],
    )
    def test_allowed_targets_pass(self, analyzer: AnalyzerClient, resource: Resource) -> None:
        allowed = shared_with([OUR_ACCOUNT], [OUR_ORG], [OUR_OU])
        assert analyzer.analyze(resource.with_properties(launchPermissions=allowed)) == []

    def test_an_ou_of_an_allowed_organization_is_allowed(self, analyzer: AnalyzerClient) -> None:
        resource = image(launchPermissions=shared_with(ou_arns=[OU_OF_OUR_ORG]))
        assert analyzer.analyze(resource) == []

    def test_every_target_outside_the_lists_is_named(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            launchPermissions=shared_with(
                [OUR_ACCOUNT, OTHER_ACCOUNT], [OTHER_ORG], [OUR_OU, OU_OF_OTHER_ORG]
            )
        )

        assert reported(analyzer.analyze(resource)) == [
            refused("launchPermissions.userIds[1]", ACCOUNT, OTHER_ACCOUNT),
            refused("launchPermissions.organizationArns[0]", ORGANIZATION, OTHER_ORG),
            refused(
                "launchPermissions.organizationalUnitArns[1]", ORGANIZATIONAL_UNIT, OU_OF_OTHER_ORG
            ),
        ]

    def test_image_copy_is_checked_by_its_own_type(self, analyzer: AnalyzerClient) -> None:
        resource = image_copy(launchPermissions=shared_with([OTHER_ACCOUNT]))
        assert reported(analyzer.analyze(resource)) == [
            refused("launchPermissions.userIds[0]", ACCOUNT, OTHER_ACCOUNT)
        ]

    def test_each_copy_of_the_component_is_checked(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            copies=[
                copy_target(),
                copy_target(region="eu-central-1", launchPermissions=shared_with([OTHER_ACCOUNT])),
            ]
        )
        assert reported(analyzer.analyze(resource)) == [
            refused("copies[1].launchPermissions.userIds[0]", ACCOUNT, OTHER_ACCOUNT)
        ]

    @pytest.mark.parametrize(
        ("prop", "target", "rule"),
        [
            ("accountId", OTHER_ACCOUNT, ACCOUNT),
            ("organizationArn", OTHER_ORG, ORGANIZATION),
            ("organizationalUnitArn", OU_OF_OTHER_ORG, ORGANIZATIONAL_UNIT),
        ],
    )
    def test_pulumi_aws_launch_permission(
        self, analyzer: AnalyzerClient, prop: str, target: str, rule: str
    ) -> None:
        assert reported(analyzer.analyze(launch_permission(**{prop: target}))) == [
            refused(prop, rule, target)
        ]

    @pytest.mark.parametrize(
        ("prop", "target"),
        [
            ("accountId", OUR_ACCOUNT),
            ("organizationArn", OUR_ORG),
            ("organizationalUnitArn", OU_OF_OUR_ORG),
        ],
    )
    def test_pulumi_aws_allowed_target_passes(
        self, analyzer: AnalyzerClient, prop: str, target: str
    ) -> None:
        assert analyzer.analyze(launch_permission(**{prop: target})) == []

    def test_unknown_target_advises(self, analyzer: AnalyzerClient) -> None:
        resource = image(launchPermissions=shared_with([OUR_ACCOUNT, UNKNOWN]))
        assert reported(analyzer.analyze(resource)) == [
            note("launchPermissions.userIds[1]", ALLOWED_TARGETS)
        ]


def test_one_list_restricts_every_kind(configured: Configured) -> None:
    # Allowing some accounts must not leave sharing with any organization open.
    analyzer = configured({ALLOWED_TARGETS: {"allowedAccountIds": [OUR_ACCOUNT]}})
    resource = machine_image(launchPermissions=shared_with([OUR_ACCOUNT], [OUR_ORG]))
    assert reported(analyzer.analyze(resource)) == [
        refused("launchPermissions.organizationArns[0]", ORGANIZATION, OUR_ORG)
    ]


def test_unknown_list_is_noted_even_without_config(analyzer: AnalyzerClient) -> None:
    # ami-policy-values-known can't see whether the pack config restricts targets.
    resource = machine_image(launchPermissions={"userIds": UNKNOWN})
    assert reported(analyzer.analyze(resource)) == [
        note("launchPermissions.userIds", ALLOWED_TARGETS)
    ]


def test_a_public_image_is_left_to_its_own_policy(configured: Configured) -> None:
    analyzer = configured(ALLOWLIST)
    resource = image(launchPermissions={"public": True})
    assert [d.policy_name for d in analyzer.analyze(resource)] == [
        "ami-no-public-launch-permission"
    ]


class TestConfigErrors:
    CASES: ClassVar = [
        ("allowedAccountIds", ["1234"]),
        ("allowedOrganizationArns", ["o-a1b2c3d4e5"]),
        ("allowedOrganizationalUnitArns", [OUR_ORG]),
    ]

    @pytest.mark.parametrize(("name", "listed"), CASES)
    def test_the_engine_refuses_malformed_entries(
        self, configured: Configured, name: str, listed: list[str]
    ) -> None:
        with pytest.raises(PolicyPackConfigError) as raised:
            configured({ALLOWED_TARGETS: {name: listed}})
        assert str(raised.value).startswith(f"{ALLOWED_TARGETS}: '{listed[0]}' does not match")

    def test_the_pack_refuses_what_the_engine_did_not_check(self) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            LaunchTargetsConfig.parse(ALLOWED_TARGETS, {"allowedAccountIds": "111122223333"})
        assert str(raised.value) == (
            "ami-launch-permission-allowed-targets: allowedAccountIds must be a list of 12-digit "
            "AWS account ids, not '111122223333'."
        )
