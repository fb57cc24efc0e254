"""`ami-snapshots-kept-on-destroy`: advisory note for images that keep their snapshots."""

from __future__ import annotations

import pytest

from analyzer_host import UNKNOWN, AnalyzerClient, Resource
from tests.policies.policy_cases import (
    SNAPSHOTS,
    Configured,
    image,
    image_copy,
    machine_image,
    note,
    reported,
)

KEPT = (
    "deleteSnapshotsOnDestroy must be true, or the image's snapshots outlive it and keep costing "
    "money."
)


@pytest.mark.parametrize(
    "resource", [machine_image(), image(), image_copy()], ids=["component", "image", "copy"]
)
def test_kept_snapshots_are_advisory(analyzer: AnalyzerClient, resource: Resource) -> None:
    diagnostics = analyzer.analyze(resource.with_properties(deleteSnapshotsOnDestroy=False))
    assert reported(diagnostics) == [("advisory", KEPT)]
    assert diagnostics[0].policy_name == SNAPSHOTS


def test_default_deletes_snapshots(analyzer: AnalyzerClient) -> None:
    resource = machine_image().without_properties("deleteSnapshotsOnDestroy")
    assert analyzer.analyze(resource) == []


def test_unknown_value_advises(analyzer: AnalyzerClient) -> None:
    diagnostics = analyzer.analyze(machine_image(deleteSnapshotsOnDestroy=UNKNOWN))
    assert reported(diagnostics) == [note("deleteSnapshotsOnDestroy", SNAPSHOTS)]


def test_exemption(configured: Configured) -> None:
    analyzer = configured({SNAPSHOTS: {"exemptResources": ["web"]}})
    assert analyzer.analyze(image(deleteSnapshotsOnDestroy=False)) == []


def test_can_be_made_mandatory(configured: Configured) -> None:
    analyzer = configured({SNAPSHOTS: "mandatory"})
    diagnostics = analyzer.analyze(machine_image(deleteSnapshotsOnDestroy=False))
    assert reported(diagnostics) == [("mandatory", KEPT)]
