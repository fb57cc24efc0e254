"""The pull-request preview workflow, checked offline: schema, zizmor, and what it must do."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "policy-preview.yml"
TOOLS = Path(sys.executable).parent


def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    [job] = workflow["jobs"].values()
    return list(job["steps"])


def run_lines() -> list[str]:
    return [line.strip() for step in steps() for line in step.get("run", "").splitlines()]


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS / command[0]), *command[1:]],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_matches_the_github_workflow_schema() -> None:
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_finds_nothing(persona: str) -> None:
    # "auditor" is zizmor's strictest persona; nothing is suppressed or ignored.
    result = run_tool("zizmor", "--offline", f"--persona={persona}", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
    assert "suppressed" not in result.stdout


def test_every_action_is_pinned_to_a_commit() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert {ref.split("@")[0] for ref, _ in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
    }
    for ref, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{ref} needs its version tag"


def test_previews_with_the_pack_and_comments_on_the_pr() -> None:
    text = WORKFLOW.read_text()
    assert re.search(r"^on:\n  pull_request:", text, re.MULTILINE)
    assert "pull_request_target" not in text
    assert re.search(r"^permissions: \{\}$", text, re.MULTILINE)
    for needed in ("command: preview", "policyPacks: policies", "comment-on-pr: true"):
        assert needed in text
    for permission in ("contents: read", "id-token: write", "pull-requests: write"):
        assert permission in text
    assert "aws-access-key-id" not in text  # OIDC role only, no long-lived AWS keys


def test_installs_the_plugin_where_pulumi_yaml_finds_it() -> None:
    # As a user does: one pip install into the project's virtualenv, no `pulumi plugin install`.
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    requirements = (REPO_ROOT / "requirements.txt").read_text().split()
    scripts = tomllib.loads((REPO_ROOT / "provider" / "pyproject.toml").read_text())["project"][
        "scripts"
    ]

    assert project["runtime"]["options"]["virtualenv"] == ".venv"
    assert {"name": "ami-lifecycle", "path": ".venv/bin"} in project["plugins"]["providers"]
    assert {"./sdk/python", "./provider"} <= set(requirements)
    assert "pulumi-resource-ami-lifecycle" in scripts
    assert run_lines()[:2] == [
        "python -m venv .venv",
        ".venv/bin/pip install --disable-pip-version-check -r requirements.txt",
    ]
    assert "plugin install" not in WORKFLOW.read_text()


def test_installs_the_pack_where_pulumi_policy_yaml_runs_it() -> None:
    pack = yaml.safe_load((REPO_ROOT / "policies" / "PulumiPolicy.yaml").read_text())

    assert pack["runtime"]["options"]["virtualenv"] == "venv"
    assert run_lines()[2:] == [
        "python -m venv policies/venv",
        "policies/venv/bin/pip install --disable-pip-version-check -r policies/requirements.txt",
    ]


def test_previews_with_the_cli_the_project_pins() -> None:
    pinned = re.search(
        r'^PINNED="([\d.]+)"$',
        (REPO_ROOT / "scripts" / "install-pulumi.sh").read_text(),
        re.MULTILINE,
    )
    [preview] = [step for step in steps() if step.get("uses", "").startswith("pulumi/actions@")]

    assert pinned
    assert preview["with"]["pulumi-version"] == pinned.group(1)
