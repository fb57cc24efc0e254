"""A policy pack, booted and queried through Pulumi's Analyzer protocol, as the CLI does.

Why this exists: ``pulumi up --policy-pack DIR`` starts ``python -u -m pulumi.policy
<engine-address> .`` in the pack's folder with the stack's identity and config in the
environment (``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_DRY_RUN``, ``PULUMI_CONFIG``),
reads its port, asks ``GetAnalyzerInfo``, sends ``ConfigureStack`` and ``Configure``, then
``Analyze`` for each resource before it is created or updated and ``AnalyzeStack`` for the
whole stack at the end. Properties go without internal ``__`` keys (so a pack never sees the
``__provider`` pickle) but with secrets and unknowns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from . import properties
from .display import Display
from .plugin_process import PluginProcess, PluginStartError, plugin_environment
from .policy_config import LEVEL_NAMES, reconcile
from .properties import PropertyMap


class PolicyPackError(Exception):
    """A call to a running policy pack failed."""


@dataclass(frozen=True)
class PolicyDiagnostic:
    pack: str
    policy: str
    level: str
    message: str
    urn: str

    @property
    def blocking(self) -> bool:
        return self.level in ("mandatory", "remediate")


@dataclass
class AnalyzedResource:
    urn: str
    type: str
    name: str
    properties: PropertyMap
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)

    def options_message(self) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=self.protect,
            ignoreChanges=self.ignore_changes,
            deleteBeforeReplace=bool(self.delete_before_replace),
            deleteBeforeReplaceDefined=self.delete_before_replace is not None,
            parent=self.parent,
        )


class PolicyPackProcess:
    """One running policy pack for one command."""

    def __init__(
        self,
        pack_dir: Path,
        *,
        engine_address: str,
        project: str,
        stack: str,
        config: dict[str, str],
        dry_run: bool,
        file_config: dict[str, Any],
        display: Display,
    ) -> None:
        pack_dir = pack_dir.resolve()
        if not (pack_dir / "PulumiPolicy.yaml").is_file():
            raise PluginStartError(
                f"{pack_dir} is not a policy pack: it has no PulumiPolicy.yaml (the CLI "
                "requires one)"
            )
        env = plugin_environment(
            {
                "PULUMI_CONFIG": json.dumps(config),
                "PULUMI_PROJECT": project,
                "PULUMI_STACK": stack,
                "PULUMI_DRY_RUN": "true" if dry_run else "false",
                "PULUMI_ORGANIZATION": "organization",
            }
        )
        self._display = display
        self._plugin = PluginProcess(
            f"policy pack plugin [{pack_dir}]",
            "pulumi.policy",
            [engine_address, "."],
            cwd=pack_dir,
            env=env,
            sink=lambda stream, line: display.plugin_output("policy pack", stream, line),
        )
        try:
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._plugin.channel)
            self.info: analyzer_pb2.AnalyzerInfo = self._call(
                "GetAnalyzerInfo", self._stub.GetAnalyzerInfo, empty_pb2.Empty()
            )
            self._call(
                "ConfigureStack",
                self._stub.ConfigureStack,
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=stack,
                    project=project,
                    organization="organization",
                    dry_run=dry_run,
                    config=config,
                ),
            )
            self._call(
                "Configure",
                self._stub.Configure,
                analyzer_pb2.ConfigureAnalyzerRequest(
                    policyConfig=reconcile(self.info, file_config)
                ),
            )
        except BaseException:
            self._plugin.stop()
            raise
        display.line(
            f"Policy pack {self.info.name} ({len(self.info.policies)} policies) from {pack_dir}"
        )

    def _call(self, operation: str, method: Any, request: Any) -> Any:
        try:
            return method(request)
        except grpc.RpcError as error:
            raise PolicyPackError(
                f"policy pack {operation} failed: {error.code().name}: {error.details()}"
            ) from None

    def _diagnostics(
        self, response: analyzer_pb2.AnalyzeResponse, urn: str
    ) -> list[PolicyDiagnostic]:
        self._plugin.settle()
        return [
            PolicyDiagnostic(
                pack=d.policyPackName,
                policy=d.policyName,
                level=LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                message=d.message,
                urn=d.urn or urn,
            )
            for d in response.diagnostics
        ]

    def analyze(self, resource: AnalyzedResource) -> list[PolicyDiagnostic]:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=properties.for_analyzer(resource.properties),
            urn=resource.urn,
            name=resource.name,
            options=resource.options_message(),
        )
        response = self._call("Analyze", self._stub.Analyze, request)
        return self._diagnostics(response, resource.urn)

    def analyze_stack(self, resources: Iterable[AnalyzedResource]) -> list[PolicyDiagnostic]:
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=properties.for_analyzer(r.properties),
                    urn=r.urn,
                    name=r.name,
                    options=r.options_message(),
                    parent=r.parent,
                    dependencies=r.dependencies,
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in r.property_dependencies.items()
                        if urns
                    },
                )
                for r in resources
            ]
        )
        response = self._call("AnalyzeStack", self._stub.AnalyzeStack, request)
        return self._diagnostics(response, "")

    def stop(self) -> None:
        self._plugin.stop()
