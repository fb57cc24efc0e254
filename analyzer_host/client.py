"""The engine's side of the analyzer protocol, over any transport."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar, cast

from google.protobuf import empty_pb2
from google.protobuf.message import Message
from pulumi.runtime import proto

from .config import reconcile_config
from .resources import Resource

__all__ = ["AnalyzerClient", "AnalyzerTransport", "Diagnostic", "UnimplementedError"]

M = TypeVar("M", bound=Message)


class UnimplementedError(RuntimeError):
    """The analyzer doesn't implement the method (gRPC `UNIMPLEMENTED`)."""


class AnalyzerTransport(Protocol):
    """Calls one `pulumirpc.Analyzer` method, e.g. `transport("Analyze", request)`.

    Raises `UnimplementedError` when the analyzer doesn't implement the method.
    """

    def __call__(self, method: str, request: Message) -> Message: ...


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    """One policy violation (or note) the analyzer reported."""

    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    """What the CLI prints: pulumi-policy sends the description, a newline, then the detail."""
    enforcement_level: str
    """`advisory`, `mandatory`, `remediate` or `disabled`."""
    urn: str
    """The resource concerned. `Analyze` diagnostics come without one and the engine attaches the
    analyzed resource's URN; `AnalyzerClient.analyze` does the same."""

    @property
    def detail(self) -> str:
        """The policy's own sentence, without the description pulumi-policy puts before it."""
        prefix = f"{self.description}\n"
        return self.message.removeprefix(prefix)

    def render(self) -> str:
        """Level, policy and resource on one line, then the message, indented."""
        head = f"[{self.enforcement_level}] {self.policy_name}  {self.urn}".rstrip()
        return "\n".join([head, *(f"    {line}" for line in self.message.splitlines())])

    @classmethod
    def from_proto(cls, diagnostic: proto.AnalyzeDiagnostic) -> Diagnostic:
        """Read one diagnostic of an `AnalyzeResponse`."""
        return cls(
            policy_name=diagnostic.policyName,
            policy_pack_name=diagnostic.policyPackName,
            policy_pack_version=diagnostic.policyPackVersion,
            description=diagnostic.description,
            message=diagnostic.message,
            enforcement_level=proto.EnforcementLevel.Name(diagnostic.enforcementLevel).lower(),
            urn=diagnostic.urn,
        )


class AnalyzerClient:
    """Talks to a policy pack the way `pulumi preview` / `pulumi up` do.

    The engine's order is `Handshake` (optional), `ConfigureStack`, `GetAnalyzerInfo`,
    `Configure` (the reconciled config), then `Analyze` for each resource as it is registered and
    `AnalyzeStack` once at the end; `prepare` does the first four.
    """

    def __init__(self, transport: AnalyzerTransport) -> None:
        self.transport = transport
        """Raw `pulumirpc.Analyzer` calls, for requests the engine itself would never send."""

    def _call(self, method: str, request: Message, response_type: type[M]) -> M:
        return cast(M, self.transport(method, request))

    def handshake(
        self, *, engine_address: str, directory: str
    ) -> proto.AnalyzerHandshakeResponse | None:
        """Offer the handshake; None if the pack predates it (pulumi-policy 1.21 does)."""
        request = proto.AnalyzerHandshakeRequest(
            engine_address=engine_address, root_directory=directory, program_directory=directory
        )
        try:
            return self._call("Handshake", request, proto.AnalyzerHandshakeResponse)
        except UnimplementedError:
            return None

    def configure_stack(
        self,
        *,
        stack: str = "dev",
        project: str = "golden-image",
        organization: str = "organization",
        dry_run: bool = True,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Tell the pack which stack it is analyzing."""
        request = proto.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization=organization,
            dry_run=dry_run,
            tags=dict(tags or {}),
        )
        self._call("ConfigureStack", request, proto.AnalyzerStackConfigureResponse)

    def analyzer_info(self) -> proto.AnalyzerInfo:
        """The pack's name, policies, default enforcement levels and config schemas."""
        return self._call("GetAnalyzerInfo", empty_pb2.Empty(), proto.AnalyzerInfo)

    def plugin_info(self) -> str:
        """The pulumi-policy version serving the pack."""
        return self._call("GetPluginInfo", empty_pb2.Empty(), proto.PluginInfo).version

    def configure(self, config: Mapping[str, Any] | None = None) -> dict[str, proto.PolicyConfig]:
        """Send the config the engine would send for this `--policy-pack-config` content."""
        reconciled = reconcile_config(self.analyzer_info(), config)
        self._call("Configure", proto.ConfigureAnalyzerRequest(policyConfig=reconciled), Message)
        return reconciled

    def prepare(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        engine_address: str = "",
        directory: str = ".",
        stack: str = "dev",
        project: str = "golden-image",
        dry_run: bool = True,
    ) -> None:
        """Everything the engine does before the first resource is analyzed."""
        self.handshake(engine_address=engine_address, directory=directory)
        self.configure_stack(stack=stack, project=project, dry_run=dry_run)
        self.configure(config)

    def analyze(self, resource: Resource) -> list[Diagnostic]:
        """Run the resource policies on one resource's inputs."""
        response = self._call("Analyze", resource.analyze_request(), proto.AnalyzeResponse)
        diagnostics = (Diagnostic.from_proto(d) for d in response.diagnostics)
        return [d if d.urn else replace(d, urn=resource.urn) for d in diagnostics]

    def analyze_stack(self, resources: Sequence[Resource]) -> list[Diagnostic]:
        """Run the stack policies on the whole stack's outputs."""
        request = proto.AnalyzeStackRequest(resources=[r.analyzer_resource() for r in resources])
        response = self._call("AnalyzeStack", request, proto.AnalyzeResponse)
        return [Diagnostic.from_proto(d) for d in response.diagnostics]
