"""The Python dynamic provider host of one command: ``python -u -m pulumi.dynamic``.

Why this exists: the CLI serves every ``pulumi-python:dynamic:*`` resource of a deployment from
one plugin process (``pulumi-resource-pulumi-python``, a wrapper around ``python -u -m
pulumi.dynamic`` given the engine's address), configured once with the stack config. The
runner does the same: the process starts on the first dynamic resource, in the program's
folder (so modules next to ``__main__.py`` import, as under the CLI), with the runner's
environment plus the stack's identity and the AWS endpoint, and serves the whole command.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from .display import Display
from .plugin_process import PluginProcess, plugin_environment
from .provider_client import ProviderClient


class ProviderHost:
    """Started lazily by :attr:`client`; stopped with :meth:`stop`."""

    def __init__(
        self,
        *,
        program_dir: Path,
        engine_address: str,
        environment: Mapping[str, str],
        config: dict[str, str],
        display: Display,
    ) -> None:
        self._program_dir = program_dir
        self._engine_address = engine_address
        self._environment = dict(environment)
        self._config = config
        self._display = display
        self._lock = threading.Lock()
        self._plugin: PluginProcess | None = None
        self._client: ProviderClient | None = None

    @property
    def client(self) -> ProviderClient:
        with self._lock:
            if self._client is None:
                plugin = PluginProcess(
                    "resource provider plugin [pulumi-python]",
                    "pulumi.dynamic",
                    [self._engine_address],
                    cwd=self._program_dir,
                    env=plugin_environment(self._environment),
                    sink=lambda stream, line: self._display.plugin_output("provider", stream, line),
                )
                self._plugin = plugin
                client = ProviderClient(plugin.channel, lambda: plugin.exit_code)
                client.configure(self._config)
                self._client = client
            return self._client

    def settle(self) -> None:
        if self._plugin is not None:
            self._plugin.settle()

    def stop(self) -> None:
        with self._lock:
            if self._plugin is not None:
                self._plugin.stop()
            self._plugin = None
            self._client = None
