"""Starting a plugin the way the CLI does: the port handshake and its failures."""

from __future__ import annotations

import os

import pytest

from lifecycle_runner.plugin_process import PluginProcess, PluginStartError

from .conftest import REPO_ROOT


def _start(module: str) -> PluginProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return PluginProcess(
        "test plugin",
        module,
        [],
        cwd=REPO_ROOT,
        env=env,
        sink=lambda _s, _l: None,
        start_timeout=30,
    )


def test_output_before_the_port_fails_the_handshake_like_the_cli() -> None:
    with pytest.raises(PluginStartError) as caught:
        _start("tests.lifecycle_runner.fixtures.plugins.chatty")
    message = str(caught.value)
    assert "wrote a non-numeric port to stdout ('hello from an import side effect')" in message
    assert "at import time" in message


def test_a_plugin_that_dies_first_is_reported_with_its_stderr() -> None:
    with pytest.raises(PluginStartError) as caught:
        _start("tests.lifecycle_runner.fixtures.plugins.crashing")
    message = str(caught.value)
    assert "exited with code 3 before writing its port" in message
    assert "No module named 'pulumi_policy'" in message
