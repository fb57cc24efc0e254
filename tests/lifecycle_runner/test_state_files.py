"""The state file on disk: private, atomic, secrets as ciphertext, damage reported clearly."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lifecycle_runner.secret_values import make_secret
from lifecycle_runner.state import (
    PendingOperation,
    ResourceState,
    StackState,
    StateError,
    load_state,
    save_state,
)
from lifecycle_runner.state_secrets import KEY_NAME

PASSWORD = "hunter2-correct-horse"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def _state_with_secrets() -> StackState:
    volume = ResourceState(
        urn="urn:pulumi:dev::p::t::volume",
        type="t",
        name="volume",
        kind="dynamic",
        id="vol-1",
        inputs={"__provider": make_secret("pickled"), "password": make_secret(PASSWORD)},
        outputs={"password": make_secret(PASSWORD), "size": 8.0},
    )
    return StackState(
        project="p",
        stack="dev",
        config_overrides={"p:password": PASSWORD},
        outputs={"password": make_secret(PASSWORD)},
        resources=[volume],
        pending=[PendingOperation("create", volume, "up", "2026-01-01T00:00:00+00:00")],
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_and_key_are_private_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "work" / "state.json"
    path.parent.mkdir()
    path.write_text("{}")  # as an older runner left it: readable by everyone
    path.chmod(0o644)
    save_state(path, _state_with_secrets())
    assert _mode(path) == 0o600
    assert _mode(path.parent / KEY_NAME) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_NAME, "state.json"]


def test_a_new_work_folder_is_the_users_only(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "fresh" / "state.json"
    save_state(path, StackState(project="p", stack="dev"))
    assert _mode(path.parent) == 0o700


def test_secrets_and_config_are_ciphertext_in_the_file_and_values_once_loaded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    state = _state_with_secrets()
    save_state(path, state)
    text = path.read_text()
    assert PASSWORD not in text and "pickled" not in text
    saved = json.loads(text)
    assert saved["version"] == 2
    assert saved["resources"][0]["outputs"]["size"] == 8.0  # what isn't secret stays readable
    assert saved["configOverrides"]["p:password"]["ciphertext"].startswith("v1:")

    loaded = load_state(path, "p", "dev")
    assert loaded.config_overrides == {"p:password": PASSWORD}
    assert loaded.resources[0].inputs == state.resources[0].inputs
    assert loaded.outputs == {"password": make_secret(PASSWORD)}
    assert loaded.pending[0].resource.inputs["password"] == make_secret(PASSWORD)
    assert (loaded.pending[0].operation, loaded.pending[0].command) == ("create", "up")

    save_state(path, loaded)
    assert path.read_text() == text  # unchanged secrets are written back as they were
    loaded.resources[0].inputs["password"] = make_secret("changed-secret")
    save_state(path, loaded)
    assert "changed-secret" not in path.read_text()
    reloaded = load_state(path, "p", "dev").resources[0]
    assert reloaded.inputs["password"] == make_secret("changed-secret")
    assert reloaded.outputs["password"] == make_secret(PASSWORD)


def test_a_version_1_state_with_plain_secrets_is_read_and_rewritten_encrypted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    resource = {"urn": "u", "type": "t", "name": "n", "kind": "dynamic", "id": "i"}
    resource["inputs"] = {"password": make_secret(PASSWORD)}  # type: ignore[assignment]
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "project": "p",
                "stack": "dev",
                "configOverrides": {"p:password": PASSWORD},
                "outputs": {},
                "resources": [resource],
            }
        )
    )
    loaded = load_state(path, "p", "dev")
    assert loaded.config_overrides == {"p:password": PASSWORD}
    assert loaded.resources[0].inputs == {"password": make_secret(PASSWORD)}
    assert loaded.pending == []
    save_state(path, loaded)
    assert PASSWORD not in path.read_text()


def test_a_missing_key_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, _state_with_secrets())
    (tmp_path / KEY_NAME).unlink()
    with pytest.raises(StateError) as caught:
        load_state(path, "p", "dev")
    assert str(caught.value) == (
        f"the secrets in {path} can't be read: its secrets key {tmp_path / KEY_NAME} is "
        f"missing. Restore {tmp_path / KEY_NAME} from where you keep this state's backups. "
        f"Without it the state is of no use: delete {path} to start the stack over, and delete "
        "what the stack created by hand"
    )


def test_a_key_that_is_not_the_states_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, _state_with_secrets())
    other = tmp_path / "other" / "state.json"
    save_state(other, _state_with_secrets())
    (tmp_path / KEY_NAME).write_bytes((other.parent / KEY_NAME).read_bytes())
    with pytest.raises(StateError, match=r"does not decrypt with .*: it is not the key"):
        load_state(path, "p", "dev")


def _edit(change: Callable[[dict[str, Any]], object]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data)

    return edit


DAMAGE: dict[str, tuple[Callable[[str], str], str]] = {
    "truncated": (lambda text: text[: len(text) // 2], "not valid JSON, truncated perhaps"),
    "empty": (lambda _text: "", "not valid JSON, truncated perhaps"),
    "not an object": (lambda _text: "[]", "it holds list, not an object"),
    "resources not a list": (
        _edit(lambda d: d.update(resources={"x": d["resources"]})),
        "state.resources is dict, not a list",
    ),
    "a resource without a urn": (
        _edit(lambda d: d["resources"][0].pop("urn")),
        "resources[0] has no 'urn'",
    ),
    "an unknown kind": (
        _edit(lambda d: d["resources"][0].update(kind="dynamo")),
        "resources[0].kind is 'dynamo', not one of",
    ),
    "a bad pending operation": (
        _edit(lambda d: d["pendingOperations"][0].update(operation="import")),
        "pendingOperations[0].operation is 'import'",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_state_names_the_file_the_fault_and_the_way_out(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "state.json"
    save_state(path, _state_with_secrets())
    change, fault = DAMAGE[damage]
    path.write_text(change(path.read_text()))
    with pytest.raises(StateError) as caught:
        load_state(path, "p", "dev")
    message = str(caught.value)
    assert message.startswith(f"{path} is damaged (")
    assert fault in message
    assert message.endswith(
        "Restore it from a backup if you have one. Otherwise delete it to start the stack "
        "over: the runner then forgets every resource the stack has, and whatever of them "
        "exists stays where it was created (the local emulator or AWS) until you delete it by "
        "hand"
    )


def test_a_state_of_an_unknown_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 3, "project": "p", "stack": "dev"}')
    with pytest.raises(StateError, match="has state version 3; this runner reads versions 1, 2"):
        load_state(path, "p", "dev")
