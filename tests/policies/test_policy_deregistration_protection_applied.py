"""`ami-deregistration-protection-applied`: after `up`, AWS reports protection as enabled."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource
from policies.ami_guard import ProtectionState, parse_protection_state
from tests.policies.policy_cases import (
    PROTECTION_APPLIED,
    Configured,
    deployed_image,
    image_copy,
    machine_image,
    reported,
)

MUST_BE_ENABLED = "protectionState must report deregistration protection as enabled"


@pytest.mark.parametrize("state", ["enabled-without-cooldown", "enabled-with-cooldown"])
def test_enabled_states_pass(analyzer: AnalyzerClient, state: str) -> None:
    assert analyzer.analyze_stack([machine_image(), deployed_image(state)]) == []


def test_disabled_is_mandatory_violation_on_the_image(analyzer: AnalyzerClient) -> None:
    deployed = deployed_image("disabled")

    diagnostics = analyzer.analyze_stack([machine_image(), deployed])

    assert reported(diagnostics) == [
        ("mandatory", f'{MUST_BE_ENABLED}, but AWS reports "disabled".')
    ]
    assert diagnostics[0].policy_name == PROTECTION_APPLIED
    assert diagnostics[0].urn == deployed.urn


def test_disabled_during_cooldown_names_when_protection_lapses(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze_stack(
        [deployed_image("disabled after 2025-06-02T10:00:00.000Z")]
    )

    assert reported(diagnostics) == [
        (
            "mandatory",
            f"{MUST_BE_ENABLED}, but AWS reports it disabled, protection lapsing after "
            "2025-06-02T10:00:00.000Z.",
        )
    ]


def test_unrecognised_state_is_violation(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze_stack([deployed_image("pending-review")])

    assert reported(diagnostics) == [
        (
            "mandatory",
            f'{MUST_BE_ENABLED}, but AWS reports the unrecognised state "pending-review".',
        )
    ]


def test_state_of_wrong_type_is_violation(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze_stack([deployed_image(1)])
    assert reported(diagnostics) == [
        ("mandatory", f"{MUST_BE_ENABLED}, but AWS reports the unrecognised state 1.")
    ]


def test_component_outputs_are_checked_too(analyzer: AnalyzerClient) -> None:
    component = machine_image(protectionState="disabled")
    assert reported(analyzer.analyze_stack([component])) == [
        ("mandatory", f'{MUST_BE_ENABLED}, but AWS reports "disabled".')
    ]


def test_image_copy_outputs_are_checked_too(analyzer: AnalyzerClient) -> None:
    copy = image_copy(machine_image()).with_properties(
        imageId="ami-0fedcba9876543210", protectionState="disabled"
    )
    diagnostics = analyzer.analyze_stack([copy])
    assert reported(diagnostics) == [
        ("mandatory", f'{MUST_BE_ENABLED}, but AWS reports "disabled".')
    ]
    assert diagnostics[0].urn == copy.urn


@pytest.mark.parametrize("state", [UNKNOWN, None], ids=["unknown", "null"])
def test_image_without_reported_state_is_not_failed(
    analyzer: AnalyzerClient, state: object
) -> None:
    # During preview a new image has no state yet; this policy runs again after `up`.
    assert analyzer.analyze_stack([deployed_image(state)]) == []


def test_image_missing_the_output_is_not_failed(analyzer: AnalyzerClient) -> None:
    assert analyzer.analyze_stack([deployed_image().without_properties("protectionState")]) == []


def test_other_resource_types_are_ignored(analyzer: AnalyzerClient) -> None:
    bucket = Resource(
        type="aws:s3/bucket:Bucket", name="logs", properties={"protectionState": "disabled"}
    )
    assert analyzer.analyze_stack([bucket]) == []


def test_require_cooldown(configured: Configured) -> None:
    analyzer = configured({PROTECTION_APPLIED: {"requireCooldown": True}})

    assert analyzer.analyze_stack([deployed_image("enabled-with-cooldown")]) == []
    assert reported(analyzer.analyze_stack([deployed_image("enabled-without-cooldown")])) == [
        (
            "mandatory",
            'protectionState must be "enabled-with-cooldown" because requireCooldown is set, but '
            'AWS reports "enabled-without-cooldown".',
        )
    ]


def test_exemption(configured: Configured) -> None:
    analyzer = configured({PROTECTION_APPLIED: {"exemptResources": ["web"]}})
    assert analyzer.analyze_stack([deployed_image("disabled")]) == []


def test_enforcement_level_override(configured: Configured) -> None:
    analyzer = configured({PROTECTION_APPLIED: "advisory"})
    diagnostics = analyzer.analyze_stack([deployed_image("disabled")])
    assert [d.enforcement_level for d in diagnostics] == ["advisory"]


def test_resource_policies_do_not_run_on_the_stack(analyzer: AnalyzerClient) -> None:
    assert analyzer.analyze_stack([machine_image(deregistrationProtection="disabled")]) == []


@pytest.mark.parametrize(
    ("reported_state", "parsed"),
    [
        ("enabled-with-cooldown", ProtectionState(enabled=True, cooldown=True)),
        ("enabled-without-cooldown", ProtectionState(enabled=True, cooldown=False)),
        ("Enabled-With-Cooldown", ProtectionState(enabled=True, cooldown=True)),
        (" enabled ", ProtectionState(enabled=True, cooldown=False)),
        ("disabled", ProtectionState(enabled=False, cooldown=False)),
        (
            "disabled after 2025-06-02T10:00:00Z",
            ProtectionState(enabled=False, cooldown=False, disabled_after="2025-06-02T10:00:00Z"),
        ),
        (
            "disabled-after-2025-06-02T10:00:00Z",
            ProtectionState(enabled=False, cooldown=False, disabled_after="2025-06-02T10:00:00Z"),
        ),
        ("Enabled With Cooldown", ProtectionState(enabled=True, cooldown=True)),
        ("enabled-with-cooldown-72h", ProtectionState(enabled=True, cooldown=True)),
        (
            "Disabled after 2025-06-02 10:00 UTC",
            ProtectionState(enabled=False, cooldown=False, disabled_after="2025-06-02 10:00 UTC"),
        ),
        ("pending-review", None),
        ("", None),
    ],
)
def test_parse_protection_state(reported_state: str, parsed: ProtectionState | None) -> None:
    assert parse_protection_state(reported_state) == parsed
