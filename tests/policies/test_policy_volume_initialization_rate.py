"""`ami-volume-initialization-rate`: 100-300 MiB/s, only on volumes restored from a snapshot."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource
from tests.policies.policy_cases import (
    RATE,
    Configured,
    ebs_volume,
    image,
    launch_template,
    machine_image,
    note,
    reported,
    root_volume,
    standalone_image,
)

RATE_PATH = "blockDeviceMappings[0].ebs.volumeInitializationRate"


def out_of_range(path: str, shown: str) -> tuple[str, str]:
    return ("mandatory", f"{path} must be a whole number of MiB/s from 100 to 300, not {shown}.")


@pytest.mark.parametrize(
    "resource",
    [machine_image(), image(), standalone_image(), ebs_volume(), launch_template()],
    ids=["component", "image", "standalone-image", "volume", "launch-template"],
)
def test_happy_path_passes(analyzer: AnalyzerClient, resource: Resource) -> None:
    assert analyzer.analyze(resource) == []


@pytest.mark.parametrize("rate", [100, 300])
def test_bounds_are_allowed(analyzer: AnalyzerClient, rate: int) -> None:
    resource = machine_image(blockDeviceMappings=[root_volume(volumeInitializationRate=rate)])
    assert analyzer.analyze(resource) == []


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(99, "99"), (301, "301"), (150.5, "150.5"), ("200", '"200"'), (True, "true")],
)
def test_component_rate_out_of_range(analyzer: AnalyzerClient, rate: object, shown: str) -> None:
    resource = machine_image(blockDeviceMappings=[root_volume(volumeInitializationRate=rate)])
    assert reported(analyzer.analyze(resource)) == [out_of_range(RATE_PATH, shown)]


def test_image_rate_out_of_range(analyzer: AnalyzerClient) -> None:
    resource = image(blockDeviceMappings=[root_volume(volumeInitializationRate=500)])
    assert reported(analyzer.analyze(resource)) == [out_of_range(RATE_PATH, "500")]


def test_rate_needs_a_snapshot(analyzer: AnalyzerClient) -> None:
    resource = machine_image(blockDeviceMappings=[root_volume(snapshotId=None)])

    assert reported(analyzer.analyze(resource)) == [
        (
            "mandatory",
            f"{RATE_PATH} must only be set on a volume restored from a snapshot "
            "(blockDeviceMappings[0].ebs.snapshotId or blockDeviceMappings[0].ebs.volumeId).",
        )
    ]


def test_component_image_rate_needs_a_snapshot(analyzer: AnalyzerClient) -> None:
    resource = image(blockDeviceMappings=[root_volume(snapshotId=None)])

    assert reported(analyzer.analyze(resource)) == [
        (
            "mandatory",
            f"{RATE_PATH} must only be set on a volume restored from a snapshot "
            "(blockDeviceMappings[0].ebs.snapshotId or blockDeviceMappings[0].ebs.volumeId).",
        )
    ]


def test_standalone_image_rate_needs_a_snapshot(analyzer: AnalyzerClient) -> None:
    resource = standalone_image(blockDeviceMappings=[root_volume(snapshotId=None)])

    assert reported(analyzer.analyze(resource)) == [
        (
            "mandatory",
            f"{RATE_PATH} must only be set on a volume restored from a snapshot "
            "(blockDeviceMappings[0].ebs.snapshotId).",
        )
    ]


def test_standalone_image_volume_is_not_a_snapshot(analyzer: AnalyzerClient) -> None:
    # Only the component snapshots a volume; an Image of its own takes none.
    mapping = root_volume(volumeId="vol-0123456789abcdef0")
    del mapping["ebs"]["snapshotId"]

    assert reported(analyzer.analyze(standalone_image(blockDeviceMappings=[mapping]))) == [
        (
            "mandatory",
            f"{RATE_PATH} must only be set on a volume restored from a snapshot "
            "(blockDeviceMappings[0].ebs.snapshotId).",
        )
    ]


def test_rate_with_volume_to_snapshot_passes(analyzer: AnalyzerClient) -> None:
    mapping = root_volume(volumeId="vol-0123456789abcdef0")
    del mapping["ebs"]["snapshotId"]
    assert analyzer.analyze(machine_image(blockDeviceMappings=[mapping])) == []


def test_rate_not_allowed_with_from_instance(analyzer: AnalyzerClient) -> None:
    resource = machine_image(
        fromInstance={"instanceId": "i-0123456789abcdef0", "noReboot": True}
    ).without_properties("fromSnapshots")

    assert reported(analyzer.analyze(resource)) == [
        (
            "mandatory",
            f"{RATE_PATH} must not be set on an image created fromInstance, because CreateImage "
            "does not support volume initialization rates.",
        )
    ]


def test_from_instance_without_rates_passes(analyzer: AnalyzerClient) -> None:
    mapping = root_volume()
    del mapping["ebs"]["volumeInitializationRate"]
    resource = machine_image(
        fromInstance={"instanceId": "i-0123456789abcdef0"}, blockDeviceMappings=[mapping]
    ).without_properties("fromSnapshots")
    assert analyzer.analyze(resource) == []


def test_each_mapping_is_reported(analyzer: AnalyzerClient) -> None:
    second = {**root_volume(volumeInitializationRate=50), "deviceName": "/dev/sdf"}
    resource = machine_image(
        blockDeviceMappings=[root_volume(), {"deviceName": "/dev/sdb", "noDevice": ""}, second]
    )

    assert reported(analyzer.analyze(resource)) == [
        out_of_range("blockDeviceMappings[2].ebs.volumeInitializationRate", "50")
    ]


class TestUnknownValues:
    def test_unknown_rate_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            blockDeviceMappings=[root_volume(volumeInitializationRate=UNKNOWN)]
        )
        assert reported(analyzer.analyze(resource)) == [note(RATE_PATH, RATE)]

    def test_known_violation_still_blocks_next_to_unknown(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(
            blockDeviceMappings=[
                root_volume(volumeInitializationRate=UNKNOWN),
                {**root_volume(volumeInitializationRate=1000), "deviceName": "/dev/sdf"},
            ]
        )

        assert reported(analyzer.analyze(resource)) == [
            out_of_range("blockDeviceMappings[1].ebs.volumeInitializationRate", "1000"),
            note(RATE_PATH, RATE),
        ]

    def test_unknown_snapshot_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(blockDeviceMappings=[root_volume(snapshotId=UNKNOWN)])
        assert reported(analyzer.analyze(resource)) == [
            note("blockDeviceMappings[0].ebs.snapshotId", RATE)
        ]

    def test_snapshot_the_component_takes_is_not_waited_for(self, analyzer: AnalyzerClient) -> None:
        # What the component hands its Image during preview for a volume it snapshots.
        mapping = root_volume(volumeId="vol-0123456789abcdef0")
        del mapping["ebs"]["snapshotId"]
        child = image(machine_image(blockDeviceMappings=[mapping]))
        assert child.properties["blockDeviceMappings"][0]["ebs"]["snapshotId"] is UNKNOWN

        assert analyzer.analyze(child) == []

    def test_unknown_snapshot_of_a_standalone_image_advises(self, analyzer: AnalyzerClient) -> None:
        resource = standalone_image(blockDeviceMappings=[root_volume(snapshotId=UNKNOWN)])
        assert reported(analyzer.analyze(resource)) == [
            note("blockDeviceMappings[0].ebs.snapshotId", RATE)
        ]

    def test_unknown_mappings_advise(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(blockDeviceMappings=UNKNOWN)
        assert reported(analyzer.analyze(resource)) == [note("blockDeviceMappings", RATE)]

    def test_unknown_ebs_block_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": UNKNOWN}])
        assert reported(analyzer.analyze(resource)) == [note("blockDeviceMappings[0].ebs", RATE)]

    def test_unknown_source_advises(self, analyzer: AnalyzerClient) -> None:
        resource = machine_image(fromInstance=UNKNOWN).without_properties("fromSnapshots")
        assert reported(analyzer.analyze(resource)) == [note("fromInstance", RATE)]


class TestEbsVolume:
    def test_rate_out_of_range(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(ebs_volume(volumeInitializationRate=400))
        assert reported(diagnostics) == [out_of_range("volumeInitializationRate", "400")]

    def test_rate_needs_snapshot(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(ebs_volume(size=100).without_properties("snapshotId"))
        assert reported(diagnostics) == [
            (
                "mandatory",
                "volumeInitializationRate must only be set together with snapshotId, because only "
                "volumes restored from a snapshot are initialized.",
            )
        ]

    def test_volume_without_rate_passes(self, analyzer: AnalyzerClient) -> None:
        resource = ebs_volume(size=100).without_properties("snapshotId", "volumeInitializationRate")
        assert analyzer.analyze(resource) == []

    def test_unknown_snapshot_advises(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(ebs_volume(snapshotId=UNKNOWN))
        assert reported(diagnostics) == [note("snapshotId", RATE)]

    def test_unknown_rate_advises(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(ebs_volume(volumeInitializationRate=UNKNOWN))
        assert reported(diagnostics) == [note("volumeInitializationRate", RATE)]


class TestLaunchTemplate:
    def test_rate_out_of_range(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(launch_template(volumeInitializationRate=50))
        assert reported(diagnostics) == [out_of_range(RATE_PATH, "50")]

    def test_rate_without_snapshot_is_left_to_aws(self, analyzer: AnalyzerClient) -> None:
        # The device may restore the AMI's own snapshot, which the template doesn't show.
        assert launch_template(volumeInitializationRate=200).properties["blockDeviceMappings"]
        assert analyzer.analyze(launch_template(volumeInitializationRate=200)) == []

    def test_unknown_rate_advises(self, analyzer: AnalyzerClient) -> None:
        diagnostics = analyzer.analyze(launch_template(volumeInitializationRate=UNKNOWN))
        assert reported(diagnostics) == [note(RATE_PATH, RATE)]


def test_enforcement_level_override(configured: Configured) -> None:
    analyzer = configured({RATE: {"enforcementLevel": "advisory"}})
    diagnostics = analyzer.analyze(ebs_volume(volumeInitializationRate=400))
    assert reported(diagnostics) == [
        (
            "advisory",
            "volumeInitializationRate must be a whole number of MiB/s from 100 to 300, not 400.",
        )
    ]
