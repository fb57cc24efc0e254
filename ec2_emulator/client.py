"""A Python client of the emulator server's control API.

Why this exists: other processes (the lifecycle runner, the benchmarks) need the emulator's
controls without hand-writing HTTP. Method names mirror the in-process emulator's. It speaks
HTTP with ``urllib`` only; boto3 is needed just for :meth:`EmulatorControlClient.client`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .state import EmulatorSettings, RecordedRequest

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["ControlApiError", "EmulatorControlClient"]


class ControlApiError(RuntimeError):
    """The control API refused a request (``status`` is the HTTP status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class EmulatorControlClient:
    """``EmulatorControlClient("http://127.0.0.1:PORT")`` or ``.from_env()``."""

    def __init__(self, endpoint_url: str, *, timeout: float = 10.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_env(cls, variable: str = "AWS_ENDPOINT_URL_EC2") -> EmulatorControlClient:
        """The emulator the process's boto3 clients are pointed at."""
        endpoint = os.environ.get(variable)
        if not endpoint:
            raise RuntimeError(f"{variable} is not set")
        return cls(endpoint)

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint_url}/_emulator/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            try:
                message = str(json.loads(error.read()).get("error", error.reason))
            except (ValueError, AttributeError):
                message = str(error.reason)
            raise ControlApiError(error.code, message) from None

    # -- mirrors of EmulatorControls --------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "health")
        return result

    @property
    def requests(self) -> list[RecordedRequest]:
        return [RecordedRequest.from_dict(r) for r in self._call("GET", "requests")["requests"]]

    def clear_requests(self) -> int:
        return int(self._call("POST", "requests/clear", {})["cleared"])

    @property
    def settings(self) -> EmulatorSettings:
        return EmulatorSettings().update(**self._call("GET", "settings"))

    def update_settings(self, **changes: Any) -> EmulatorSettings:
        return EmulatorSettings().update(**self._call("POST", "settings", changes))

    def now(self) -> datetime:
        return datetime.fromisoformat(self._call("GET", "clock")["now"])

    def advance_clock(self, seconds: float) -> datetime:
        return datetime.fromisoformat(
            self._call("POST", "clock/advance", {"seconds": seconds})["now"]
        )

    def inject_snapshot_failure(self, snapshot_id: str, code: str) -> None:
        self._call("POST", "snapshot-failures", {"snapshotId": snapshot_id, "code": code})

    def fail_next_image(self, code: str, message: str) -> None:
        self._call("POST", "fail-next-image", {"code": code, "message": message})

    def seed_foreign_image(
        self,
        *,
        region: str | None = None,
        owner_id: str | None = None,
        name: str | None = None,
        public: bool = False,
        deprecate_at: datetime | None = None,
    ) -> str:
        body: dict[str, Any] = {"public": public}
        for key, value in (("region", region), ("ownerId", owner_id), ("name", name)):
            if value is not None:
                body[key] = value
        if deprecate_at is not None:
            body["deprecateAt"] = deprecate_at.isoformat()
        return str(self._call("POST", "seed/foreign-image", body)["imageId"])

    def seed_backup_image(self, *, region: str | None = None, name: str | None = None) -> str:
        body = {k: v for k, v in (("region", region), ("name", name)) if v is not None}
        return str(self._call("POST", "seed/backup-image", body)["imageId"])

    def image_details(self, image_id: str, *, region: str | None = None) -> dict[str, Any]:
        query = f"?{urlencode({'region': region})}" if region else ""
        result: dict[str, Any] = self._call("GET", f"images/{quote(image_id)}{query}")
        return result

    def add_recycle_bin_rule(
        self,
        resource_type: str,
        retention_days: int,
        *,
        resource_tags: Iterable[Mapping[str, str]] | None = None,
        exclude_resource_tags: Iterable[Mapping[str, str]] | None = None,
        region: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"resourceType": resource_type, "retentionDays": retention_days}
        for key, value in (
            ("resourceTags", resource_tags),
            ("excludeResourceTags", exclude_resource_tags),
        ):
            if value is not None:
                body[key] = [dict(tag) for tag in value]
        if region is not None:
            body["region"] = region
        return str(self._call("POST", "recycle-bin/rules", body)["ruleId"])

    def remove_recycle_bin_rule(self, rule_id: str, *, region: str | None = None) -> None:
        body = {"ruleId": rule_id} | ({} if region is None else {"region": region})
        self._call("POST", "recycle-bin/rules/remove", body)

    def recycle_bin_rules(self, *, region: str | None = None) -> list[dict[str, Any]]:
        query = f"?{urlencode({'region': region})}" if region else ""
        rules: list[dict[str, Any]] = self._call("GET", f"recycle-bin/rules{query}")["rules"]
        return rules

    def _reference(
        self, route: str, image_id: str, resource_type: str, arn: str, region: str | None
    ) -> None:
        body = {"imageId": image_id, "resourceType": resource_type, "arn": arn}
        self._call("POST", route, body | ({} if region is None else {"region": region}))

    def declare_image_reference(
        self, image_id: str, resource_type: str, arn: str, *, region: str | None = None
    ) -> None:
        self._reference("image-references", image_id, resource_type, arn, region)

    def forget_image_reference(
        self, image_id: str, resource_type: str, arn: str, *, region: str | None = None
    ) -> None:
        self._reference("image-references/forget", image_id, resource_type, arn, region)

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def client(self, region: str = "us-east-1") -> EC2Client:
        """A boto3 EC2 client pointed at the same server."""
        from .controls import ec2_client

        return ec2_client(region, self.endpoint_url)
