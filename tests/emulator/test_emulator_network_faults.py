"""Network faults of the server's endpoint: outages and held answers, with real sockets.

What the provider must survive when the Pulumi CLI reaches the emulator over HTTP: an endpoint
that refuses connections, a request carried out whose answer never comes, an answer that comes
late. The clients here retry nothing, so each fault is seen as it is.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from ec2_emulator import EmulatorServer

from .conftest import unretried_client

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

#: Long enough never to end during a test: those outages and holds are ended by the test.
LONG = 600
#: How long a test waits for something that happens at once (a bound, not a measurement).
PATIENCE = 30


@pytest.fixture
def ec2(ec2_emulator_server: EmulatorServer) -> EC2Client:
    return unretried_client(ec2_emulator_server)


class _Call:
    """A call made on a thread of its own, with an Event for its end."""

    def __init__(self, call: Any) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Any) -> None:
        try:
            self.result = call()
        except Exception as error:
            self.error = error
        finally:
            self.done.set()

    def join(self) -> None:
        self._thread.join(PATIENCE)
        assert self.done.is_set()


@pytest.fixture
def calls() -> Iterator[list[_Call]]:
    started: list[_Call] = []
    yield started
    for call in started:
        call.join()


def _refuses_connections(server: EmulatorServer) -> bool:
    address = urlsplit(server.endpoint_url)
    try:
        socket.create_connection((str(address.hostname), int(address.port or 80)), 5).close()
    except ConnectionRefusedError:
        return True
    return False


def _names(ec2: EC2Client) -> list[str]:
    return [image["Name"] for image in ec2.describe_images(Owners=["self"])["Images"]]


def test_a_cut_refuses_connections_until_it_is_over(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client
) -> None:
    endpoint = ec2_emulator_server.endpoint_url
    ec2.register_image(Name="before-the-cut")

    ec2_emulator_server.cut(LONG)

    assert ec2_emulator_server.wait_cut_started(0)
    assert _refuses_connections(ec2_emulator_server)
    with pytest.raises(EndpointConnectionError):
        ec2.describe_images(Owners=["self"])
    ec2_emulator_server.cut_over()
    assert ec2_emulator_server.wait_cut_over(0)
    assert ec2_emulator_server.endpoint_url == endpoint
    assert _names(ec2) == ["before-the-cut"]


_CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), 5).close()
except ConnectionRefusedError:
    sys.exit(3)
"""


@pytest.mark.e2e
def test_another_process_is_refused_during_a_cut(ec2_emulator_server: EmulatorServer) -> None:
    address = urlsplit(ec2_emulator_server.endpoint_url)

    def connect() -> int:
        argv = [sys.executable, "-c", _CONNECT, str(address.hostname), str(address.port)]
        return subprocess.run(argv, check=False, timeout=PATIENCE).returncode

    assert connect() == 0
    ec2_emulator_server.cut(LONG)
    assert connect() == 3
    ec2_emulator_server.cut_over()
    assert connect() == 0


def test_a_cut_ends_by_itself_on_the_same_port(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client
) -> None:
    endpoint = ec2_emulator_server.endpoint_url

    ec2_emulator_server.cut(0.5)

    assert ec2_emulator_server.wait_cut_over(PATIENCE)
    assert ec2_emulator_server.endpoint_url == endpoint
    assert _names(ec2) == []
    assert ec2_emulator_server.control.health()["ok"] is True


def test_a_cut_closes_open_connections_without_an_answer(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client, calls: list[_Call]
) -> None:
    ec2_emulator_server.hold("DescribeImages", LONG)
    waiting = _Call(lambda: ec2.describe_images(Owners=["self"]))
    calls.append(waiting)
    assert ec2_emulator_server.wait_held(PATIENCE)

    ec2_emulator_server.cut(LONG)

    waiting.join()
    assert isinstance(waiting.error, ConnectionClosedError)
    ec2_emulator_server.release_hold()
    ec2_emulator_server.cut_over()
    assert _names(ec2) == []


