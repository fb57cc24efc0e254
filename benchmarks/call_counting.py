"""Counting EC2 API calls where boto3 makes them: a botocore `before-call` hook on each client.

Why this exists: "calls per operation" must count what the code under test really asked AWS
for, not what we believe it asks. botocore emits `before-call.ec2.<Operation>` once per API call
(retries of the same call are not counted again; `before-send` would count HTTP attempts), so a
handler registered on `before-call.ec2` sees every call by its operation name. The factory below
is what the benchmarks inject into the providers (`provider.inject(client_factory=...)`), so the
providers' own code path creates and uses the counted clients.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["CallCounter", "CallWindow", "CountingClientFactory"]


@dataclass
class CallWindow:
    """The calls made while a `CallCounter.window()` was open, in order."""

    calls: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.calls)

    def count(self, operation: str) -> int:
        return self.calls.count(operation)

    def by_operation(self) -> Counter[str]:
        return Counter(self.calls)


class CallCounter:
    """Records the operation name of every call made through the clients it is attached to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: list[CallWindow] = []
        self.all_calls: list[str] = []

    def attach(self, client: EC2Client) -> None:
        client.meta.events.register("before-call.ec2", self._on_call)

    def _on_call(self, model: Any = None, **_kwargs: Any) -> None:
        name = str(getattr(model, "name", "?"))
        with self._lock:
            self.all_calls.append(name)
            for window in self._windows:
                window.calls.append(name)

    @contextmanager
    def window(self) -> Iterator[CallWindow]:
        """Collect the calls made inside the `with` block."""
        window = CallWindow()
        with self._lock:
            self._windows.append(window)
        try:
            yield window
        finally:
            with self._lock:
                self._windows.remove(window)


class CountingClientFactory:
    """A `ClientFactory` for the providers: one counted client per region, like the real cache.

    `make_client(region)` builds the raw client (the emulator's, in the benchmarks); the factory
    attaches the counter once and hands the same client out again, as
    `ami_lifecycle.aws.clients.cached_client` does in production.
    """

    def __init__(self, make_client: Callable[[str | None], EC2Client], counter: CallCounter):
        self._make_client = make_client
        self.counter = counter
        self._clients: dict[str | None, EC2Client] = {}
        self._lock = threading.Lock()

    def __call__(self, region: str | None, profile: str | None) -> EC2Client:
        del profile  # the emulator has one set of credentials
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                client = self._make_client(region)
                self.counter.attach(client)
                self._clients[region] = client
            return client

    @property
    def clients_created(self) -> int:
        return len(self._clients)
