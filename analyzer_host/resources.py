"""Resources described the way the engine describes them to an analyzer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from pulumi.runtime import proto

from .wire import marshal_properties

__all__ = ["STACK_TYPE", "Resource", "stack_urn"]

STACK_TYPE: Final = "pulumi:pulumi:Stack"


def stack_urn(stack: str, project: str) -> str:
    """The URN of the stack's root resource, every top-level resource's parent."""
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A resource of a stack: its inputs for `Analyze`, its outputs for `AnalyzeStack`."""

    type: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    """camelCase properties; may hold `UNKNOWN`, `Secret(...)` and `__` keys (never sent)."""
    parent: Resource | None = None
    """The parent resource; None for a top-level resource (parented to the stack)."""
    stack: str = "dev"
    project: str = "golden-image"

    @property
    def qualified_type(self) -> str:
        """The type chain the URN carries: parent types joined by `$`, the stack left out."""
        return f"{self.parent.qualified_type}${self.type}" if self.parent else self.type

    @property
    def urn(self) -> str:
        """The resource's URN, derived as the engine derives it."""
        return f"urn:pulumi:{self.stack}::{self.project}::{self.qualified_type}::{self.name}"

    @property
    def parent_urn(self) -> str:
        """The parent's URN; the stack's for a top-level resource."""
        return self.parent.urn if self.parent else stack_urn(self.stack, self.project)

    def with_properties(self, **updates: Any) -> Resource:
        """A copy with some top-level properties replaced (or added)."""
        return replace(self, properties={**self.properties, **updates})

    def without_properties(self, *names: str) -> Resource:
        """A copy with some top-level properties left out."""
        return replace(
            self, properties={k: v for k, v in self.properties.items() if k not in names}
        )

    def options(self) -> proto.AnalyzerResourceOptions:
        """Resource options as the engine marshals them (custom timeouts always present)."""
        return proto.AnalyzerResourceOptions(
            parent=self.parent_urn, customTimeouts=proto.AnalyzerResourceOptions.CustomTimeouts()
        )

    def analyze_request(self) -> proto.AnalyzeRequest:
        """The `Analyze` request the engine sends before it creates or updates the resource."""
        return proto.AnalyzeRequest(
            type=self.type,
            name=self.name,
            urn=self.urn,
            properties=marshal_properties(self.properties),
            options=self.options(),
        )

    def analyzer_resource(self) -> proto.AnalyzerResource:
        """The resource as one entry of an `AnalyzeStack` request."""
        return proto.AnalyzerResource(
            type=self.type,
            name=self.name,
            urn=self.urn,
            properties=marshal_properties(self.properties),
            options=self.options(),
            parent=self.parent_urn,
        )
