"""boto3 EC2 clients: created lazily, cached per process.

The resources ask this module for a client at call time, so that nothing is created before the
first call that needs AWS. One client serves each (region, profile, endpoint) in a
process; the endpoint comes from boto3's own settings (`AWS_ENDPOINT_URL_EC2`,
`AWS_ENDPOINT_URL`), which is how a local EC2 emulator is reached.

Calls retry in botocore's standard mode, 8 times after the first attempt unless the user's own
AWS settings give the number of attempts (`AWS_MAX_ATTEMPTS`, or `max_attempts` in the profile).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Protocol

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachableError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["NO_ANSWER", "ClientFactory", "cached_client", "clear_cache", "error_code"]

_USER_AGENT = "pulumi-ami-lifecycle/0.1.0"
# Standard retries back off on throttling (RequestLimitExceeded) without extra code here.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, user_agent_extra=_USER_AGENT)

NO_ANSWER = (HTTPClientError, EndpointUnreachableError)
"""Connection failures that outlasted botocore's retries (refused, reset, timed out): EC2 gave
no answer, so it may or may not have acted."""

_lock = threading.Lock()
_cache: dict[tuple[str | None, str | None, str | None], EC2Client] = {}


class ClientFactory(Protocol):
    """Makes an EC2 client for a region and profile (injectable, for tests and embedding)."""

    def __call__(self, region: str | None, profile: str | None) -> EC2Client: ...


def _endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_EC2") or os.environ.get("AWS_ENDPOINT_URL")


def cached_client(region: str | None, profile: str | None) -> EC2Client:
    """The process-wide client for (region, profile, endpoint), created on first use."""
    key = (region, profile, _endpoint())
    with _lock:
        client = _cache.get(key)
        if client is None:
            core = botocore.session.get_session()
            session = boto3.session.Session(
                botocore_session=core, profile_name=profile, region_name=region
            )
            # The user's setting counts every attempt; `max_attempts` in a Config only retries.
            attempts = core.get_config_variable("max_attempts")
            config = (
                _CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": attempts}))
                if attempts
                else _CONFIG
            )
            client = session.client("ec2", config=config)
            _cache[key] = client
        return client


def clear_cache() -> None:
    """Forget every cached client (tests that switch endpoints or credentials use this)."""
    with _lock:
        _cache.clear()


def error_code(error: ClientError) -> str:
    """AWS's `Error.Code`: the only thing errors are matched on, never the message text."""
    return str(error.response.get("Error", {}).get("Code", ""))
