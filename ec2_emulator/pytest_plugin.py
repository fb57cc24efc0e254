"""pytest fixtures for the emulator.

Why this exists: every test area of the project needs the emulator the same way. Load with
``pytest_plugins = ["ec2_emulator.pytest_plugin"]`` in the top-level ``tests/conftest.py``.

Fixtures:

* ``ec2_emulator_factory``: ``make(**kwargs) -> Ec2Emulator`` (started; stopped at teardown).
  Arguments: ``clock``, ``settings``, ``region``, ``account_id``.
* ``ec2_emulator``: an in-process emulator on a :class:`~ec2_emulator.clock.FakeClock`, so time
  moves only when the test calls ``ec2_emulator.advance_clock(...)``.
* ``ec2_emulator_server``: an :class:`~ec2_emulator.server.EmulatorServer` on a free port, on a
  FakeClock; ``.endpoint_url``, ``.control`` (HTTP control client), ``.client()``, and the
  network faults ``.cut(...)`` and ``.hold(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .clock import FakeClock
from .emulator import Ec2Emulator
from .server import EmulatorServer

__all__ = ["ec2_emulator", "ec2_emulator_factory", "ec2_emulator_server"]


@pytest.fixture
def ec2_emulator_factory() -> Iterator[Callable[..., Ec2Emulator]]:
    started: list[Ec2Emulator] = []

    def make(**kwargs: Any) -> Ec2Emulator:
        emulator = Ec2Emulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture
def ec2_emulator(ec2_emulator_factory: Callable[..., Ec2Emulator]) -> Ec2Emulator:
    return ec2_emulator_factory(clock=FakeClock())


@pytest.fixture
def ec2_emulator_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(clock=FakeClock()).start()
    try:
        yield server
    finally:
        server.stop()
