"""The controls every emulator offers, in-process: settings, clock, request log, injected
failures, seeding, reset.

Why this exists: the in-process :class:`~ec2_emulator.emulator.Ec2Emulator`, the thread-hosted
:class:`~ec2_emulator.server.EmulatorServer` and the HTTP control API all expose the same
controls; this base class is their single implementation, and
:class:`~ec2_emulator.client.EmulatorControlClient` mirrors its method names over HTTP.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from moto.core.models import DEFAULT_ACCOUNT_ID

from . import seeds
from .clock import Clock, SystemClock
from .images import EmulatedAmi
from .state import EmulatorSettings, EmulatorState, RecordedRequest

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "DEFAULT_REGION",
    "EmulatorControls",
    "ec2_client",
    "prepare_environment",
    "reset_moto",
]

DEFAULT_REGION = "us-east-1"

_clients: dict[tuple[str, str], EC2Client] = {}
_clients_lock = threading.Lock()


def ec2_client(region: str, endpoint_url: str) -> EC2Client:
    """A boto3 EC2 client with dummy credentials, shared per (region, endpoint) in the process.

    Building a boto3 client costs ~0.4 s (model loading, 800+ generated methods); sharing them
    keeps the tests fast. Sharing is harmless: a client holds no emulator state, and moto's
    in-process interception is decided per request, not per client.
    """
    key = (region, endpoint_url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3

            client = boto3.session.Session().client(
                "ec2",
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            _clients[key] = client
        return client


def prepare_environment() -> None:
    """moto's default AMIs are irrelevant to the 2025 AMI API and slow every backend
    creation: the emulator runs without them unless the caller decided otherwise."""
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


def reset_moto() -> None:
    """Drop every moto backend (the same reset as moto's ``/moto-api/reset``)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


class EmulatorControls:
    """In-process controls over one :class:`EmulatorState` and moto's backends."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        settings: EmulatorSettings | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        self.state = EmulatorState(
            settings=settings or EmulatorSettings(), clock=clock or SystemClock()
        )
        self.region = region
        self.account_id = account_id

    # -- settings and clock -------------------------------------------------------------------
    @property
    def settings(self) -> EmulatorSettings:
        """The live settings; change them with :meth:`update_settings` (validated)."""
        return self.state.settings

    def update_settings(self, **changes: Any) -> EmulatorSettings:
        return self.state.settings.update(**changes)

    @property
    def clock(self) -> Clock:
        return self.state.clock

    def now(self) -> datetime:
        return self.state.clock.now()

    def advance_clock(self, seconds: float | timedelta) -> datetime:
        return self.state.clock.advance(seconds)

    # -- request log --------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every EC2 request so far, oldest first."""
        return self.state.requests

    def clear_requests(self) -> None:
        self.state.clear_requests()

    # -- injected failures --------------------------------------------------------------------
    def inject_snapshot_failure(self, snapshot_id: str, code: str) -> None:
        self.state.inject_snapshot_failure(snapshot_id, code)

    def fail_next_image(self, code: str, message: str) -> None:
        self.state.fail_next_image(code, message)

    # -- seeding and inspection ---------------------------------------------------------------
    def seed_foreign_image(
        self,
        *,
        region: str | None = None,
        owner_id: str = seeds.DEFAULT_FOREIGN_ACCOUNT_ID,
        name: str | None = None,
        public: bool = False,
    ) -> str:
        return seeds.seed_foreign_image(
            account_id=self.account_id,
            region=region or self.region,
            owner_id=owner_id,
            name=name,
            public=public,
        )

    def seed_backup_image(self, *, region: str | None = None, name: str | None = None) -> str:
        return seeds.seed_backup_image(
            account_id=self.account_id, region=region or self.region, name=name
        )

    def image_details(self, image_id: str, *, region: str | None = None) -> dict[str, Any]:
        """Everything stored for an image, including what EC2 never reports back
        (``BillingProducts``, ``VolumeInitializationRate`` when the echo is off)."""
        from moto.ec2.models import ec2_backends

        backend = ec2_backends[self.account_id][region or self.region]
        image = backend.amis.get(image_id)
        if not isinstance(image, EmulatedAmi):
            raise KeyError(image_id)
        return image.details()

    def reset(self) -> None:
        """Forget every moto resource, the request log and injected failures."""
        reset_moto()
        self.state.reset()
