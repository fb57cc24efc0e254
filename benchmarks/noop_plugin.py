"""`pulumi-resource-noop`: the floor the CLI benchmark measures `ami-lifecycle` against.

Why this exists: a ratio to "nothing" needs a nothing that costs what every provider plugin
costs and no more. This one is built the way `ami_lifecycle.plugin` is (the same experimental
SDK, `pulumi.provider.experimental`, the same asyncio gRPC server, the same Configure answer,
its port on the first line of stdout) and answers every step with its inputs: no AWS, no
validation, no threads. The benchmark gives it a launcher named `pulumi-resource-noop` on PATH,
where the engine finds ambient plugins.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import suppress

import grpc.aio
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

__all__ = ["PACKAGE", "THING", "VERSION", "NoopProvider", "main"]

PACKAGE = "noop"
VERSION = "0.1.0"
THING = f"{PACKAGE}:index:Thing"


class NoopProvider(api.Provider):
    """Every step answers with what it was given."""

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        # What ami-lifecycle answers, so that the engine sends both the same requests (a preview
        # asks each for its Creates too).
        return api.ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        return api.CheckResponse(inputs=request.new_inputs)

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        # Its state is its inputs, so any change of an input is a change.
        return api.DiffResponse(changes=request.old_state != request.new_inputs)

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        return api.CreateResponse(
            resource_id="" if request.preview else request.name, properties=request.properties
        )

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        return api.ReadResponse(
            resource_id=request.resource_id, properties=request.properties, inputs=request.inputs
        )

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        return api.UpdateResponse(properties=request.news)

    async def delete(self, request: api.DeleteRequest) -> None:
        return None


async def _serve(engine: str, args: list[str]) -> None:
    server = grpc.aio.server()
    servicer = ProviderServicer(args, VERSION, NoopProvider(), engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.exit(f"usage: pulumi-resource-{PACKAGE} <engine address>")
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve(args[0], args))


if __name__ == "__main__":
    main()
