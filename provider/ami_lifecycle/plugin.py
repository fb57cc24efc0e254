"""`pulumi-resource-ami-lifecycle`: the provider plugin the Pulumi engine starts for this package.

This is the one module that touches `pulumi.provider.experimental`, an experimental API; what it
does to the engine's messages is tested at the gRPC level (`tests/plugin/`). The resources
(`provider/`) and the component (`machine_image`) see plain camelCase Python values only:

- Numbers travel as floats: whole ones arrive as `int` and leave as floats, so 3000 stays 3000.
- A value not known yet (a preview) arrives as the engine's unknown marker, a string. It stays
  that string, which validation skips and the engine reads back as unknown when sent again
  (`PropertyValue.computed()` can't be sent by this SDK).
- A child resource's type arrives in its URN as `Parent$Child`.
- Secrets are unwrapped for the resources and re-applied: an output is secret when the input of
  the same name was, and so are the outputs derived from a secret input (`_SECRET_FOLLOWS`).
- The SDK's servicer turns every exception into a Python traceback for the user. Here each error
  a user can cause becomes one plain message: input problems as check failures (the
  component's too: see `machine_image`), refusals and AWS failures as the error's own text.
  Only a bug in this package adds a pointer to the plugin's log, where its traceback goes.
- The plugin never outlives its engine: it shuts down on SIGTERM (or SIGINT, which is how the
  CLI closes a plugin), and within about two seconds of its parent process exiting or the
  engine's address no longer answering. Shutting down cancels the work in flight
  (`cancellation`): each create undoes what it made, and the plugin exits once those handlers
  are done or their time is up; whatever an undo had no time for carries its creation token,
  unmarked, so the next `pulumi up` adopts it. The engine's own `Cancel` (a first ^C) lets
  operations finish: the engine waits for them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any, NoReturn, Protocol, TypeVar

import grpc
import grpc.aio
import pulumi
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.resource import DependencyResource
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from . import cancellation
from .errors import AmiLifecycleError
from .machine_image import MachineImage
from .provider.copy import ImageCopyProvider
from .provider.image import ImageProvider
from .provider.progress import reporting_to
from .provider.results import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from .provider.snapshot import VolumeSnapshotProvider
from .schema import (
    IMAGE,
    IMAGE_COPY,
    MACHINE_IMAGE,
    PACKAGE,
    VERSION,
    VOLUME_SNAPSHOT,
    package_schema,
)

__all__ = ["AmiLifecycleProvider", "EngineLog", "main"]

_T = TypeVar("_T")

_CONFIG_KEYS = ("region", "profile", "recycleBinReport")
_FLAG_CONFIG_KEYS = ("recycleBinReport",)
"""Settings that are booleans; stack config sends them as the strings "true" and "false"."""
_SECRET_FOLLOWS: Mapping[str, tuple[str, ...]] = {
    "blockDeviceMappings": ("reportedBlockDeviceMappings", "snapshotIds"),
    "fromSnapshots": ("rootDeviceName",),
}
"""Outputs computed from an input: secret whenever that input is."""


class Resource(Protocol):
    """What `provider/` implements for each custom resource type."""

    def configure(
        self, *, region: str | None, profile: str | None, recycle_bin_report: bool = False
    ) -> None: ...
    def check(
        self,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        urn: str = "",
        in_component: bool = False,
    ) -> CheckResult: ...
    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult: ...
    def create(self, props: dict[str, Any]) -> CreateResult: ...
    def read(
        self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None
    ) -> ReadResult: ...
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult: ...
    def preview_update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]: ...
    def delete(self, id_: str, props: dict[str, Any]) -> None: ...


class PluginError(Exception):
    """An error for the user: its text is all the CLI shows."""


# -- values ---------------------------------------------------------------------------------------


def plain(value: PropertyValue) -> Any:
    """A property value as plain Python: whole numbers as `int`, unknowns as the marker string."""
    inner = value.value
    if isinstance(inner, bool) or inner is None or isinstance(inner, str):
        return inner
    if isinstance(inner, float):
        return int(inner) if inner.is_integer() else inner
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple | list):
        return [plain(v) for v in inner]
    return inner  # a resource reference, an asset: validation names it as the wrong type


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def wire(value: Any, *, secret: bool = False) -> PropertyValue:
    """Plain Python as a property value; numbers as floats."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        made = PropertyValue(value)
    elif isinstance(value, int | float):
        made = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        made = PropertyValue({str(k): wire(v) for k, v in value.items() if v is not None})
    elif isinstance(value, list | tuple):
        made = PropertyValue([wire(v) for v in value])
    else:
        made = PropertyValue(value)
    return made.with_secret(True) if secret else made


