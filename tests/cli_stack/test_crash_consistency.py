"""Kills and cuts through the real CLI: after each, the next plain `pulumi up` converges.

Each test runs `pulumi up` on a YAML project as a user does, interrupts it for real at one
point (a signal to the `pulumi` process or to the provider plugin it started, or the EC2
endpoint that stops answering), runs `pulumi cancel` where a killed CLI left its lock, then
`pulumi up` again; and then counts what EC2 holds against what the stack's state holds:
exactly the declared images, each in the state once, none leaked, none duplicated.

The moments are made exact by the emulator, not by sleeping: an image stays `pending` for a
while (`pending_seconds`), an answer is held back (`hold`), a connection is refused (`cut`).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from cli_stack import cli_environment
from cli_stack.bounded import RunningCommand
from cli_stack.project import ProjectFolder, ProjectStack
from cli_stack.stack import ROOT, TOOLS, CliResult
from cli_stack.story import REGION, seed
from ec2_emulator import EmulatorServer

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import ImageTypeDef

pytestmark = pytest.mark.e2e

IMAGE = "ami-lifecycle:index:Image"
SNAPSHOT = "ami-lifecycle:index:VolumeSnapshot"
PLUGIN = "pulumi-resource-ami-lifecycle"
COMMAND_TIMEOUT = 240.0
EXIT_BOUND = 2.0
"""Seconds the plugin may outlive the engine that started it."""


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    for tool in ("pulumi", "pulumi-language-yaml"):
        if not (TOOLS / "bin" / tool).exists():
            pytest.fail(f"no {tool} in .tools/bin: run scripts/install-pulumi.sh (make cli) first")


# -- the project ----------------------------------------------------------------------------------


def _image(index: int, protection: str, name: str | None = None) -> dict[str, Any]:
    return {
        "type": IMAGE,
        "properties": {
            "imageName": name or f"crash-{index}",
            "deregistrationProtection": protection,
            "fromSnapshots": {"rootDeviceName": "/dev/xvda"},
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"snapshotId": "${rootSnapshotId}"}}
            ],
        },
    }


def _component(protection: str) -> dict[str, Any]:
    """A MachineImage that snapshots a volume first (the CreateSnapshot to interrupt)."""
    return {
        "type": "ami-lifecycle:index:MachineImage",
        "properties": {
            "imageName": "crash-component",
            "deregistrationProtection": protection,
            "fromSnapshots": {"rootDeviceName": "/dev/xvda"},
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"snapshotId": "${rootSnapshotId}"}},
                {"deviceName": "/dev/sdf", "ebs": {"volumeId": "${dataVolumeId}"}},
            ],
        },
    }


class Project:
    """A YAML project of images in `tmp_path`, one stack of it, and the emulator it uses."""

    def __init__(self, server: EmulatorServer, tmp_path: Path) -> None:
        self.server = server
        self.folder = tmp_path / "crash"
        self.folder.mkdir()
        self.lines: list[str] = []
        self.stack = ProjectStack(
            ProjectFolder(
                self.folder, cli_environment(server.endpoint_url, REGION), COMMAND_TIMEOUT
            ),
            "crash",
            echo=self.lines.append,
        )
        self.seeded = seed(server)
        self.started: list[RunningCommand] = []

    def declare(self, resources: dict[str, Any]) -> None:
        program = {
            "name": "crash",
            "runtime": "yaml",
            "config": {"rootSnapshotId": {"type": "string"}, "dataVolumeId": {"type": "string"}},
            "plugins": {"providers": [{"name": "ami-lifecycle", "path": str(ROOT / ".venv/bin")}]},
            "resources": resources,
        }
        (self.folder / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
        if not (self.folder / "Pulumi.crash.yaml").exists():
            self.stack.set_config({"ami-lifecycle:region": REGION, **self.seeded})

    def images(self, count: int, protection: str = "enabled") -> list[str]:
        self.declare({f"img{i}": _image(i, protection) for i in range(count)})
        return [f"crash-{i}" for i in range(count)]

    def start_up(self) -> RunningCommand:
        command = self.stack.start_up()
        self.started.append(command)
        return command

    def start_up_until(self, action: str, count: int, *, pending_seconds: float) -> RunningCommand:
        """`pulumi up` with images pending that long, once EC2 got `count` `action` calls."""
        self.server.update_settings(pending_seconds=pending_seconds)
        up = self.start_up()
        _until(lambda: self.requests(action) >= count, 120, f"{count} {action} call(s)")
        return up

    def kill_while_held(self, action: str) -> None:
        """`pulumi up` killed while EC2 holds back its answer to `action`."""
        arrived = self.server.hold(action, 20)
        up = self.start_up()
        assert arrived.wait(60), f"{action} reached EC2"
        _killed(up)

    def up_converges(
        self, names: list[str], *, snapshots: int = 0, cli_killed: bool = True
    ) -> CliResult:
        """The next plain `pulumi up` (after `pulumi cancel`, where a killed CLI left its lock)
        succeeds and leaves exactly what is declared."""
        self.server.update_settings(pending_seconds=0)
        if cli_killed:
            self.cancel()
        converged = self.stack.up()
        assert converged.ok, converged.output
        self.assert_converged(names, snapshots)
        return converged

    def stop_all(self) -> None:
        """A test that failed midway leaves no `pulumi up` running on."""
        for command in self.started:
            command.stop()

    def cancel(self) -> None:
        """What a user runs after a killed `pulumi up`: the CLI's own unlock."""
        cancelled = self.stack.folder.run("cancel", "--yes", "--stack", "crash")
        assert cancelled.ok, cancelled.output

    # -- what EC2 and the state hold ---------------------------------------------------------

    def ec2_images(self) -> dict[str, ImageTypeDef]:
        found = self.server.client(REGION).describe_images(Owners=["self"])["Images"]
        return {i["ImageId"]: i for i in found if i.get("State") != "deregistered"}

    def made_snapshots(self) -> set[str]:
        """The account's snapshots other than the seeded root."""
        found = self.server.client(REGION).describe_snapshots(OwnerIds=["self"])["Snapshots"]
        return {s["SnapshotId"] for s in found} - {self.seeded["rootSnapshotId"]}

    def state_ids(self, kind: str) -> list[str]:
        return [r["id"] for r in self.stack.resources() if r["type"] == kind and r.get("id")]

    def assert_converged(self, names: list[str], snapshots: int = 0) -> None:
        """Exactly the declared images, all in the state, none leaked or duplicated; and the
        snapshots the stack made, all in the state."""
        images = self.ec2_images()
        assert sorted(i["Name"] for i in images.values()) == sorted(names)
        recorded = self.state_ids(IMAGE)
        assert sorted(recorded) == sorted(images), (recorded, images)
        made = self.made_snapshots()
        assert len(made) == snapshots
        assert made == set(self.state_ids(SNAPSHOT))

    def requests(self, action: str) -> int:
        return sum(r.action == action for r in self.server.requests)


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not seen within {timeout:g}s: {what}")
        time.sleep(0.05)


