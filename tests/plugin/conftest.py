"""The plugin as the engine sees it: `.venv/bin/pulumi-resource-ami-lifecycle` started with an
engine address (a small Engine service here, which records the log), its port read from stdout,
and spoken to over gRPC with the engine's own protocol messages. The plugin watches that
address, so the Engine service runs for as long as the plugin should."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
)

from ec2_emulator import EmulatorServer

PLUGIN = Path(sys.executable).parent / "pulumi-resource-ami-lifecycle"
REGION = "us-east-1"
STACK = "urn:pulumi:dev::golden-image"


def urn(token: str, name: str, parent: str = "") -> str:
    """A resource's URN; a child's type is `Parent$Child`."""
    return f"{STACK}::{parent + '$' if parent else ''}{token}::{name}"


def secret(value: Any) -> dict[str, Any]:
    """A secret, as the engine sends one."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(dict(values), struct_pb2.Struct())


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


@dataclass
class EngineRecorder(engine_pb2_grpc.EngineServicer):
    """The engine's Log service: what the plugin tells the user, per resource."""

    logs: list[tuple[str, str]] = field(default_factory=list)

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:  # noqa: N802
        self.logs.append((request.urn, request.message))
        return empty_pb2.Empty()

    def GetRootResource(  # noqa: N802
        self, request: engine_pb2.GetRootResourceRequest, context: Any
    ) -> engine_pb2.GetRootResourceResponse:
        """What the plugin asks to see that its engine is still there."""
        return engine_pb2.GetRootResourceResponse(urn=f"{STACK}::pulumi:pulumi:Stack::dev")

    def messages(self, about: str) -> list[str]:
        return [message for resource, message in self.logs if resource == about]


@dataclass
class FakeEngine:
    """The Engine service on a port of its own, as the CLI serves it to its plugins."""

    recorder: EngineRecorder
    server: grpc.Server
    address: str

    def stop(self) -> None:
        """The engine goes away: its address refuses connections from now on."""
        self.server.stop(None)


@contextmanager
def fake_engine() -> Iterator[FakeEngine]:
    recorder = EngineRecorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield FakeEngine(recorder, server, f"127.0.0.1:{port}")
    finally:
        server.stop(None)


def plugin_environment(aws: EmulatorServer) -> dict[str, str]:
    """The plugin's environment: AWS is the emulator."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL_EC2": aws.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }


@dataclass
class Plugin:
    stub: provider_pb2_grpc.ResourceProviderStub
    engine: EngineRecorder
    aws: EmulatorServer
    process: subprocess.Popen[str]

    def configure(self, **config: str) -> provider_pb2.ConfigureResponse:
        response: provider_pb2.ConfigureResponse = self.stub.Configure(
            provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=True)
        )
        return response

    def check(
        self, resource_urn: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> provider_pb2.CheckResponse:
        response: provider_pb2.CheckResponse = self.stub.Check(
            provider_pb2.CheckRequest(urn=resource_urn, olds=struct(olds or {}), news=struct(news))
        )
        return response

    def stderr(self) -> str:
        """What the plugin wrote to stderr (the engine's log), once it has been stopped."""
        self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        return err


@pytest.fixture
def plugin() -> Iterator[Plugin]:
    with fake_engine() as engine, EmulatorServer() as aws:
        process = subprocess.Popen(
            [str(PLUGIN), engine.address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=plugin_environment(aws),
        )
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            yield Plugin(
                provider_pb2_grpc.ResourceProviderStub(channel), engine.recorder, aws, process
            )
            channel.close()
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)
