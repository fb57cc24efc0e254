"""How a failed provider call is explained: load failures versus the provider's own errors."""

from __future__ import annotations

import grpc

from lifecycle_runner.provider_client import describe_failure

LOAD_FAILURE = """Traceback (most recent call last):
  File ".../pulumi/dynamic/__main__.py", line 188, in Check
    provider = get_provider(news, self._config)
  File ".../pulumi/dynamic/__main__.py", line 72, in get_provider
    provider = _deserialize(deserialize)
  File ".../pulumi/dynamic/__main__.py", line 70, in deserialize
    return dill.loads(byts)
ModuleNotFoundError: No module named 'mine'
"""

OWN_ERROR = """Traceback (most recent call last):
  File ".../pulumi/dynamic/__main__.py", line 160, in Delete
    provider.delete(id_, props)
ami_lifecycle.errors.ProtectedImageError: deregistration protection is on
"""


class _Error(grpc.RpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def test_a_provider_that_cannot_be_loaded_is_named_as_such() -> None:
    error = describe_failure("Check", _Error(grpc.StatusCode.UNKNOWN, LOAD_FAILURE), None)
    assert error.message.startswith("the dynamic provider host could not load")
    assert "ModuleNotFoundError: No module named 'mine'" in error.message
    assert error.details == LOAD_FAILURE


def test_the_providers_own_error_is_its_last_line() -> None:
    error = describe_failure("Delete", _Error(grpc.StatusCode.UNKNOWN, OWN_ERROR), None)
    assert error.message == (
        "ami_lifecycle.errors.ProtectedImageError: deregistration protection is on"
    )


def test_a_dead_host_is_reported_as_such() -> None:
    error = describe_failure("Create", _Error(grpc.StatusCode.UNAVAILABLE, "gone"), -9)
    assert error.message == "the dynamic provider host exited with code -9 during Create"
