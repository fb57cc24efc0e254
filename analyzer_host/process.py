"""The real policy pack in its own process, started the way the Pulumi CLI starts it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf.message import Message
from pulumi.runtime import proto

from .client import AnalyzerClient, UnimplementedError
from .engine import FakeEngine

__all__ = ["PACK_DIR", "GrpcTransport", "PolicyPackProcess", "PolicyPackStartError"]

PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
"""This repository's policy pack (`policies/`)."""


class PolicyPackStartError(RuntimeError):
    """The pack exited, or never printed its port; the message quotes its stderr."""


class GrpcTransport:
    """Calls the analyzer over a gRPC channel."""

    def __init__(self, channel: Any, *, timeout: float = 30.0) -> None:
        self._stub = proto.AnalyzerStub(channel)
        self._timeout = timeout

    def __call__(self, method: str, request: Message) -> Message:
        try:
            response: Message = getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise UnimplementedError(method) from error
            raise
        return response


class PolicyPackProcess:
    """Runs `python -u -m pulumi.policy <engine address> .` in the pack's directory.

    Use it as a context manager; `client` talks to the pack over gRPC. The environment carries
    what the CLI passes (`PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_DRY_RUN`,
    `PULUMI_ORGANIZATION`).
    """

    def __init__(
        self,
        pack_dir: Path = PACK_DIR,
        *,
        stack: str = "dev",
        project: str = "golden-image",
        organization: str = "organization",
        dry_run: bool = True,
        startup_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = pack_dir
        self._env = {
            **os.environ,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        self._startup_timeout = startup_timeout
        self.engine = FakeEngine()
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: Any = None
        self._readers: list[threading.Thread] = []
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self.port = 0
        self.returncode: int | None = None
        """The pack's exit code once stopped (0 after a clean interrupt)."""
        self.client: AnalyzerClient | None = None
        """Talks to the pack like the engine does; set while the pack runs."""

    @property
    def stderr(self) -> str:
        """What the pack wrote to stderr so far (tracebacks, `pulumi.log` fallbacks)."""
        return "".join(self._stderr)

    def start(self) -> AnalyzerClient:
        """Start the engine stand-in and the pack, wait for its port, connect."""
        self._stdout = queue.Queue()
        self._stderr = []
        self.returncode = None
        engine_address = self.engine.start()
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", engine_address, "."],
            cwd=self.pack_dir,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            self.port = self._wait_for_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
            grpc.channel_ready_future(self._channel).result(timeout=self._startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.client = AnalyzerClient(GrpcTransport(self._channel))
        return self.client

    def stop(self) -> int | None:
        """Interrupt the pack (it stops its server on KeyboardInterrupt); returns its exit code."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        code = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGINT)
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            code = self.returncode = self._process.returncode
            for reader in self._readers:
                reader.join(timeout=5)
            for pipe in (self._process.stdout, self._process.stderr):
                if pipe is not None:
                    pipe.close()
            self._process = None
        self.engine.stop()
        self.client = None
        return code

    def __enter__(self) -> AnalyzerClient:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_for_port(self) -> int:
        try:
            line = self._stdout.get(timeout=self._startup_timeout)
        except queue.Empty:
            raise PolicyPackStartError(
                f"the policy pack in {self.pack_dir} printed no port within "
                f"{self._startup_timeout:.0f}s; stderr:\n{self.stderr}"
            ) from None
        if line is None or not line.strip().isdigit():
            if self._process is not None:
                self._process.wait(timeout=10)
            for reader in self._readers:
                reader.join(timeout=5)
            raise PolicyPackStartError(
                f"the policy pack in {self.pack_dir} did not start (first output {line!r}); "
                f"stderr:\n{self.stderr}"
            )
        return int(line)

    def _read_stdout(self, pipe: IO[bytes]) -> None:
        for raw in pipe:
            self._stdout.put(raw.decode(errors="replace"))
        self._stdout.put(None)

    def _read_stderr(self, pipe: IO[bytes]) -> None:
        for raw in pipe:
            self._stderr.append(raw.decode(errors="replace"))
