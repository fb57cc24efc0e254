"""Secret property values, handled the way the Pulumi engine handles them.

Why this exists: the SDK marks a secret by wrapping it in a signature object
(``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``).
The engine keeps that wrapper in its state and towards the program and policy packs, but a
provider that answered ``acceptSecrets: false`` to Configure (every Python dynamic provider
does) must receive plain values, and the engine then re-marks as secret any output whose input
was secret (the CLI's ``annotateSecrets``). The dynamic ``__provider`` pickle is the secret
every dynamic resource has: the SDK wraps it by default (``serialize_as_secret_always``).

Values here are JSON-shaped property values (see :mod:`lifecycle_runner.properties`); the
signature helpers are the SDK's own (``pulumi.runtime.rpc``).
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc


def is_secret(value: Any) -> bool:
    return bool(rpc.is_rpc_secret(value))


def make_secret(value: Any) -> Any:
    return rpc.wrap_rpc_secret(value)


def strip_secrets(value: Any) -> Any:
    """The value with every secret wrapper removed, at any depth (what a provider receives)."""
    if is_secret(value):
        return strip_secrets(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: strip_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strip_secrets(item) for item in value]
    return value


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secrets(item) for item in value)
    return False


def annotate_secrets(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """``outputs`` with the secretness of same-named ``inputs`` restored (engine semantics).

    Objects on both sides are walked key by key, so one secret field doesn't taint a whole
    object; any other value whose input contained a secret becomes a secret as a whole.
    """
    annotated = dict(outputs)
    for key, input_value in inputs.items():
        if key not in annotated:
            continue
        output_value = annotated[key]
        if (
            isinstance(output_value, dict)
            and isinstance(input_value, dict)
            and not is_secret(output_value)
            and not is_secret(input_value)
        ):
            annotated[key] = annotate_secrets(output_value, input_value)
        elif not is_secret(output_value) and contains_secrets(input_value):
            annotated[key] = make_secret(output_value)
    return annotated
