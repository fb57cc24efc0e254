"""A stand-in for the engine's own gRPC service (`pulumirpc.Engine`).

The CLI starts a policy pack as `pulumi-analyzer-policy-python <engine address> .`, which runs
`python -u -m pulumi.policy <engine address> .`. In pulumi 3.272 `pulumi.policy` parses the
address and never dials it (its `pulumi.log` calls fall back to stderr), but a pack or a later SDK
may log through it, so the harness gives it a real address that records what arrives.
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto

__all__ = ["EngineLog", "FakeEngine"]


@dataclass(frozen=True)
class EngineLog:
    """One `Log` call."""

    severity: str
    message: str
    urn: str


class _EngineServicer(proto.EngineServicer):
    def __init__(self, engine: FakeEngine) -> None:
        self._engine = engine

    def Log(self, request: proto.LogRequest, context: Any) -> empty_pb2.Empty:  # noqa: N802
        del context
        self._engine.record(
            EngineLog(
                severity=proto.LogSeverity.Name(request.severity).lower(),
                message=request.message,
                urn=request.urn,
            )
        )
        return empty_pb2.Empty()


class FakeEngine:
    """Serves `pulumirpc.Engine` on localhost, recording `Log` calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: list[EngineLog] = []
        self._server: Any = None
        self.address = ""

    @property
    def logs(self) -> list[EngineLog]:
        """What the pack logged so far."""
        with self._lock:
            return list(self._logs)

    def record(self, log: EngineLog) -> None:
        """Keep one log entry."""
        with self._lock:
            self._logs.append(log)

    def start(self) -> str:
        """Start serving; returns the address to hand to the pack."""
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        proto.add_EngineServicer_to_server(_EngineServicer(self), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.address = f"127.0.0.1:{port}"
        return self.address

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None

    def __enter__(self) -> FakeEngine:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
