"""The emulator's own state, next to moto's backends.

Why this exists: the extension needs things moto has no place for: the settings that choose
between two readings of the AWS texts, the clock, the log of every EC2 request, and the failures
a test asked for. moto's backends are process-global, so this state is too: exactly one
:class:`EmulatorState` is *active* per process at a time (an in-process ``Ec2Emulator`` or an
``EmulatorServer``); while none is, a default state serves plain ``install()`` users.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, cast

from .clock import Clock, SystemClock

__all__ = [
    "SNAPSHOT_FAILURE_CODES",
    "EmulatorSettings",
    "EmulatorState",
    "ImageFailure",
    "RecordedRequest",
    "activate",
    "active_state",
    "deactivate",
]

#: The per-snapshot ``ReturnCode`` values of ``DeregisterImage(DeleteAssociatedSnapshots=True)``
#: that mean "not deleted" and can be injected (seed 000: ``missing-permissions``,
#: ``internal-error``, ``client-error``). ``success`` and ``skipped`` are computed, not injected.
SNAPSHOT_FAILURE_CODES: tuple[str, ...] = ("missing-permissions", "internal-error", "client-error")

DeregisteredLookup = Literal["not-found", "empty"]
DisabledDeregistration = Literal["allowed", "refused"]


@dataclass
class EmulatorSettings:
    """Switches for places where the AWS texts disagree or leave a choice.

    ``echo_volume_initialization_rate``: whether ``DescribeImages`` reports a mapping's
    ``Ebs.VolumeInitializationRate``. The 2025-05-06 changelog (seed 004) says it does; the newest
    botocore model says the parameter "is not supported when using CreateImage and DescribeImages".
    Default ``False``: the newest model wins.

    ``pending_seconds``: how long a new image stays ``pending`` before it is ``available`` (or
    ``failed``). Default 0: available at the first describe.

    ``deregistered_image_lookup``: what ``DescribeImages(ImageIds=[<deregistered id>])`` does.
    ``"not-found"`` (default) fails with ``InvalidAMIID.NotFound``; ``"empty"`` returns no images,
    which is moto 5.2.5's behaviour and what AWS does for "a short interval" (seed 004,
    DescribeImages) before the ID "eventually" becomes not found.

    ``disabled_image_deregistration``: whether ``DeregisterImage`` accepts a disabled AMI
    (DisableImage). No text says: the DeregisterImage reference and the User Guide's "Deregister
    an Amazon EC2 AMI" list other refusals but not this one, so ``"allowed"`` (default) is the
    reading the emulator follows; ``"refused"`` fails the request with ``IncorrectState`` (the
    EMULATOR'S CHOICE of code), for testing code against the other reading.
    """

    echo_volume_initialization_rate: bool = False
    pending_seconds: float = 0.0
    deregistered_image_lookup: DeregisteredLookup = "not-found"
    disabled_image_deregistration: DisabledDeregistration = "allowed"

    def update(self, **changes: Any) -> EmulatorSettings:
        """Apply validated changes in place; unknown names or bad values raise ``ValueError``."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if "echo_volume_initialization_rate" in changes:
            value = changes["echo_volume_initialization_rate"]
            if not isinstance(value, bool):
                raise ValueError("echo_volume_initialization_rate must be a bool")
            self.echo_volume_initialization_rate = value
        if "pending_seconds" in changes:
            seconds = changes["pending_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError("pending_seconds must be a number >= 0")
            self.pending_seconds = float(seconds)
        if "deregistered_image_lookup" in changes:
            lookup = changes["deregistered_image_lookup"]
            if lookup not in ("not-found", "empty"):
                raise ValueError("deregistered_image_lookup must be 'not-found' or 'empty'")
            self.deregistered_image_lookup = cast(DeregisteredLookup, lookup)
        if "disabled_image_deregistration" in changes:
            rule = changes["disabled_image_deregistration"]
            if rule not in ("allowed", "refused"):
                raise ValueError("disabled_image_deregistration must be 'allowed' or 'refused'")
            self.disabled_image_deregistration = cast(DisabledDeregistration, rule)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecordedRequest:
    """One EC2 request as it reached the emulator.

    ``params`` is the flat query-protocol form exactly as sent (``Action``, ``Version``,
    ``BlockDeviceMapping.1.Ebs.SnapshotId``, ...), every value a string.
    """

    action: str
    params: dict[str, str]
    region: str
    account_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "params": dict(self.params),
            "region": self.region,
            "account_id": self.account_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedRequest:
        return cls(
            action=str(data["action"]),
            params={str(k): str(v) for k, v in dict(data["params"]).items()},
            region=str(data["region"]),
            account_id=str(data["account_id"]),
        )


@dataclass(frozen=True)
class ImageFailure:
    """How an image injected with :meth:`EmulatorState.fail_next_image` ends: ``StateReason``."""

    code: str
    message: str


@dataclass
class EmulatorState:
    """Settings, clock, request log and injected failures of one emulator."""

    settings: EmulatorSettings = field(default_factory=EmulatorSettings)
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._snapshot_failures: dict[str, str] = {}
        self._image_failures: deque[ImageFailure] = deque()

    # -- request log -------------------------------------------------------------------------
    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- injected failures -------------------------------------------------------------------
    def inject_snapshot_failure(self, snapshot_id: str, code: str) -> None:
        """Make ``DeregisterImage(DeleteAssociatedSnapshots=True)`` report ``code`` for this
        snapshot and keep it. Stays in force until :meth:`clear_injections`."""
        if code not in SNAPSHOT_FAILURE_CODES:
            raise ValueError(f"code must be one of {SNAPSHOT_FAILURE_CODES}, not {code!r}")
        if not snapshot_id.startswith("snap-"):
            raise ValueError(f"not a snapshot id: {snapshot_id!r}")
        with self._lock:
            self._snapshot_failures[snapshot_id] = code

    def snapshot_failure(self, snapshot_id: str) -> str | None:
        with self._lock:
            return self._snapshot_failures.get(snapshot_id)

    def fail_next_image(self, code: str, message: str) -> None:
        """The next image created (RegisterImage or CreateImage) ends ``failed`` with this
        ``StateReason``. Several calls queue up, one per image."""
        if not code:
            raise ValueError("a StateReason code is required")
        with self._lock:
            self._image_failures.append(ImageFailure(code=code, message=message))

    def take_image_failure(self) -> ImageFailure | None:
        with self._lock:
            return self._image_failures.popleft() if self._image_failures else None

    def clear_injections(self) -> None:
        with self._lock:
            self._snapshot_failures.clear()
            self._image_failures.clear()

    def reset(self) -> None:
        """Forget requests and injections (settings and clock stay)."""
        self.clear_requests()
        self.clear_injections()


class _Slot:
    """Which state is active (``None``: the default one)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.default = EmulatorState()
        self.active: EmulatorState | None = None


_SLOT = _Slot()


def active_state() -> EmulatorState:
    """The state the patched moto code reads right now."""
    return _SLOT.active or _SLOT.default


def activate(state: EmulatorState) -> None:
    """Make ``state`` the process's active state. One emulator per process at a time."""
    with _SLOT.lock:
        if _SLOT.active is not None and _SLOT.active is not state:
            raise RuntimeError(
                "another EC2 emulator is already running in this process; moto's backends are "
                "process-global, so stop it first"
            )
        _SLOT.active = state


def deactivate(state: EmulatorState) -> None:
    with _SLOT.lock:
        if _SLOT.active is state:
            _SLOT.active = None
