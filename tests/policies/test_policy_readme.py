"""The sample output in policies/README.md is what the real pack prints for this scenario."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi.runtime import proto

from analyzer_host import UNKNOWN, AnalyzerClient, PolicyPackProcess, Resource
from tests.policies.policy_cases import (
    deployed_image,
    ebs_volume,
    image,
    machine_image,
    root_volume,
)

README = Path(__file__).resolve().parents[2] / "policies" / "README.md"


def preview_scenario(pack: AnalyzerClient) -> str:
    """A `pulumi preview` of a small stack, then `AnalyzeStack` after an `up` gone wrong."""
    web = machine_image("web", deregistrationProtection="disabled")
    nightly = machine_image(
        "nightly",
        deleteSnapshotsOnDestroy=False,
        blockDeviceMappings=[root_volume(volumeInitializationRate=UNKNOWN)],
    )
    shared = machine_image(
        "shared",
        region="us-east-1",
        launchPermissions={"public": True},
        copies=[{"region": "eu-west-1"}],
    )
    resources = [
        web,
        image(web),
        nightly,
        shared,
        Resource(type="aws:ec2/ami:Ami", name="legacy", properties={"name": "legacy"}),
        ebs_volume(volumeInitializationRate=500),
    ]
    blocks = [d.render() for r in resources for d in pack.analyze(r)]
    blocks += [d.render() for d in pack.analyze_stack([deployed_image("disabled")])]
    return "\n\n".join(blocks)


def readme_sample() -> str:
    match = re.search(
        r"<!-- sample-output:start -->\n```text\n(.*?)\n```\n<!-- sample-output:end -->",
        README.read_text(),
        re.DOTALL,
    )
    assert match, "policies/README.md lost its sample-output block"
    return match.group(1)


@pytest.mark.e2e
def test_readme_sample_output_is_real() -> None:
    process = PolicyPackProcess()
    with process as pack:
        pack.prepare(engine_address=process.engine.address)
        assert preview_scenario(pack) == readme_sample()


def test_readme_table_lists_every_policy_at_its_default_level(analyzer: AnalyzerClient) -> None:
    rows = re.findall(r"^\| `(ami-[a-z-]+)` \| ([a-z]+) \|", README.read_text(), re.MULTILINE)
    levels = {
        p.name: proto.EnforcementLevel.Name(p.enforcementLevel).lower()
        for p in analyzer.analyzer_info().policies
    }
    assert dict(rows) == levels
    assert len(rows) == len(levels)
