"""The state file and the stack config, without any process."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_runner.stack_config import (
    ConfigError,
    parse_assignments,
    project_name,
    stack_config,
)
from lifecycle_runner.state import (
    ResourceState,
    StackState,
    StateError,
    dependency_order,
    load_state,
    save_state,
)


def _resource(urn: str, *deps: str, parent: str = "", delete: bool = False) -> ResourceState:
    return ResourceState(
        urn=urn,
        type="t",
        name=urn,
        kind="dynamic",
        parent=parent,
        dependencies=list(deps),
        delete=delete,
    )


def test_dependency_order_puts_parents_and_dependencies_first() -> None:
    resources = [
        _resource("label", "volume", parent="group"),
        _resource("group"),
        _resource("volume", "unknown-urn"),
    ]
    assert [r.urn for r in dependency_order(resources)] == ["group", "volume", "label"]


def test_replacement_entries_share_a_urn_and_both_survive_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = StackState(project="p", stack="s", config_overrides={"p:size": "2"})
    state.resources = [_resource("volume", delete=True), _resource("volume")]
    save_state(path, state)
    loaded = load_state(path, "p", "s")
    assert [r.delete for r in loaded.resources] == [True, False]
    current = loaded.current("volume")
    assert current is not None and not current.delete
    assert loaded.config_overrides == {"p:size": "2"}


def test_state_of_another_stack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, StackState(project="p", stack="dev"))
    with pytest.raises(StateError, match="holds the state of p/dev"):
        load_state(path, "p", "prod")


def test_stack_config_layers(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n"
        "  size: {type: integer, default: 1}\n"
        "  zone: {type: string}\n"
        "  flag: true\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  demo:size: 2\n  aws:region: eu-west-1\n  demo:tags: {team: a}\n"
    )
    assert project_name(tmp_path) == "demo"
    config = stack_config(
        tmp_path,
        "demo",
        "dev",
        seeded={"zone": "seeded-zone", "demo:size": "3"},
        overrides=parse_assignments(["size=4"], "demo"),
    )
    assert config == {
        "demo:size": "4",
        "demo:flag": "true",
        "demo:zone": "seeded-zone",
        "aws:region": "eu-west-1",
        "demo:tags": '{"team": "a"}',
    }


def test_encrypted_config_and_bad_assignments_are_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  demo:key:\n    secure: AAAB\n")
    with pytest.raises(ConfigError, match="encrypted secret"):
        stack_config(tmp_path, "demo", "dev", seeded={}, overrides={})
    with pytest.raises(ConfigError, match="key=value"):
        parse_assignments(["novalue"], "demo")
