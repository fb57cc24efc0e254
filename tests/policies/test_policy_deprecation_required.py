"""`ami-deprecation-required`: every image has a deprecation time, not too far ahead."""

from __future__ import annotations

import pytest
from pulumi.runtime import proto

from analyzer_host import UNKNOWN, AnalyzerClient, PolicyPackConfigError, Resource
from policies.ami_guard import DeprecationConfig, PolicyConfigError, parse_deprecation_time
from tests.policies.policy_cases import (
    AWS_IMAGE_TYPES,
    DEPRECATION,
    Configured,
    copy_target,
    image,
    image_copy,
    in_days,
    machine_image,
    note,
    reported,
    standalone_image,
)

MISSING = (
    "advisory",
    "deprecationTime must be set, at most 365 days ahead, so that the image is deprecated before "
    "it goes stale.",
)


def too_far(value: str, path: str = "deprecationTime", days: int = 365) -> tuple[str, str]:
    return ("advisory", f'{path} must be at most {days} days ahead, not "{value}".')


def malformed(value: str) -> tuple[str, str]:
    return (
        "advisory",
        f'deprecationTime must be a UTC time of the form YYYY-MM-DDTHH:MM:SSZ, not "{value}".',
    )


OURS = [machine_image(), image(), standalone_image(), image_copy(), image_copy(machine_image())]
OUR_IDS = ["component", "image", "standalone-image", "copy", "component-copy"]


@pytest.mark.parametrize("resource", OURS, ids=OUR_IDS)
def test_a_deprecation_time_within_the_limit_passes(
    analyzer: AnalyzerClient, resource: Resource
) -> None:
    assert analyzer.analyze(resource.with_properties(deprecationTime=in_days(364))) == []


@pytest.mark.parametrize("resource", OURS, ids=OUR_IDS)
def test_a_missing_deprecation_time_is_advisory(
    analyzer: AnalyzerClient, resource: Resource
) -> None:
    diagnostics = analyzer.analyze(resource.without_properties("deprecationTime"))
    assert reported(diagnostics) == [MISSING]
    assert diagnostics[0].policy_name == DEPRECATION


@pytest.mark.parametrize("value", [None, ""], ids=["null", "empty"])
def test_an_empty_deprecation_time_is_missing(analyzer: AnalyzerClient, value: object) -> None:
    assert reported(analyzer.analyze(machine_image(deprecationTime=value))) == [MISSING]


@pytest.mark.parametrize("aws_type", AWS_IMAGE_TYPES)
def test_pulumi_aws_images(analyzer: AnalyzerClient, aws_type: str) -> None:
    resource = Resource(type=aws_type, name="legacy", properties={"name": "legacy"})
    assert reported(analyzer.analyze(resource), DEPRECATION) == [MISSING]
    dated = resource.with_properties(deprecationTime=in_days(30))
    assert reported(analyzer.analyze(dated), DEPRECATION) == []


def test_too_far_ahead_is_advisory(analyzer: AnalyzerClient) -> None:
    value = in_days(366)
    assert reported(analyzer.analyze(image(deprecationTime=value))) == [too_far(value)]


def test_a_time_already_past_passes(analyzer: AnalyzerClient) -> None:
    # The image is deprecated already, which is what the policy asks for.
    assert analyzer.analyze(machine_image(deprecationTime="2020-01-01T00:00:00Z")) == []


@pytest.mark.parametrize("value", ["next year", "2030-01-01", "2030-01-01T00:00:00", "1"])
def test_a_value_that_is_no_utc_time_is_advisory(analyzer: AnalyzerClient, value: str) -> None:
    assert reported(analyzer.analyze(machine_image(deprecationTime=value))) == [malformed(value)]


def test_a_number_is_no_time(analyzer: AnalyzerClient) -> None:
    assert reported(analyzer.analyze(machine_image(deprecationTime=1767225600))) == [
        (
            "advisory",
            "deprecationTime must be a UTC time of the form YYYY-MM-DDTHH:MM:SSZ, not 1767225600.",
        )
    ]


