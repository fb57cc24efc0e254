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
POST     /_emulator/seed/foreign-image        {"region"?, "ownerId"?, "name"?, "public"?,
                                              "deprecateAt"? (ISO-8601)} -> {"imageId"}
POST     /_emulator/seed/backup-image         {"region"?, "name"?} -> {"imageId"}
GET      /_emulator/images/<id>?region=...    -> stored image fields
POST     /_emulator/recycle-bin/rules         {"resourceType", "retentionDays", "resourceTags"?,
                                              "excludeResourceTags"?, "region"?} -> {"ruleId"}
                                              (tags: [{"ResourceTagKey", "ResourceTagValue"?}])
GET      /_emulator/recycle-bin/rules         ?region=... -> {"rules": [rbin-shaped rules]}
POST     /_emulator/recycle-bin/rules/remove  {"ruleId", "region"?} -> {"ok": true}
POST     /_emulator/image-references          {"imageId", "resourceType", "arn", "region"?}
                                              -> {"ok": true} (ssm:Parameter,
                                              imagebuilder:ImageRecipe|ContainerRecipe)
POST     /_emulator/image-references/forget   {"imageId", "resourceType", "arn", "region"?}
                                              -> {"ok": true}
POST     /_emulator/reset                     -> {"ok": true} (all moto resources, log,
                                              injections, rules, declared references)
=======  ===================================  =================================================

Network faults (Python API of :class:`EmulatorServer` only: the control API shares the endpoint
that goes dark). They act on the public endpoint, ``endpoint_url``, which is a TCP relay in
front of the HTTP server (:mod:`ec2_emulator.network`), so other processes (the Pulumi CLI and
its plugins) get real connection errors. ``seconds`` are REAL seconds, not the emulator's clock.

===============================  ================================================================
method                           effect
===============================  ================================================================
``cut(seconds)``                 the endpoint is down at once: new connections are refused, open
                                 ones are closed without an answer; after ``seconds`` it answers
                                 again on the same port
``cut(seconds, after=action)``   nothing changes until the next request of that EC2 action
                                 (``"RegisterImage"``); that request is carried out, its answer
                                 is never sent, and the outage of ``seconds`` starts then
``wait_cut_started(timeout)``    ``True`` once the asked-for outage has begun
``wait_cut_over(timeout)``       ``True`` once no outage is going on
``cut_over()``                   end the outage now (and forget a cut still waiting for its action)
``hold(action, seconds)``        the next request of that action is carried out, then its answer
                                 is held for ``seconds`` before it is sent; returns the Event
                                 that ``wait_held`` waits on
``wait_held(timeout)``           ``True`` once the held request has been carried out and its
                                 answer is being held
