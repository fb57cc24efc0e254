"""What the runner prints: plans, per-resource results with durations, plugin output, summary.

Why this exists: several threads print at once (the program's registrations, the readers of
each plugin's stdout and stderr, the in-process engine log service), so every line goes
through one lock-protected writer, flushed at once so progress shows while an operation runs.
The layout mirrors the CLI's: ``+ create``, ``~ update``, ``+- replace``, ``- delete``,
``= same``.
"""

from __future__ import annotations

import sys
import threading
from typing import NamedTuple, TextIO

SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "same": "=",
    "refresh": "~",
    "gone": "-",
}


class Subject(NamedTuple):
    """The resource a line is about."""

    type: str
    name: str
    simulated: bool = False


SIMULATED_NOTE = "simulated: no provider for this type runs here, nothing real was touched"


class Display:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._out = stream if stream is not None else sys.stdout
        self._lock = threading.Lock()

    def line(self, text: str = "") -> None:
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()

    def heading(self, text: str) -> None:
        self.line()
        self.line(text)

    @staticmethod
    def _label(op: str, subject: Subject) -> str:
        return f"  {SYMBOLS.get(op, '?'):<2} {op:<8} {subject.name}"

    @staticmethod
    def _notes(subject: Subject, note: str) -> str:
        notes = [note] if note else []
        if subject.simulated:
            notes.append(SIMULATED_NOTE)
        return "".join(f"  [{item}]" for item in notes)

    def plan(self, op: str, subject: Subject, note: str = "") -> None:
        self.line(f"{self._label(op, subject)}  ({subject.type}){self._notes(subject, note)}")

    def started(self, op: str, subject: Subject) -> None:
        self.line(f"{self._label(op, subject)}  ({subject.type}) ...")

    def finished(self, op: str, subject: Subject, seconds: float, note: str = "") -> None:
        self.line(f"{self._label(op, subject)}  {seconds:.2f}s{self._notes(subject, note)}")

    def failed(
        self, op: str, subject: Subject, seconds: float, message: str, details: str = ""
    ) -> None:
        lines = [
            f"{self._label(op, subject)}  FAILED after {seconds:.2f}s",
            f"      error: {message}",
        ]
        if details and details.strip() != message.strip():
            lines.append("      details:")
            lines.extend(f"        {row}" for row in details.rstrip().splitlines())
        self.line("\n".join(lines))

    def policy(self, level: str, policy: str, where: str, message: str) -> None:
        first, *rest = message.strip().splitlines() or [""]
        lines = [f"  policy {level}: {policy} on {where}: {first}"]
        lines.extend(f"      {row}" for row in rest)
        self.line("\n".join(lines))

    def plugin_output(self, source: str, stream: str, text: str) -> None:
        label = source if stream == "stdout" else f"{source} {stream}"
        self.line(f"      [{label}] {text}")

    def log(self, source: str, severity: str, message: str) -> None:
        self.line(f"  [{source}] {severity}: {message.rstrip()}")

    def error(self, message: str) -> None:
        self.line(f"error: {message}")

    def warning(self, message: str) -> None:
        self.line(f"warning: {message}")
