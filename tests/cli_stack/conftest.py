"""What the tests through the real CLI share: an EC2 emulator of their own, as a server the
CLI's plugins reach over HTTP, and the comparison of each language's example with Python's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli_stack import CliStack, cli_environment
from cli_stack.story import COPY_REGION, REGION, Driver, Setting, lifecycle_settings, seed
from ec2_emulator import EmulatorServer


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@dataclass
class Declared:
    """What a language's example and the Python one registered for the same config."""

    components: dict[str, dict[str, Any]]
    """Each language's component inputs, without what differs by design (name, project tag)."""
    outputs: dict[str, set[str]]
    """Each language's stack outputs."""


def declared_beside_python(
    server: EmulatorServer, tmp_path: Path, language: str, driver: Driver, project: str
) -> Declared:
    """`up` of the Python example and of `language`'s, on the same seeded config; what each
    declared; then both destroyed, leaving no image."""
    seeded = seed(server)
    settings = lifecycle_settings()
    env = cli_environment(server.endpoint_url, REGION)
    stacks = {
        "python": CliStack("same", env, work=tmp_path / "python", echo=lambda _: None),
        language: driver(Setting("same", env, tmp_path, lambda _: None)),
    }
    projects = {"python": "golden-image", language: project}
    declared = Declared({}, {})
    try:
        for name, stack in stacks.items():
            stack.set_config(
                {
                    "ami-lifecycle:region": REGION,
                    **seeded,
                    "protection": "disabled",
                    "imageName": f"golden-{name}",
                    **settings,
                }
            )
            created = stack.up()
            assert created.ok, created.output
            resources = stack.resources()
            [component] = [r for r in resources if r["type"] == "ami-lifecycle:index:MachineImage"]
            inputs = component["inputs"]
            assert inputs.pop("imageName") == f"golden-{name}"
            assert inputs["tags"].pop("project") == projects[name]
            declared.components[name] = inputs
            [root] = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
            declared.outputs[name] = set(root.get("outputs") or {})
    finally:
        # Both images share the root snapshot: the first destroy keeps it (`skipped`).
        for stack in stacks.values():
            destroyed = stack.destroy()
            assert destroyed.ok, destroyed.output
    for region in (REGION, COPY_REGION):
        assert server.client(region).describe_images(Owners=["self"])["Images"] == []
    return declared


def assert_the_examples_lifecycle(output: str) -> None:
    """What every language's example shows in the story beyond protection: each snapshot's
    ReturnCode (the root's and the data volume's, and the two of the encrypted copy), the
    deprecation and the copy, and the destroy a launch template refused, naming it."""
    assert len(set(re.findall(r"(snap-[0-9a-f]+): success \(deleted\)", output))) == 4
    assert re.search(
        rf"=== deprecated at: 20\S+; copies: {COPY_REGION}: ami-\w+ \(encrypted\)", output
    )
    assert re.search(r"is still in use by 1 resource\(s\): launch template lt-\w+", output)