def _plugins(command: RunningCommand) -> set[int]:
    found = set()
    for pid in command.descendants():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if PLUGIN.encode() in cmdline:
            found.add(pid)
    return found


def _provider(command: RunningCommand) -> int:
    """The plugin process the engine itself started (the YAML host starts another one, only to
    read the schema)."""
    [provider] = [pid for pid in _plugins(command) if _parent(pid) == command.pid]
    return provider


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _exit_delay(pids: set[int], timeout: float = 15.0) -> float:
    """Seconds until every one of `pids` has exited."""
    started = time.monotonic()
    _until(lambda: not any(_alive(p) for p in pids), timeout, f"plugin processes {pids} exit")
    return time.monotonic() - started


def _killed(command: RunningCommand, signum: int = signal.SIGKILL) -> tuple[CliResult, float]:
    """The CLI killed as a user would; its result, and how long its plugin outlived it."""
    plugins = _plugins(command)
    assert plugins, "the provider plugin is running"
    command.send(signum)
    result = command.result(COMMAND_TIMEOUT)
    delay = _exit_delay(plugins)
    print(f"plugin exited {delay:.2f}s after the CLI got signal {signum}")
    return result, delay


@pytest.fixture
def project(server: EmulatorServer, tmp_path: Path) -> Iterator[Project]:
    made = Project(server, tmp_path)
    yield made
    made.stop_all()