def test_a_cut_after_an_action_carries_it_out_and_loses_the_answer(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client
) -> None:
    ec2_emulator_server.cut(LONG, after="RegisterImage")

    # Nothing changes until a RegisterImage comes.
    assert not ec2_emulator_server.wait_cut_started(0)
    assert _names(ec2) == []
    with pytest.raises(ConnectionClosedError):
        ec2.register_image(Name="answer-lost")
    assert ec2_emulator_server.wait_cut_started(0)
    with pytest.raises(EndpointConnectionError):
        ec2.describe_images(Owners=["self"])

    ec2_emulator_server.cut_over()
    assert _names(ec2) == ["answer-lost"]
    assert [r.action for r in ec2_emulator_server.requests] == [
        "DescribeImages",
        "RegisterImage",
        "DescribeImages",
    ]


def test_cut_over_forgets_a_cut_still_waiting_for_its_action(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client
) -> None:
    ec2_emulator_server.cut(LONG, after="RegisterImage")
    ec2_emulator_server.cut_over()

    ec2.register_image(Name="answered")

    assert not ec2_emulator_server.wait_cut_started(0)
    assert _names(ec2) == ["answered"]


def test_a_held_answer_comes_only_when_the_hold_ends(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client, calls: list[_Call]
) -> None:
    arrived = ec2_emulator_server.hold("RegisterImage", LONG)
    register = _Call(lambda: ec2.register_image(Name="held"))
    calls.append(register)

    assert arrived.wait(PATIENCE)
    # Carried out, not answered: the image exists, the caller still waits.
    images = ec2.describe_images(Owners=["self"])["Images"]
    assert not register.done.is_set()
    assert [image["Name"] for image in images] == ["held"]

    ec2_emulator_server.release_hold()
    register.join()
    assert register.error is None
    assert register.result["ImageId"] == images[0]["ImageId"]


def test_a_hold_ends_by_itself(ec2_emulator_server: EmulatorServer, ec2: EC2Client) -> None:
    ec2_emulator_server.hold("RegisterImage", 0.2)

    ec2.register_image(Name="held-briefly")

    assert ec2_emulator_server.wait_held(0)  # the answer came after the hold began
    assert _names(ec2) == ["held-briefly"]


def test_a_hold_holds_one_answer_only(
    ec2_emulator_server: EmulatorServer, ec2: EC2Client, calls: list[_Call]
) -> None:
    arrived = ec2_emulator_server.hold("RegisterImage", LONG)
    first = _Call(lambda: ec2.register_image(Name="first"))
    calls.append(first)
    assert arrived.wait(PATIENCE)
    ec2_emulator_server.release_hold()
    first.join()

    second = _Call(lambda: ec2.register_image(Name="second"))
    calls.append(second)

    second.join()  # within PATIENCE: a held answer would take LONG
    assert (first.error, second.error) == (None, None)
    assert sorted(_names(ec2)) == ["first", "second"]


@pytest.mark.parametrize(
    ("fault", "arguments"),
    [
        ("cut", {"seconds": 0}),
        ("cut", {"seconds": 5, "after": "registerImage"}),
        ("hold", {"action": "RegisterImage", "seconds": -1}),
        ("hold", {"action": "Register", "seconds": 5}),
    ],
)
def test_faults_are_validated(
    ec2_emulator_server: EmulatorServer, fault: str, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        getattr(ec2_emulator_server, fault)(**arguments)


def test_the_server_stops_during_a_cut_and_a_hold(calls: list[_Call]) -> None:
    server = EmulatorServer().start()
    try:
        held = unretried_client(server)
        server.hold("DescribeImages", LONG)
        calls.append(_Call(lambda: held.describe_images(Owners=["self"])))
        assert server.wait_held(PATIENCE)
        server.cut(LONG, after="RegisterImage")
    finally:
        server.stop()

    assert not server.running
    calls[0].join()
    assert isinstance(calls[0].error, ConnectionClosedError)
