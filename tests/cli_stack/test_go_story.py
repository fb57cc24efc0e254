"""The demo story played by the Go example (`examples/go`): its program, through the generated Go
SDK, as a Go Automation API inline program, one binary run per step (`cli_stack.golang`).

The story's own checks hold every step to what the emulator says happened; the assertions here
add what a user reads in the CLI's output, and that the example is the Python example's image.
The binary is built once into .tools/go (on 2 cores: about 90 seconds with Go's build cache
empty and its module cache filled, under a second warm, `BUILD_TIMEOUT` at most); each command
is bounded (`COMMAND_TIMEOUT`): one that hangs fails its step. The whole file takes about 30
seconds warm, about 2.5 minutes with the build cache empty.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from cli_stack import cli_environment
from cli_stack.golang import EXAMPLE, GoStack, build_example, go_example
from cli_stack.stack import TOOLS
from cli_stack.story import REGION, play
from ec2_emulator import EmulatorServer

from .conftest import assert_the_examples_lifecycle, declared_beside_python

pytestmark = pytest.mark.e2e

#: What examples/go holds besides its docs; no stack file, state or binary lands there.
SOURCES = {"go.mod", "go.sum", "main.go", "program.go"}


@pytest.fixture(autouse=True)
def _tools_installed() -> None:
    if not (TOOLS / "bin" / "pulumi").exists():
        pytest.fail("no pulumi in .tools/bin: run scripts/install-pulumi.sh (make cli) first")
    if shutil.which("go") is None:
        pytest.fail("Go (1.26 or newer) is needed to build examples/go")


def refusal(image_name: str) -> str:
    return (
        f"deregistration protection is on (enabled-without-cooldown). To delete '{image_name}', "
        'set its deregistrationProtection to "disabled", run `pulumi up`, then run '
        "`pulumi destroy` again."
    )


def test_the_go_example_plays_the_story_through_the_go_automation_api(tmp_path: Path) -> None:
    lines: list[str] = []

    play("story", work=tmp_path, echo=lines.append, driver=go_example)

    output = "\n".join(lines)
    assert "Updating (story):" in output
    assert refusal("golden-story") in output
    # The runner ends a failed step with one line, not with the CLI's output again.
    assert "golden-image: failed to destroy stack: exit status" in output
    assert not re.search(r"^(code|stdout|stderr): ", output, re.MULTILINE)
    assert "Traceback" not in output
    assert "warning" not in output.lower()
    assert '~ protectionState: "enabled-without-cooldown" => "disabled"' in output
    assert_the_examples_lifecycle(output)
    # The policy pack, given to the Go Automation API's preview (optpreview.PolicyPacks).
    assert "[mandatory]  ami-deregistration-protection  (ami-lifecycle:index:Image" in output
    assert "=== left in EC2: 0 image(s), 0 snapshot(s) made by the stack" in output
    # The stack's project file, settings and state are in the work folder, none in the example.
    assert [p.name for p in EXAMPLE.iterdir() if p.name not in SOURCES and p.suffix != ".md"] == []
    stack = tmp_path / "go" / "story"
    assert {"Pulumi.yaml", "Pulumi.story.yaml", "state", "pulumi-home"} <= {
        p.name for p in stack.iterdir()
    }
    assert list((stack / "state").rglob("story.json"))


def test_the_go_example_declares_the_same_image_as_the_python_example(
    server: EmulatorServer, tmp_path: Path
) -> None:
    declared = declared_beside_python(server, tmp_path, "go", go_example, "golden-image-go")
    # The component's inputs are what each program declared (the volume, not its snapshot).
    assert declared.components["go"] == declared.components["python"]


def test_the_go_example_is_vetted_and_formatted() -> None:
    # -mod=readonly: go.mod and go.sum, as committed, are all the build needs.
    for command in (["go", "vet", "-mod=readonly", "./..."], ["gofmt", "-l", "."]):
        done = subprocess.run(
            command, cwd=EXAMPLE, capture_output=True, text=True, timeout=900, check=False
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, "", ""), command


def test_the_runner_refuses_a_command_line_it_cannot_run_before_running_the_cli(
    tmp_path: Path,
) -> None:
    binary = build_example()
    for args in (
        ["up"],  # no -stack, no -work
        ["-stack", "s", "-work", str(tmp_path / "w"), "deploy"],
        ["-stack", "s", "-work", str(tmp_path / "w"), "config", "protection"],
        ["-stack", "s", "-work", str(tmp_path / "w"), "up", "--yes"],
    ):
        done = subprocess.run(
            [str(binary), *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 2, args
        assert "usage: golden-image -stack NAME -work DIR" in done.stderr
    assert not (tmp_path / "w").exists()


def processes_of(home: Path) -> list[str]:
    """The command lines of the processes running with `home` as their PULUMI_HOME: the runner,
    the CLI and the plugins it starts, which inherit its environment."""
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
def test_a_go_step_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    """An EC2 endpoint that takes connections and never answers: `up` waits on it, so the
    command's bound stops the runner, with the CLI and the plugins it started."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        env = cli_environment(f"http://127.0.0.1:{silent.getsockname()[1]}", REGION)
        stack = GoStack(build_example(), "hung", tmp_path / "hung", env, lambda _: None, 3)
        stack.set_config(
            {
                "ami-lifecycle:region": REGION,
                "rootSnapshotId": "snap-0123456789abcdef0",
                "dataVolumeId": "vol-0123456789abcdef0",
            }
        )
        hung = stack.up()

    assert not hung.ok
    assert hung.output.endswith("golden-image up: still running after 3s; stopped")
    assert processes_of(tmp_path / "hung" / "pulumi-home") == []
