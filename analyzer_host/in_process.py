"""The pack's analyzer servicer in this process: the same code the real pack serves, no gRPC.

`pulumi_policy.PolicyPack(...)` builds a `_PolicyAnalyzerServicer` from its arguments (version
"0.0.1" and ADVISORY as the pack-wide default level unless given), then serves it forever. This
builds the servicer the same way and calls its methods directly, passing every request and
response through its wire bytes so nothing that couldn't cross the wire gets through.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from .client import AnalyzerClient, UnimplementedError

__all__ = ["InProcessTransport", "in_process_client"]


class _Context:
    """Just enough of `grpc.ServicerContext` for the generated "unimplemented" handlers."""

    def set_code(self, code: Any) -> None:
        del code

    def set_details(self, details: str) -> None:
        del details


class InProcessTransport:
    """Calls the servicer's methods directly."""

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer

    def __call__(self, method: str, request: Message) -> Message:
        wire_request = type(request).FromString(request.SerializeToString())
        try:
            response: Message = getattr(self._servicer, method)(wire_request, _Context())
        except NotImplementedError as error:
            raise UnimplementedError(method) from error
        return type(response).FromString(response.SerializeToString())


def in_process_client(
    *,
    name: str,
    policies: list[Policy],
    description: str | None = None,
    enforcement_level: EnforcementLevel | None = None,
) -> AnalyzerClient:
    """A client for the pack `PolicyPack(name=..., policies=..., ...)` would serve."""
    servicer = _PolicyAnalyzerServicer(
        name,
        "0.0.1",
        policies,
        enforcement_level if enforcement_level is not None else EnforcementLevel.ADVISORY,
        None,
        description,
    )
    return AnalyzerClient(InProcessTransport(servicer))
