"""The demo story played by the TypeScript example (`examples/typescript`): its program on the
generated Node.js SDK, run by its Automation API runner through the pinned CLI, one `node`
command per step.

The story's own checks hold every step to what the emulator says happened; the assertions here
add what a user reads in the CLI's output, that the example type-checks (strict) and declares the
Python example's image, and that a command that hangs is stopped with all it started.

Bounds: installing and compiling the example (scripts/install-typescript-example.sh, once per
session) takes well under a second when nothing changed and 10 to 15 seconds when it must
(`npm ci` and two `tsc` runs, from npm's cache or the registry), bounded by `INSTALL_TIMEOUT`;
each runner command is bounded by `COMMAND_TIMEOUT`. Warm, this module takes 40 to 50 seconds;
cold, about a minute.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from cli_stack import cli_environment
from cli_stack.stack import TOOLS
from cli_stack.story import REGION, Setting, play, seed
from cli_stack.typescript import (
    EXAMPLE,
    TypeScriptStack,
    install_example,
    typescript_example,
)
from ec2_emulator import EmulatorServer

from .conftest import assert_the_examples_lifecycle, declared_beside_python

pytestmark = pytest.mark.e2e

#: What the example's folder holds once installed: its sources, node_modules and bin (both
#: gitignored), and no stack file or state.
EXAMPLE_FILES = [
    ".gitignore",
    ".npmrc",
    "automation.ts",
    "bin",
    "index.ts",
    "node_modules",
    "package-lock.json",
    "package.json",
    "tsconfig.json",
]


@pytest.fixture(autouse=True)
def runner() -> Path:
    if not (TOOLS / "bin" / "pulumi").exists():
        pytest.fail("no Pulumi CLI in .tools/bin: run scripts/install-pulumi.sh (make cli) first")
    try:
        return install_example()
    except RuntimeError as failure:
        pytest.fail(str(failure))


def refusal(image_name: str) -> str:
    return (
        f"deregistration protection is on (enabled-without-cooldown). To delete '{image_name}', "
        'set its deregistrationProtection to "disabled", run `pulumi up`, then run '
        "`pulumi destroy` again."
    )


def test_the_typescript_example_type_checks_strictly() -> None:
    checked = subprocess.run(
        [str(EXAMPLE / "node_modules" / ".bin" / "tsc"), "-p", str(EXAMPLE), "--noEmit"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_the_typescript_example_plays_the_story_through_its_runner(tmp_path: Path) -> None:
    lines: list[str] = []

    play("story", work=tmp_path, echo=lines.append, driver=typescript_example)

    output = "\n".join(lines)
    assert "Updating (story):" in output
    assert refusal("golden-story") in output
    assert "Traceback" not in output
    assert '~ protectionState: "enabled-without-cooldown" => "disabled"' in output
    assert_the_examples_lifecycle(output)
    assert "[mandatory]  ami-deregistration-protection  (ami-lifecycle:index:Image" in output
    assert "=== left in EC2: 0 image(s), 0 snapshot(s) made by the stack" in output
    # Node's own complaints (a stack trace, an unhandled rejection) never reach the user.
    assert not re.search(r"^\s+at .+:\d+:\d+\)?$", output, re.MULTILINE)
    assert "UnhandledPromiseRejection" not in output
    # The stack's files and state are in the work folder, none in the example's.
    assert sorted(p.name for p in EXAMPLE.iterdir()) == EXAMPLE_FILES
    stack = tmp_path / "typescript" / "story"
    assert {"Pulumi.yaml", "Pulumi.story.yaml", "state", "pulumi-home"} <= {
        p.name for p in stack.iterdir()
    }


def test_the_typescript_example_declares_the_same_image_as_the_python_example(
    server: EmulatorServer, tmp_path: Path
) -> None:
    declared = declared_beside_python(
        server, tmp_path, "typescript", typescript_example, "golden-image-typescript"
    )
    # The component's inputs are what each program declared (the volume, not its snapshot).
    assert declared.components["typescript"] == declared.components["python"]
    exported = {"imageId", "snapshotIds", "protectionState", "copyImageIds"}
    assert declared.outputs == {"python": exported, "typescript": exported}


def test_a_protection_the_sdk_does_not_know_is_a_config_error(
    server: EmulatorServer, tmp_path: Path
) -> None:
    stack = typescript_example(
        Setting("typo", cli_environment(server.endpoint_url, REGION), tmp_path, lambda _: None)
    )
    stack.set_config({"ami-lifecycle:region": REGION, **seed(server), "protection": "enabeld"})

    failed = stack.up()

    assert not failed.ok
    assert (
        'protection must be one of enabled, enabled-with-cooldown, disabled, not "enabeld"'
        in failed.output
    )
    assert not re.search(r"^\s+at .+:\d+:\d+\)?$", failed.output, re.MULTILINE)
    assert server.client(REGION).describe_images(Owners=["self"])["Images"] == []


def test_the_runner_refuses_a_mistyped_command_before_it_opens_the_stack(
    runner: Path, tmp_path: Path
) -> None:
    for args, complaint in (
        (["upp"], "unknown operation upp"),
        (["preview", "--policy", "pack"], "preview takes only --policy-pack PATH"),
        (["config", "rootSnapshotId"], 'config takes KEY=VALUE, not "rootSnapshotId"'),
        (["up", "--yes"], "up takes no arguments"),
    ):
        done = subprocess.run(
            ["node", str(runner), "--stack", "typo", "--work", str(tmp_path / "typo"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done
        assert done.stderr.startswith(f"automation.js: {complaint}\nusage: "), done.stderr
    assert not (tmp_path / "typo").exists()


def processes_of(directory: Path) -> list[str]:
    """The command lines of the processes of the stack in `directory`: the runner (named by its
    --work argument), and the CLI and the plugins it starts, which have its PULUMI_HOME."""
    marker = f"PULUMI_HOME={directory / 'pulumi-home'}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if marker in (entry / "environ").read_bytes().split(b"\0") or (
                str(directory).encode() in command
            ):
                found.append(b" ".join(command).decode())
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_command_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    """An EC2 endpoint that takes connections and never answers: `up` waits on it, so the
    command's bound stops the runner, the CLI and the plugins it started."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        env = cli_environment(f"http://127.0.0.1:{silent.getsockname()[1]}", REGION)
        stack = TypeScriptStack("hung", env, tmp_path / "hung", lambda _: None)
        stack.set_config(
            {
                "ami-lifecycle:region": REGION,
                "rootSnapshotId": "snap-0123456789abcdef0",
                "dataVolumeId": "vol-0123456789abcdef0",
            }
        )
        stack.timeout = 5
        hung = stack.up()

    assert not hung.ok
    assert hung.output.endswith("up: still running after 5s; stopped")
    assert processes_of(tmp_path / "hung") == []
