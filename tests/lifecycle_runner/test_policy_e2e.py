"""A real policy pack through the Analyzer protocol: violations, levels and configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Runner

pytestmark = pytest.mark.e2e


def test_mandatory_violation_stops_up_before_anything_is_created(run: Runner) -> None:
    up = run("up", config={"size": "20"}, policy_pack="volume_rules")
    assert up.result.exit_code == 1
    assert (
        "policy mandatory: fixture-volume-rules/volume-size-limit on data: "
        "Fixture volumes stay small.\n      data asks for 20 GiB, more than 10 GiB"
    ) in up.output
    assert "up stopped after the preview: nothing was created or changed" in up.output
    assert up.result.names("create") == []
    assert "creating a" not in up.output
    assert up.result.resources_left == 0
    blocking = [d.policy for d in up.result.policy_diagnostics if d.blocking]
    assert blocking == ["volume-size-limit"]


def test_advisory_violations_are_printed_and_do_not_block(run: Runner) -> None:
    up = run("up", config={"team": "nobody", "withInstance": "true"}, policy_pack="volume_rules")
    assert up.result.ok, up.output
    assert "policy advisory: fixture-volume-rules/volume-team-tag on data" in up.output
    # The stack policy saw the simulated instance in AnalyzeStack, in preview and update.
    assert up.output.count("policy advisory: fixture-volume-rules/no-instances on web") == 2
    # The pack never saw the __provider pickle (a mandatory policy checks for it).
    assert "no-provider-pickle" not in up.output
    assert run("destroy").result.ok


def test_policy_config_file_sets_properties_and_levels(run: Runner, tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps({"volume-size-limit": {"maxSize": 50}, "volume-team-tag": "mandatory"})
    )
    up = run(
        "up",
        config={"size": "20", "team": "nobody"},
        policy_pack="volume_rules",
        policy_config=config,
    )
    assert up.result.exit_code == 1
    assert "volume-size-limit" not in up.output
    assert "policy mandatory: fixture-volume-rules/volume-team-tag on data" in up.output