``release_hold()``               send the held answer now (or don't hold the next one)
===============================  ================================================================
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .controls import EmulatorControls, ec2_client, prepare_environment, reset_moto
from .network import NetworkFaults, TcpRelay
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


def _tag_list(body: dict[str, Any], key: str) -> list[dict[str, str]] | None:
    """rbin ``ResourceTag`` structures: ``[{"ResourceTagKey": ..., "ResourceTagValue": ...}]``."""
    tags = body.get(key)
    if tags is None:
        return None
    valid = isinstance(tags, list) and all(
        isinstance(tag, dict)
        and isinstance(tag.get("ResourceTagKey"), str)
        and isinstance(tag.get("ResourceTagValue", ""), str)
        for tag in tags
    )
    if not valid:
        raise _BadRequestError(f"field {key!r} must be a list of ResourceTag objects")
    return list(tags)


def _ec2_action(environ: dict[str, Any]) -> str:
    """The request's ``Action`` (EC2's query protocol: in the form body or the query string);
    the body is put back for moto to read."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    query = str(environ.get("QUERY_STRING", ""))
    params = parse_qs(query) | parse_qs(body.decode(errors="replace"))
    return params.get("Action", [""])[0]


class ControlApp:
    """WSGI app: ``/_emulator/...`` goes to the control API, everything else to moto (with the
    network faults, when some request's action is awaited)."""

    def __init__(
        self,
        controls: EmulatorControls,
        moto_app: Callable[..., Iterable[bytes]],
        faults: NetworkFaults | None = None,
    ):
        self.controls = controls
        self.moto_app = moto_app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            return self._ec2(environ, start_response)
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

    def _ec2(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.faults is None or not self.faults.armed:
            return self.moto_app(environ, start_response)
        then = self.faults.carried_out(_ec2_action(environ))
        if then is None:
            return self.moto_app(environ, start_response)
        # Carry the request out completely, then let the fault decide the answer's fate.
        answer: list[tuple[str, list[tuple[str, str]]]] = []
        written: list[bytes] = []

        def keep(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            answer.append((status, headers))
            return written.append

        chunks = self.moto_app(environ, keep)
        try:
            written.extend(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        then()
        start_response(*answer[0])
        return written

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
            if route == "recycle-bin/rules":
                query = parse_qs(str(environ.get("QUERY_STRING", "")))
                return 200, {
                    "rules": controls.recycle_bin_rules(region=query.get("region", [None])[0])
                }
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
            deprecate_at = _str_field(body, "deprecateAt", required=False)
            if deprecate_at is not None:
                kwargs["deprecate_at"] = datetime.fromisoformat(deprecate_at)
            return 200, {"imageId": controls.seed_foreign_image(**kwargs)}
        if route == "seed/backup-image":
            return 200, {
                "imageId": controls.seed_backup_image(
                    region=_str_field(body, "region", required=False),
                    name=_str_field(body, "name", required=False),
                )
            }
        if route == "recycle-bin/rules":
            resource_type = _str_field(body, "resourceType")
            days = body.get("retentionDays")
            if isinstance(days, bool) or not isinstance(days, int):
                raise _BadRequestError("field 'retentionDays' must be a whole number")
            assert resource_type is not None
            rule_id = controls.add_recycle_bin_rule(
                resource_type,
                days,
                resource_tags=_tag_list(body, "resourceTags"),
                exclude_resource_tags=_tag_list(body, "excludeResourceTags"),
                region=_str_field(body, "region", required=False),
            )
            return 200, {"ruleId": rule_id}
        if route == "recycle-bin/rules/remove":
            removed = _str_field(body, "ruleId")
            assert removed is not None
            try:
                controls.remove_recycle_bin_rule(
                    removed, region=_str_field(body, "region", required=False)
                )
            except KeyError as error:
                raise _NotFoundError(f"no recycle bin rule {removed}") from error
            return 200, {"ok": True}
        if route in ("image-references", "image-references/forget"):
            referenced = _str_field(body, "imageId")
            kind = _str_field(body, "resourceType")
            arn = _str_field(body, "arn")
            assert referenced is not None and kind is not None and arn is not None
            region = _str_field(body, "region", required=False)
            if route == "image-references":
                controls.declare_image_reference(referenced, kind, arn, region=region)
                return 200, {"ok": True}
            try:
                controls.forget_image_reference(referenced, kind, arn, region=region)
            except KeyError as error:
                raise _NotFoundError(str(error)) from error
            return 200, {"ok": True}
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
    same time. Starting and stopping drop every moto resource of the process. The endpoint can
    be cut off and answers held back (:meth:`cut`, :meth:`hold`; see the module docstring).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._relay: TcpRelay | None = None
        self._faults: NetworkFaults | None = None
        self._installed_here = False

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint_url(self) -> str:
        if self._relay is None:
            raise RuntimeError("the server is not running")
        return f"http://{self.host}:{self._relay.port}"

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
                self.host, 0, app, threaded=True, request_handler=_moto_request_handler()
            )
            relay = TcpRelay(self.host, self.port, (self.host, server.server_port))
            try:
                relay.open()
            except BaseException:
                server.server_close()
                raise
        except BaseException:
            deactivate(self.state)
            if self._installed_here:
                uninstall()
                self._installed_here = False
            raise
        app.faults = self._faults = NetworkFaults(relay)
        self._relay = relay
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
        server, thread, relay, faults = self._server, self._thread, self._relay, self._faults
        if server is None or relay is None or faults is None:
            return
        self._server = None
        self._thread = None
        self._relay = None
        self._faults = None
        try:
            # Close the connections first: a held answer let go by faults.close() goes nowhere.
            relay.close()
            faults.close()
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

    # -- network faults -----------------------------------------------------------------------
    def _network(self) -> NetworkFaults:
        if self._faults is None:
            raise RuntimeError("the server is not running")
        return self._faults

    def cut(self, seconds: float, *, after: str | None = None) -> None:
        """Take the endpoint down for ``seconds`` real seconds, now or, with ``after`` (an EC2
        action), once the next request of that action is carried out, its answer lost. Returns
        at once; a second cut replaces one still waiting for its action."""
        self._network().cut(seconds, after)

    def wait_cut_started(self, timeout: float | None = None) -> bool:
        return self._network().cut_started.wait(timeout)

    def wait_cut_over(self, timeout: float | None = None) -> bool:
        return self._network().cut_over.wait(timeout)

    def cut_over(self) -> None:
        """End the outage now and forget a cut still waiting for its action."""
        self._network().end_outage()

    def hold(self, action: str, seconds: float) -> threading.Event:
        """Hold the answer to the next request of ``action`` for ``seconds`` real seconds,
        after the request is carried out. Returns at once, with the Event :meth:`wait_held`
        waits on: set once that request has been carried out and its answer is held."""
        faults = self._network()
        faults.hold(action, seconds)
        return faults.held

    def wait_held(self, timeout: float | None = None) -> bool:
        return self._network().held.wait(timeout)

    def release_hold(self) -> None:
        self._network().release()

    @property
    def control(self) -> EmulatorControlClient:
        """An HTTP client of this server's control API (what other processes use)."""
        from .client import EmulatorControlClient

        return EmulatorControlClient(self.endpoint_url)
