"""`ami-deregistration-protection`: every image declares deregistration protection."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pulumi.runtime import proto

from analyzer_host import UNKNOWN, AnalyzerClient, Resource, Secret
from policies.ami_guard import PolicyConfigError, ProtectionConfig
from tests.policies.policy_cases import (
    AWS_IMAGE_TYPES,
    DESCRIPTIONS,
    IMAGE,
    IMAGE_COPY,
    MACHINE_IMAGE,
    PROTECTION,
    VALUES_KNOWN,
    Configured,
    copy_target,
    image,
    image_copy,
    machine_image,
    note,
    reported,
    standalone_image,
)

ENABLED_OR_COOLDOWN = 'deregistrationProtection must be "enabled" or "enabled-with-cooldown"'


@pytest.mark.parametrize("resource", [machine_image(), image()], ids=["component", "image"])
def test_happy_path_passes_every_policy(analyzer: AnalyzerClient, resource: Resource) -> None:
    assert analyzer.analyze(resource) == []


def test_cooldown_is_enabled_too(analyzer: AnalyzerClient) -> None:
    resource = machine_image(deregistrationProtection="enabled-with-cooldown")
    assert analyzer.analyze(resource) == []


def test_disabled_component_is_mandatory_violation(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(machine_image(deregistrationProtection="disabled"))

    assert reported(diagnostics) == [("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')]
    [diagnostic] = diagnostics
    assert diagnostic.policy_name == PROTECTION
    assert diagnostic.policy_pack_name == "ami-lifecycle-guard"
    # What the CLI prints: the description, then the violation.
    assert diagnostic.message == (
        f'{DESCRIPTIONS[PROTECTION]}\n{ENABLED_OR_COOLDOWN}, not "disabled".'
    )


def test_disabled_image_is_checked_by_its_own_type(analyzer: AnalyzerClient) -> None:
    # The Image is checked even when its component says otherwise, or isn't there.
    resource = image(deregistrationProtection="disabled")
    assert resource.type == IMAGE

    assert reported(analyzer.analyze(resource)) == [
        ("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')
    ]


def test_image_without_component_is_checked(analyzer: AnalyzerClient) -> None:
    standalone = standalone_image(deregistrationProtection="disabled")
    assert standalone.parent is None
    assert reported(analyzer.analyze(standalone)) == [
        ("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')
    ]


@pytest.mark.parametrize(
    "resource", [image_copy(), image_copy(machine_image())], ids=["copy", "component-copy"]
)
def test_disabled_image_copy_is_checked_by_its_own_type(
    analyzer: AnalyzerClient, resource: Resource
) -> None:
    assert resource.type == IMAGE_COPY
    assert analyzer.analyze(resource) == []
    assert reported(
        analyzer.analyze(resource.with_properties(deregistrationProtection="disabled"))
    ) == [("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')]


def test_each_copy_of_the_component_is_checked(analyzer: AnalyzerClient) -> None:
    resource = machine_image(
        copies=[
            copy_target(deregistrationProtection="enabled-with-cooldown"),
            copy_target(region="eu-central-1", deregistrationProtection="disabled"),
            copy_target(region="ap-south-1"),
        ]
    )
    assert reported(analyzer.analyze(resource)) == [
        (
            "mandatory",
            'copies[1].deregistrationProtection must be "enabled" or "enabled-with-cooldown", '
            'not "disabled".',
        )
    ]


def test_an_unknown_copy_value_advises(analyzer: AnalyzerClient) -> None:
    resource = machine_image(copies=[copy_target(deregistrationProtection=UNKNOWN)])
    assert reported(analyzer.analyze(resource)) == [
        note("copies[0].deregistrationProtection", PROTECTION)
    ]


def test_component_without_value_gets_enabled_default(analyzer: AnalyzerClient) -> None:
    resource = machine_image().without_properties("deregistrationProtection")
    assert analyzer.analyze(resource) == []


def test_null_component_value_gets_enabled_default(analyzer: AnalyzerClient) -> None:
    assert analyzer.analyze(machine_image(deregistrationProtection=None)) == []


def test_image_without_value_gets_provider_default(analyzer: AnalyzerClient) -> None:
    # The Image's provider defaults to "enabled" too (and its Check fills it in before Analyze).
    resource = image().without_properties("deregistrationProtection")
    assert analyzer.analyze(resource) == []


def test_value_of_wrong_type_is_violation(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(machine_image(deregistrationProtection=True))
    assert reported(diagnostics) == [("mandatory", f"{ENABLED_OR_COOLDOWN}, not true.")]


def test_secret_value_is_checked_like_plain_one(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(machine_image(deregistrationProtection=Secret("disabled")))
    assert reported(diagnostics) == [("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')]


@pytest.mark.parametrize("aws_type", AWS_IMAGE_TYPES)
def test_pulumi_aws_image_types_point_at_component(analyzer: AnalyzerClient, aws_type: str) -> None:
    resource = Resource(
        type=aws_type, name="legacy", properties={"name": "legacy", "tags": {"team": "platform"}}
    )

    assert reported(analyzer.analyze(resource), PROTECTION) == [
        (
            "mandatory",
            f"AMIs must be managed with the {MACHINE_IMAGE} component, because {aws_type} cannot "
            "enable deregistration protection.",
        )
    ]


def test_unknown_value_advises_instead_of_failing(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(machine_image(deregistrationProtection=UNKNOWN))

    assert reported(diagnostics, PROTECTION) == []
    assert reported(diagnostics) == [note("deregistrationProtection", PROTECTION)]
    assert diagnostics[0].policy_name == VALUES_KNOWN


class TestRequireCooldown:
    CONFIG: ClassVar = {PROTECTION: {"requireCooldown": True}}

    def test_cooldown_passes(self, configured: Configured) -> None:
        resource = machine_image(deregistrationProtection="enabled-with-cooldown")
        assert configured(self.CONFIG).analyze(resource) == []

    def test_enabled_without_cooldown_is_violation(self, configured: Configured) -> None:
        diagnostics = configured(self.CONFIG).analyze(image(deregistrationProtection="enabled"))

        assert reported(diagnostics) == [
            (
                "mandatory",
                'deregistrationProtection must be "enabled-with-cooldown" because requireCooldown '
                'is set, not "enabled".',
            )
        ]

    def test_a_copy_without_its_own_value_takes_the_component_value(
        self, configured: Configured
    ) -> None:
        resource = machine_image(
            deregistrationProtection="enabled-with-cooldown",
            copies=[
                copy_target(),
                copy_target(region="ap-south-1", deregistrationProtection="enabled"),
            ],
        )
        assert reported(configured(self.CONFIG).analyze(resource)) == [
            (
                "mandatory",
                'copies[1].deregistrationProtection must be "enabled-with-cooldown" because '
                'requireCooldown is set, not "enabled".',
            )
        ]

    def test_component_default_is_violation(self, configured: Configured) -> None:
        resource = machine_image().without_properties("deregistrationProtection")

        assert reported(configured(self.CONFIG).analyze(resource)) == [
            (
                "mandatory",
                'deregistrationProtection must be "enabled-with-cooldown" because requireCooldown '
                'is set, not the default "enabled".',
            )
        ]

    def test_disabled_is_violation(self, configured: Configured) -> None:
        diagnostics = configured(self.CONFIG).analyze(
            machine_image(deregistrationProtection="disabled")
        )

        assert reported(diagnostics) == [
            (
                "mandatory",
                'deregistrationProtection must be "enabled-with-cooldown" because requireCooldown '
                'is set, not "disabled".',
            )
        ]


class TestExemptions:
    DISABLED = machine_image("legacy", deregistrationProtection="disabled")

    def exempting(self, configured: Configured, *listed: str) -> AnalyzerClient:
        return configured({PROTECTION: {"exemptResources": list(listed)}})

    def test_by_name(self, configured: Configured) -> None:
        assert self.exempting(configured, "legacy").analyze(self.DISABLED) == []

    def test_by_urn(self, configured: Configured) -> None:
        analyzer = self.exempting(configured, self.DISABLED.urn)
        assert analyzer.analyze(self.DISABLED) == []

    def test_component_exempts_its_image(self, configured: Configured) -> None:
        child = image(self.DISABLED)
        assert child.name == "legacy-image"
        assert self.exempting(configured, "legacy").analyze(child) == []

    def test_other_resources_are_still_checked(self, configured: Configured) -> None:
        other = machine_image("web", deregistrationProtection="disabled")
        assert reported(self.exempting(configured, "legacy").analyze(other)) == [
            ("mandatory", f'{ENABLED_OR_COOLDOWN}, not "disabled".')
        ]

    def test_listing_the_stack_exempts_nothing(self, configured: Configured) -> None:
        # Every top-level resource's parent is the stack; only a MachineImage passes exemptions on.
        analyzer = self.exempting(configured, "golden-image-dev", self.DISABLED.parent_urn)
        assert len(analyzer.analyze(self.DISABLED)) == 1

    def test_pulumi_aws_image_by_name(self, configured: Configured) -> None:
        legacy = Resource(type="aws:ec2/ami:Ami", name="legacy-ami")
        assert reported(self.exempting(configured, "legacy-ami").analyze(legacy), PROTECTION) == []

    def test_a_tag_does_not_exempt(self, analyzer: AnalyzerClient) -> None:
        tagged = self.DISABLED.with_properties(tags={"exemptResources": "legacy", "exempt": "true"})
        assert len(analyzer.analyze(tagged)) == 1


class TestEnforcementLevel:
    DISABLED = machine_image(deregistrationProtection="disabled")

    def test_overridden_to_advisory(self, configured: Configured) -> None:
        analyzer = configured({PROTECTION: "advisory"})
        assert [d.enforcement_level for d in analyzer.analyze(self.DISABLED)] == ["advisory"]

    def test_overridden_with_properties(self, configured: Configured) -> None:
        analyzer = configured(
            {PROTECTION: {"enforcementLevel": "advisory", "requireCooldown": True}}
        )
        assert reported(analyzer.analyze(self.DISABLED)) == [
            (
                "advisory",
                'deregistrationProtection must be "enabled-with-cooldown" because requireCooldown '
                'is set, not "disabled".',
            )
        ]

    def test_disabled_policy_reports_nothing(self, configured: Configured) -> None:
        assert configured({PROTECTION: "disabled"}).analyze(self.DISABLED) == []

    def test_all_sets_every_policy(self, configured: Configured) -> None:
        analyzer = configured({"all": "advisory"})
        assert [d.enforcement_level for d in analyzer.analyze(self.DISABLED)] == ["advisory"]


class TestConfigErrors:
    def test_config_the_engine_did_not_validate_stops_the_analysis(
        self, analyzer: AnalyzerClient
    ) -> None:
        # What an older CLI, which skips the schemas, could send: refused, not guessed at.
        bad = proto.PolicyConfig(enforcementLevel=proto.MANDATORY)
        bad.properties.update({"requireCooldown": "yes"})
        analyzer.transport(
            "Configure", proto.ConfigureAnalyzerRequest(policyConfig={PROTECTION: bad})
        )

        with pytest.raises(PolicyConfigError) as raised:
            analyzer.analyze(machine_image())
        assert str(raised.value) == (
            "ami-deregistration-protection: requireCooldown must be true or false, not 'yes'."
        )

    def test_wrong_type_is_refused(self) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            ProtectionConfig.parse(PROTECTION, {"requireCooldown": "yes"})
        assert str(raised.value) == (
            "ami-deregistration-protection: requireCooldown must be true or false, not 'yes'."
        )

    def test_exemptions_must_be_names(self) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            ProtectionConfig.parse(PROTECTION, {"exemptResources": "legacy"})
        assert str(raised.value) == (
            "ami-deregistration-protection: exemptResources must be a list of resource URNs or "
            "names, not 'legacy'."
        )
