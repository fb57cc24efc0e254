"""The engine's Log endpoint, which programs and plugins report diagnostics through.

Why this exists: the CLI hands every plugin the address of its Engine gRPC service (the first
argument of ``python -m pulumi.policy`` and of the dynamic provider host), and the Python SDK
in a program calls ``Engine.Log`` for ``pulumi.log.*``. The runner serves the same service:
in-process for the program (the SDK calls the object directly) and over gRPC on 127.0.0.1 for
plugins. Messages are printed as the CLI would show them; debug messages are dropped, as the
CLI does without ``-v``.
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from .display import Display

_SEVERITIES = {
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


class EngineLogService(engine_pb2_grpc.EngineServicer):
    def __init__(self, display: Display, source: str) -> None:
        self._display = display
        self._source = source
        self.errors = 0

    def Log(self, request: engine_pb2.LogRequest, context: Any = None) -> empty_pb2.Empty:  # noqa: N802
        severity = _SEVERITIES.get(request.severity)
        if severity is not None:
            if severity == "error":
                self.errors += 1
            self._display.log(self._source, severity, request.message)
        return empty_pb2.Empty()

    def GetRootResource(  # noqa: N802
        self, request: engine_pb2.GetRootResourceRequest, context: Any = None
    ) -> engine_pb2.GetRootResourceResponse:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(  # noqa: N802
        self, request: engine_pb2.SetRootResourceRequest, context: Any = None
    ) -> engine_pb2.SetRootResourceResponse:
        return engine_pb2.SetRootResourceResponse()


class EngineServer:
    """The Engine service over gRPC, for plugin processes."""

    def __init__(self, display: Display) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(
            EngineLogService(display, "engine log"), self._server
        )
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self._server.start()

    def stop(self) -> None:
        self._server.stop(grace=None)
