"""The local EC2 emulator's lifetime: one process per demo, or one per stack across commands.

Why this exists: without ``--endpoint``, the runner starts the emulator itself
(:mod:`lifecycle_runner.emulator_host`, on 127.0.0.1 and a free port) and seeds the objects
the program expects to exist. The emulator keeps its state in memory only, so separate
invocations must share one process:

* ``demo`` runs its whole story in one runner process with one emulator it starts, seeds and
  stops (:meth:`EmulatorProcess.start`, attached: it also dies with the runner).
* ``preview/up/refresh/destroy`` use a long-lived emulator per work folder: the first command
  starts it detached, seeds it, and records its pid, endpoint and seeded config in
  ``<work-dir>/emulator.json``; later commands reuse it while it answers. A ``destroy`` that
  leaves the stack empty stops it. If it is gone (a reboot, a kill) while the state says
  resources exist in it, or if ``emulator.json`` is damaged, the command stops with an error
  that says what was lost and how to go on: a new, empty emulator is only started once the
  user has deleted the record, never silently in place of the one that held the stack.

The alternative, persisting moto's memory to disk between commands, would depend on moto's
internals; a process that simply stays up keeps the emulator a black box.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from .aws_target import AwsTarget, Seed
from .display import Display
from .private_file import write_private

RECORD_NAME = "emulator.json"
LOG_NAME = "emulator.log"

# Emulators this process started and has not stopped; kept so they can be waited for.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class EmulatorError(Exception):
    """The local emulator can't be started, or the one the stack lives in is gone or its
    record is damaged; the message says what to do."""


def _read_first_line(stream: IO[bytes], timeout: float) -> str:
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0].decode().strip() if result else ""


class EmulatorProcess:
    """A running emulator host: its pid and endpoint."""

    def __init__(self, pid: int, endpoint_url: str) -> None:
        self.pid = pid
        self.endpoint_url = endpoint_url

    @classmethod
    def start(cls, log_file: Path, *, detached: bool) -> EmulatorProcess:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "lifecycle_runner.emulator_host"]
        if not detached:
            args.append("--until-stdin-closes")
        with log_file.open("ab") as log:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL if detached else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=detached,
                cwd=Path(__file__).resolve().parent.parent,
            )
        assert process.stdout is not None
        endpoint = _read_first_line(process.stdout, timeout=60)
        process.stdout.close()
        if not endpoint.startswith("http://"):
            process.kill()
            process.wait()
            raise EmulatorError(
                f"the local EC2 emulator did not start (got {endpoint!r}); see {log_file}"
            )
        _CHILDREN[process.pid] = process
        return cls(process.pid, endpoint)

    def stop(self) -> None:
        process = _CHILDREN.pop(self.pid, None)
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return
        # Started by an earlier invocation: not our child, so only signal it and wait.
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _pid_alive(self.pid):
            time.sleep(0.1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(endpoint_url: str) -> bool:
    parsed = urlparse(endpoint_url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), 1):
            return True
    except OSError:
        return False


def _read_record(work_dir: Path) -> dict[str, Any] | None:
    """The recorded emulator, or None if there is no record; a damaged one is an error."""
    path = work_dir / RECORD_NAME
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise _damaged(path, f"not readable JSON, truncated perhaps: {error}") from None
    problem = _record_problem(record)
    if problem is not None:
        raise _damaged(path, problem)
    result: dict[str, Any] = record
    return result


def _record_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return f"it holds {type(record).__name__}, not an object"
    expected: dict[str, type] = {
        "pid": int,
        "endpointUrl": str,
        "region": str,
        "seededConfig": dict,
    }
    for key, kind in expected.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            return f"{key!r} is missing or not a {kind.__name__}"
    if not record["endpointUrl"].startswith("http://"):
        return f"endpointUrl {record['endpointUrl']!r} is not an http:// URL"
    if not all(isinstance(v, str) for v in record["seededConfig"].values()):
        return "seededConfig must map keys to strings"
    return None


def _damaged(path: Path, reason: str) -> EmulatorError:
    return EmulatorError(
        f"{path} is damaged ({reason}). It records the local EC2 emulator that holds this "
        "stack's resources, so no command can reach them. If that emulator is still running "
        "(a `python -m lifecycle_runner.emulator_host` process), stop it. Then delete "
        f"{path}: the next command starts a new, empty emulator, and what the stack had in "
        "the old one is lost (run `refresh` to drop it from the state)"
    )


def long_lived_emulator(
    work_dir: Path,
    *,
    region: str,
    seed: Seed | None,
    display: Display,
    resources_in_state: int = 0,
) -> AwsTarget:
    """The stack's emulator: the recorded one if it still answers, else a new seeded one.

    ``resources_in_state``: how many resources the state says live in the emulator (or may,
    for pending operations). If the recorded emulator is gone and that is not zero, this is
    an error rather than a new, empty emulator that would silently stand in for it.
    """
    record = _read_record(work_dir)
    path = work_dir / RECORD_NAME
    if record is not None:
        if _pid_alive(record["pid"]) and _answers(record["endpointUrl"]):
            display.line(
                f"Local EC2 emulator: {record['endpointUrl']} (pid {record['pid']}), started "
                "by an earlier command"
            )
            return AwsTarget(record["endpointUrl"], record["region"], record["seededConfig"])
        if resources_in_state:
            raise EmulatorError(
                f"the local EC2 emulator recorded in {path} (pid {record['pid']}, "
                f"{record['endpointUrl']}) is gone (a reboot or a kill stops it), and with it "
                f"the {resources_in_state} resource(s) the stack's state says exist in it. To "
                f"go on with a new, empty emulator, delete {path}, then run `refresh`: it "
                "drops those resources from the state (or delete the state too, to start the "
                "stack over)"
            )
        display.warning(
            f"the local EC2 emulator recorded in {path} is gone; the stack has no resources "
            "in it, so a new one takes its place"
        )
    elif resources_in_state:
        display.warning(
            f"the stack's state lists {resources_in_state} resource(s), but no local emulator "
            f"is recorded in {path}: they were made against another endpoint or in an "
            "emulator that is gone, and the new one started now doesn't have them (run "
            "`refresh` to drop them from the state)"
        )
    emulator = EmulatorProcess.start(work_dir / LOG_NAME, detached=True)
    target = AwsTarget(emulator.endpoint_url, region)
    seeded = seed(target) if seed is not None else {}
    write_private(
        path,
        json.dumps(
            {
                "pid": emulator.pid,
                "endpointUrl": emulator.endpoint_url,
                "region": region,
                "seededConfig": seeded,
            },
            indent=2,
        )
        + "\n",
    )
    display.line(
        f"Local EC2 emulator: started {emulator.endpoint_url} (pid {emulator.pid}); it keeps "
        f"running for later commands on this stack and stops after a destroy that empties it "
        f"({path}, log {work_dir / LOG_NAME})"
    )
    for key, value in seeded.items():
        display.line(f"  seeded {key} = {value}")
    return AwsTarget(emulator.endpoint_url, region, seeded)


def stop_long_lived_emulator(work_dir: Path) -> bool:
    """Stop the stack's recorded emulator, if any; whether there was one."""
    record = _read_record(work_dir)
    if record is None:
        return False
    if _answers(record["endpointUrl"]):  # else it is gone, and the pid may be someone else's
        EmulatorProcess(record["pid"], record["endpointUrl"]).stop()
    (work_dir / RECORD_NAME).unlink()
    return True
