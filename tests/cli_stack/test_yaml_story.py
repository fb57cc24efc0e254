"""The demo story played by YAML programs with plain `pulumi` commands, as a user types them:
the YAML example (`examples/yaml`) and a YAML program this project has never seen.

The story's own checks hold every step to what the emulator says happened; the assertions here
add what a user reads in the CLI's output. Each command is bounded (`COMMAND_TIMEOUT`): one
that hangs fails its step.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import yaml

from cli_stack import cli_environment
from cli_stack.stack import ROOT, TOOLS
from cli_stack.story import (
    EXAMPLES,
    LANGUAGES,
    REGION,
    Setting,
    StoryFailedError,
    lifecycle_settings,
    play,
    yaml_project,
)
from ec2_emulator import EmulatorServer

from .conftest import assert_the_examples_lifecycle, declared_beside_python

pytestmark = pytest.mark.e2e

EXAMPLE = EXAMPLES / "yaml"
COMPONENT = "ami-lifecycle:index:MachineImage"


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    for tool in ("pulumi", "pulumi-language-yaml"):
        if not (TOOLS / "bin" / tool).exists():
            pytest.fail(f"no {tool} in .tools/bin: run scripts/install-pulumi.sh (make cli) first")


def refusal(image_name: str) -> str:
    return (
        f"deregistration protection is on (enabled-without-cooldown). To delete '{image_name}', "
        'set its deregistrationProtection to "disabled", run `pulumi up`, then run '
        "`pulumi destroy` again."
    )


def test_the_yaml_example_plays_the_story_with_plain_pulumi_commands(tmp_path: Path) -> None:
    before = sorted(p.name for p in EXAMPLE.iterdir())
    lines: list[str] = []

    play("story", work=tmp_path, echo=lines.append, driver=LANGUAGES["yaml"])

    output = "\n".join(lines)
    # `pulumi up --yes` previews first, as it does for a user.
    assert "Previewing update (story):" in output
    assert "Updating (story):" in output
    assert refusal("golden-story") in output
    assert "Traceback" not in output
    assert "Warning" not in output  # e.g. a config field the YAML host doesn't know
    assert '~ protectionState: "enabled-without-cooldown" => "disabled"' in output
    assert_the_examples_lifecycle(output)
    assert "[mandatory]  ami-deregistration-protection  (ami-lifecycle:index:Image" in output
    assert "=== left in EC2: 0 image(s), 0 snapshot(s) made by the stack" in output
    # The stack's files and state are in the copy, none in the example's folder.
    assert sorted(p.name for p in EXAMPLE.iterdir()) == before == ["Pulumi.yaml"]
    copy = tmp_path / "yaml" / "story" / "project"
    copied = yaml.safe_load((copy / "Pulumi.yaml").read_text())
    assert copied["plugins"]["providers"] == [
        {"name": "ami-lifecycle", "path": str(ROOT / ".venv" / "bin")}
    ]
    assert (copy / "Pulumi.story.yaml").exists()


def test_the_yaml_example_finds_the_plugin_from_its_own_folder() -> None:
    """A user runs `pulumi up` in examples/yaml itself: its relative plugin path must lead to the
    plugin that `pip install -r requirements.txt` installs."""
    project = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    [plugin] = project["plugins"]["providers"]
    assert plugin["name"] == "ami-lifecycle"
    assert not Path(plugin["path"]).is_absolute()
    found = EXAMPLE / plugin["path"] / "pulumi-resource-ami-lifecycle"
    assert found.is_file()
    assert found.resolve() == (ROOT / ".venv" / "bin" / "pulumi-resource-ami-lifecycle").resolve()
    assert project["runtime"] == "yaml"
    assert set(project["config"]) == {
        "rootSnapshotId",
        "dataVolumeId",
        "protection",
        "imageName",
        "deprecationTime",
        "copyRegion",
    }


def test_the_yaml_example_declares_the_same_image_as_the_python_example(
    server: EmulatorServer, tmp_path: Path
) -> None:
    declared = declared_beside_python(
        server, tmp_path, "yaml", yaml_project(EXAMPLE), "golden-image-yaml"
    )
    # The component's inputs are what each program declared (the volume, not its snapshot).
    assert declared.components["yaml"] == declared.components["python"]


def write_program(folder: Path, name: str, protection: str) -> Path:
    """A YAML program of its own: one root device, read from the story's config."""
    folder.mkdir(parents=True)
    program = {
        "name": name,
        "runtime": "yaml",
        "config": {"rootSnapshotId": {"type": "string"}, "protection": {"type": "string"}},
        "plugins": {"providers": [{"name": "ami-lifecycle", "path": str(ROOT / ".venv" / "bin")}]},
        "resources": {
            "base": {
                "type": COMPONENT,
                "properties": {
                    "imageName": f"{name}-${{pulumi.stack}}",
                    "deregistrationProtection": protection,
                    "fromSnapshots": {"rootDeviceName": "/dev/sda1", "architecture": "arm64"},
                    "blockDeviceMappings": [
                        {
                            "deviceName": "/dev/sda1",
                            "ebs": {
                                "snapshotId": "${rootSnapshotId}",
                                "volumeType": "gp3",
                                "volumeInitializationRate": 150,
                            },
                        }
                    ],
                },
            }
        },
        "outputs": {"imageId": "${base.imageId}"},
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    return folder


def test_a_yaml_program_the_project_has_never_seen_plays_the_story(tmp_path: Path) -> None:
    program = write_program(tmp_path / "first-light", "first-light", "${protection}")
    lines: list[str] = []

    play("story", work=tmp_path / "work", echo=lines.append, driver=yaml_project(program))

    output = "\n".join(lines)
    assert refusal("first-light-story") in output
    assert "Traceback" not in output
    assert len(set(re.findall(r"(snap-[0-9a-f]+): success \(deleted\)", output))) == 1
    assert "[mandatory]  ami-deregistration-protection  (ami-lifecycle:index:Image" in output
    assert "=== left in EC2: 0 image(s), 0 snapshot(s) made by the stack" in output
    assert [p.name for p in program.iterdir()] == ["Pulumi.yaml"]


def test_a_yaml_program_that_ignores_protection_fails_the_story_where_it_differs(
    tmp_path: Path,
) -> None:
    """The story holds a program it doesn't know to what EC2 says, not to what the program
    exports: an image that is never protected fails the first step."""
    program = write_program(tmp_path / "careless", "careless", "disabled")

    with pytest.raises(StoryFailedError) as failure:
        play("story", work=tmp_path / "work", echo=lambda _: None, driver=yaml_project(program))

    assert str(failure.value) == (
        "step 1 (pulumi up: a protected image): its deregistration protection is 'disabled'"
    )


def test_a_yaml_stack_left_with_resources_is_not_played_again(tmp_path: Path) -> None:
    play("story", work=tmp_path, echo=lambda _: None, steps=1, driver=LANGUAGES["yaml"])

    with pytest.raises(StoryFailedError) as failure:
        # Its emulator is gone, and its state (beside the project's copy) says it has an image.
        play("story", work=tmp_path, echo=lambda _: None, driver=LANGUAGES["yaml"])

    assert str(failure.value) == (
        f"stack 'story' in {tmp_path / 'yaml' / 'story'} still has resources from an earlier run "
        "whose emulator is gone: delete that folder and run again"
    )


def processes_of(home: Path) -> list[str]:
    """The command lines of the processes running with `home` as their PULUMI_HOME: the CLI,
    and the language host and plugins it starts, which inherit its environment."""
    marker = f"PULUMI_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_command_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    """An EC2 endpoint that takes connections and never answers: `pulumi up` waits on it, so
    the command's bound stops it, with the language host and the plugins it started."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        env = cli_environment(f"http://127.0.0.1:{silent.getsockname()[1]}", REGION)
        stack = yaml_project(EXAMPLE, timeout=3)(Setting("hung", env, tmp_path, lambda _: None))
        stack.set_config(
            {
                "ami-lifecycle:region": REGION,
                "rootSnapshotId": "snap-0123456789abcdef0",
                "dataVolumeId": "vol-0123456789abcdef0",
                "imageName": "golden-hung",
                **lifecycle_settings(),
            }
        )
        hung = stack.up()

    assert not hung.ok
    assert hung.output.endswith("pulumi up: still running after 3s; stopped")
    assert processes_of(tmp_path / "yaml" / "hung" / "project-home") == []
