"""Planted faults: each must be caught before anything is created, with a clear message."""

from __future__ import annotations

import pytest

from .conftest import Run, Runner

pytestmark = pytest.mark.e2e


def _nothing_created(run: Run) -> None:
    assert run.result.exit_code == 1
    assert run.result.names("create") == []
    assert "Updating (" not in run.output  # up stopped after its preview
    assert run.result.resources_left <= 1  # at most the root stack


def test_provider_capturing_a_boto3_client_fails_at_registration(run: Runner) -> None:
    up = run("up", "captured_client")
    _nothing_created(up)
    # dill fails on the client's SSLContext, or recurses through its object graph first,
    # depending on what the process imported before: either way the program stops here.
    assert "cannot pickle 'SSLContext' object" in up.output or "RecursionError" in up.output, (
        up.output
    )
    assert "while pickling a dynamic provider" in up.output
    assert "Create such objects inside the provider's methods" in up.output
    # It never reached the provider host: no step, just the program's failure.
    assert up.result.steps == []


def test_provider_that_cannot_be_unpickled_is_reported_at_check(run: Runner) -> None:
    up = run("up", "unpicklable")
    _nothing_created(up)
    assert (
        "could not load this resource's provider from its __provider pickle: RuntimeError: "
        "this provider's state cannot be restored in another process"
    ) in up.output
    assert [(s.name, s.status) for s in up.result.steps] == [("unloadable", "failed")]


def test_provider_module_the_host_cannot_import_is_reported_with_the_reason(run: Runner) -> None:
    up = run("up", "hidden_module")
    _nothing_created(up)
    assert "ModuleNotFoundError: No module named 'hidden_provider'" in up.output
    assert "the host (cwd = the program's folder, PYTHONPATH as the runner's)" in up.output


def test_import_side_effects_run_in_the_host_during_the_preview_once(run: Runner) -> None:
    """The symptom checked: the module's import-time output comes from the provider host
    while it loads the pickle for the first Check, i.e. already during the preview (so a
    side effect at import is not confined to create/update/delete), and once per command
    (one host serves every resource)."""
    up = run("up", "noisy_import")
    assert up.result.ok, up.output
    line = "[provider] noisy provider module imported"
    assert up.output.count(line) == 1
    assert up.output.index(line) < up.output.index("Updating (")
    # Independent resources: the program may register them in either order.
    assert sorted(up.result.names("create")) == ["first", "second"]
    assert run("destroy", "noisy_import").result.ok


def test_import_side_effects_in_a_policy_pack_break_its_handshake(run: Runner) -> None:
    up = run("up", "noisy_import", policy_pack="imports_noisy")
    _nothing_created(up)
    assert "wrote a non-numeric port to stdout ('noisy provider module imported')" in up.output
    assert "Previewing update" not in up.output


def test_a_data_source_of_a_foreign_provider_fails_clearly(run: Runner) -> None:
    up = run("up", "invokes")
    _nothing_created(up)
    assert (
        "the program failed: UnsupportedByRunnerError: the program invoked "
        "aws:index/getRegion:getRegion"
    ) in up.output