# -- kills of the CLI -----------------------------------------------------------------------------


def test_a_cli_killed_while_images_are_pending_leaves_nothing_and_the_next_up_converges(
    project: Project,
) -> None:
    names = project.images(3)
    up = project.start_up_until("RegisterImage", 3, pending_seconds=30)

    killed, delay = _killed(up)

    assert not killed.ok
    assert delay < EXIT_BOUND
    # The plugin undid its creates before it exited: no image no stack knows.
    assert project.ec2_images() == {}
    project.up_converges(names)


def test_a_cli_killed_before_register_image_answers_is_adopted_by_the_next_up(
    project: Project,
) -> None:
    names = project.images(1)

    project.kill_while_held("RegisterImage")

    # EC2 made the image; its answer never reached anyone.
    [orphan] = project.ec2_images()
    converged = project.up_converges(names)
    assert project.state_ids(IMAGE) == [orphan]
    assert "adopting " + orphan in converged.output


def test_a_cli_killed_while_protection_is_enabled_is_adopted_and_protected(
    project: Project,
) -> None:
    names = project.images(1)

    project.kill_while_held("EnableImageDeregistrationProtection")

    project.up_converges(names)
    [image] = project.ec2_images().values()
    assert image["DeregistrationProtection"].startswith("enabled")


def test_a_25_image_up_killed_halfway_converges_to_25_images(project: Project) -> None:
    names = project.images(25, protection="disabled")
    up = project.start_up_until("RegisterImage", 12, pending_seconds=4)

    _killed(up)

    left = len(project.ec2_images())
    project.up_converges(names)
    print(f"25-image up killed after 12 RegisterImage calls; {left} image(s) left by the kill")


def test_a_double_interrupt_leaves_nothing_unknown_and_the_next_up_converges(
    project: Project,
) -> None:
    names = project.images(1)
    up = project.start_up_until("RegisterImage", 1, pending_seconds=30)
    plugins = _plugins(up)

    up.send(signal.SIGINT)
    time.sleep(0.5)  # two key presses, not one signal delivered twice
    up.send(signal.SIGINT)
    interrupted = up.result(COMMAND_TIMEOUT)
    _exit_delay(plugins)

    assert not interrupted.ok
    project.up_converges(names)


# -- kills of the plugin --------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_plugin_killed_mid_create_fails_the_up_and_the_next_up_converges(
    project: Project, signum: int
) -> None:
    names = project.images(2)
    up = project.start_up_until("RegisterImage", 2, pending_seconds=6)
    plugin = _provider(up)

    os.kill(plugin, signum)
    failed = up.result(COMMAND_TIMEOUT)

    assert not failed.ok
    assert "Traceback" not in failed.output
    project.up_converges(names, cli_killed=False)


def test_a_cli_killed_mid_create_snapshot_converges_with_one_snapshot(project: Project) -> None:
    project.declare({"golden": _component("disabled")})

    project.kill_while_held("CreateSnapshot")

    project.up_converges(["crash-component"], snapshots=1)


# -- cuts -----------------------------------------------------------------------------------------


def test_an_endpoint_cut_as_register_image_answers_converges(project: Project) -> None:
    names = project.images(1)
    project.server.cut(8, after="RegisterImage")

    first = project.stack.up()

    # However the first `up` ended, nothing is unknown to the next one.
    second = project.stack.up()
    assert second.ok, first.output + second.output
    project.assert_converged(names)


