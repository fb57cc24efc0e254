"""The stack lock: one command per stack, a refusal that names the holder, no stale locks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle_runner.stack_lock import LOCK_NAME, StackLockedError, stack_lock

from .conftest import REPO_ROOT

HOLDER = """
import sys
from pathlib import Path
from lifecycle_runner.stack_lock import stack_lock
with stack_lock(Path(sys.argv[1]), "up"):
    print("locked", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the lock of ``tmp_path`` until its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def test_a_second_command_is_refused_with_the_holders_pid_and_what_to_do(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(StackLockedError) as caught, stack_lock(tmp_path, "destroy"):
        pytest.fail("the lock was taken twice")
    message = str(caught.value)
    assert message.startswith(f"this stack is in use: pid {holder.pid} (`up`, since ")
    assert message.endswith(
        f"holds its lock {tmp_path / LOCK_NAME}. Wait until that command ends, then run yours "
        "again. If that process is gone, just retry: the lock is released as soon as its "
        "holder exits, even when it was killed"
    )


def test_a_killed_holder_leaves_no_stale_lock(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert str(holder.pid) in (tmp_path / LOCK_NAME).read_text()  # its details stay behind
    with stack_lock(tmp_path, "up"):
        assert f'"pid": {os.getpid()}' in (tmp_path / LOCK_NAME).read_text()
    assert (tmp_path / LOCK_NAME).read_text() == ""  # released: it names nobody


def test_the_lock_is_reentrant_for_its_thread_only(tmp_path: Path) -> None:
    refused: list[str] = []

    def other_thread() -> None:
        try:
            with stack_lock(tmp_path, "preview"):
                refused.append("")
        except StackLockedError as error:
            refused.append(str(error))

    with stack_lock(tmp_path, "up"), stack_lock(tmp_path, "up"):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=30)
    assert refused and refused[0].startswith(
        f"this stack is in use: pid {os.getpid()} (`another thread's command`)"
    )
    with stack_lock(tmp_path, "up"):  # both levels were released
        pass
