"""The resource monitor a program registers its resources with, bridged to the runner's engine.

Why this exists: with no CLI there is no engine process for the SDK to talk to, so the program
runs against the SDK's own mock monitor (``pulumi.runtime.mocks.MockMonitor``), which already
answers everything a program asks for (URNs, feature support, stack transforms). Its
``RegisterResource`` only returns made-up values, though, and ``Mocks.new_resource`` never sees
the parent, dependencies or options. :class:`EngineMonitor` overrides registration to hand the
whole request to the engine and answer with the real id and outputs, so a dependent resource
sees real ids; the SDK calls it from its executor threads, in dependency order (it awaits a
resource's inputs, parent and ``depends_on`` before registering it).

How ``__provider`` arrives: the SDK serialises the dynamic provider with dill, base64-encodes
it and, since ``serialize_as_secret_always`` is on by default, wraps it in a secret Output, so
the request's ``object`` holds it as a secret signature object; the engine keeps it that way
and strips it only towards the provider (see :mod:`lifecycle_runner.properties`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from . import properties
from .properties import PropertyMap


@dataclass
class Registration:
    """One ``RegisterResource`` request, as the engine needs it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: PropertyMap
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    provider_reference: str = ""


class RegistrationHandler(Protocol):
    def register(self, registration: Registration) -> tuple[str, PropertyMap]:
        """Returns the resource's id ("" = unknown, in a preview) and its outputs."""

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None: ...


class UnsupportedByRunnerError(Exception):
    """The program asked for something the offline runner cannot provide."""


class _AnsweredByTheMonitor(Mocks):
    """The base monitor needs a Mocks (it forwards stack transforms to it); the two methods it
    would call for invokes and reads are never reached, :class:`EngineMonitor` answers those."""

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError("EngineMonitor answers invokes itself")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        raise AssertionError("EngineMonitor answers reads itself")


class EngineMonitor(MockMonitor):
    def __init__(self, handler: RegistrationHandler) -> None:
        super().__init__(_AnsweredByTheMonitor())
        self._handler = handler

    # The base class's Invoke and ReadResource would first create an event loop in the SDK's
    # executor thread, which nothing ever closes.
    def Invoke(self, request: resource_pb2.ResourceInvokeRequest) -> Any:  # noqa: N802
        raise UnsupportedByRunnerError(
            f"the program invoked {request.tok}: provider functions (data sources) need that "
            "provider, which the offline runner doesn't run"
        )

    def ReadResource(self, request: resource_pb2.ReadResourceRequest) -> Any:  # noqa: N802
        raise UnsupportedByRunnerError(
            f"the program reads an existing {request.type} ({request.name}, id {request.id}): "
            "Resource.get is not supported by the offline runner"
        )

    def RegisterResource(  # noqa: N802
        self, request: resource_pb2.RegisterResourceRequest
    ) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        registration = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent,
            inputs=properties.from_struct(request.object),
            dependencies=list(request.dependencies),
            property_dependencies={
                key: list(value.urns) for key, value in request.propertyDependencies.items()
            },
            protect=request.protect,
            delete_before_replace=(
                request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None
            ),
            ignore_changes=list(request.ignoreChanges),
            provider_reference=request.provider,
        )
        resource_id, outputs = self._handler.register(registration)
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id, object=properties.to_struct(outputs)
        )

    def RegisterResourceOutputs(  # noqa: N802
        self, request: resource_pb2.RegisterResourceOutputsRequest
    ) -> empty_pb2.Empty:
        self._handler.register_outputs(request.urn, properties.from_struct(request.outputs))
        return empty_pb2.Empty()
