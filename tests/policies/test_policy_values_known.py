"""`ami-policy-values-known`: values unknown during preview advise; they never block or vanish."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource, Secret, UnknownValue
from tests.policies.policy_cases import (
    ALLOWED_TARGETS,
    COPY_ENCRYPTED,
    DEPRECATION,
    NO_PUBLIC,
    PROTECTION,
    RATE,
    SNAPSHOTS,
    VALUES_KNOWN,
    Configured,
    ebs_volume,
    image,
    machine_image,
    note,
    reported,
    root_volume,
)

EVERYTHING_UNKNOWN = machine_image(
    deregistrationProtection=UNKNOWN,
    deleteSnapshotsOnDestroy=UNKNOWN,
    blockDeviceMappings=[root_volume(volumeInitializationRate=UNKNOWN)],
)


def test_each_unknown_is_named_with_the_policy_waiting_for_it(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(EVERYTHING_UNKNOWN)

    assert reported(diagnostics) == [
        note("deregistrationProtection", PROTECTION),
        note("blockDeviceMappings[0].ebs.volumeInitializationRate", RATE),
        note("deleteSnapshotsOnDestroy", SNAPSHOTS),
    ]
    assert {d.policy_name for d in diagnostics} == {VALUES_KNOWN}


def test_sharing_deprecation_and_copies_wait_too(analyzer: AnalyzerClient) -> None:
    resource = machine_image(launchPermissions=UNKNOWN, deprecationTime=UNKNOWN, copies=UNKNOWN)

    assert reported(analyzer.analyze(resource)) == [
        note("copies", PROTECTION),
        note("launchPermissions", NO_PUBLIC),
        note("copies", NO_PUBLIC),
        note("launchPermissions", ALLOWED_TARGETS),
        note("copies", ALLOWED_TARGETS),
        note("deprecationTime", DEPRECATION),
        note("copies", DEPRECATION),
        note("copies", COPY_ENCRYPTED),
    ]


def test_the_same_resource_with_known_values_is_enforced(analyzer: AnalyzerClient) -> None:
    # What `pulumi up` sends once the values are resolved.
    resolved = EVERYTHING_UNKNOWN.with_properties(
        deregistrationProtection="disabled", deleteSnapshotsOnDestroy=True
    ).with_properties(blockDeviceMappings=[root_volume()])

    assert reported(analyzer.analyze(resolved)) == [
        (
            "mandatory",
            'deregistrationProtection must be "enabled" or "enabled-with-cooldown", '
            'not "disabled".',
        )
    ]


@pytest.mark.parametrize("kind", ["bool", "number", "string", "object"])
def test_every_sentinel_kind_is_unknown(analyzer: AnalyzerClient, kind: str) -> None:
    resource = machine_image(deregistrationProtection=UnknownValue(kind))  # type: ignore[arg-type]
    assert reported(analyzer.analyze(resource)) == [note("deregistrationProtection", PROTECTION)]


def test_unknown_secret_is_unknown(analyzer: AnalyzerClient) -> None:
    resource = image(deregistrationProtection=Secret(UNKNOWN))
    assert reported(analyzer.analyze(resource)) == [note("deregistrationProtection", PROTECTION)]


def test_notes_are_not_repeated_per_mapping(analyzer: AnalyzerClient) -> None:
    resource = machine_image(
        fromInstance=UNKNOWN, blockDeviceMappings=[root_volume(), root_volume()]
    ).without_properties("fromSnapshots")
    assert reported(analyzer.analyze(resource)) == [note("fromInstance", RATE)]


def test_unknowns_can_be_made_mandatory(configured: Configured) -> None:
    # A stricter team can refuse previews that can't be fully checked.
    analyzer = configured({VALUES_KNOWN: "mandatory"})
    diagnostics = analyzer.analyze(ebs_volume(volumeInitializationRate=UNKNOWN))
    assert [d.enforcement_level for d in diagnostics] == ["mandatory"]


def test_notes_can_be_disabled(configured: Configured) -> None:
    analyzer = configured({VALUES_KNOWN: "disabled"})
    assert analyzer.analyze(EVERYTHING_UNKNOWN) == []


def test_resources_the_pack_ignores_get_no_notes(analyzer: AnalyzerClient) -> None:
    bucket = Resource(type="aws:s3/bucket:Bucket", name="logs", properties={"bucket": UNKNOWN})
    assert analyzer.analyze(bucket) == []
