"""A Pulumi plugin subprocess, started and read the way the CLI does it.

Why this exists: the CLI runs a Python dynamic provider (``python -u -m pulumi.dynamic``) and a
Python policy pack (``python -u -m pulumi.policy``) as child processes. A plugin must write
its gRPC port as the very first line on stdout; the CLI reads that line, refuses anything that
is not a number ("wrote a non-numeric port to stdout"), and from then on streams every further
stdout and stderr line to the user as diagnostics. Both halves matter here: a module that
prints at import time breaks the handshake if it is imported before the port is written, and
a provider's progress must show while a long operation runs, not after it.

A plugin must also not outlive the runner. The CLI's plugins stop when the engine goes away;
``python -m pulumi.dynamic`` would serve on forever, and finish (or, after its timeout, undo)
a create for an engine that is gone, while the next command adopts what that create made. So
the plugin module runs under a small guard (:data:`_GUARD`): its stdin is a pipe only the
runner holds, and when that pipe closes, however the runner ended (a SIGKILL included), the
plugin exits at once, leaving its operation where it was for the next command to finish.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import grpc

# (stream name, line without its newline)
OutputSink = Callable[[str, str], None]

# Pickled providers travel in every request; the CLI and the SDK raise gRPC's 4 MiB default.
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


# `python -u -c _GUARD <module> <args>` runs <module> as `python -u -m <module> <args>` would
# (`sys.argv[0]` the module's file, `sys.path[0]` the working folder), after starting a thread
# that ends the process when stdin reaches end-of-file. `os.read` on the descriptor, not
# `sys.stdin`: a daemon thread blocked inside a buffered reader aborts the interpreter's
# shutdown. `os._exit`, not `sys.exit`: the gRPC server's threads must not be waited for.
_GUARD = """\
import os, runpy, sys, threading
def _exit_with_the_runner():
    while os.read(0, 4096):
        pass
    os._exit(0)
threading.Thread(target=_exit_with_the_runner, daemon=True).start()
del sys.argv[0]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


class PluginStartError(Exception):
    """The plugin exited, hung or wrote something other than its port before serving."""


class PluginProcess:
    """One running plugin: its process, its gRPC channel and its streamed output."""

    def __init__(
        self,
        label: str,
        module: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        sink: OutputSink,
        start_timeout: float = 60.0,
    ) -> None:
        self.label = label
        self._sink = sink
        self._stderr_tail: deque[str] = deque(maxlen=40)
        self._last_output = time.monotonic()
        self._port_line: str | None = None
        self._port_ready = threading.Event()
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-c", _GUARD, module, *args],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,  # never written: its end-of-file says the runner is gone
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout,), daemon=True),
            threading.Thread(
                target=self._read_stream, args=(self._process.stderr, "stderr"), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()
        try:
            port = self._await_port(start_timeout)
            self.address = f"127.0.0.1:{port}"
            self.channel = grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)
            grpc.channel_ready_future(self.channel).result(timeout=start_timeout)
        except BaseException:
            self.stop()
            raise

    def _await_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while not self._port_ready.wait(0.05):
            if self._process.poll() is not None:
                self._drain()
                raise PluginStartError(
                    f"{self.label} exited with code {self._process.returncode} before writing "
                    f"its port{self._stderr_report()}"
                )
            if time.monotonic() > deadline:
                raise PluginStartError(
                    f"{self.label} did not write its port within {timeout:.0f}s"
                    f"{self._stderr_report()}"
                )
        line = self._port_line or ""
        try:
            return int(line)
        except ValueError:
            raise PluginStartError(
                f"{self.label} wrote a non-numeric port to stdout ({line!r}); the Pulumi CLI "
                "fails the same way. Something printed to stdout before the plugin served: "
                "look for print() or logging to stdout at import time in the modules it "
                f"imports{self._stderr_report()}"
            ) from None

    def _read_stdout(self, stream: IO[bytes]) -> None:
        first = stream.readline()
        if not first:
            return  # it exited without a word: _await_port reports the exit
        self._port_line = first.decode("utf-8", "replace").rstrip("\r\n")
        self._port_ready.set()
        self._read_stream(stream, "stdout")

    def _read_stream(self, stream: IO[bytes], name: str) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._last_output = time.monotonic()
            if name == "stderr":
                self._stderr_tail.append(line)
            self._sink(name, line)

    def _drain(self) -> None:
        for reader in self._readers:
            reader.join(timeout=2)

    def _stderr_report(self) -> str:
        if not self._stderr_tail:
            return ""
        return "; its stderr ends with:\n" + "\n".join(self._stderr_tail)

    @property
    def exit_code(self) -> int | None:
        return self._process.poll()

    def settle(self, quiet: float = 0.005, limit: float = 0.25) -> None:
        """Wait briefly until the plugin's output goes quiet.

        A provider's prints made before it answered are already in the pipe; this lets the
        reader threads show them before the runner prints the operation's result line.
        """
        start = time.monotonic()
        while True:
            time.sleep(quiet / 2)
            now = time.monotonic()
            if now - start >= limit or (now - start >= quiet and now - self._last_output >= quiet):
                return

    def stop(self) -> None:
        channel: Any = getattr(self, "channel", None)
        if channel is not None:
            channel.close()
        if self._process.stdin is not None:
            self._process.stdin.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._drain()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()


def plugin_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The runner's own environment plus ``extra`` (the CLI also passes its env to plugins)."""
    env = dict(os.environ)
    env.update(extra)
    return env
