"""One command (``preview``, ``up``, ``refresh``, ``destroy``) from start to summary.

Why this exists: this is the runner's Python API (:func:`run_command`), used by the CLI, by
the demo and by tests in-process. It assembles what the CLI would for one command: the
project and stack config, the state, the Engine log service, the dynamic provider host
(started on first use, one per command), the policy pack if any, and the AWS environment for
all of them; then it drives the engine (:mod:`lifecycle_runner.deployment`) and prints a
summary. ``up`` previews first and stops before changing anything if the preview fails or a
mandatory policy is violated, as ``pulumi up`` does.

A command holds the stack's lock (:mod:`lifecycle_runner.stack_lock`) from before it reads the
state until after its last save. ``up`` and ``destroy`` first finish what an interrupted
command left pending in the state; ``preview`` and ``refresh`` only report it.

The AWS endpoint is decided by the caller (:class:`~lifecycle_runner.aws_target.AwsTarget`):
the CLI passes ``--endpoint`` or the local emulator, the demo its own emulator.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyzer_client import PolicyDiagnostic, PolicyPackError, PolicyPackProcess
from .aws_target import AwsTarget
from .deployment import Deployment, StepError, StepRecord, interrupted_message
from .display import Display
from .engine_service import EngineLogService, EngineServer
from .monitor import EngineMonitor
from .plugin_process import PluginStartError
from .policy_config import PolicyConfigError, load_policy_config
from .program import ProgramFailure, run_program
from .properties import UNKNOWN, PropertyMap
from .provider_host import ProviderHost
from .secret_values import is_secret
from .stack_config import ConfigError, namespaced, project_name, stack_config
from .stack_lock import StackLockedError, stack_lock
from .state import StackState, StateError, load_state, save_state

COMMANDS = ("preview", "up", "refresh", "destroy")
STATE_NAME = "state.json"

_DONE_WORDS = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "same": "unchanged",
    "refresh": "refreshed",
    "gone": "gone (dropped from the state)",
}


@dataclass
class RunOptions:
    command: str
    program: Path
    stack: str = "dev"
    config: Mapping[str, str] = field(default_factory=dict)
    policy_pack: Path | None = None
    policy_config: Path | None = None
    work_dir: Path | None = None

    def resolved_work_dir(self) -> Path:
        return (self.work_dir or Path(".work") / self.stack).resolve()


@dataclass
class CommandResult:
    command: str
    exit_code: int
    steps: list[StepRecord]
    policy_diagnostics: list[PolicyDiagnostic]
    errors: list[str]
    outputs: PropertyMap
    state_path: Path
    resources_left: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def names(self, op: str, status: str = "done") -> list[str]:
        """Names of the resources that had ``op`` with ``status`` (a test convenience)."""
        return [s.name for s in self.steps if s.op == op and s.status == status]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Give the in-process program the same AWS environment as the plugins."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _format_value(value: Any) -> str:
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown until the update]"
    return json.dumps(value)


class _Command:
    """The pieces one command shares across its passes."""

    def __init__(
        self, options: RunOptions, aws: AwsTarget, display: Display, errors: list[str]
    ) -> None:
        self.options = options
        self.display = display
        self.errors = errors
        self.program = options.program.resolve()
        self.project = project_name(self.program)
        self.stack = options.stack
        self.state_path = options.resolved_work_dir() / STATE_NAME
        self.state: StackState = load_state(self.state_path, self.project, self.stack)
        self.state.config_overrides.update(
            {namespaced(key, self.project): value for key, value in options.config.items()}
        )
        self.config = stack_config(
            self.program,
            self.project,
            self.stack,
            seeded=aws.seeded_config,
            overrides=self.state.config_overrides,
        )
        self.engine = EngineServer(display)
        self.program_log = EngineLogService(display, "program")
        self.host = ProviderHost(
            program_dir=self.program,
            engine_address=self.engine.address,
            environment={
                "PULUMI_PROJECT": self.project,
                "PULUMI_STACK": self.stack,
                **aws.environment(),
            },
            config=self.config,
            display=display,
        )
        self.policy: PolicyPackProcess | None = None
        self.passes: list[Deployment] = []

    def save(self) -> None:
        save_state(self.state_path, self.state)

    def start_policy_pack(self, dry_run: bool) -> None:
        if self.options.policy_pack is None:
            return
        file_config = (
            load_policy_config(self.options.policy_config) if self.options.policy_config else {}
        )
        self.policy = PolicyPackProcess(
            self.options.policy_pack,
            engine_address=self.engine.address,
            project=self.project,
            stack=self.stack,
            config=self.config,
            dry_run=dry_run,
            file_config=file_config,
            display=self.display,
        )

    def deployment(self, dry_run: bool) -> Deployment:
        deployment = Deployment(
            command=self.options.command,
            state=self.state,
            dry_run=dry_run,
            host=self.host,
            policy=self.policy,
            display=self.display,
            save=self.save,
        )
        self.passes.append(deployment)
        return deployment

    def run_program(self, deployment: Deployment) -> bool:
        failure = run_program(
            self.program,
            project=self.project,
            stack=self.stack,
            config=self.config,
            dry_run=deployment.dry_run,
            monitor=EngineMonitor(deployment),
            engine=self.program_log,
        )
        if failure is not None:
            self._report_program_failure(failure)
            return False
        if self.program_log.errors:
            self.errors.append("the program logged errors")
            return False
        return not deployment.failed

    def _report_program_failure(self, failure: ProgramFailure) -> None:
        if isinstance(failure.error, StepError):
            return  # reported at the step
        message = f"the program failed: {type(failure.error).__name__}: {failure.error}"
        if failure.while_pickling_a_provider:
            message += (
                ". It failed while pickling a dynamic provider (Resource.__init__ -> "
                "serialize_provider): everything the provider object references is pickled "
                "into the state, and clients, sessions, locks and sockets cannot be. Create "
                "such objects inside the provider's methods instead of keeping them on it"
            )
        self.display.error(message)
        for row in failure.traceback.rstrip().splitlines():
            self.display.line(f"    {row}")
        self.errors.append(message)

    def stop(self) -> None:
        if self.policy is not None:
            self.policy.stop()
        self.host.stop()
        self.engine.stop()


def _report_interrupted(command: _Command) -> None:
    for record in command.state.pending:
        command.display.warning(interrupted_message(record, finishing=False))


def _finish_interrupted(command: _Command, deployment: Deployment) -> bool:
    """Finish what an interrupted command left pending; whether this command may go on."""
    if not command.state.pending:
        return True
    command.display.heading(
        f"Finishing what an interrupted command left ({command.project}/{command.stack}):"
    )
    try:
        deployment.finish_interrupted()
    except StepError:
        command.errors.append(
            "an operation an interrupted command left could not be finished: nothing else was done"
        )
        return False
    return True


def _preview(command: _Command) -> Deployment:
    _report_interrupted(command)
    command.display.heading(f"Previewing update ({command.project}/{command.stack}):")
    deployment = command.deployment(dry_run=True)
    if command.run_program(deployment):
        deployment.delete_leftovers()
        deployment.analyze_stack()
    if deployment.blocking_violations:
        command.errors.append(
            f"{deployment.blocking_violations} mandatory policy violation(s) in the preview"
        )
    return deployment


def _up(command: _Command) -> None:
    if command.state.pending and not _finish_interrupted(
        command, command.deployment(dry_run=False)
    ):
        return
    preview = _preview(command)
    if command.errors or preview.failed:
        command.errors.append("up stopped after the preview: nothing was created or changed")
        return
    command.display.heading(f"Updating ({command.project}/{command.stack}):")
    deployment = command.deployment(dry_run=False)
    if command.run_program(deployment):
        try:
            deployment.delete_leftovers()
        except StepError:
            return
        if deployment.analyze_stack():
            command.errors.append("mandatory policy violation(s) in the resulting stack")


def _destroy(command: _Command) -> None:
    deployment = command.deployment(dry_run=False)
    if not _finish_interrupted(command, deployment):
        return
    command.display.heading(f"Destroying ({command.project}/{command.stack}):")
    try:
        deployment.destroy()
    except StepError:
        return


def _refresh(command: _Command) -> None:
    _report_interrupted(command)
    command.display.heading(f"Refreshing ({command.project}/{command.stack}):")
    deployment = command.deployment(dry_run=False)
    try:
        deployment.refresh()
    except StepError:
        return


_FLOWS = {"preview": _preview, "up": _up, "destroy": _destroy, "refresh": _refresh}


def _summary(display: Display, result: CommandResult, seconds: float, preview: bool) -> None:
    counted = "planned" if preview else "done"
    counts = Counter((s.op, s.kind == "simulated") for s in result.steps if s.status == counted)
    parts = []
    for op, word in _DONE_WORDS.items():
        real, simulated = counts[(op, False)], counts[(op, True)]
        if real + simulated:
            label = f"to {op}" if preview and op != "same" else word
            extra = f" ({simulated} simulated)" if simulated else ""
            parts.append(f"{real + simulated} {label}{extra}")
    failed = [s for s in result.steps if s.status == "failed"]
    if failed:
        parts.append(f"{len(failed)} failed")
    display.heading("Resources: " + (", ".join(parts) if parts else "none"))
    if result.outputs:
        display.line("Outputs:")
        for key, value in result.outputs.items():
            display.line(f"    {key}: {_format_value(value)}")
    display.line(f"Duration: {seconds:.1f}s   State: {result.state_path}")
    for error in result.errors:
        display.error(error)
    verdict = "succeeded" if result.ok else "FAILED"
    display.line(f"{result.command} {verdict}")


def run_command(
    options: RunOptions, aws: AwsTarget, display: Display | None = None
) -> CommandResult:
    """Run one command against ``aws``; never raises for a failed deployment (see exit_code)."""
    if options.command not in _FLOWS:
        raise ValueError(f"unknown command {options.command!r}; expected one of {COMMANDS}")
    display = display or Display()
    started = time.monotonic()
    errors: list[str] = []
    command: _Command | None = None
    try:
        with stack_lock(options.resolved_work_dir(), options.command):
            command = _run_locked(options, aws, display, errors)
    except StackLockedError as error:
        display.error(str(error))
        errors.append(str(error))
    steps = [step for p in command.passes for step in p.steps] if command else []
    diagnostics = [d for p in command.passes for d in p.diagnostics] if command else []
    errors.extend(e for p in (command.passes if command else []) for e in p.errors)
    failed = bool(errors) or any(s.status == "failed" for s in steps)
    outputs: PropertyMap = {}
    if command is not None:
        if options.command != "preview":
            outputs = command.state.outputs
        elif command.passes:
            outputs = command.passes[-1].stack_outputs
    result = CommandResult(
        command=options.command,
        exit_code=1 if failed else 0,
        steps=steps,
        policy_diagnostics=diagnostics,
        errors=errors,
        outputs=outputs,
        state_path=options.resolved_work_dir() / STATE_NAME,
        resources_left=len(command.state.resources) if command else 0,
    )
    _summary(display, result, time.monotonic() - started, options.command == "preview")
    return result


def _run_locked(
    options: RunOptions, aws: AwsTarget, display: Display, errors: list[str]
) -> _Command | None:
    command: _Command | None = None
    earlier: list[int] = []
    try:
        command = _Command(options, aws, display, errors)
        earlier = [id(record) for record in command.state.pending]
        display.line(
            f"{options.command}: project {command.project}, stack {command.stack}, program "
            f"{command.program}, AWS endpoint {aws.endpoint_url} ({aws.region})"
        )
        with _environment(aws.environment()):
            if options.command in ("preview", "up"):  # the only ones that analyze
                command.start_policy_pack(dry_run=options.command == "preview")
            _FLOWS[options.command](command)
    except (ConfigError, StateError, PluginStartError, PolicyPackError, PolicyConfigError) as error:
        display.error(str(error))
        errors.append(str(error))
    finally:
        if command is not None:
            command.stop()
            command.save()
            for record in command.state.pending:
                if id(record) not in earlier:  # those were reported as the command started
                    display.warning(interrupted_message(record, finishing=False, earlier=False))
    return command
