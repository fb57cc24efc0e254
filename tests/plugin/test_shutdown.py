"""The plugin never outlives its engine, and what it was making when it went is undone.

Each test starts the real plugin process with a fake engine, begins a create that stays in
flight (an image held `pending` by the emulator, or a snapshot whose poll is answered late),
then takes the engine away (its server stops, or the plugin's parent process is killed) or sends
SIGTERM. The plugin must be gone within two seconds, and the emulator must hold nothing the
create made, the user's snapshots kept. Each test prints the exit delay it saw (`pytest -rP`
shows it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ami_lifecycle.schema import IMAGE, VOLUME_SNAPSHOT
from ec2_emulator import EmulatorServer

from .conftest import (
    PLUGIN,
    REGION,
    FakeEngine,
    fake_engine,
    plugin_environment,
    struct,
    urn,
)

pytestmark = pytest.mark.e2e

EXIT_DEADLINE = 2.0
"""How soon after its engine goes away (or SIGTERM) the plugin must have exited."""
SETTLE = 30.0
"""Generous bound for anything else the tests wait for."""

IMAGE_URN = urn(IMAGE, "golden")
SNAPSHOT_URN = urn(VOLUME_SNAPSHOT, "data")

# Starts the plugin as its child, says the child's pid in a file, and stays until killed.
_PARENT = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(str(child.pid))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
child.wait()
"""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = SETTLE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s")
        time.sleep(0.01)


def has_exited(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (its parent was killed)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def assert_exits_in_time(pid: int, since: float) -> None:
    """The process `pid` is gone within the deadline after `since`, the moment of the event."""
    wait_for(lambda: has_exited(pid), f"plugin {pid} exiting", timeout=EXIT_DEADLINE)
    print(f"plugin exited {time.monotonic() - since:.3f}s after the event")


@dataclass
class Running:
    """A plugin process, the engine it was given, and the emulator it calls."""

    pid: int
    stub: provider_pb2_grpc.ResourceProviderStub
    engine: FakeEngine
    aws: EmulatorServer
    stderr: Any

    def own_images(self) -> list[str]:
        ec2 = self.aws.client(REGION)
        found = ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
        return [image["ImageId"] for image in found]

    def snapshots(self) -> list[str]:
        found = self.aws.client(REGION).describe_snapshots(OwnerIds=["self"])["Snapshots"]
        return sorted(snapshot["SnapshotId"] for snapshot in found)

    def user_snapshot(self) -> str:
        ec2 = self.aws.client(REGION)
        volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
        return ec2.create_snapshot(VolumeId=volume)["SnapshotId"]


def _read_port(stdout: Any) -> int:
    line = stdout.readline()
    assert line, "the plugin exited before it printed its port"
    return int(line)


@contextmanager
def _started(
    command: list[str], aws: EmulatorServer
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=plugin_environment(aws),
    )
    try:
        assert process.stdout is not None
        yield process, _read_port(process.stdout)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@contextmanager
def plugin_process(*, via_parent: Path | None = None) -> Iterator[tuple[Running, Any]]:
    """The plugin, started by the test (the process handle is the plugin) or by a small parent
    process (the handle is that parent; `Running.pid` is the plugin)."""
    with fake_engine() as engine, EmulatorServer() as aws:
        command = [str(PLUGIN), engine.address]
        if via_parent is not None:
            command = [sys.executable, "-c", _PARENT, str(via_parent), *command]
        with _started(command, aws) as (process, port):
            pid = process.pid
            if via_parent is not None:
                wait_for(via_parent.exists, "the parent naming the plugin's pid")
                pid = int(via_parent.read_text())
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            try:
                stub = provider_pb2_grpc.ResourceProviderStub(channel)
                yield Running(pid, stub, engine, aws, process.stderr), process
            finally:
                channel.close()
                if not has_exited(pid):
                    os.kill(pid, signal.SIGKILL)


def image_inputs(snapshot_id: str) -> dict[str, Any]:
    return {
        "imageName": "golden-shutdown",
        "fromSnapshots": {"rootDeviceName": "/dev/xvda"},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"snapshotId": snapshot_id}}],
    }


def begin_image_create(running: Running, snapshot_id: str) -> grpc.Future:
    """A create whose image stays `pending`, returned once its waiter has polled."""
    running.aws.update_settings(pending_seconds=600)
    checked = running.stub.Check(
        provider_pb2.CheckRequest(urn=IMAGE_URN, news=struct(image_inputs(snapshot_id)))
    )
    assert list(checked.failures) == []
    created: grpc.Future = running.stub.Create.future(
        provider_pb2.CreateRequest(urn=IMAGE_URN, properties=checked.inputs)
    )

    def polling() -> bool:
        actions = [r.action for r in running.aws.requests]
        return (
            "RegisterImage" in actions
            and "DescribeImages" in actions[actions.index("RegisterImage") :]
        )

    wait_for(polling, "the create waiting for its image")
    assert len(running.own_images()) == 1
    return created


def undone_message(created: grpc.Future) -> str:
    """The create's answer: an error saying why it stopped and what it undid."""
    error = created.exception(timeout=SETTLE)
    assert isinstance(error, grpc.RpcError)
    return str(error.details())


