"""Property maps on the wire: secrets, unknowns and resource references, as the engine sends."""

from __future__ import annotations

from lifecycle_runner import properties
from lifecycle_runner.properties import RESOURCE_SIG, SIG_KEY, UNKNOWN
from lifecycle_runner.secret_values import annotate_secrets, make_secret, strip_secrets


def test_struct_round_trip_keeps_nulls_unknowns_and_secrets_but_numbers_become_floats() -> None:
    values = {"size": 8, "note": None, "later": UNKNOWN, "key": make_secret("s3cr3t")}
    back = properties.from_struct(properties.to_struct(values))
    assert back == {**values, "size": 8.0}
    assert isinstance(back["size"], float)


def test_a_provider_without_secret_support_gets_plain_values_and_ids_for_references() -> None:
    reference = {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:s::p::t::vol", "id": "vol-1"}
    component = {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:s::p::c::group"}
    pending = {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:s::p::t::new", "id": ""}
    values = {
        "__provider": make_secret("cGlja2xl"),
        "nested": {"list": [make_secret(1), reference]},
        "parent": component,
        "next": pending,
    }
    sent = properties.from_struct(
        properties.for_provider(values, accept_secrets=False, accept_resources=False)
    )
    assert sent == {
        "__provider": "cGlja2xl",
        "nested": {"list": [1.0, "vol-1"]},
        "parent": "urn:pulumi:s::p::c::group",
        "next": UNKNOWN,
    }
    kept = properties.from_struct(
        properties.for_provider(values, accept_secrets=True, accept_resources=True)
    )
    assert kept == properties.from_struct(properties.to_struct(values))


def test_a_policy_pack_gets_no_internal_keys() -> None:
    sent = properties.from_struct(
        properties.for_analyzer({"__provider": make_secret("x"), "size": 1, "tags": {}})
    )
    assert sent == {"size": 1.0, "tags": {}}


def test_outputs_regain_the_secretness_of_their_inputs() -> None:
    inputs = {
        "__provider": make_secret("pickle"),
        "config": {"password": make_secret("pw"), "user": "me"},
        "list": [make_secret("a"), "b"],
        "plain": "x",
    }
    outputs = strip_secrets({**inputs, "id": "i-1"})
    assert annotate_secrets(outputs, inputs) == {
        "__provider": make_secret("pickle"),
        "config": {"password": make_secret("pw"), "user": "me"},
        "list": make_secret(["a", "b"]),
        "plain": "x",
        "id": "i-1",
    }


def test_changed_keys_treats_missing_and_null_alike() -> None:
    assert properties.changed_keys({"a": 1, "b": None}, {"a": 2, "c": None}) == ["a"]
