"""What every test through the real CLI needs: an EC2 emulator of its own, as a server the CLI's
plugins reach over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ec2_emulator import EmulatorServer


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running