def test_the_plugin_exits_soon_after_the_engine_stops_and_undoes_its_create() -> None:
    with plugin_process() as (running, process):
        root = running.user_snapshot()
        created = begin_image_create(running, root)

        running.engine.stop()
        stopped = time.monotonic()
        assert_exits_in_time(running.pid, stopped)

        assert process.wait(timeout=SETTLE) == 0
        message = undone_message(created)
        assert "the plugin is shutting down (the engine at 127.0.0.1:" in message
        assert "interrupted; undone: deregistered ami-" in message
        assert "your snapshots were kept" in message
        assert running.own_images() == []
        assert running.snapshots() == [root]
        assert "shutting down: the engine at" in running.stderr.read()


def test_the_plugin_exits_soon_after_its_parent_is_killed_and_undoes_its_create(
    tmp_path: Path,
) -> None:
    with plugin_process(via_parent=tmp_path / "plugin.pid") as (running, parent):
        root = running.user_snapshot()
        created = begin_image_create(running, root)

        os.kill(parent.pid, signal.SIGKILL)
        killed = time.monotonic()
        assert_exits_in_time(running.pid, killed)

        assert parent.wait(timeout=SETTLE) == -signal.SIGKILL
        assert "interrupted; undone: deregistered ami-" in undone_message(created)
        assert running.own_images() == []
        assert running.snapshots() == [root]
        assert f"shutting down: its parent process {parent.pid} exited" in parent.stderr.read()


def test_sigterm_undoes_the_create_in_flight_and_exits_cleanly() -> None:
    with plugin_process() as (running, process):
        root = running.user_snapshot()
        created = begin_image_create(running, root)

        os.kill(running.pid, signal.SIGTERM)
        signalled = time.monotonic()
        assert_exits_in_time(running.pid, signalled)

        assert process.wait(timeout=SETTLE) == 0
        message = undone_message(created)
        assert message.startswith("the plugin is shutting down (SIGTERM)\n")
        assert "creating EC2 AMI (golden-shutdown): interrupted; undone: deregistered" in message
        assert running.own_images() == []
        assert running.snapshots() == [root]


def test_sigterm_while_a_snapshot_is_waited_for_deletes_the_snapshot() -> None:
    """EC2 snapshots complete at once in the emulator, so the wait is its poll: the answer to
    it is held back (a slow network) while the plugin gets SIGTERM."""
    with plugin_process() as (running, process):
        ec2 = running.aws.client(REGION)
        volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
        users = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        checked = running.stub.Check(
            provider_pb2.CheckRequest(urn=SNAPSHOT_URN, news=struct({"volumeId": volume}))
        )
        assert list(checked.failures) == []
        made = running.aws.hold("CreateSnapshot", 3.0)
        created: grpc.Future = running.stub.Create.future(
            provider_pb2.CreateRequest(urn=SNAPSHOT_URN, properties=checked.inputs)
        )
        assert made.wait(SETTLE), "CreateSnapshot reached EC2"
        running.aws.hold("DescribeSnapshots", 0.5)  # the next one: the wait's first poll
        assert running.aws.wait_held(SETTLE), "the wait polled"

        os.kill(running.pid, signal.SIGTERM)
        signalled = time.monotonic()
        assert_exits_in_time(running.pid, signalled)

        assert process.wait(timeout=SETTLE) == 0
        message = undone_message(created)
        assert message.startswith("the plugin is shutting down (SIGTERM)\n")
        assert f"creating EBS snapshot (from {volume}): interrupted; undone: deleted snap-" in (
            message
        )
        assert running.snapshots() == [users]


def test_a_create_whose_call_the_engine_drops_is_undone_and_the_plugin_serves_on() -> None:
    """The engine drops a call only when it is gone: the answer would reach no one."""
    with plugin_process() as (running, process):
        root = running.user_snapshot()
        created = begin_image_create(running, root)

        assert created.cancel()

        wait_for(lambda: running.own_images() == [], "the dropped create's image deregistered")
        assert running.snapshots() == [root]
        assert "DeregisterImage" in [r.action for r in running.aws.requests]
        assert process.poll() is None
        answered = running.stub.GetPluginInfo(empty_pb2.Empty())
        assert answered.version
        process.terminate()
        assert process.wait(timeout=SETTLE) == 0
        assert (
            "a call the engine dropped ended: the engine stopped waiting for this call (it is "
            "gone)\ncreating EC2 AMI (golden-shutdown): interrupted; undone: deregistered ami-"
        ) in running.stderr.read()


def test_the_engines_cancel_lets_the_create_in_flight_finish() -> None:
    """A first ^C: the engine sends Cancel and waits for the operations in flight."""
    with plugin_process() as (running, process):
        root = running.user_snapshot()
        created = begin_image_create(running, root)

        running.stub.Cancel(empty_pb2.Empty())
        running.aws.advance_clock(600)

        answer = created.result(timeout=SETTLE)
        assert answer.id in running.own_images()
        assert process.poll() is None  # still serving the engine
