"""The engine's side of Pulumi's ResourceProvider protocol, for one provider process.

Why this exists: every call the CLI makes to a Python dynamic provider (Configure, Check,
Diff, Create, Read, Update, Delete) is made here with the same request fields, and the host's
answers are turned into plain results. Property maps go out as the provider accepted them in
Configure (a dynamic provider accepts neither secrets nor resource references) and come back
with the secretness of their inputs restored, as the CLI does. A failure comes back as a gRPC
error whose details are the host's Python traceback; :class:`ProviderError` keeps it and says
in one line what went wrong, telling apart a provider that could not even be loaded (the
``__provider`` pickle failed to import or unpickle in the host) from one whose code raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from . import properties
from .properties import PropertyMap
from .secret_values import annotate_secrets

DiffChanges = str  # "none" | "some" | "unknown"

_CHANGES = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class ResourceCall:
    """Who a call is about: every request carries these."""

    urn: str
    type: str
    name: str


@dataclass
class CheckResult:
    inputs: PropertyMap
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DiffResult:
    changes: DiffChanges
    replaces: list[str]
    delete_before_replace: bool


@dataclass
class ReadResult:
    id: str
    outputs: PropertyMap
    inputs: PropertyMap | None


class ProviderError(Exception):
    """A provider call failed; ``message`` is one line, ``details`` the host's traceback.

    ``answered``: the provider itself reported the failure, so the operation is over (a
    provider undoes what a failed create made). False when the host died or the call was cut
    off: then nobody knows what the operation did.
    """

    def __init__(
        self, operation: str, message: str, details: str = "", *, answered: bool = True
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.message = message
        self.details = details
        self.answered = answered


def _last_line(text: str) -> str:
    rows = [row for row in text.strip().splitlines() if row.strip()]
    return rows[-1].strip() if rows else text.strip()


def describe_failure(operation: str, error: grpc.RpcError, host_exit: int | None) -> ProviderError:
    details = error.details() or ""
    code = error.code()
    if host_exit is not None:
        return ProviderError(
            operation,
            f"the dynamic provider host exited with code {host_exit} during {operation}",
            details,
            answered=False,
        )
    if code != grpc.StatusCode.UNKNOWN:
        # The host reports a provider's exception as UNKNOWN; anything else is the transport.
        return ProviderError(
            operation, f"{operation} failed: {code.name}: {details}", details, answered=False
        )
    last = _last_line(details)
    if "in get_provider" in details and "in deserialize" in details:
        message = (
            "the dynamic provider host could not load this resource's provider from its "
            f"__provider pickle: {last}"
        )
        if last.startswith(("ModuleNotFoundError", "ImportError", "AttributeError")):
            message += (
                ". The pickle refers to classes and functions by module (unless they live in "
                "the program's __main__), so the host (cwd = the program's folder, PYTHONPATH "
                "as the runner's) must be able to import them, with the same code"
            )
        return ProviderError(operation, message, details)
    if "in get_provider" in details and "provider.configure" in details:
        return ProviderError(operation, f"the provider's configure() raised: {last}", details)
    return ProviderError(operation, last, details)


class ProviderClient:
    """Calls into one provider process; thread-safe (gRPC stubs are)."""

    def __init__(self, channel: grpc.Channel, host_exit_code: Any) -> None:
        self._stub = provider_pb2_grpc.ResourceProviderStub(channel)
        self._host_exit_code = host_exit_code
        self.accept_secrets = False
        self.accept_resources = False

    def _call(self, operation: str, method: Any, request: Any) -> Any:
        try:
            return method(request)
        except grpc.RpcError as error:
            raise describe_failure(operation, error, self._host_exit_code()) from None

    def _out(self, values: PropertyMap) -> Any:
        return properties.for_provider(
            values, accept_secrets=self.accept_secrets, accept_resources=self.accept_resources
        )

    def configure(self, config: dict[str, str]) -> None:
        request = provider_pb2.ConfigureRequest(
            variables=config,
            args=properties.to_struct(dict(config)),
            acceptSecrets=True,
            acceptResources=True,
        )
        response = self._call("Configure", self._stub.Configure, request)
        self.accept_secrets = response.acceptSecrets
        self.accept_resources = response.acceptResources

    def check(self, who: ResourceCall, olds: PropertyMap, news: PropertyMap) -> CheckResult:
        request = provider_pb2.CheckRequest(
            urn=who.urn,
            name=who.name,
            type=who.type,
            olds=self._out(olds),
            news=self._out(news),
            randomSeed=os.urandom(32),
        )
        response = self._call("Check", self._stub.Check, request)
        inputs = properties.from_struct(response.inputs)
        if not self.accept_secrets:
            inputs = annotate_secrets(inputs, news)
        return CheckResult(inputs, [(f.property, f.reason) for f in response.failures])

    def diff(
        self,
        who: ResourceCall,
        *,
        resource_id: str,
        old_outputs: PropertyMap,
        old_inputs: PropertyMap,
        news: PropertyMap,
        ignore_changes: list[str],
    ) -> DiffResult:
        request = provider_pb2.DiffRequest(
            id=resource_id,
            urn=who.urn,
            name=who.name,
            type=who.type,
            olds=self._out(old_outputs),
            news=self._out(news),
            old_inputs=self._out(old_inputs),
            ignoreChanges=ignore_changes,
        )
        response = self._call("Diff", self._stub.Diff, request)
        return DiffResult(
            changes=_CHANGES.get(response.changes, "unknown"),
            replaces=list(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
        )

    def create(self, who: ResourceCall, news: PropertyMap) -> tuple[str, PropertyMap]:
        request = provider_pb2.CreateRequest(
            urn=who.urn, name=who.name, type=who.type, properties=self._out(news)
        )
        response = self._call("Create", self._stub.Create, request)
        if not response.id:
            raise ProviderError("Create", "the provider's create() returned an empty id")
        return response.id, self._outputs(response.properties, news)

    def update(
        self,
        who: ResourceCall,
        *,
        resource_id: str,
        old_outputs: PropertyMap,
        old_inputs: PropertyMap,
        news: PropertyMap,
        ignore_changes: list[str],
    ) -> PropertyMap:
        request = provider_pb2.UpdateRequest(
            id=resource_id,
            urn=who.urn,
            name=who.name,
            type=who.type,
            olds=self._out(old_outputs),
            news=self._out(news),
            old_inputs=self._out(old_inputs),
            ignoreChanges=ignore_changes,
        )
        response = self._call("Update", self._stub.Update, request)
        return self._outputs(response.properties, news)

    def delete(
        self, who: ResourceCall, resource_id: str, outputs: PropertyMap, inputs: PropertyMap
    ) -> None:
        request = provider_pb2.DeleteRequest(
            id=resource_id,
            urn=who.urn,
            name=who.name,
            type=who.type,
            properties=self._out(outputs),
            old_inputs=self._out(inputs),
        )
        self._call("Delete", self._stub.Delete, request)

    def read(
        self, who: ResourceCall, resource_id: str, outputs: PropertyMap, inputs: PropertyMap
    ) -> ReadResult:
        request = provider_pb2.ReadRequest(
            id=resource_id,
            urn=who.urn,
            name=who.name,
            type=who.type,
            properties=self._out(outputs),
            inputs=self._out(inputs),
        )
        response = self._call("Read", self._stub.Read, request)
        new_inputs = None
        if response.HasField("inputs") and response.inputs.fields:
            new_inputs = properties.from_struct(response.inputs)
            if not self.accept_secrets:
                new_inputs = annotate_secrets(new_inputs, inputs)
        return ReadResult(response.id, self._outputs(response.properties, inputs), new_inputs)

    def _outputs(self, struct: Any, inputs: PropertyMap) -> PropertyMap:
        outputs = properties.from_struct(struct)
        return outputs if self.accept_secrets else annotate_secrets(outputs, inputs)
