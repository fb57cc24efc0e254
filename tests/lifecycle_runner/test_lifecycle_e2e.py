"""The lifecycle through the real dynamic provider host: up, update, replace, refresh, destroy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from lifecycle_runner.state import load_state

from .conftest import Runner

pytestmark = pytest.mark.e2e


def _state(run_result: Any) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(run_result.state_path.read_text())
    return state


def _resource(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in state["resources"] if r["name"] == name and not r["delete"])


def test_up_creates_in_dependency_order_and_destroy_removes_everything(
    run: Runner, volume_exists: Callable[[str], bool]
) -> None:
    up = run("up")
    assert up.result.ok, up.output
    created = up.result.names("create")
    # The label needs both the volume and its parent group; those two are independent.
    assert sorted(created[:2]) == ["data", "group"]
    assert created[2:] == ["label"]
    state = _state(up.result)
    volume, label, group = (_resource(state, n) for n in ("data", "label", "group"))
    assert volume_exists(volume["id"])
    # The label's provider refuses anything but a real id: outputs flowed back to the program.
    assert label["inputs"]["volumeId"] == volume["id"]
    assert up.result.outputs == {"volumeId": volume["id"], "label": f"volume {volume['id']}"}
    assert label["parent"] == group["urn"]
    assert label["dependencies"] == [volume["urn"]]
    # The pickle, kept as a secret: ciphertext in the file, the value once loaded.
    assert volume["inputs"]["__provider"]["ciphertext"].startswith("v1:")
    loaded = load_state(up.result.state_path, "fixture", "test").current(volume["urn"])
    assert loaded is not None and loaded.inputs["__provider"]["value"]
    assert "[provider] creating a 1 GiB volume in us-east-1a" in up.output

    destroy = run("destroy")
    assert destroy.result.ok, destroy.output
    deleted = destroy.result.names("delete")
    assert deleted[0] == "label"  # before what it depends on; the other two in either order
    assert sorted(deleted[1:]) == ["data", "group"]
    assert not volume_exists(volume["id"])
    assert _state(destroy.result)["resources"] == []


def test_second_up_without_changes_changes_nothing(run: Runner) -> None:
    assert run("up").result.ok
    again = run("up")
    assert again.result.ok, again.output
    assert {s.op for s in again.result.steps if s.status == "done"} == {"same"}
    assert "[provider] retagging" not in again.output
    assert run("destroy").result.ok


def test_preview_plans_without_creating(run: Runner) -> None:
    preview = run("preview")
    assert preview.result.ok, preview.output
    assert preview.result.names("create", "planned") == ["data", "group", "label"]
    assert "creating a" not in preview.output
    assert preview.result.outputs["volumeId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert "volumeId: [unknown until the update]" in preview.output
    assert _state(preview.result)["resources"] == []


def test_update_in_place_then_replace_create_before_delete(
    run: Runner, ec2: Any, volume_exists: Callable[[str], bool]
) -> None:
    first = _resource(_state(run("up").result), "data")

    update = run("up", config={"team": "blue"})
    assert update.result.names("update") == ["data"], update.output
    tags = ec2.describe_volumes(VolumeIds=[first["id"]])["Volumes"][0]["Tags"]
    assert {"Key": "team", "Value": "blue"} in tags

    replace = run("up", config={"size": "2"})
    assert replace.result.ok, replace.output
    assert replace.result.names("replace") == ["data"]
    assert replace.result.names("delete") == ["data"]  # the old one, once the program is done
    second = _resource(_state(replace.result), "data")
    assert second["id"] != first["id"]
    assert volume_exists(second["id"]) and not volume_exists(first["id"])
    # The label follows the new id through an ordinary update.
    assert _resource(_state(replace.result), "label")["inputs"]["volumeId"] == second["id"]
    order = replace.output.index("creating a 2 GiB"), replace.output.index("deleting vol-")
    assert order[0] < order[1]

    dbr = run("up", config={"size": "3", "deleteBeforeReplace": "true"})
    assert dbr.result.ok, dbr.output
    assert "delete before replace" in dbr.output
    assert dbr.output.index("deleting vol-") < dbr.output.index("creating a 3 GiB")
    assert run("destroy").result.ok


def test_refresh_drops_a_resource_deleted_out_of_band(run: Runner, ec2: Any) -> None:
    volume = _resource(_state(run("up").result), "data")
    ec2.delete_volume(VolumeId=volume["id"])

    refresh = run("refresh")
    assert refresh.result.ok, refresh.output
    assert refresh.result.names("gone") == ["data"]
    assert "no longer exists, removed from the state" in refresh.output
    names = [r["name"] for r in _state(refresh.result)["resources"]]
    assert "data" not in names and "label" in names
    assert run("destroy").result.ok


def test_removed_resources_are_deleted_by_the_next_up(run: Runner) -> None:
    assert run("up").result.ok
    smaller = run("up", config={"withLabel": "false"})
    assert smaller.result.ok, smaller.output
    assert smaller.result.names("delete") == ["label", "group"]
    assert run("destroy").result.ok


def test_failed_create_exits_non_zero_and_keeps_nothing(run: Runner) -> None:
    up = run("up", config={"failOn": "create"})
    assert up.result.exit_code == 1
    assert "planted failure: create refused" in up.output
    assert [s.name for s in up.result.steps if s.status == "failed"] == ["data"]
    assert all(r["kind"] != "dynamic" for r in _state(up.result)["resources"])
    assert run("destroy").result.ok


def test_failed_delete_leaves_the_resource_in_state_until_fixed(
    run: Runner, volume_exists: Callable[[str], bool]
) -> None:
    volume = _resource(_state(run("up", config={"failOn": "delete"}).result), "data")

    refused = run("destroy")
    assert refused.result.exit_code == 1
    assert "planted failure: delete refused (failOn=delete)" in refused.output
    assert "data" in [r["name"] for r in _state(refused.result)["resources"]]
    assert volume_exists(volume["id"])

    fixed = run("up", config={"failOn": ""})
    assert fixed.result.names("update") == ["data"], fixed.output
    destroy = run("destroy")
    assert destroy.result.ok, destroy.output
    assert not volume_exists(volume["id"])


def test_foreign_resources_are_simulated_and_say_so(run: Runner, ec2: Any) -> None:
    up = run("up", config={"withInstance": "true"})
    assert up.result.ok, up.output
    web = _resource(_state(up.result), "web")
    assert web["kind"] == "simulated" and web["id"].startswith("sim-")
    web_line = next(
        line for line in up.output.splitlines() if " web " in line and "done" not in line
    )
    assert "simulated" in web_line
    assert "(1 simulated)" in up.output
    assert ec2.describe_instances()["Reservations"] == []

    destroy = run("destroy")
    assert destroy.result.ok
    assert [s.kind for s in destroy.result.steps if s.name == "web"] == ["simulated"]
