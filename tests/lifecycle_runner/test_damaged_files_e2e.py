"""Damaged work files, as a user meets them on the command line: one clear error that names
the file and the way out, no traceback, and never a new, empty emulator in place of the one
that holds the stack's resources."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lifecycle_runner.local_emulator import RECORD_NAME, stop_long_lived_emulator
from lifecycle_runner.state import StackState, save_state

from .conftest import PROGRAMS, REPO_ROOT

pytestmark = pytest.mark.e2e


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lifecycle_runner", *map(str, args)],
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _up(work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli("up", "--program", PROGRAMS / "basic", "--work-dir", work, *extra)


def _dead_emulator_record(work: Path) -> dict[str, object]:
    """A record of an emulator that is gone: its process has exited, its port is closed."""
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    record = {
        "pid": finished.pid,
        "endpointUrl": f"http://127.0.0.1:{port}",
        "region": "us-east-1",
        "seededConfig": {},
    }
    work.mkdir(parents=True, exist_ok=True)
    (work / RECORD_NAME).write_text(json.dumps(record))
    return record


def _answers(endpoint_url: str) -> bool:
    host, port = endpoint_url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_a_truncated_state_is_one_clear_error(endpoint: str, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, StackState(project="fixture", stack="dev"))
    path.write_text(path.read_text()[:20])
    up = _up(tmp_path, "--endpoint", endpoint)
    assert up.returncode == 1
    assert up.stdout.startswith(f"error: {path} is damaged (not valid JSON, truncated perhaps: ")
    assert "Otherwise delete it to start the stack over" in up.stdout
    assert up.stderr == ""


def test_a_damaged_emulator_record_is_an_error_not_a_new_emulator(tmp_path: Path) -> None:
    (tmp_path / RECORD_NAME).write_text('{"pid": 12')
    up = _up(tmp_path)
    assert up.returncode == 1
    record = tmp_path / RECORD_NAME
    assert up.stdout == (
        f"error: {record} is damaged (not readable JSON, truncated perhaps: Expecting ',' "
        "delimiter: line 1 column 11 (char 10)). It records the local EC2 emulator that holds "
        "this stack's resources, so no command can reach them. If that emulator is still "
        "running (a `python -m lifecycle_runner.emulator_host` process), stop it. Then delete "
        f"{record}: the next command starts a new, empty emulator, and what the stack had in "
        "the old one is lost (run `refresh` to drop it from the state)\n"
    )
    assert up.stderr == ""
    assert record.read_text() == '{"pid": 12'


def test_a_gone_emulator_that_held_resources_is_an_error(tmp_path: Path) -> None:
    try:
        first = _up(tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        path = tmp_path / RECORD_NAME
        record = json.loads(path.read_text())
        os.kill(record["pid"], signal.SIGKILL)  # as a reboot would
        deadline = time.monotonic() + 60
        while _answers(record["endpointUrl"]):
            assert time.monotonic() < deadline, "the killed emulator still answers"
            time.sleep(0.1)

        up = _up(tmp_path)
        assert up.returncode == 1
        assert up.stdout == (
            f"error: the local EC2 emulator recorded in {path} (pid {record['pid']}, "
            f"{record['endpointUrl']}) is gone (a reboot or a kill stops it), and with it the 2 "
            "resource(s) the stack's state says exist in it. To go on with a new, empty "
            f"emulator, delete {path}, then run `refresh`: it drops those resources from the "
            "state (or delete the state too, to start the stack over)\n"
        )
        assert json.loads(path.read_text()) == record  # nothing was started in its place

        path.unlink()  # as the message says; then `refresh` forgets what was lost
        refresh = _cli("refresh", "--program", PROGRAMS / "basic", "--work-dir", tmp_path)
        assert refresh.returncode == 0, refresh.stdout + refresh.stderr
        assert "the stack's state lists 2 resource(s), but no local emulator" in refresh.stdout
        assert "-  gone     data" in refresh.stdout
    finally:
        stop_long_lived_emulator(tmp_path)


def test_a_gone_emulator_of_an_empty_stack_is_replaced_with_a_warning(tmp_path: Path) -> None:
    _dead_emulator_record(tmp_path)
    try:
        preview = _cli("preview", "--program", PROGRAMS / "basic", "--work-dir", tmp_path)
        assert preview.returncode == 0, preview.stdout + preview.stderr
        assert (
            f"warning: the local EC2 emulator recorded in {tmp_path / RECORD_NAME} is gone; the "
            "stack has no resources in it, so a new one takes its place"
        ) in preview.stdout, preview.stdout
        assert "Local EC2 emulator: started http://127.0.0.1:" in preview.stdout
    finally:
        stop_long_lived_emulator(tmp_path)
