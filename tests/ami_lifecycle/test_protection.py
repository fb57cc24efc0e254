"""AWS's protection strings, parsed defensively."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ami_lifecycle.protection import Protection, parse_protection_state

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "enabled", "with_cooldown"),
    [
        (None, False, False),
        ("", False, False),
        ("disabled", False, False),
        ("enabled-without-cooldown", True, False),
        ("enabled-with-cooldown", True, True),
        ("enabled", True, False),
        ("Enabled-With-Cooldown", True, True),
    ],
)
def test_plain_states(raw: str | None, enabled: bool, with_cooldown: bool) -> None:
    state = parse_protection_state(raw)
    assert (state.enabled, state.with_cooldown) == (enabled, with_cooldown)
    assert state.blocks_deregistration(NOW) is enabled


@pytest.mark.parametrize(
    "raw",
    [
        "disabled after 2026-11-23T12:00:00.000Z",
        "disabled-until-2026-11-23T12:00:00Z",
        "disabled after 2026-11-23 12:00:00+00:00",
    ],
)
def test_cooldown_forms_block_until_their_time(raw: str) -> None:
    state = parse_protection_state(raw)
    assert not state.enabled
    assert state.cooldown_ends == NOW + timedelta(days=1)
    assert state.blocks_deregistration(NOW)
    assert not state.blocks_deregistration(NOW + timedelta(days=1, seconds=1))


def test_unreadable_cooldown_and_unknown_reports_count_as_protected() -> None:
    assert parse_protection_state("disabled after sometime").blocks_deregistration(NOW)
    assert parse_protection_state("protected-forever").blocks_deregistration(NOW)


def test_satisfies_compares_setting_with_report() -> None:
    assert parse_protection_state("enabled-without-cooldown").satisfies(Protection.ENABLED)
    assert not parse_protection_state("enabled-without-cooldown").satisfies(
        Protection.ENABLED_WITH_COOLDOWN
    )
    assert parse_protection_state("enabled-with-cooldown").satisfies(
        Protection.ENABLED_WITH_COOLDOWN
    )
    assert parse_protection_state("disabled").satisfies(Protection.DISABLED)
    assert not parse_protection_state("disabled").satisfies(Protection.ENABLED)
