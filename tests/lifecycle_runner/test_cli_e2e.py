"""The command line as a user runs it: separate processes per command, the local emulator,
and the demo's story."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lifecycle_runner.display import Display
from lifecycle_runner.local_emulator import RECORD_NAME, stop_long_lived_emulator
from lifecycle_runner.state import load_state
from lifecycle_runner.story import Story, StoryStep, load_story, run_story

from .conftest import FIXTURES, PROGRAMS, REPO_ROOT

pytestmark = pytest.mark.e2e


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "lifecycle_runner", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_up_then_destroy_as_separate_processes(endpoint: str, tmp_path: Path) -> None:
    common = ("--program", PROGRAMS / "basic", "--endpoint", endpoint, "--work-dir", tmp_path)
    up = _cli("up", *common, "--stack", "cli", "--config", "team=cli")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "+  create   data" in up.stdout and "up succeeded" in up.stdout

    # --config values are kept for later commands, encrypted (see test_state_and_config.py).
    assert load_state(tmp_path / "state.json", "fixture", "cli").config_overrides == {
        "fixture:team": "cli"
    }
    state = json.loads((tmp_path / "state.json").read_text())
    volume = next(r for r in state["resources"] if r["name"] == "data")
    assert volume["inputs"]["tags"] == {"team": "cli"}

    destroy = _cli("destroy", *common, "--stack", "cli")
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert "-  delete   data" in destroy.stdout
    assert json.loads((tmp_path / "state.json").read_text())["resources"] == []


def test_failures_exit_non_zero(endpoint: str, tmp_path: Path) -> None:
    up = _cli(
        "up",
        *("--program", PROGRAMS / "basic", "--endpoint", endpoint, "--work-dir", tmp_path),
        *("--config", "failOn=create"),
    )
    assert up.returncode == 1
    assert "planted failure: create refused" in up.stdout
    usage = _cli("launch")
    assert usage.returncode == 2


def test_local_emulator_outlives_up_and_stops_after_destroy(tmp_path: Path) -> None:
    common = ("--program", PROGRAMS / "basic", "--work-dir", tmp_path)
    try:
        up = _cli("up", *common)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "Local EC2 emulator: started http://127.0.0.1:" in up.stdout
        record = json.loads((tmp_path / RECORD_NAME).read_text())
        os.kill(record["pid"], 0)  # still running after `up` exited

        destroy = _cli("destroy", *common)
        assert destroy.returncode == 0, destroy.stdout + destroy.stderr
        assert f"{record['endpointUrl']} (pid {record['pid']}), started by an earlier" in (
            destroy.stdout
        )
        assert "-  delete   data" in destroy.stdout
        assert "stopped its local EC2 emulator" in destroy.stdout
        assert not (tmp_path / RECORD_NAME).exists()
    finally:
        stop_long_lived_emulator(tmp_path)


def test_demo_plays_a_story_on_its_own_emulator(tmp_path: Path) -> None:
    story_file = FIXTURES / "stories" / "volume_story.py"
    demo = _cli(
        "demo",
        *("--program", PROGRAMS / "basic", "--story", story_file, "--work-dir", tmp_path),
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "seeded fixture:team = seeded-us-east-1a" in demo.stdout
    assert demo.stdout.count("went as the story expects") == 4
    assert "planted failure: delete refused" in demo.stdout
    assert "volumes: none left" in demo.stdout
    assert "Demo succeeded." in demo.stdout


def test_story_fails_when_a_step_does_not_go_as_expected(
    endpoint: str, tmp_path: Path, plugin_pythonpath: None
) -> None:
    story = Story(
        title="expects a failure that does not happen",
        config={"fixture:withLabel": "false"},
        steps=(StoryStep("preview", "a preview that succeeds", expect_failure=True),),
    )
    output = io.StringIO()
    code = run_story(
        story,
        program=PROGRAMS / "basic",
        stack="story",
        work_dir=tmp_path,
        endpoint=endpoint,
        extra_config={},
        policy_pack=None,
        policy_config=None,
        display=Display(output),
    )
    assert code == 1
    assert "expected this command to fail, but it succeeded" in output.getvalue()


def test_the_example_story_is_data_about_the_example() -> None:
    story = load_story(REPO_ROOT / "lifecycle_runner" / "example_story.py")
    assert [step.command for step in story.steps] == ["up", "destroy", "up", "destroy"]
    assert story.steps[1].expect_failure
    assert story.must_be_gone == ("images", "snapshots")
