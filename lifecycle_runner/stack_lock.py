"""One command at a time per stack: an exclusive lock on ``<work-dir>/lock``.

Why this exists: two commands on one stack both load the state, both create, and the last to
save wins: the other's resources are forgotten while they go on existing (two ``up``s leak an
AMI this way), and two first commands would each start an emulator. Every command holds the
lock from before it reads anything until it has saved its last state.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on the lock file rather than a pid file: the kernel
releases it when its holder exits, however it exits (a SIGKILL included), so a crashed command
never leaves a stale lock to clean up. The holder writes its pid, command and start time into
the file, only so that a refused command can say who holds it. The file is never deleted: a
command that deleted it could leave the next two locking different files.

Within one process the lock is re-entrant for the thread that holds it (the CLI locks around
its emulator and its command, and :func:`~lifecycle_runner.runner.run_command` locks again).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .private_file import PRIVATE_MODE, make_private_dir

LOCK_NAME = "lock"
# The holder writes its details right after taking the lock: how long a refused command waits
# to read them before it says the pid is unknown.
_DETAILS_WAIT = 1.0


class StackLockedError(Exception):
    """Another command holds the stack's lock; the message names its pid and what to do."""


_held: dict[Path, tuple[int, int, int]] = {}  # lock file -> (thread id, descriptor, depth)
_held_lock = threading.Lock()


@contextlib.contextmanager
def stack_lock(work_dir: Path, command: str) -> Iterator[None]:
    """Hold the stack's lock for the block, or raise :class:`StackLockedError` at once."""
    path = (work_dir / LOCK_NAME).resolve()
    me = threading.get_ident()
    with _held_lock:
        held = _held.get(path)
        if held is not None and held[0] == me:
            _held[path] = (me, held[1], held[2] + 1)
        elif held is not None:
            raise _locked(path, {"pid": os.getpid(), "command": "another thread's command"})
        else:
            _held[path] = (me, _acquire(path, command), 1)
    try:
        yield
    finally:
        with _held_lock:
            thread, descriptor, depth = _held[path]
            if depth > 1:
                _held[path] = (thread, descriptor, depth - 1)
            else:
                del _held[path]
                _release(descriptor)


def _acquire(path: Path, command: str) -> int:
    make_private_dir(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise _locked(path, _holder(path)) from None
    except BaseException:
        os.close(descriptor)
        raise
    details = {
        "pid": os.getpid(),
        "command": command,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, (json.dumps(details) + "\n").encode(), 0)
    return descriptor


def _release(descriptor: int) -> None:
    # Emptied first, so the file never names a process that no longer holds it.
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
    os.close(descriptor)  # closing the last descriptor releases the flock


def _holder(path: Path) -> dict[str, object]:
    """What the holder wrote into the lock file (it writes right after locking: wait a bit)."""
    deadline = time.monotonic() + _DETAILS_WAIT
    while True:
        try:
            details = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            details = None
        if isinstance(details, dict) and isinstance(details.get("pid"), int):
            return details
        if time.monotonic() >= deadline:
            return {}
        time.sleep(0.05)


def _locked(path: Path, holder: dict[str, object]) -> StackLockedError:
    if "pid" in holder:
        who = f"pid {holder['pid']}"
        if holder.get("command"):
            who += f" (`{holder['command']}`"
            who += f", since {holder['since']})" if holder.get("since") else ")"
    else:
        who = "another process (it has not written its pid yet)"
    return StackLockedError(
        f"this stack is in use: {who} holds its lock {path}. Wait until that command ends, "
        "then run yours again. If that process is gone, just retry: the lock is released as "
        "soon as its holder exits, even when it was killed"
    )
