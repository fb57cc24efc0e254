"""Network faults injected at botocore's send layer, where real ones happen.

Why this exists: the failures that leak AMIs are not AWS errors but lost answers: a request AWS
processed whose response never arrived (botocore retries it, and the retry meets the first
one's effect), or a connection that stays down after botocore's retries. These helpers hook
the client's ``before-send`` event *after* the emulator's own handler, so a "lost" request has
really been processed, then raise the connection error botocore would see.

    with faults.lose_responses(ec2, "RegisterImage"):          # processed, answer lost once
    with faults.refuse_requests(ec2, "DescribeImages"):        # never reaches EC2
    with faults.lose_responses(ec2, "DeregisterImage", times=None):  # every attempt processed
    with faults.answer_error(ec2, "DescribeImages", "InvalidAMIID.NotFound", times=2)
    with faults.once_answered(ec2, "CreateSnapshot", faults.refuse_requests(ec2, "DescribeImages")):
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["Fault", "answer_error", "lose_responses", "once_answered", "refuse_requests"]


@dataclass
class Fault:
    """How often the fault fired, per operation: what a test asserts about retries."""

    operations: frozenset[str]
    times: int | None
    """How many requests to hit (None: every one, so botocore's retries run out)."""
    lose_after_processing: bool
    error_code: str | None = None
    """Answer with this EC2 error instead of letting the request through."""
    fired: list[str] = field(default_factory=list)

    def __call__(self, request: Any, event_name: str, **_kwargs: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation not in self.operations:
            return None
        if self.times is not None and len(self.fired) >= self.times:
            return None
        self.fired.append(operation)
        if self.error_code is not None:
            return _error_response(request.url, self.error_code)
        if self.lose_after_processing:
            # The emulator's handler already answered this request: its effect is real.
            raise ConnectionClosedError(endpoint_url=request.url)
        raise EndpointConnectionError(endpoint_url=request.url)


class _Hook:
    """A fault hooked into one client while the `with` block runs."""

    def __init__(self, client: EC2Client, fault: Fault) -> None:
        self.client = client
        self.fault = fault
        self._names: list[str] = []

    def __enter__(self) -> Fault:
        events: Any = self.client.meta.events  # the stubs type handlers as returning None
        if self.fault.lose_after_processing:
            # Last on the generic event: after the emulator's own `before-send` handler, so
            # the request has been processed when the fault fires.
            events.register_last("before-send", self.fault)
            self._names = ["before-send"]
        else:
            # On the operation's own event: botocore calls the most specific handlers first,
            # so the request never reaches the emulator.
            self._names = [f"before-send.ec2.{op}" for op in sorted(self.fault.operations)]
            for name in self._names:
                events.register_first(name, self.fault)
        return self.fault

    def __exit__(self, *_exc: object) -> None:
        events: Any = self.client.meta.events
        for name in self._names:
            events.unregister(name, self.fault)
        self._names = []


def _hooked(client: EC2Client, fault: Fault) -> _Hook:
    return _Hook(client, fault)


@contextmanager
def once_answered(client: EC2Client, operation: str, hook: _Hook) -> Iterator[Fault]:
    """Start the fault `hook` as soon as EC2 has answered `operation`, e.g. cut the
    `DescribeImages` that follows `EnableImageDeregistrationProtection`."""
    events: Any = client.meta.events

    def start(**_kwargs: Any) -> None:
        if not hook._names:
            hook.__enter__()

    events.register(f"after-call.ec2.{operation}", start)
    try:
        yield hook.fault
    finally:
        events.unregister(f"after-call.ec2.{operation}", start)
        hook.__exit__()


def lose_responses(client: EC2Client, *operations: str, times: int | None = 1) -> _Hook:
    """EC2 processes the request, but its response is lost (a dropped connection)."""
    return _hooked(client, Fault(frozenset(operations), times, lose_after_processing=True))


def refuse_requests(client: EC2Client, *operations: str, times: int | None = None) -> _Hook:
    """The request never reaches EC2: the endpoint can't be connected to."""
    return _hooked(client, Fault(frozenset(operations), times, lose_after_processing=False))


def answer_error(client: EC2Client, *operations: str, code: str, times: int | None = 1) -> _Hook:
    """EC2 answers with the error `code` (HTTP 400) without processing the request: what an
    eventually consistent `Describe*` says about an id it doesn't know yet."""
    return _hooked(
        client, Fault(frozenset(operations), times, lose_after_processing=False, error_code=code)
    )


def _error_response(url: str, code: str) -> AWSResponse:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>injected: {code}</Message>"
        "</Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
    ).encode()
    return AWSResponse(url, 400, HTTPHeaders(), _Raw(body))


class _Raw:
    """The `raw` body botocore reads from an `AWSResponse`."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._body
