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
from typing import Any, Literal

from .clock import Clock, SystemClock

__all__ = [
    "BACKEND_LOCK",
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

DisabledDeregistration = Literal["allowed", "refused"]
ProtectionReturn = Literal["true", "state"]
DeprecatedImageIds = Literal["described", "hidden"]

#: Held while one EC2 request is handled, and while a control reads or changes moto's backends.
#: AWS carries out each API call as one atomic step; moto's backends are plain dicts that the
#: server's request threads would otherwise change under each other's iterations.
BACKEND_LOCK = threading.RLock()


#: The settings that are durations in seconds of the emulator's clock.
_DURATIONS = (
    "pending_seconds",
    "deregistered_visible_seconds",
    "deregistered_empty_seconds",
    "last_launched_delay_seconds",
    "block_public_access_seconds",
)

#: EnableImageBlockPublicAccess: "The API can take up to 10 minutes to configure this setting."
BLOCK_PUBLIC_ACCESS_MAX_SECONDS = 600.0


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number >= 0")
    return float(value)


@dataclass
class EmulatorSettings:
    """Switches for places where the AWS texts disagree or leave a choice.

    ``echo_volume_initialization_rate``: whether ``DescribeImages`` reports a mapping's
    ``Ebs.VolumeInitializationRate``. The 2025-05-06 changelog (seed 004) says it does; the newest
    botocore model says the parameter "is not supported when using CreateImage and DescribeImages".
    Default ``False``: the newest model wins.

    ``pending_seconds``: how long a new image stays ``pending`` before it is ``available`` (or
    ``failed``). Default 0: available at the first describe.

    ``deregistered_visible_seconds`` and ``deregistered_empty_seconds``: the phases of a
    deregistered AMI in ``DescribeImages``, on the emulator's clock from the moment of
    ``DeregisterImage``. Seed 004 and the newest botocore model (DescribeImages): "Recently
    deregistered images appear in the returned results for a short interval and then return
    empty results. After all instances that reference a deregistered AMI are terminated,
    specifying the ID of the image will eventually return an error indicating that the AMI ID
    cannot be found." So: for ``deregistered_visible_seconds`` the image is in the results (by
    ID, and in lists that its owner, launch permissions and filters match) with ``State``
    ``deregistered``; for the following ``deregistered_empty_seconds`` it is in no result and
    its ID answers an empty list; after that, once no instance launched from it is left
    unterminated, its ID fails with ``InvalidAMIID.NotFound``. The texts give no durations:
    both default to 0 (the EMULATOR'S CHOICE), so a deregistered AMI is at once in its final
    phase, the one every caller must handle; tests ask for the earlier phases.

    ``disabled_image_deregistration``: whether ``DeregisterImage`` accepts a disabled AMI
    (DisableImage). No text says: the DeregisterImage reference and the User Guide's "Deregister
    an Amazon EC2 AMI" list other refusals but not this one, so ``"allowed"`` (default) is the
    reading the emulator follows; ``"refused"`` fails the request with ``IncorrectState`` (the
    EMULATOR'S CHOICE of code), for testing code against the other reading.

    ``protection_return``: the ``Return`` of ``EnableImageDeregistrationProtection`` and
    ``DisableImageDeregistrationProtection``. The newest botocore model documents both as a
    string that "Returns ``true`` if the request succeeds; otherwise, it returns an error";
    the AWS CLI's examples (awscli ``examples/ec2/enable-image-deregistration-protection.rst``,
    ``disable-image-deregistration-protection.rst``) show ``"Return": "enabled-without-cooldown"``
    and ``"Return": "disabled"``. ``"true"`` (default) follows the model; ``"state"`` answers
    the new protection state, as the examples read (``enabled-with-cooldown`` with a cooldown).

    ``deprecated_image_ids``: whether ``DescribeImages`` answers another account's deprecated AMI
    asked for by ``ImageIds`` without ``IncludeDeprecated``. The newest model
    (DescribeImages.IncludeDeprecated: "Default: No deprecated AMIs are included in the
    response. If you are the AMI owner, all deprecated AMIs appear in the response regardless")
    makes no exception for IDs; the EC2 User Guide's "Deprecate an AMI" does: "the deprecated AMI
    does not appear in DescribeImages API calls unless you specify its ID", and "if you specify
    --no-include-deprecated together with the AMI ID, the deprecated AMI will be returned".
    ``"described"`` (default) follows the User Guide, the more specific text; ``"hidden"`` the
    model's words as they stand (an empty list, like a disabled AMI).

    ``last_launched_delay_seconds``: how long after a launch ``LastLaunchedTime`` reports it.
    The newest model (``Image.LastLaunchedTime``, ``ImageAttribute.LastLaunchedTime``) and seed
    003: "When the AMI is used to launch an instance, there is a 24-hour delay before that usage
    is reported." Default 86400 (24 hours); tests that want to see it at once set 0.

    ``block_public_access_seconds``: how long ``EnableImageBlockPublicAccess`` takes to be in
    force. Newest model: "The API can take up to 10 minutes to configure this setting. During
    this time, if you run GetImageBlockPublicAccessState, the response will be unblocked."
    Default 0 (the EMULATOR'S CHOICE within "up to 10 minutes"); at most 600.
    """

    echo_volume_initialization_rate: bool = False
    pending_seconds: float = 0.0
    deregistered_visible_seconds: float = 0.0
    deregistered_empty_seconds: float = 0.0
    disabled_image_deregistration: DisabledDeregistration = "allowed"
    protection_return: ProtectionReturn = "true"
    deprecated_image_ids: DeprecatedImageIds = "described"
    last_launched_delay_seconds: float = 86400.0
    block_public_access_seconds: float = 0.0

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
        for name in _DURATIONS:
            if name in changes:
                changes[name] = _seconds(name, changes[name])
        if changes.get("disabled_image_deregistration", "allowed") not in ("allowed", "refused"):
            raise ValueError("disabled_image_deregistration must be 'allowed' or 'refused'")
        if changes.get("protection_return", "true") not in ("true", "state"):
            raise ValueError("protection_return must be 'true' or 'state'")
        if changes.get("deprecated_image_ids", "described") not in ("described", "hidden"):
            raise ValueError("deprecated_image_ids must be 'described' or 'hidden'")
        if changes.get("block_public_access_seconds", 0.0) > BLOCK_PUBLIC_ACCESS_MAX_SECONDS:
            raise ValueError("block_public_access_seconds must be at most 600 (10 minutes)")
        for name, value in changes.items():
            setattr(self, name, value)
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
