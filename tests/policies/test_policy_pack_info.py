"""What the pack tells the engine about itself, and the documented configuration example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi.runtime import proto

from analyzer_host import (
    UNKNOWN,
    AnalyzerClient,
    PolicyPackConfigError,
    load_config_file,
    policy_schemas,
)
from policies.ami_guard import PACK_OPTIONS
from tests.policies.policy_cases import (
    ALLOWED_TARGETS,
    COPY_ENCRYPTED,
    DEPRECATION,
    NO_PUBLIC,
    PROTECTION,
    PROTECTION_APPLIED,
    RATE,
    SNAPSHOTS,
    VALUES_KNOWN,
    Configured,
    deployed_image,
    ebs_volume,
    image,
    in_days,
    machine_image,
    reported,
)

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
EXAMPLE_CONFIG = PACK_DIR / "policy-config.example.json"


def test_policies_and_default_levels(analyzer: AnalyzerClient) -> None:
    info = analyzer.analyzer_info()

    assert info.name == "ami-lifecycle-guard"
    assert info.supportsConfig
    levels = {p.name: proto.EnforcementLevel.Name(p.enforcementLevel) for p in info.policies}
    assert levels == {
        PROTECTION: "MANDATORY",
        PROTECTION_APPLIED: "MANDATORY",
        RATE: "MANDATORY",
        SNAPSHOTS: "ADVISORY",
        NO_PUBLIC: "MANDATORY",
        ALLOWED_TARGETS: "MANDATORY",
        DEPRECATION: "ADVISORY",
        COPY_ENCRYPTED: "ADVISORY",
        VALUES_KNOWN: "ADVISORY",
    }


def test_only_the_applied_check_is_a_stack_policy(analyzer: AnalyzerClient) -> None:
    # It reads outputs, which exist only once the stack is deployed (AnalyzeStack).
    types = {p.name: p.policy_type for p in analyzer.analyzer_info().policies}
    stack_policies = [n for n, t in types.items() if t == proto.PolicyType.POLICY_TYPE_STACK]
    assert stack_policies == [PROTECTION_APPLIED]


def test_served_by_the_pulumi_policy_release_it_is_written_for(analyzer: AnalyzerClient) -> None:
    # ami_guard/property_values.py works around how this release hands over unknown values.
    assert analyzer.plugin_info() == "1.21.0"


def test_policy_names_and_descriptions_follow_house_style() -> None:
    for policy in PACK_OPTIONS["policies"]:
        assert re.fullmatch(r"ami(-[a-z]+)+", policy.name), policy.name
        assert policy.description.startswith("Checks whether "), policy.name
        assert policy.description.endswith("."), policy.name


def test_config_schemas(analyzer: AnalyzerClient) -> None:
    schemas = {
        name: schema["properties"]
        for name, schema in policy_schemas(analyzer.analyzer_info()).items()
    }
    assert set(schemas[PROTECTION]) == {"requireCooldown", "exemptResources"}
    assert set(schemas[PROTECTION_APPLIED]) == {"requireCooldown", "exemptResources"}
    assert set(schemas[SNAPSHOTS]) == {"exemptResources"}
    assert set(schemas[NO_PUBLIC]) == {"exemptResources"}
    assert set(schemas[COPY_ENCRYPTED]) == {"exemptResources"}
    assert set(schemas[DEPRECATION]) == {"maxDays", "exemptResources"}
    assert schemas[DEPRECATION]["maxDays"]["default"] == 365
    assert set(schemas[ALLOWED_TARGETS]) == {
        "allowedAccountIds",
        "allowedOrganizationArns",
        "allowedOrganizationalUnitArns",
    }
    assert all(schemas[ALLOWED_TARGETS][name]["default"] == [] for name in schemas[ALLOWED_TARGETS])
    assert schemas[PROTECTION]["requireCooldown"]["default"] is False
    assert schemas[PROTECTION]["exemptResources"]["items"] == {"type": "string", "minLength": 1}


def test_schema_rejects_malformed_config(configured: Configured) -> None:
    with pytest.raises(PolicyPackConfigError) as raised:
        configured({PROTECTION: {"requireCooldown": "yes"}})
    assert str(raised.value) == "ami-deregistration-protection: 'yes' is not of type 'boolean'"


def test_invalid_enforcement_level_is_refused(configured: Configured) -> None:
    with pytest.raises(PolicyPackConfigError) as raised:
        configured({RATE: "warn"})
    assert "'warn' is not a valid enforcement level" in str(raised.value)


class TestDocumentedExample:
    """policies/policy-config.example.json, the file README.md walks through."""

    @pytest.fixture
    def example(self, configured: Configured) -> AnalyzerClient:
        return configured(load_config_file(EXAMPLE_CONFIG))

    def test_requires_cooldown(self, example: AnalyzerClient) -> None:
        assert reported(example.analyze(machine_image()), PROTECTION) == [
            (
                "mandatory",
                'deregistrationProtection must be "enabled-with-cooldown" because requireCooldown '
                'is set, not "enabled".',
            )
        ]
        assert example.analyze_stack([deployed_image("enabled-with-cooldown")]) == []

    def test_exempts_the_legacy_image(self, example: AnalyzerClient) -> None:
        legacy = machine_image("legacy-base", deregistrationProtection="disabled")
        assert example.analyze(legacy) == []
        assert example.analyze(image(legacy)) == []
        assert example.analyze_stack([image(legacy, protectionState="disabled")]) == []

    def test_makes_kept_snapshots_mandatory(self, example: AnalyzerClient) -> None:
        resource = machine_image(
            deregistrationProtection="enabled-with-cooldown", deleteSnapshotsOnDestroy=False
        )
        assert [level for level, _ in reported(example.analyze(resource))] == ["mandatory"]
        assert example.analyze(resource.with_properties(deleteSnapshotsOnDestroy=True)) == []

    def test_shares_only_with_the_listed_account_and_organization(
        self, example: AnalyzerClient
    ) -> None:
        protected = machine_image(deregistrationProtection="enabled-with-cooldown")
        allowed = {
            "userIds": ["111122223333"],
            "organizationalUnitArns": [
                "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"
            ],
        }
        assert example.analyze(protected.with_properties(launchPermissions=allowed)) == []
        other = protected.with_properties(launchPermissions={"userIds": ["444455556666"]})
        assert reported(example.analyze(other)) == [
            (
                "mandatory",
                "launchPermissions.userIds[0] must be an account listed in allowedAccountIds, not "
                '"444455556666".',
            )
        ]

    def test_limits_deprecation_to_180_days_except_the_archive(
        self, example: AnalyzerClient
    ) -> None:
        late = in_days(200)
        image = machine_image(
            deregistrationProtection="enabled-with-cooldown", deprecationTime=late
        )
        assert reported(example.analyze(image)) == [
            ("advisory", f'deprecationTime must be at most 180 days ahead, not "{late}".')
        ]
        archive = machine_image(
            "golden-archive", deregistrationProtection="enabled-with-cooldown", deprecationTime=late
        )
        assert example.analyze(archive) == []

    def test_makes_public_images_and_unencrypted_copies_blocking(
        self, example: AnalyzerClient
    ) -> None:
        resource = machine_image(
            deregistrationProtection="enabled-with-cooldown",
            launchPermissions={"public": True},
            region="us-east-1",
            copies=[{"region": "eu-west-1"}],
        )
        assert [(d.policy_name, d.enforcement_level) for d in example.analyze(resource)] == [
            (NO_PUBLIC, "mandatory"),
            (COPY_ENCRYPTED, "mandatory"),
        ]

    def test_keeps_unknowns_advisory(self, example: AnalyzerClient) -> None:
        diagnostics = example.analyze(ebs_volume(volumeInitializationRate=UNKNOWN))
        assert [d.enforcement_level for d in diagnostics] == ["advisory"]
