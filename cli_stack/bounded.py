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

__all__ = ["STOP_GRACE", "RunningCommand", "run_bounded"]

STOP_GRACE = 5.0
"""Seconds a stopped command has to exit after SIGTERM, before everything it started is killed."""


class RunningCommand:
    """A command started in a process group of its own, its stdout and stderr collected as one
    output (each line passed to `echo` too, as it comes). Tests signal it mid-run as a user
    would (`send`); `result` waits for it, within a time limit.

    `marks` are entries of `env` that only this command's processes have: once it is stopped,
    any process still running with them is killed too."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        echo: Callable[[str], Any] | None = None,
        title: str | None = None,
        marks: Mapping[str, str] | None = None,
    ) -> None:
        self.title = title or Path(args[0]).name
        self._echo = echo
        self._marks = marks
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        # A process group of its own: the last resort of stopping it (`_stop`) kills that group.
        self._process = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            process_group=0,
        )
        self._reader = threading.Thread(target=self._read, name=f"{self.title} output")
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def output(self) -> str:
        with self._lines_lock:
            return "\n".join(self._lines)

    def _read(self) -> None:
        assert self._process.stdout is not None
        with self._process.stdout as output:
            for line in output:
                with self._lines_lock:
                    self._lines.append(line.rstrip("\n"))
                if self._echo is not None:
                    self._echo(line.rstrip("\n"))

    def send(self, signum: int) -> None:
        """A signal to the command's own process, as `kill` from a shell sends it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._process.pid, signum)

    def descendants(self) -> set[int]:
        """The processes the command started that still run (the CLI's plugins among them)."""
        return _descendants(self._process.pid) & _running()

    def result(self, timeout: float | None) -> CliResult:
        """Its output once it has exited. Still running after `timeout` seconds, it is stopped
        with everything it started, and fails, its output ending with a line that says so."""
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            self._reader.join()
            note = f"{self.title}: still running after {timeout:g}s; stopped"
            if self._echo is not None:
                self._echo(note)
            return CliResult(False, "\n".join([*self._lines, note]))
        except BaseException:
            # Interrupted here: the command is abandoned, so it must not run on unseen.
            self.stop()
            raise
        self._reader.join()
        return CliResult(self._process.returncode == 0, self.output)

    def stop(self) -> None:
        """Stop it and everything it started."""
        _stop(self._process)
        if self._marks:
            _kill_marked(self._marks)


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
    """`args` in `cwd` to the end, as a `RunningCommand`, within `timeout` seconds."""
    command = RunningCommand(args, cwd=cwd, env=env, echo=echo, title=title, marks=marks)
    return command.result(timeout)


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
