"""Cancellation: the plugin is going away, or the engine stopped waiting for one call, so work in
flight stops at its next step.

The plugin cancels the whole process when it is told to stop (SIGTERM) or finds its engine gone,
and one call (`scope`) when the engine drops that call, which it does only when it is gone too:
its answer could reach no one, so a create must not finish as if it could. The engine's own
`Cancel`, sent on a first ^C, cancels nothing: the engine waits for the operations in flight.

A create checks between its steps and its waits sleep on the same event, so it stops within
moments and its undo runs: `Cancelled` is a `BaseException`, which every `except Exception`
lets through to the undo paths (`except BaseException`) and none of them mistakes for an AWS
failure. An undo itself is never cancelled; it only stops trying again (`waiter.keep_trying`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Cancelled", "cancel", "cancelled", "pause", "raise_if_cancelled", "scope"]


class Cancelled(BaseException):
    """Raised in work that was in flight when it was cancelled."""


class _Cancellation:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str) -> None:
        """Stop the work at its next step; `reason`, a sentence, is the `Cancelled` message."""
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


_process = _Cancellation()
_scopes: weakref.WeakSet[_Cancellation] = weakref.WeakSet()
_scopes_lock = threading.Lock()
_current: ContextVar[_Cancellation | None] = ContextVar("ami_lifecycle_call", default=None)


def _active() -> _Cancellation:
    return _current.get() or _process


def cancel(reason: str) -> None:
    """Cancel the process: every call in flight, and any started from now on."""
    with _scopes_lock:
        _process.cancel(reason)
        for call in list(_scopes):
            call.cancel(reason)


@contextmanager
def scope() -> Iterator[_Cancellation]:
    """One call's own cancellation, for this context and the threads it starts
    (`asyncio.to_thread` copies the context); the process's cancels it too."""
    call = _Cancellation()
    with _scopes_lock:
        _scopes.add(call)
        if _process.event.is_set():
            call.cancel(_process.reason)
    token = _current.set(call)
    try:
        yield call
    finally:
        _current.reset(token)
        with _scopes_lock:
            _scopes.discard(call)


def cancelled() -> bool:
    return _active().event.is_set()


def raise_if_cancelled() -> None:
    active = _active()
    if active.event.is_set():
        raise Cancelled(active.reason)


def pause(seconds: float) -> None:
    """Sleep, waking early when cancelled (the caller decides what that means)."""
    _active().event.wait(seconds)