def test_instants_are_compared_not_strings() -> None:
    assert parse_deprecation_time("2030-01-01T00:00:00.000Z") == parse_deprecation_time(
        "2030-01-01T01:00:00+01:00"
    )


class TestCopies:
    def test_a_copy_takes_the_component_time(self, analyzer: AnalyzerClient) -> None:
        assert analyzer.analyze(machine_image(copies=[copy_target()])) == []

    def test_a_copy_time_too_far_ahead(self, analyzer: AnalyzerClient) -> None:
        value = in_days(400)
        resource = machine_image(
            copies=[copy_target(), copy_target(region="eu-central-1", deprecationTime=value)]
        )
        assert reported(analyzer.analyze(resource)) == [too_far(value, "copies[1].deprecationTime")]

    def test_an_unknown_copy_time_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(copies=[copy_target(deprecationTime=UNKNOWN)])
        assert reported(analyzer.analyze(resource)) == [
            note("copies[0].deprecationTime", DEPRECATION)
        ]


def test_unknown_value_advises(analyzer: AnalyzerClient) -> None:
    assert reported(analyzer.analyze(image(deprecationTime=UNKNOWN))) == [
        note("deprecationTime", DEPRECATION)
    ]


class TestConfig:
    def test_max_days(self, configured: Configured) -> None:
        analyzer = configured({DEPRECATION: {"maxDays": 30}})
        value = in_days(31)

        assert reported(analyzer.analyze(machine_image(deprecationTime=value))) == [
            too_far(value, days=30)
        ]
        assert analyzer.analyze(machine_image(deprecationTime=in_days(29))) == []

    def test_missing_names_the_configured_limit(self, configured: Configured) -> None:
        analyzer = configured({DEPRECATION: {"maxDays": 90}})
        resource = machine_image().without_properties("deprecationTime")
        assert reported(analyzer.analyze(resource)) == [
            (
                "advisory",
                "deprecationTime must be set, at most 90 days ahead, so that the image is "
                "deprecated before it goes stale.",
            )
        ]

    def test_exempting_the_component_exempts_its_image_and_copies(
        self, configured: Configured
    ) -> None:
        analyzer = configured({DEPRECATION: {"exemptResources": ["web"]}})
        component = machine_image().without_properties("deprecationTime")

        assert analyzer.analyze(component) == []
        assert analyzer.analyze(image(component)) == []
        assert analyzer.analyze(image_copy(component).without_properties("deprecationTime")) == []

    def test_can_be_made_mandatory(self, configured: Configured) -> None:
        analyzer = configured({DEPRECATION: "mandatory"})
        resource = machine_image().without_properties("deprecationTime")
        assert [level for level, _ in reported(analyzer.analyze(resource))] == ["mandatory"]

    @pytest.mark.parametrize("max_days", [0, 3651, 1.5])
    def test_the_engine_refuses_a_limit_out_of_range(
        self, configured: Configured, max_days: float
    ) -> None:
        with pytest.raises(PolicyPackConfigError) as raised:
            configured({DEPRECATION: {"maxDays": max_days}})
        assert str(raised.value).startswith(f"{DEPRECATION}: {max_days!r} ")

    def test_the_pack_refuses_what_the_engine_did_not_check(self, analyzer: AnalyzerClient) -> None:
        bad = proto.PolicyConfig(enforcementLevel=proto.ADVISORY)
        bad.properties.update({"maxDays": 0})
        analyzer.transport(
            "Configure", proto.ConfigureAnalyzerRequest(policyConfig={DEPRECATION: bad})
        )

        with pytest.raises(PolicyConfigError) as raised:
            analyzer.analyze(machine_image())
        assert str(raised.value) == (
            "ami-deprecation-required: maxDays must be a whole number of days from 1 to 3650, "
            "not 0.0."
        )

    def test_whole_doubles_are_days(self) -> None:
        assert DeprecationConfig.parse(DEPRECATION, {"maxDays": 30.0}).max_days == 30
