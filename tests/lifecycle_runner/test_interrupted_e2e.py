"""Faults a command meets from outside: a SIGKILL in the middle of a create, a second command on
the same stack. Each must end with an actionable message and nothing leaked in EC2.

These run the example stack (a MachineImage that snapshots a data volume) as a user does, with
``python -m lifecycle_runner``, against an emulator of their own whose new images stay
``pending`` for an hour: a create is then reliably in progress when the fault is injected,
and the test decides when AWS finishes the image (by moving the emulator's clock on).
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ec2_emulator import EmulatorControlClient
from lifecycle_runner import AwsTarget
from lifecycle_runner.aws_target import leftovers
from lifecycle_runner.example_story import seed
from lifecycle_runner.local_emulator import EmulatorProcess
from lifecycle_runner.state import PendingOperation, StackState, load_state, save_state

from .conftest import REPO_ROOT, Run, Runner

pytestmark = pytest.mark.e2e

PROJECT, STACK = "ami-lifecycle", "faults"
IMAGE_TYPE = "pulumi-python:dynamic/ami-lifecycle:Image"
SNAPSHOT_TYPE = "pulumi-python:dynamic/ami-lifecycle:VolumeSnapshot"
PENDING_FOR = 3600.0
WAIT = 120.0  # seconds any one awaited event may take before the test gives up


class Emulator:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.control = EmulatorControlClient(endpoint)
        self.target = AwsTarget(endpoint, "us-east-1")

    def actions(self) -> list[str]:
        return [request.action for request in self.control.requests]

    def changes(self) -> list[str]:
        """Every request that changed something (all but the Describe* calls), in order."""
        return [action for action in self.actions() if not action.startswith("Describe")]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    process = EmulatorProcess.start(tmp_path / "emulator.log", detached=False)
    try:
        yield Emulator(process.endpoint_url)
    finally:
        process.stop()


@pytest.fixture
def stack(emulator: Emulator, tmp_path: Path) -> list[str]:
    """CLI arguments for the example stack on the test's emulator: unprotected (so `destroy`
    runs without an `up` in between), its images pending for an hour."""
    config = {"aws:region": "us-east-1", "protection": "disabled", **seed(emulator.target)}
    emulator.control.update_settings(pending_seconds=PENDING_FOR)
    return [
        *("--program", str(REPO_ROOT), "--stack", STACK, "--endpoint", emulator.endpoint),
        *("--work-dir", str(tmp_path / "work"), "--config"),
        *(f"{key}={value}" for key, value in config.items()),
    ]


def _environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT))


def _cli(command: str, stack: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lifecycle_runner", command, *stack],
        cwd=REPO_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@contextlib.contextmanager
def _started(command: str, stack: list[str], log: Path) -> Iterator[subprocess.Popen[str]]:
    """The runner in a process group of its own; whatever is left of the group is killed at
    the end, so a failing test leaves no process behind."""
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "lifecycle_runner", command, *stack],
            cwd=REPO_ROOT,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _wait_for(condition: Callable[[], bool], what: str, runner: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if runner.poll() is not None:
            pytest.fail(f"the runner exited ({runner.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {WAIT:.0f}s")
        time.sleep(0.1)


def _live_processes_in_group(group: int) -> list[int]:
    """Processes of the group that are still running (zombies don't count: they have exited)."""
    live = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            live.append(int(entry.name))
    return live


def _state(stack: list[str]) -> StackState:
    work = Path(stack[stack.index("--work-dir") + 1])
    return load_state(work / "state.json", PROJECT, STACK)


def _of_type(state: StackState, type_: str) -> list[Any]:
    return [r for r in state.resources if r.type == type_ and not r.delete]


def _assert_ec2_holds_exactly_what_the_stack_records(emulator: Emulator, state: StackState) -> None:
    [image] = _of_type(state, IMAGE_TYPE)
    recorded_snapshots = set(image.outputs["snapshotIds"]) | {
        r.id for r in _of_type(state, SNAPSHOT_TYPE)
    }
    left = leftovers(emulator.target, ["images", "snapshots"])
    assert left["images"] == [image.id]
    assert set(left["snapshots"]) == recorded_snapshots


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


@pytest.mark.parametrize("next_command", ["up", "destroy"])
def test_an_up_killed_mid_create_is_finished_by_the_next_command_and_nothing_leaks(
    emulator: Emulator, stack: list[str], tmp_path: Path, next_command: str
) -> None:
    log = tmp_path / "killed-up.log"
    with _started("up", stack, log) as killed:
        _wait_for(lambda: "RegisterImage" in emulator.actions(), "RegisterImage", killed)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
        # Nothing the runner started outlives it: its provider host sees its stdin close.
        _wait_for_group_to_end(killed.pid)

    state = _state(stack)
    assert [(p.operation, p.command, p.resource.name) for p in state.pending] == [
        ("create", "up", "golden-image")
    ], _read(log)
    [orphan] = leftovers(emulator.target, ["images"])["images"]  # what the killed create made
    assert orphan not in {r.id for r in state.resources}
    emulator.control.advance_clock(PENDING_FOR)  # AWS finishes the image while nobody watches

    after = _cli(next_command, stack)
    assert after.returncode == 0, after.stdout + after.stderr
    assert (
        f"warning: an earlier `up` was interrupted (at {state.pending[0].started}) while "
        f"creating golden-image ({IMAGE_TYPE}), so what that create made may exist: this "
        "command runs the create again with the inputs it had, so that a provider whose "
        "creates are safe to retry adopts what the interrupted one made"
    ) in after.stdout
    assert f"adopting {orphan}" in after.stdout  # the provider's own word
    assert emulator.actions().count("RegisterImage") == 2  # the replay met the first one's
    state = _state(stack)
    assert state.pending == []

    destroy = after
    if next_command == "up":
        [image] = _of_type(state, IMAGE_TYPE)
        assert image.id == orphan
        assert image.outputs["state"] == "available"
        _assert_ec2_holds_exactly_what_the_stack_records(emulator, state)
        destroy = _cli("destroy", stack)
        assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert "-  delete   golden-image" in destroy.stdout
    assert leftovers(emulator.target, ["images", "snapshots"]) == {"images": [], "snapshots": []}
    assert _state(stack).resources == []


def _wait_for_group_to_end(group: int) -> None:
    deadline = time.monotonic() + WAIT
    while _live_processes_in_group(group):
        assert time.monotonic() < deadline, f"still running: {_live_processes_in_group(group)}"
        time.sleep(0.1)


def test_a_second_up_on_a_busy_stack_fails_fast_naming_the_holder_and_nothing_leaks(
    emulator: Emulator, stack: list[str], tmp_path: Path
) -> None:
    log = tmp_path / "first-up.log"
    with _started("up", stack, log) as first:
        _wait_for(lambda: "RegisterImage" in emulator.actions(), "RegisterImage", first)
        changes = emulator.changes()

        second = _cli("up", stack)
        assert second.returncode == 1
        work = Path(stack[stack.index("--work-dir") + 1])
        assert f"error: this stack is in use: pid {first.pid} (`up`, since " in second.stdout
        assert (
            f"holds its lock {work / 'lock'}. Wait until that command ends, then run yours "
            "again. If that process is gone, just retry"
        ) in second.stdout
        assert "Previewing" not in second.stdout and "Traceback" not in second.stderr
        assert emulator.changes() == changes  # the second `up` changed nothing in EC2

        emulator.control.advance_clock(PENDING_FOR)
        assert first.wait(timeout=300) == 0, _read(log)

    assert "up succeeded" in _read(log)
    assert emulator.actions().count("RegisterImage") == 1
    _assert_ec2_holds_exactly_what_the_stack_records(emulator, _state(stack))
    destroy = _cli("destroy", stack)
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert leftovers(emulator.target, ["images", "snapshots"]) == {"images": [], "snapshots": []}


# -- what other operations leave pending, on the runner's test program (in-process) ----------


def _plant(run: Run, operation: str, name: str, command: str, **changes: Any) -> PendingOperation:
    """Leave a pending operation in the state, as a command killed during it would have."""
    path = run.result.state_path
    state = load_state(path, "fixture", "test")
    resource = copy.deepcopy(next(r for r in state.resources if r.name == name))
    for key, value in changes.items():
        setattr(resource, key, value)
    record = PendingOperation(operation, resource, command)
    state.pending.append(record)
    save_state(path, state)
    return record


def _pending(run: Run) -> list[PendingOperation]:
    return load_state(run.result.state_path, "fixture", "test").pending


def test_an_interrupted_delete_is_finished_before_the_next_up(
    run: Runner, volume_exists: Callable[[str], bool]
) -> None:
    up = run("up")
    record = _plant(up, "delete", "data", "destroy")
    volume = record.resource

    again = run("up")
    assert again.result.ok, again.output
    assert (
        f"warning: an earlier `destroy` was interrupted (at {record.started}) while deleting "
        f"data ({volume.type}, id {volume.id}), so it may be gone or half deleted: this command "
        "deletes it again (a delete counts what is already gone as deleted)"
    ) in again.output
    assert again.output.index(f"deleting {volume.id}") < again.output.index("Previewing")
    assert not volume_exists(volume.id)
    assert again.result.names("create") == ["data"]  # the program still wants a volume
    assert _pending(again) == []
    assert run("destroy").result.ok


def test_preview_and_refresh_report_an_interrupted_update_and_the_next_up_applies_it(
    run: Runner,
) -> None:
    up = run("up")
    record = _plant(up, "update", "data", "up", inputs={})
    said = (
        f"an earlier `up` was interrupted (at {record.started}) while updating data "
        f"({record.resource.type}, id {record.resource.id}), so the update may be half "
        "applied. The state keeps the resource as it was before the update: an `up` applies "
        "it again (`refresh` reads what it is now)"
    )
    for command in ("preview", "refresh"):
        reported = run(command)
        assert reported.result.ok, reported.output
        assert f"warning: {said}" in reported.output
        assert len(_pending(reported)) == 1  # only reported

    again = run("up", config={"team": "blue"})
    assert again.result.ok, again.output
    assert f"warning: {said}" in again.output
    assert again.result.names("update") == ["data"]
    assert _pending(again) == []
    assert run("destroy").result.ok


def test_a_replayed_create_that_fails_stops_the_command_once(run: Runner) -> None:
    up = run("up", config={"withLabel": "false"})
    path = up.result.state_path
    volume = next(r for r in load_state(path, "fixture", "test").resources if r.name == "data")
    assert run("destroy").result.ok
    # A create of that volume, interrupted, whose replay fails: its checked inputs say so.
    volume.id, volume.outputs = "", {}
    volume.inputs["failOn"] = "create"
    state = load_state(path, "fixture", "test")
    state.pending.append(PendingOperation("create", volume, "up"))
    save_state(path, state)

    refused = run("up", config={"withLabel": "false"})
    assert refused.result.exit_code == 1
    assert "planted failure: create refused (failOn=create)" in refused.output
    assert (
        "error: an operation an interrupted command left could not be finished: nothing else "
        "was done"
    ) in refused.output
    assert "Previewing" not in refused.output
    assert _pending(refused) == []  # the provider answered: nothing is pending any more

    again = run("up", config={"withLabel": "false"})
    assert again.result.ok, again.output
    assert again.result.names("create") == ["data"]
    assert run("destroy").result.ok