def test_a_wait_outlives_an_outage_shorter_than_its_timeout(project: Project) -> None:
    names = project.images(1)
    project.server.update_settings(pending_seconds=3)
    project.server.cut(35, after="DescribeImages")

    outlived = project.stack.up()

    assert outlived.ok, outlived.output
    assert "no answer from EC2 for" in outlived.output
    project.assert_converged(names)


def test_a_cut_during_deregistration_then_destroy_again_leaves_nothing(project: Project) -> None:
    project.images(2, protection="disabled")
    created = project.stack.up()
    assert created.ok, created.output
    # Another AMI, not the stack's, uses the same root snapshot: it must survive.
    ec2 = project.server.client(REGION)
    other = ec2.register_image(
        Name="not-the-stacks",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": project.seeded["rootSnapshotId"]}}
        ],
    )["ImageId"]
    project.server.cut(8, after="DeregisterImage")

    project.stack.destroy()
    again = project.stack.destroy()

    assert again.ok, again.output
    assert list(project.ec2_images()) == [other]
    assert project.made_snapshots() == set()
    snapshots = ec2.describe_snapshots(SnapshotIds=[project.seeded["rootSnapshotId"]])
    assert len(snapshots["Snapshots"]) == 1
    assert project.stack.resources() == [] or all(
        r["type"] not in (IMAGE, SNAPSHOT) for r in project.stack.resources()
    )


# -- refused at preview ---------------------------------------------------------------------------


def test_a_replacement_of_a_protected_image_is_refused_at_preview_with_a_way_out(
    project: Project,
) -> None:
    project.images(1)
    created = project.stack.up()
    assert created.ok, created.output
    [original] = project.ec2_images()
    registered = project.requests("RegisterImage")

    # Renamed and unprotected in one go: the advice must not loop.
    project.declare({"img0": _image(0, "disabled", name="crash-renamed")})
    refused = project.stack.up()

    assert not refused.ok
    assert (
        'Do it in two steps: set its deregistrationProtection to "disabled" with imageName as '
        "it is now, run `pulumi up`; then change imageName and run `pulumi up` again."
    ) in refused.output
    assert "Traceback" not in refused.output
    assert project.requests("RegisterImage") == registered
    assert list(project.ec2_images()) == [original]

    project.declare({"img0": _image(0, "disabled")})
    unprotected = project.stack.up()
    assert unprotected.ok, unprotected.output
    project.declare({"img0": _image(0, "disabled", name="crash-renamed")})
    renamed = project.stack.up()
    assert renamed.ok, renamed.output
    project.assert_converged(["crash-renamed"])


def test_a_malformed_snapshot_id_is_refused_at_preview_naming_the_property(
    project: Project,
) -> None:
    project.declare(
        {
            "img0": {
                "type": IMAGE,
                "properties": {
                    "imageName": "crash-0",
                    "fromSnapshots": {"rootDeviceName": "/dev/xvda"},
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"snapshotId": "snap-xyz"}},
                        {"deviceName": "/dev/sdf", "ebs": {"snapshotId": "${dataVolumeId}"}},
                    ],
                },
            }
        }
    )
    project.server.clear_requests()

    refused = project.stack.preview()

    assert not refused.ok
    assert "blockDeviceMappings[0].ebs.snapshotId" in refused.output
    assert "got 'snap-xyz'" in refused.output
    assert "blockDeviceMappings[1].ebs.snapshotId" in refused.output
    assert "(that is a volume id)" in refused.output
    assert project.server.requests == []


def test_a_forced_replacement_never_adopts_the_image_it_replaces(project: Project) -> None:
    project.images(1, protection="disabled")
    created = project.stack.up()
    assert created.ok, created.output
    [original] = project.ec2_images()
    [urn] = [r["urn"] for r in project.stack.resources() if r["type"] == IMAGE]

    replaced = project.stack.up("--replace", urn)

    # Same name: AWS refuses a second AMI of that name, and the first is never taken for it.
    assert not replaced.ok
    assert f"{original} (deregistration protection: disabled) has this name" in replaced.output
    assert list(project.ec2_images()) == [original]
    assert project.state_ids(IMAGE) == [original]