def wire_map(values: Mapping[str, Any], secret: Collection[str] = ()) -> dict[str, PropertyValue]:
    return {k: wire(v, secret=k in secret) for k, v in values.items() if v is not None}


def secret_keys(*bags: Mapping[str, PropertyValue]) -> set[str]:
    """The top-level keys that hold a secret anywhere, with the outputs that follow them."""
    keys = {k for bag in bags for k, v in bag.items() if v.contains_secret()}
    return keys | {derived for key in keys for derived in _SECRET_FOLLOWS.get(key, ())}


async def resolved(output: pulumi.Output[Any]) -> PropertyValue:
    """A component's output as a property value for `Construct`'s answer."""
    secret = await output.is_secret()
    if not await output.is_known():
        return wire(UNKNOWN, secret=secret)
    return wire(await output.future(), secret=secret)


def _types(urn: str) -> list[str]:
    """The types a URN names: a child's arrive as `Parent$Child`."""
    parts = urn.split("::")
    return parts[2].split("$") if len(parts) > 3 else [""]


def resource_type(urn: str) -> str:
    return _types(urn)[-1]


def parent_type(urn: str) -> str:
    types = _types(urn)
    return types[-2] if len(types) > 1 else ""


def user_message(error: BaseException) -> str:
    """An error's own text, with the notes added to it on the way."""
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


# -- the engine's log -----------------------------------------------------------------------------


class EngineLog:
    """Messages for the CLI, attached to the resource they are about. Without an engine (or when
    it has gone), they go to stderr, which the engine keeps in its own log."""

    def __init__(self, address: str | None) -> None:
        self._engine = (
            engine_pb2_grpc.EngineStub(grpc.insecure_channel(address)) if address else None
        )

    def info(self, message: str, urn: str = "") -> None:
        if self._engine is not None:
            try:
                self._engine.Log(
                    engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=urn)
                )
                return
            except grpc.RpcError:
                pass
        print(message, file=sys.stderr, flush=True)


# -- the provider ---------------------------------------------------------------------------------


@contextmanager
def _user_errors() -> Iterator[None]:
    """Every exception as the one message a user should see."""
    try:
        yield
    except PluginError:
        raise
    except cancellation.Cancelled as error:
        raise PluginError(user_message(error)) from error
    except AmiLifecycleError as error:
        raise PluginError(user_message(error)) from error
    except (ClientError, BotoCoreError) as error:
        raise PluginError(f"AWS: {user_message(error)}") from error
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        raise PluginError(
            f"{type(error).__name__}: {error} (an unexpected error in {PACKAGE} {VERSION}: "
            "please report it with the plugin's log, `pulumi ... -v=9 --logtostderr`)"
        ) from error


def _config(request: api.ConfigureRequest, key: str) -> str | None:
    value = request.args.get(key)
    if value is not None and isinstance(value.value, str):
        return value.value or None
    return request.variables.get(f"{PACKAGE}:config:{key}") or None


