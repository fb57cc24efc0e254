"""Fixtures for the pack's tests.

The policy tests run against the pack's analyzer servicer in this process: the code the real pack
serves, with every request and answer passed through its wire bytes. `prepare` makes exactly the
engine's calls, reconciling and sending the whole config, so every test starts clean. The real
pack, as the Pulumi CLI runs it, is tested through the CLI itself (`test_policy_cli.py`).
"""

from __future__ import annotations

from typing import Any

import pytest

from analyzer_host import AnalyzerClient, in_process_client
from policies.ami_guard import PACK_OPTIONS
from tests.policies.policy_cases import Configured


@pytest.fixture
def configured() -> Configured:
    """Builds an analyzer prepared with the given pack config."""

    def prepare(config: dict[str, Any] | None = None) -> AnalyzerClient:
        client = in_process_client(**PACK_OPTIONS)
        client.prepare(config)
        return client

    return prepare


@pytest.fixture
def analyzer(configured: Configured) -> AnalyzerClient:
    """An analyzer without pack config (`pulumi preview --policy-pack policies`)."""
    return configured()
