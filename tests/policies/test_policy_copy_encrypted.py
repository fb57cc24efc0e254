"""`ami-copy-encrypted`: copies into another Region are encrypted."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource
from tests.policies.policy_cases import (
    AMI_COPY,
    COPY_ENCRYPTED,
    Configured,
    analyze_with_provider,
    copy_target,
    image_copy,
    in_days,
    machine_image,
    note,
    reported,
)


def crossing(source: str, destination: str, path: str = "encrypted") -> tuple[str, str]:
    return (
        "advisory",
        f'{path} must be true, because the copy goes from "{source}" to another Region, '
        f'"{destination}".',
    )


def cannot_tell(without: str, path: str = "encrypted") -> tuple[str, str]:
    return (
        "advisory",
        f"{path} must be true unless the copy stays in its source Region, which this policy "
        f"can't tell without {without}.",
    )


UNENCRYPTED = image_copy(encrypted=False)
WITHOUT_REGION = UNENCRYPTED.without_properties("region")


def ami_copy(**properties: object) -> Resource:
    return Resource(
        type=AMI_COPY,
        name="legacy-copy",
        properties={
            "name": "legacy-copy",
            "sourceAmiId": "ami-0123456789abcdef0",
            "sourceAmiRegion": "us-west-1",
            "deprecationTime": in_days(90),
            **properties,
        },
    )


class TestImageCopy:
    def test_encrypted_copy_passes(self, analyzer: AnalyzerClient) -> None:
        assert analyzer.analyze(image_copy()) == []

    def test_unencrypted_copy_into_another_region(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(UNENCRYPTED)
        assert reported(diagnostics) == [crossing("us-east-1", "eu-west-1")]
        assert diagnostics[0].policy_name == COPY_ENCRYPTED

    def test_encryption_left_out_is_unencrypted(self, analyzer: AnalyzerClient) -> None:
        resource = image_copy().without_properties("encrypted")
        assert reported(analyzer.analyze(resource)) == [crossing("us-east-1", "eu-west-1")]

    def test_unencrypted_copy_within_its_region_passes(self, analyzer: AnalyzerClient) -> None:
        assert analyzer.analyze(UNENCRYPTED.with_properties(region="us-east-1")) == []

    def test_without_region_the_provider_region_is_the_destination(
        self, analyzer: AnalyzerClient
    ) -> None:
        assert analyze_with_provider(analyzer, WITHOUT_REGION, {"region": "us-east-1"}) == []
        assert reported(
            analyze_with_provider(analyzer, WITHOUT_REGION, {"region": "ap-south-1"})
        ) == [crossing("us-east-1", "ap-south-1")]

    def test_declared_region_wins_over_the_provider_region(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyze_with_provider(analyzer, UNENCRYPTED, {"region": "us-east-1"})
        assert reported(diagnostics) == [crossing("us-east-1", "eu-west-1")]

    def test_without_any_region_the_copy_must_be_encrypted(self, analyzer: AnalyzerClient) -> None:
        # The provider may take its Region from AWS_REGION, which no policy can see: the
        # Regions can't be compared even during `pulumi up`.
        expected = [cannot_tell("region (on the resource or its provider)")]
        assert reported(analyzer.analyze(WITHOUT_REGION)) == expected
        assert reported(analyze_with_provider(analyzer, WITHOUT_REGION, {})) == expected
        assert analyzer.analyze(WITHOUT_REGION.with_properties(encrypted=True)) == []

    def test_without_source_region(self, analyzer: AnalyzerClient) -> None:
        resource = UNENCRYPTED.without_properties("sourceRegion")
        assert reported(analyzer.analyze(resource)) == [cannot_tell("sourceRegion")]

    def test_unknown_regions_advise(self, analyzer: AnalyzerClient) -> None:
        resource = UNENCRYPTED.with_properties(sourceRegion=UNKNOWN)
        assert reported(analyzer.analyze(resource)) == [note("sourceRegion", COPY_ENCRYPTED)]
        assert reported(analyze_with_provider(analyzer, WITHOUT_REGION, {"region": UNKNOWN})) == [
            note("the provider's region", COPY_ENCRYPTED)
        ]

    def test_unknown_encryption_advises_only_where_it_matters(
        self, analyzer: AnalyzerClient
    ) -> None:
        resource = image_copy(encrypted=UNKNOWN)
        assert reported(analyzer.analyze(resource)) == [note("encrypted", COPY_ENCRYPTED)]
        assert analyzer.analyze(resource.with_properties(region="us-east-1")) == []

    def test_unknown_encryption_and_region_are_both_noted(self, analyzer: AnalyzerClient) -> None:
        resource = image_copy(encrypted=UNKNOWN, region=UNKNOWN)
        assert reported(analyzer.analyze(resource)) == [
            note("region", COPY_ENCRYPTED),
            note("encrypted", COPY_ENCRYPTED),
        ]


class TestComponentCopies:
    def test_encrypted_copies_pass(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(region="us-east-1", copies=[copy_target()])
        assert analyzer.analyze(resource) == []

    def test_an_unencrypted_copy_into_another_region(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            region="us-east-1",
            copies=[
                copy_target(),
                copy_target(region="us-east-1", encrypted=False),
                copy_target(region="eu-central-1", encrypted=False),
            ],
        )
        assert reported(analyzer.analyze(resource)) == [
            crossing("us-east-1", "eu-central-1", "copies[2].encrypted")
        ]

    def test_without_the_component_region(self, analyzer: AnalyzerClient) -> None:
        # A component gets no provider inputs from the engine; its ImageCopy children do.
        resource = machine_image(copies=[copy_target(encrypted=False)])
        assert reported(analyzer.analyze(resource)) == [
            cannot_tell("region on the component", "copies[0].encrypted")
        ]

    def test_without_the_copy_region(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(region="us-east-1", copies=[{"encrypted": False}])
        assert reported(analyzer.analyze(resource), COPY_ENCRYPTED) == [
            cannot_tell("copies[0].region", "copies[0].encrypted")
        ]

    def test_unknown_copy_region_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            region="us-east-1", copies=[copy_target(region=UNKNOWN, encrypted=False)]
        )
        assert reported(analyzer.analyze(resource)) == [note("copies[0].region", COPY_ENCRYPTED)]


class TestPulumiAws:
    def test_unencrypted_copy_into_the_provider_region(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyze_with_provider(
            analyzer, ami_copy(), {"region": "us-east-1"}, "pulumi:providers:aws"
        )
        assert reported(diagnostics, COPY_ENCRYPTED) == [crossing("us-west-1", "us-east-1")]

    def test_its_own_region_wins(self, analyzer: AnalyzerClient) -> None:
        resource = ami_copy(region="us-west-1")
        diagnostics = analyze_with_provider(
            analyzer, resource, {"region": "us-east-1"}, "pulumi:providers:aws"
        )
        assert reported(diagnostics, COPY_ENCRYPTED) == []

    def test_encrypted_passes(self, analyzer: AnalyzerClient) -> None:
        assert reported(analyzer.analyze(ami_copy(encrypted=True)), COPY_ENCRYPTED) == []

    def test_without_any_region(self, analyzer: AnalyzerClient) -> None:
        assert reported(analyzer.analyze(ami_copy()), COPY_ENCRYPTED) == [
            cannot_tell("region (on the resource or its provider)")
        ]

    def test_without_source_region(self, analyzer: AnalyzerClient) -> None:
        resource = ami_copy(region="us-east-1").without_properties("sourceAmiRegion")
        assert reported(analyzer.analyze(resource), COPY_ENCRYPTED) == [
            cannot_tell("sourceAmiRegion")
        ]


def test_exempting_the_component_exempts_its_copies(configured: Configured) -> None:
    analyzer = configured({COPY_ENCRYPTED: {"exemptResources": ["web"]}})
    component = machine_image(copies=[copy_target(encrypted=False)])

    assert analyzer.analyze(component) == []
    assert analyzer.analyze(image_copy(component, encrypted=False)) == []
    assert len(analyzer.analyze(UNENCRYPTED)) == 1


@pytest.mark.parametrize("level", ["mandatory", "disabled"])
def test_level_can_be_changed(configured: Configured, level: str) -> None:
    diagnostics = configured({COPY_ENCRYPTED: level}).analyze(UNENCRYPTED)
    assert [d.enforcement_level for d in diagnostics] == ([level] if level != "disabled" else [])
