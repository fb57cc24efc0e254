"""`ami-no-public-launch-permission`: no image is shared with every AWS account."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource
from tests.policies.policy_cases import (
    AMI_LAUNCH_PERMISSION,
    DESCRIPTIONS,
    NO_PUBLIC,
    Configured,
    copy_target,
    image,
    image_copy,
    machine_image,
    note,
    reported,
    standalone_image,
)

SHARED = {"userIds": ["111122223333"], "public": False}


def public(path: str = "launchPermissions") -> tuple[str, str]:
    return (
        "mandatory",
        f"{path}.public must be false or left out, so that the image is not shared with every AWS "
        "account.",
    )


def launch_permission(**properties: object) -> Resource:
    return Resource(
        type=AMI_LAUNCH_PERMISSION,
        name="share",
        properties={"imageId": "ami-0123456789abcdef0", **properties},
    )


@pytest.mark.parametrize(
    "resource",
    [
        machine_image(launchPermissions=SHARED, copies=[copy_target(launchPermissions=SHARED)]),
        image(launchPermissions=SHARED),
        image_copy(launchPermissions=SHARED),
        launch_permission(accountId="111122223333"),
    ],
    ids=["component", "image", "copy", "pulumi-aws"],
)
def test_private_sharing_passes_every_policy(analyzer: AnalyzerClient, resource: Resource) -> None:
    assert analyzer.analyze(resource) == []


@pytest.mark.parametrize(
    "resource",
    [machine_image(), image(), standalone_image(), image_copy(), image_copy(machine_image())],
    ids=["component", "image", "standalone-image", "copy", "component-copy"],
)
def test_public_is_mandatory_violation(analyzer: AnalyzerClient, resource: Resource) -> None:
    shared = resource.with_properties(launchPermissions={**SHARED, "public": True})

    diagnostics = analyzer.analyze(shared)

    assert reported(diagnostics) == [public()]
    assert diagnostics[0].policy_name == NO_PUBLIC
    assert diagnostics[0].description == DESCRIPTIONS[NO_PUBLIC]


def test_each_copy_of_the_component_is_checked(analyzer: AnalyzerClient) -> None:
    resource = machine_image(
        copies=[
            copy_target(launchPermissions=SHARED),
            copy_target(region="eu-central-1", launchPermissions={"public": True}),
        ]
    )
    assert reported(analyzer.analyze(resource)) == [public("copies[1].launchPermissions")]


def test_pulumi_aws_public_group_is_violation(analyzer: AnalyzerClient) -> None:
    assert reported(analyzer.analyze(launch_permission(group="all"))) == [
        (
            "mandatory",
            'group must not be "all", so that the image is not shared with every AWS account.',
        )
    ]


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        (machine_image(launchPermissions=UNKNOWN), "launchPermissions"),
        (image(launchPermissions={"public": UNKNOWN}), "launchPermissions.public"),
        (machine_image(copies=UNKNOWN), "copies"),
        (machine_image(copies=[UNKNOWN]), "copies[0]"),
        (launch_permission(group=UNKNOWN), "group"),
    ],
    ids=["permissions", "public", "copies", "copy", "group"],
)
def test_unknown_value_advises(analyzer: AnalyzerClient, resource: Resource, path: str) -> None:
    notes = reported(analyzer.analyze(resource))
    assert note(path, NO_PUBLIC) in notes
    assert all(level == "advisory" for level, _ in notes)


def test_exempting_the_component_exempts_its_image_and_copies(configured: Configured) -> None:
    analyzer = configured({NO_PUBLIC: {"exemptResources": ["web"]}})
    everyone = {"public": True}
    component = machine_image(launchPermissions=everyone)

    assert analyzer.analyze(component) == []
    assert analyzer.analyze(image(component)) == []
    assert analyzer.analyze(image_copy(component, launchPermissions=everyone)) == []
    assert reported(analyzer.analyze(image_copy(launchPermissions=everyone))) == [public()]
