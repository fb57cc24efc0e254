"""The emulator as a local HTTP server, for other processes.

Why this exists: the lifecycle runner and the benchmarks drive the emulator from separate
processes (Pulumi's provider host, the policy analyzer), where ``mock_aws`` can't reach. This
module serves moto's WSGI app with the extension installed on 127.0.0.1, plus a small JSON
control API under ``/_emulator/`` with the same controls as the in-process emulator.

Control API (JSON bodies and answers; errors are ``{"error": "..."}`` with 400/404):

=======  ===================================  =================================================
method   path                                 body -> answer
=======  ===================================  =================================================
GET      /_emulator/health                    -> {"ok": true, "region", "accountId"}
GET      /_emulator/requests                  -> {"requests": [{action, params, region,
                                              account_id}, ...]}
POST     /_emulator/requests/clear            -> {"cleared": n}
GET      /_emulator/settings                  -> settings
POST     /_emulator/settings                  {any settings fields} -> settings
POST     /_emulator/snapshot-failures         {"snapshotId", "code"} -> {"ok": true}
POST     /_emulator/fail-next-image           {"code", "message"} -> {"ok": true}
GET      /_emulator/clock                     -> {"now": ISO-8601}
POST     /_emulator/clock/advance             {"seconds"} -> {"now": ISO-8601}
POST     /_emulator/seed/foreign-image        {"region"?, "ownerId"?, "name"?, "public"?}
                                              -> {"imageId"}
POST     /_emulator/seed/backup-image         {"region"?, "name"?} -> {"imageId"}
GET      /_emulator/images/<id>?region=...    -> stored image fields
POST     /_emulator/reset                     -> {"ok": true} (all moto resources, log,
                                              injections)
=======  ===================================  =================================================
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .controls import EmulatorControls, ec2_client, prepare_environment, reset_moto
from .patch import install, uninstall
from .state import activate, deactivate

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

    from .client import EmulatorControlClient

__all__ = ["CONTROL_PREFIX", "ControlApp", "EmulatorServer"]

CONTROL_PREFIX = "/_emulator/"

StartResponse = Callable[..., Any]


class _BadRequestError(Exception):
    pass


class _NotFoundError(Exception):
    pass


def _str_field(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise _BadRequestError(f"missing field {key!r}")
        return None
    if not isinstance(value, str):
        raise _BadRequestError(f"field {key!r} must be a string")
    return value


class ControlApp:
    """WSGI app: ``/_emulator/...`` goes to the control API, everything else to moto."""

    def __init__(self, controls: EmulatorControls, moto_app: Callable[..., Iterable[bytes]]):
        self.controls = controls
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            return self.moto_app(environ, start_response)
        try:
            status, payload = self._dispatch(environ, path[len(CONTROL_PREFIX) :])
        except _BadRequestError as error:
            status, payload = 400, {"error": str(error)}
        except _NotFoundError as error:
            status, payload = 404, {"error": str(error)}
        except (ValueError, KeyError) as error:
            status, payload = 400, {"error": str(error)}
        body = json.dumps(payload).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
        start_response(
            f"{status} {reason.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    @staticmethod
    def _body(environ: dict[str, Any]) -> dict[str, Any]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise _BadRequestError(f"body is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise _BadRequestError("body must be a JSON object")
        return data

    def _dispatch(self, environ: dict[str, Any], route: str) -> tuple[int, Any]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        controls = self.controls
        if method == "GET":
            if route == "health":
                return 200, {
                    "ok": True,
                    "region": controls.region,
                    "accountId": controls.account_id,
                }
            if route == "requests":
                return 200, {"requests": [r.to_dict() for r in controls.requests]}
            if route == "settings":
                return 200, controls.settings.to_dict()
            if route == "clock":
                return 200, {"now": controls.now().isoformat()}
            if route.startswith("images/"):
                query = parse_qs(str(environ.get("QUERY_STRING", "")))
                region = query.get("region", [None])[0]
                image_id = route[len("images/") :]
                try:
                    return 200, controls.image_details(image_id, region=region)
                except KeyError as error:
                    raise _NotFoundError(f"no emulated image {image_id}") from error
            raise _NotFoundError(f"no control route GET /_emulator/{route}")
        if method != "POST":
            return 405, {"error": f"{method} not allowed"}
        body = self._body(environ)
        if route == "requests/clear":
            count = len(controls.requests)
            controls.clear_requests()
            return 200, {"cleared": count}
        if route == "settings":
            return 200, controls.update_settings(**body).to_dict()
        if route == "snapshot-failures":
            snapshot_id = _str_field(body, "snapshotId")
            code = _str_field(body, "code")
            assert snapshot_id is not None and code is not None
            controls.inject_snapshot_failure(snapshot_id, code)
            return 200, {"ok": True}
        if route == "fail-next-image":
            code = _str_field(body, "code")
            message = _str_field(body, "message", required=False) or ""
            assert code is not None
            controls.fail_next_image(code, message)
            return 200, {"ok": True}
        if route == "clock/advance":
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise _BadRequestError("field 'seconds' must be a number")
            return 200, {"now": controls.advance_clock(float(seconds)).isoformat()}
        if route == "seed/foreign-image":
            kwargs: dict[str, Any] = {
                "region": _str_field(body, "region", required=False),
                "name": _str_field(body, "name", required=False),
                "public": bool(body.get("public", False)),
            }
            owner_id = _str_field(body, "ownerId", required=False)
            if owner_id is not None:
                kwargs["owner_id"] = owner_id
            return 200, {"imageId": controls.seed_foreign_image(**kwargs)}
        if route == "seed/backup-image":
            return 200, {
                "imageId": controls.seed_backup_image(
                    region=_str_field(body, "region", required=False),
                    name=_str_field(body, "name", required=False),
                )
            }
        if route == "reset":
            controls.reset()
            return 200, {"ok": True}
        raise _NotFoundError(f"no control route POST /_emulator/{route}")


class _QuietHandler(WSGIRequestHandler):
    """moto's request handler without one log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def _moto_request_handler() -> type[WSGIRequestHandler]:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler, _QuietHandler):
        pass

    return Handler


class EmulatorServer(EmulatorControls):
    """moto's EC2 with the extension, served on ``host:port`` from a thread.

    ``port=0`` picks a free port; read :attr:`endpoint_url` after :meth:`start`. The server's
    state is this process's emulator state: don't run an in-process ``Ec2Emulator`` at the
    same time. Starting and stopping drop every moto resource of the process.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._installed_here = False

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("this server is already running")
        prepare_environment()
        activate(self.state)
        self.state.reset()
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )

            self._installed_here = install()
            reset_moto()
            app = ControlApp(self, DomainDispatcherApplication(create_backend_app))
            server = make_server(
                self.host, self.port, app, threaded=True, request_handler=_moto_request_handler()
            )
        except BaseException:
            deactivate(self.state)
            if self._installed_here:
                uninstall()
                self._installed_here = False
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ec2-emulator-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = None
        self._thread = None
        try:
            server.shutdown()
            server.server_close()
            if thread is not None:
                thread.join(timeout=10)
        finally:
            reset_moto()
            if self._installed_here:
                uninstall()
                self._installed_here = False
            deactivate(self.state)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, region: str | None = None) -> EC2Client:
        """A boto3 EC2 client pointed at this server."""
        return ec2_client(region or self.region, self.endpoint_url)

    @property
    def control(self) -> EmulatorControlClient:
        """An HTTP client of this server's control API (what other processes use)."""
        from .client import EmulatorControlClient

        return EmulatorControlClient(self.endpoint_url)
