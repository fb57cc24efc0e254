"""The pull-request preview workflow, checked offline: schema, zizmor, and what it must do."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "policy-preview.yml"
TOOLS = Path(sys.executable).parent


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
