"""Commands that can't hang a test or the demo: each runs in a process group of its own, with
a time limit, and is stopped with everything it started when the limit passes (or when the
caller is interrupted).

The Pulumi CLI starts each plugin and language host in a process group of its own, out of reach
of a signal to the CLI's group: stopping a command therefore also kills its descendants, and
waits until none of them still runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .stack import CliResult

__all__ = ["STOP_GRACE", "run_bounded"]

STOP_GRACE = 5.0
"""Seconds a stopped command has to exit after SIGTERM, before everything it started is killed."""


def run_bounded(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float | None,
    echo: Callable[[str], Any] | None = None,
    title: str | None = None,
    marks: Mapping[str, str] | None = None,
) -> CliResult:
    """`args` in `cwd`, its stdout and stderr as one output (each line passed to `echo` too, as
    it comes). Still running after `timeout` seconds, it is stopped with everything it started,
    and fails, its output ending with a line that says so and names it `title` (by default, the
    program's name). `marks` are entries of `env` that only this command's processes have: once
    it is stopped, any process still running with them is killed too."""
    # A process group of its own: the last resort of stopping it (`_stop`) kills that group.
    process = subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        process_group=0,
    )
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        _stop_all(process, marks)

    timer = threading.Timer(timeout, stop) if timeout is not None else None
    lines: list[str] = []
    with process:
        try:
            if timer is not None:
                timer.start()
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if echo is not None:
                    echo(lines[-1])
            process.wait()
        except BaseException:
            # Interrupted here: the command is abandoned, so it must not run on unseen.
            _stop_all(process, marks)
            raise
        finally:
            if timer is not None:
                timer.cancel()
                # The command's output ends when it dies, before what it started is stopped:
                # a timeout's stop must be done before the command is.
                if timer.is_alive():
                    timer.join()
    if stopped.is_set():
        name = title or Path(args[0]).name
        lines.append(f"{name}: still running after {timeout:g}s; stopped")
        if echo is not None:
            echo(lines[-1])
        return CliResult(False, "\n".join(lines))
    return CliResult(process.returncode == 0, "\n".join(lines))


def _stop_all(process: subprocess.Popen[str], marks: Mapping[str, str] | None) -> None:
    _stop(process)
    if marks:
        _kill_marked(marks)


def _kill_marked(marks: Mapping[str, str], *, within: float = STOP_GRACE) -> None:
    """Kill every process whose environment has all of `marks`, and wait (up to `within`
    seconds) until none is left. A CLI interrupted while it starts a plugin can exit without
    stopping that plugin, which then is no descendant of the stopped command any more (its
    parent is gone) but still has the environment it inherited; and a process killed a moment
    ago may not have exited yet. Where there is no /proc to read environments from, nothing is
    done."""
    deadline = time.monotonic() + within
    while marked := _marked(marks):
        for pid in marked:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _marked(marks: Mapping[str, str]) -> list[int]:
    """The running processes whose environment has all of `marks` (an exited one that is not
    reaped yet has none)."""
    wanted = {f"{key}={value}".encode() for key, value in marks.items()}
    processes = Path("/proc")
    if not processes.is_dir():
        return []
    found = []
    for entry in processes.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = set((entry / "environ").read_bytes().split(b"\0"))
        except OSError:
            continue  # gone meanwhile, or not ours
        if wanted <= environment:
            found.append(int(entry.name))
    return found


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop the command and everything it started. SIGTERM reaches the command and the CLI (one
    process group), and the CLI cancels and stops its plugins itself; whatever still runs after
    `STOP_GRACE` is killed, including the plugins and analyzers the CLI started, found as its
    descendants: each runs in a process group of its own, out of reach of the group's signal."""
    started = _descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE)
    started |= _descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in started:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    # A kill is delivered, not done, when os.kill returns: the step is over only once nothing it
    # started still runs (a killed process no longer reaped by its parent stays a zombie).
    deadline = time.monotonic() + STOP_GRACE
    while started & _running() and time.monotonic() < deadline:
        time.sleep(0.05)


def _processes() -> list[tuple[int, int, str]]:
    """Every process: its id, its parent's and its state."""
    listing = subprocess.run(
        ["ps", "-A", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=False
    ).stdout
    return [
        (int(fields[0]), int(fields[1]), fields[2])
        for fields in (line.split() for line in listing.splitlines())
        if len(fields) == 3
    ]


def _running() -> set[int]:
    return {pid for pid, _, state in _processes() if not state.startswith("Z")}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, parent, _ in _processes():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    parents = [pid]
    while parents:
        for child in children.get(parents.pop(), []):
            if child not in found:
                found.add(child)
                parents.append(child)
    return found
