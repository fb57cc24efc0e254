"""Fixtures for the pack's tests.

The policy tests run twice: against the pack's analyzer servicer in this process (fast), and
against the real pack started as the Pulumi CLI starts it, over gRPC (`e2e`). Both get exactly
the engine's calls: `prepare` reconciles and sends the whole config, so every test starts clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from analyzer_host import AnalyzerClient, PolicyPackProcess, in_process_client
from policies.ami_guard import PACK_OPTIONS
from tests.policies.policy_cases import Configured


@pytest.fixture(scope="session")
def shared_pack_process() -> Iterator[PolicyPackProcess]:
    """One real pack for the whole session."""
    process = PolicyPackProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture(
    params=["in-process", pytest.param("pack-process", marks=pytest.mark.e2e)],
)
def configured(request: pytest.FixtureRequest) -> Configured:
    """Builds an analyzer prepared with the given pack config, in-process or the real pack."""

    def prepare(config: dict[str, Any] | None = None) -> AnalyzerClient:
        if request.param == "in-process":
            client = in_process_client(**PACK_OPTIONS)
            client.prepare(config)
            return client
        process: PolicyPackProcess = request.getfixturevalue("shared_pack_process")
        assert process.client is not None
        process.client.prepare(config, engine_address=process.engine.address)
        return process.client

    return prepare


@pytest.fixture
def analyzer(configured: Configured) -> AnalyzerClient:
    """An analyzer without pack config (`pulumi preview --policy-pack policies`)."""
    return configured()


@pytest.fixture(scope="module")
def pack_process() -> Iterator[PolicyPackProcess]:
    """A real pack of the module's own, for tests that reconfigure it in ways others mustn't see."""
    process = PolicyPackProcess()
    process.start()
    yield process
    process.stop()