def _flag_value(value: Any) -> bool | None:
    """A boolean setting as given: a bool, or the string stack config makes of one (`bool` of
    the string "false" would be true); None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _config_flag(request: api.ConfigureRequest, key: str) -> bool:
    value = request.args.get(key)
    given = value.value if value is not None else request.variables.get(f"{PACKAGE}:config:{key}")
    return _flag_value(given) is True


class AmiLifecycleProvider(api.Provider):
    """Dispatches each engine request to the resource its URN names."""

    def __init__(self, log: EngineLog, resources: Mapping[str, Resource] | None = None) -> None:
        self._log = log
        self._resources: Mapping[str, Resource] = resources or {
            IMAGE: ImageProvider(),
            VOLUME_SNAPSHOT: VolumeSnapshotProvider(),
            IMAGE_COPY: ImageCopyProvider(),
        }
        self._in_flight: set[asyncio.Future[Any]] = set()

    async def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` for the steps in flight to end; whether they all did."""
        if not self._in_flight:
            return True
        _, pending = await asyncio.wait(self._in_flight, timeout=timeout)
        return not pending

    def _resource(self, urn: str) -> Resource:
        token = resource_type(urn)
        found = self._resources.get(token)
        if found is None:
            raise PluginError(
                f"{PACKAGE} {VERSION} has no resource type {token!r}; it serves "
                f"{', '.join(sorted(self._resources))} and the component {MACHINE_IMAGE}."
            )
        return found

    async def _run(self, urn: str, step: Callable[..., _T], *args: Any) -> _T:
        """Run one synchronous step in a worker thread (the server stays free for the engine's
        other requests), its progress going to the engine's log under the resource's URN."""

        def report(message: str) -> None:
            self._log.info(message, urn)

        def run() -> _T:
            with reporting_to(report):
                return step(*args)

        with _user_errors(), cancellation.scope() as call:
            work = asyncio.ensure_future(asyncio.to_thread(run))
            self._in_flight.add(work)
            work.add_done_callback(self._in_flight.discard)
            try:
                # Shielded: the step runs on (its undo too) when its caller is gone.
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                # gRPC cancels a call only when the engine dropped it: no one is left to
                # receive its answer, so the step must not finish as if someone were.
                call.cancel("the engine stopped waiting for this call (it is gone)")
                work.add_done_callback(_log_abandoned)
                raise

    async def cancel(self) -> None:
        """The engine's graceful cancel (a first ^C): the engine waits for the operations in
        flight, so they finish; stopping them halfway would only leave work to undo."""
        _note("cancel requested: the operations in flight finish")

    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        return api.GetSchemaResponse(schema=json.dumps(package_schema(), indent=2))

    async def check_config(self, request: api.CheckRequest) -> api.CheckResponse:
        failures = [
            api.CheckFailure(key, f"unknown {PACKAGE} setting; it takes {', '.join(_CONFIG_KEYS)}.")
            for key in request.new_inputs
            if key not in (*_CONFIG_KEYS, "version")
        ]
        failures += [
            api.CheckFailure(key, "must be a string.")
            for key in _CONFIG_KEYS
            if key not in _FLAG_CONFIG_KEYS
            and key in request.new_inputs
            and not isinstance(request.new_inputs[key].value, str | type(None))
        ]
        failures += [
            api.CheckFailure(
                key,
                f"must be true or false, got {request.new_inputs[key].value!r} "
                f"(`pulumi config set {PACKAGE}:{key} true`).",
            )
            for key in _FLAG_CONFIG_KEYS
            if key in request.new_inputs
            and not isinstance(request.new_inputs[key].value, Computed | type(None))
            and _flag_value(request.new_inputs[key].value) is None
        ]
        return api.CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        region, profile = _config(request, "region"), _config(request, "profile")
        recycle_bin_report = _config_flag(request, "recycleBinReport")
        for resource in self._resources.values():
            resource.configure(
                region=region, profile=profile, recycle_bin_report=recycle_bin_report
            )
        # Previews of Create and Update are answered without AWS (see `create`, `update`).
        return api.ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        resource = self._resource(request.urn)
        result = await self._run(
            request.urn,
            partial(
                resource.check,
                urn=request.urn,
                in_component=parent_type(request.urn) == MACHINE_IMAGE,
            ),
            plain_map(request.old_inputs),
            plain_map(request.new_inputs),
        )
        return api.CheckResponse(
            inputs=wire_map(result.inputs, secret_keys(request.new_inputs)),
            failures=[api.CheckFailure(p.property, p.reason) for p in result.failures],
        )

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        resource = self._resource(request.urn)
        result = await self._run(
            request.urn,
            resource.diff,
            request.resource_id,
            plain_map(request.old_state),
            plain_map(request.new_inputs),
        )
        detailed = {
            key: api.PropertyDiff(api.PropertyDiffKind.UPDATE_REPLACE, input_diff=True)
            for key in result.replaces
        } | {
            key: api.PropertyDiff(api.PropertyDiffKind.UPDATE, input_diff=True)
            for key in result.updates
            if key not in result.replaces
        }
        return api.DiffResponse(
            changes=result.changes,
            replaces=result.replaces,
            stables=result.stables,
            delete_before_replace=result.delete_before_replace,
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        resource = self._resource(request.urn)
        if request.preview:
            # Outputs left out are unknown until the create.
            return api.CreateResponse(resource_id="", properties=request.properties)
        result = await self._run(request.urn, resource.create, plain_map(request.properties))
        return api.CreateResponse(
            resource_id=result.id,
            properties=wire_map(result.outs, secret_keys(request.properties)),
        )

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        resource = self._resource(request.urn)
        result = await self._run(
            request.urn,
            resource.read,
            request.resource_id,
            plain_map(request.properties),
            plain_map(request.inputs),
        )
        secret = secret_keys(request.properties, request.inputs)
        return api.ReadResponse(
            resource_id=result.id,
            properties=wire_map(result.outs, secret),
            inputs=wire_map(result.inputs, secret),
        )

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        resource = self._resource(request.urn)
        secret = secret_keys(request.olds, request.news)
        if request.preview:
            # What an update won't change stays known, such as the snapshot an image uses.
            outs = resource.preview_update(plain_map(request.olds), plain_map(request.news))
            return api.UpdateResponse(properties=wire_map(outs, secret))
        result = await self._run(
            request.urn,
            resource.update,
            request.resource_id,
            plain_map(request.olds),
            plain_map(request.news),
        )
        return api.UpdateResponse(properties=wire_map(result.outs, secret))

    async def delete(self, request: api.DeleteRequest) -> None:
        resource = self._resource(request.urn)
        await self._run(
            request.urn, resource.delete, request.resource_id, plain_map(request.properties)
        )

    async def construct(self, request: api.ConstructRequest) -> api.ConstructResponse:
        with _user_errors():
            return await self._construct(request)

    async def _construct(self, request: api.ConstructRequest) -> api.ConstructResponse:
        if request.resource_type != MACHINE_IMAGE:
            raise PluginError(
                f"{PACKAGE} {VERSION} has no component {request.resource_type!r}; it has "
                f"{MACHINE_IMAGE}."
            )
        sources = sorted(
            {urn for value in request.inputs.values() for urn in value.all_dependencies()}
        )
        component = MachineImage(
            request.name,
            plain_map(request.inputs),
            request.options,
            secret=secret_keys(request.inputs),
            depends_on=[DependencyResource(urn) for urn in sources],
        )
        state = {key: await resolved(output) for key, output in component.outputs.items()}
        urn = await component.urn.future()
        return api.ConstructResponse(urn=str(urn), state=state, state_dependencies={})


# -- the server -----------------------------------------------------------------------------------


def _failure(error: BaseException) -> PluginError | None:
    """The `PluginError` behind what the SDK's servicer raised (it re-raises every exception as
    a new one carrying the traceback text, inside the handler of the original)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, PluginError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


_Handler = Callable[[ProviderServicer, Any, grpc.aio.ServicerContext], Awaitable[Any]]


def _plain_errors(handler: _Handler) -> _Handler:
    async def rpc(self: ProviderServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await handler(self, request, context)
        except Exception as error:
            failure = _failure(error)
            if failure is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(failure))

    return rpc


def _servicer_class(rpcs: Iterable[str]) -> type[ProviderServicer]:
    overrides = {name: _plain_errors(getattr(ProviderServicer, name)) for name in rpcs}
    return type("AmiLifecycleServicer", (ProviderServicer,), overrides)


_Servicer = _servicer_class(
    ("Check", "Diff", "Create", "Read", "Update", "Delete", "Construct", "GetSchema")
)


def _log_abandoned(work: asyncio.Future[Any]) -> None:
    """How a step whose caller is gone ended: its answer, what it undid, has no one else."""
    failure = None if work.cancelled() else work.exception()
    if failure is not None:
        _note(f"a call the engine dropped ended: {user_message(failure)}")


_WATCH_EVERY = 0.25
"""How often the plugin looks for its engine."""
_ENGINE_MISSES = 2
"""Consecutive probes without an answer that mean the engine is gone (one could be a blip)."""
_GRACE_ENGINE_GONE = 1.25
"""How long work in flight may take to stop once the engine is gone: nobody waits for it."""
_GRACE_SIGNALLED = 5.0
"""The same after SIGTERM or SIGINT, when someone may wait for the undos to finish."""
_GRACE_ANSWERS = 0.25
"""Time left for the last answers to leave once the work is done."""


async def _engine_gone(engine: str, parent: int) -> str:
    """Returns, saying why, once the parent process has exited or the engine at `engine` no
    longer answers (any answer, even "unimplemented", means it is there)."""
    misses = 0
    async with grpc.aio.insecure_channel(engine) as channel:
        stub = engine_pb2_grpc.EngineStub(channel)
        while True:
            await asyncio.sleep(_WATCH_EVERY)
            if os.getppid() != parent:
                return f"its parent process {parent} exited"
            try:
                await stub.GetRootResource(engine_pb2.GetRootResourceRequest(), timeout=1.0)
            except grpc.aio.AioRpcError as error:
                gone = error.code() is grpc.StatusCode.UNAVAILABLE
                misses = misses + 1 if gone else 0
            else:
                misses = 0
            if misses >= _ENGINE_MISSES:
                return f"the engine at {engine} no longer answers"


def _note(message: str) -> None:
    """A line for the plugin's log; lost, not raised, when the engine reading it is gone."""
    with suppress(OSError):
        print(message, file=sys.stderr, flush=True)


async def _serve(provider: AmiLifecycleProvider, engine: str, args: list[str]) -> NoReturn:
    server = grpc.aio.server()
    servicer = _Servicer(args, VERSION, provider, engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    parent = os.getppid()
    loop = asyncio.get_running_loop()
    signalled: asyncio.Future[str] = loop.create_future()

    def stop(name: str) -> None:
        if not signalled.done():
            signalled.set_result(name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signal.Signals(signum).name)
    await server.start()
    # The engine reads the port from the first line of stdout.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        settled = await _until_stopped(provider, server, signalled, _engine_gone(engine, parent))
    except BaseException:
        _note(traceback.format_exc())
        settled = False
    # At once: a worker thread still in an AWS call would hold the interpreter's exit.
    os._exit(0 if settled else 1)


async def _until_stopped(
    provider: AmiLifecycleProvider,
    server: grpc.aio.Server,
    signalled: asyncio.Future[str],
    engine_gone: Awaitable[str],
) -> bool:
    """Serve until a signal or the engine's end, then cancel the work in flight and let it
    finish its undo for a while; whether it all did."""
    watch = asyncio.ensure_future(engine_gone)
    await asyncio.wait([signalled, watch], return_when=asyncio.FIRST_COMPLETED)
    if signalled.done():
        reason, grace = signalled.result(), _GRACE_SIGNALLED
        watch.cancel()
    else:
        reason, grace = watch.result(), _GRACE_ENGINE_GONE
    cancellation.cancel(f"the plugin is shutting down ({reason})")
    _note(f"shutting down: {reason}")
    settled = await provider.settle(grace)
    await server.stop(_GRACE_ANSWERS)
    if not settled:
        _note(
            "shut down with work still in flight: what it made carries its creation token, "
            "unmarked, and the next `pulumi up` adopts it"
        )
    return settled


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog=f"pulumi-resource-{PACKAGE}",
        description=f"The {PACKAGE} provider plugin; the Pulumi engine starts it.",
    )
    parser.add_argument("engine", help="the Pulumi engine's gRPC address")
    known, _ = parser.parse_known_args(args)
    provider = AmiLifecycleProvider(EngineLog(known.engine))
    asyncio.run(_serve(provider, known.engine, args))


if __name__ == "__main__":
    main()
