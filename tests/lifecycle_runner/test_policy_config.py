"""Reconciling a policy pack's configuration like the CLI does."""

from __future__ import annotations

import pytest
from google.protobuf import json_format  # type: ignore[import-untyped]
from pulumi.runtime.proto import analyzer_pb2

from lifecycle_runner import properties
from lifecycle_runner.policy_config import LEVEL_NAMES, PolicyConfigError, reconcile


def _info() -> analyzer_pb2.AnalyzerInfo:
    return analyzer_pb2.AnalyzerInfo(
        name="pack",
        policies=[
            analyzer_pb2.PolicyInfo(
                name="size",
                enforcementLevel=analyzer_pb2.MANDATORY,
                configSchema=analyzer_pb2.PolicyConfigSchema(
                    properties=properties.to_struct({"max": {"type": "number", "default": 10}}),
                ),
            ),
            analyzer_pb2.PolicyInfo(name="tags", enforcementLevel=analyzer_pb2.ADVISORY),
        ],
        initialConfig={
            "tags": analyzer_pb2.PolicyConfig(properties=properties.to_struct({"key": "team"}))
        },
    )


def _summary(config: dict[str, analyzer_pb2.PolicyConfig]) -> dict[str, tuple[str, object]]:
    return {
        name: (LEVEL_NAMES[value.enforcementLevel], json_format.MessageToDict(value.properties))
        for name, value in config.items()
    }


def test_defaults_initial_config_and_file_are_merged() -> None:
    assert _summary(reconcile(_info(), {})) == {
        "size": ("mandatory", {"max": 10}),
        "tags": ("advisory", {"key": "team"}),
    }
    merged = reconcile(_info(), {"all": "advisory", "size": {"max": 50}, "tags": "disabled"})
    assert _summary(merged) == {
        "size": ("advisory", {"max": 50}),
        "tags": ("disabled", {"key": "team"}),
    }


def test_unknown_policies_and_levels_are_refused() -> None:
    with pytest.raises(PolicyConfigError, match="unknown policies: nope"):
        reconcile(_info(), {"nope": "mandatory"})
    with pytest.raises(PolicyConfigError, match="unknown enforcement level"):
        reconcile(_info(), {"size": "fatal"})
