"""The controls every emulator offers, in-process: settings, clock, request log, injected
failures, seeding, Recycle Bin retention rules, image references of other services, reset.

Why this exists: the in-process :class:`~ec2_emulator.emulator.Ec2Emulator`, the thread-hosted
:class:`~ec2_emulator.server.EmulatorServer` and the HTTP control API all expose the same
controls; this base class is their single implementation, and
:class:`~ec2_emulator.client.EmulatorControlClient` mirrors its method names over HTTP.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from moto.core.models import DEFAULT_ACCOUNT_ID

from . import recycle_bin, references, seeds
from .clock import Clock, SystemClock
from .images import EmulatedAmi
from .regional import regional
from .state import BACKEND_LOCK, EmulatorSettings, EmulatorState, RecordedRequest

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

    # -- seeding and inspection (each one step, like an EC2 request: see BACKEND_LOCK) --------
    def seed_foreign_image(
        self,
        *,
        region: str | None = None,
        owner_id: str = seeds.DEFAULT_FOREIGN_ACCOUNT_ID,
        name: str | None = None,
        public: bool = False,
        deprecate_at: datetime | None = None,
    ) -> str:
        with BACKEND_LOCK:
            return seeds.seed_foreign_image(
                account_id=self.account_id,
                region=region or self.region,
                owner_id=owner_id,
                name=name,
                public=public,
                deprecate_at=deprecate_at,
            )

    def seed_backup_image(self, *, region: str | None = None, name: str | None = None) -> str:
        with BACKEND_LOCK:
            return seeds.seed_backup_image(
                account_id=self.account_id, region=region or self.region, name=name
            )

    def _backend(self, region: str | None) -> Any:
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][region or self.region]

    # -- what other services do to EC2 (each one step, under BACKEND_LOCK) --------------------
    def add_recycle_bin_rule(
        self,
        resource_type: str,
        retention_days: int,
        *,
        resource_tags: Iterable[Mapping[str, str]] | None = None,
        exclude_resource_tags: Iterable[Mapping[str, str]] | None = None,
        region: str | None = None,
    ) -> str:
        """A Recycle Bin retention rule (rbin ``CreateRule``: ``EC2_IMAGE`` or ``EBS_SNAPSHOT``,
        1-365 days, tags as ``ResourceTag`` structures); returns its identifier. See
        :func:`ec2_emulator.recycle_bin.add_rule`."""
        with BACKEND_LOCK:
            return recycle_bin.add_rule(
                self._backend(region),
                resource_type,
                retention_days,
                resource_tags=resource_tags,
                exclude_resource_tags=exclude_resource_tags,
            )

    def remove_recycle_bin_rule(self, rule_id: str, *, region: str | None = None) -> None:
        with BACKEND_LOCK:
            recycle_bin.remove_rule(self._backend(region), rule_id)

    def recycle_bin_rules(self, *, region: str | None = None) -> list[dict[str, Any]]:
        """The rules in force, in the rbin model's member names."""
        with BACKEND_LOCK:
            rules = regional(self._backend(region)).recycle_bin_rules.values()
            return [rule.to_dict() for rule in rules]

    def declare_image_reference(
        self, image_id: str, resource_type: str, arn: str, *, region: str | None = None
    ) -> None:
        """A Systems Manager parameter (``ssm:Parameter``) or Image Builder recipe
        (``imagebuilder:ImageRecipe``, ``imagebuilder:ContainerRecipe``) references the image:
        DescribeImageReferences reports it (:func:`ec2_emulator.references.declare_reference`)."""
        with BACKEND_LOCK:
            references.declare_reference(self._backend(region), image_id, resource_type, arn)

    def forget_image_reference(
        self, image_id: str, resource_type: str, arn: str, *, region: str | None = None
    ) -> None:
        with BACKEND_LOCK:
            references.forget_reference(self._backend(region), image_id, resource_type, arn)

    def image_details(self, image_id: str, *, region: str | None = None) -> dict[str, Any]:
        """Everything stored for an image, including what EC2 never reports back
        (``BillingProducts``, ``VolumeInitializationRate`` when the echo is off)."""
        with BACKEND_LOCK:
            image = self._backend(region).amis.get(image_id)
            if not isinstance(image, EmulatedAmi):
                raise KeyError(image_id)
            return image.details()

    def reset(self) -> None:
        """Forget every moto resource, the request log and injected failures."""
        with BACKEND_LOCK:
            reset_moto()
            self.state.reset()
