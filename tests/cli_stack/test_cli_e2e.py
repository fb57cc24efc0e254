"""The example stack through the real Pulumi CLI (built by scripts/install-pulumi.sh).

The engine, the file backend, the provider plugin and the policy analyzer are the ones the
CLI starts; the emulator is the only stand-in. Each test runs in its own state folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_stack import CliStack, cli_environment
from cli_stack.stack import TOOLS
from cli_stack.story import REGION, StoryFailedError, play, seed
from ec2_emulator import EmulatorServer

from .conftest import assert_the_examples_lifecycle

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    if not (TOOLS / "bin" / "pulumi").exists():
        pytest.fail("no Pulumi CLI in .tools/bin: run scripts/install-pulumi.sh (make cli) first")


def test_the_demo_story_runs_through_the_cli_and_leaves_nothing(tmp_path: Path) -> None:
    lines: list[str] = []
    play("story", work=tmp_path, echo=lines.append)
    output = "\n".join(lines)
    # The CLI's own output, from each step of the story.
    assert "Updating (story):" in output
    assert (
        "deregistration protection is on (enabled-without-cooldown). To delete 'golden-story', "
        'set its deregistrationProtection to "disabled", run `pulumi up`, then run '
        "`pulumi destroy` again." in output
    )
    assert '~ protectionState: "enabled-without-cooldown" => "disabled"' in output
    assert_the_examples_lifecycle(output)
    assert "[mandatory]  ami-deregistration-protection" in output
    assert (
        'deregistrationProtection must be "enabled" or "enabled-with-cooldown", not "disabled".'
        in output
    )
    assert "=== left in EC2: 0 image(s), 0 snapshot(s) made by the stack" in output


def test_a_second_up_changes_nothing_and_refresh_sees_an_image_deregistered_outside(
    server: EmulatorServer, tmp_path: Path
) -> None:
    stack = CliStack(
        "again",
        cli_environment(server.endpoint_url, REGION),
        work=tmp_path,
        echo=lambda _line: None,
    )
    stack.set_config({"ami-lifecycle:region": REGION, **seed(server), "protection": "disabled"})
    assert stack.up().ok
    assert stack.up(expect_no_changes=True).ok

    [image] = [r for r in stack.resources() if r["type"] == "ami-lifecycle:index:Image"]
    server.client(REGION).deregister_image(ImageId=image["id"])
    refreshed = stack.refresh()

    assert refreshed.ok
    assert "deregistered outside Pulumi; it is gone from the stack" in refreshed.output
    assert not [r for r in stack.resources() if r["type"] == "ami-lifecycle:index:Image"]
    assert stack.destroy().ok


def test_a_new_image_name_replaces_the_image_and_leaves_one(
    server: EmulatorServer, tmp_path: Path
) -> None:
    stack = CliStack(
        "rename", cli_environment(server.endpoint_url, REGION), work=tmp_path, echo=lambda _: None
    )
    stack.set_config(
        {
            "ami-lifecycle:region": REGION,
            **seed(server),
            "protection": "disabled",
            "imageName": "gold-1",
        }
    )
    assert stack.up().ok
    stack.set_config({"imageName": "gold-2"})

    replaced = stack.up()

    assert replaced.ok
    assert "+-1 replaced" in replaced.output
    ec2 = server.client(REGION)
    names = [i["Name"] for i in ec2.describe_images(Owners=["self"])["Images"]]
    assert names == ["gold-2"]
    assert stack.destroy().ok
    assert ec2.describe_images(Owners=["self"])["Images"] == []


def test_a_story_step_that_misbehaves_is_reported(tmp_path: Path) -> None:
    (tmp_path / "story").mkdir()
    with pytest.raises(StoryFailedError, match="still has resources from an earlier run"):
        # A stack whose state survived its emulator can't be played again.
        play("story", work=tmp_path, echo=lambda _line: None, steps=1)
        play("story", work=tmp_path, echo=lambda _line: None)
