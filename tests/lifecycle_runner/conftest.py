"""Fixtures for the lifecycle runner's tests: one emulator process per session, and a helper
that runs a runner command in-process on a fixture program with its output captured."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from lifecycle_runner import AwsTarget, CommandResult, RunOptions, run_command
from lifecycle_runner.display import Display
from lifecycle_runner.local_emulator import EmulatorProcess

FIXTURES = Path(__file__).parent / "fixtures"
PROGRAMS = FIXTURES / "programs"
PACKS = FIXTURES / "packs"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    result: CommandResult
    output: str


class Runner(Protocol):
    def __call__(
        self,
        command: str,
        program: str = "basic",
        *,
        config: Mapping[str, str] | None = None,
        policy_pack: str | None = None,
        policy_config: Path | None = None,
    ) -> Run: ...


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    emulator = EmulatorProcess.start(
        tmp_path_factory.mktemp("emulator") / "emulator.log", detached=False
    )
    yield emulator.endpoint_url
    emulator.stop()


@pytest.fixture
def plugin_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plugins inherit the runner's environment: let them import the fixture providers."""
    existing = os.environ.get("PYTHONPATH")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(REPO_ROOT), *([existing] if existing else [])])
    )


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path / "work"


@pytest.fixture
def run(endpoint: str, work_dir: Path, plugin_pythonpath: None) -> Runner:
    def run_one(
        command: str,
        program: str = "basic",
        *,
        config: Mapping[str, str] | None = None,
        policy_pack: str | None = None,
        policy_config: Path | None = None,
    ) -> Run:
        output = io.StringIO()
        result = run_command(
            RunOptions(
                command=command,
                program=PROGRAMS / program,
                stack="test",
                config=dict(config or {}),
                policy_pack=PACKS / policy_pack if policy_pack else None,
                policy_config=policy_config,
                work_dir=work_dir,
            ),
            AwsTarget(endpoint),
            Display(output),
        )
        return Run(result, output.getvalue())

    return run_one


@pytest.fixture
def ec2(endpoint: str) -> Any:
    return AwsTarget(endpoint).client("ec2")


@pytest.fixture
def volume_exists(ec2: Any) -> Callable[[str], bool]:
    def exists(volume_id: str) -> bool:
        volumes = ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [volume_id]}])
        return bool(volumes["Volumes"])

    return exists
