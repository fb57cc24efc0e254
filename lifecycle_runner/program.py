"""Runs a Pulumi Python program in this process, the way the CLI's Python language host does.

Why this exists: the language host runs ``runpy.run_path(<program dir>, run_name="__main__")``
inside ``pulumi.runtime.run_in_stack`` on a fresh event loop, with the program's folder as
working directory and the runtime settings (project, stack, preview or not, monitor, engine)
and stack config set for it. This module does the same against the runner's monitor.

Each run gets its own thread: the SDK keeps its settings, config and root stack resource in
context variables, and a new thread starts from an empty context, so running a program twice
in one process (a preview, then the update; the demo's four commands) starts clean each time.
Settings are built in full (fresh RPC bookkeeping) rather than with ``set_mocks``, which would
also register a root stack before the program runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import runpy
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime import Settings, configure, run_in_stack, set_all_config

from .monitor import EngineMonitor


@dataclass
class ProgramFailure:
    error: BaseException
    traceback: str

    @property
    def while_pickling_a_provider(self) -> bool:
        return "in serialize_provider" in self.traceback


def _quiet_consequences(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" for the outputs a failure left unresolved.

    When a registration fails, the SDK fails every output depending on it, and those nobody
    awaited are logged when collected; the failure itself is reported once, by the runner.
    """
    if "never retrieved" in context.get("message", ""):
        return
    loop.default_exception_handler(context)


def run_program(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    dry_run: bool,
    monitor: EngineMonitor,
    engine: Any,
) -> ProgramFailure | None:
    """Run the program to completion; the failure it ended with, if any."""
    outcome: list[ProgramFailure] = []

    def execute() -> None:
        runpy.run_path(str(program_dir), run_name="__main__")

    def main() -> None:
        configure(
            Settings(
                project=project,
                stack=stack,
                monitor=monitor,
                engine=engine,
                dry_run=dry_run,
                organization="organization",
                root_directory=str(program_dir),
            )
        )
        set_all_config(config, [])
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_consequences)
        asyncio.set_event_loop(loop)
        try:
            with contextlib.chdir(program_dir):
                loop.run_until_complete(run_in_stack(execute))
        except BaseException as error:
            outcome.append(ProgramFailure(error, traceback.format_exc()))
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    thread = threading.Thread(target=main, name=f"pulumi-program-{stack}")
    thread.start()
    thread.join()
    return outcome[0] if outcome else None
