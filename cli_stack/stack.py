"""One stack of the example project, driven through the real Pulumi CLI.

The stack lives in `.work/cli/<stack>/`: a copy of the project file, the local file backend and
its own PULUMI_HOME, so nothing touches the user's Pulumi settings. The demo's secrets
passphrase is fixed and public: it protects nothing but the demo's own state.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
DEMO_PASSPHRASE = "ami-lifecycle-demo"

__all__ = ["CliResult", "CliStack", "cli_environment"]


class _InlineProgramLoops(asyncio.DefaultEventLoopPolicy):
    """The default policy, holding on to the loops made outside the main thread while an
    operation runs (`watching`).

    The Automation API runs an inline program on a new event loop in one of its gRPC threads.
    When the engine stops a deployment early (refused inputs), the program's pending
    registrations fail, and the `finally` of `Run` (`pulumi/automation/_server.py`) can end
    with the program's task still pending and the loop open; the garbage collector then finds
    both in whatever test runs next, as a ResourceWarning and a "no running event loop" error.
    `watching` ends such a run's tasks and closes its loop once its operation is over; loops
    made outside an operation (Pulumi's mocks make one per worker thread) are not its own."""

    _FINISH_SECONDS = 5.0

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._made: list[asyncio.AbstractEventLoop] = []
        self._watching = False

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        if self._watching and threading.current_thread() is not threading.main_thread():
            with self._lock:
                self._made.append(loop)
        return loop

    @contextmanager
    def watching(self) -> Iterator[None]:
        self._watching = True
        try:
            yield
        finally:
            self._watching = False
            self._finish_idle()

    def _finish_idle(self) -> None:
        with self._lock:
            made, self._made = self._made, []
        for loop in made:
            if loop.is_running():
                with self._lock:
                    self._made.append(loop)
            elif not loop.is_closed():
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                if tasks:
                    done, _ = loop.run_until_complete(
                        asyncio.wait(tasks, timeout=self._FINISH_SECONDS)
                    )
                    for task in done:
                        if not task.cancelled():
                            task.exception()  # retrieved: the operation has reported it
                loop.close()


_LOOPS = _InlineProgramLoops()
asyncio.set_event_loop_policy(_LOOPS)


def cli_environment(endpoint_url: str, region: str) -> dict[str, str]:
    """What the CLI and the plugins it launches need: the pinned CLI and this virtualenv first on
    PATH (the policy-pack launcher runs `python3`; the provider plugin is in its bin), and boto3
    pointed at the emulator."""
    path = os.pathsep.join(
        [str(TOOLS / "bin"), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    return {
        "PATH": path,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        # No plugin downloads: every plugin is local (.tools/bin, .venv/bin).
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE,
        "AWS_ENDPOINT_URL_EC2": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }


def write_project(directory: Path) -> None:
    """The example's Pulumi.yaml in `directory`, its plugin paths made absolute (they are
    relative to the project's own folder)."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    for plugin in project.get("plugins", {}).get("providers", []):
        plugin["path"] = str((ROOT / plugin["path"]).resolve())
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


def run_example_program() -> None:
    """The example stack's own program, `__main__.py`, as `pulumi up` would run it."""
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")


@dataclass(frozen=True)
class CliResult:
    ok: bool
    output: str
    """What the CLI printed (and, on failure, its error output)."""


@dataclass
class CliStack:
    """`up`, `preview`, `refresh` and `destroy` of one stack; the CLI's output is passed on."""

    name: str
    env: Mapping[str, str]
    work: Path = field(default_factory=lambda: ROOT / ".work" / "cli")
    program: Callable[[], None] = run_example_program
    echo: Callable[[str], Any] = print
    _stack: auto.Stack | None = None

    @property
    def directory(self) -> Path:
        return self.work / self.name

    def stack(self) -> auto.Stack:
        if self._stack is None:
            (self.directory / "state").mkdir(parents=True, exist_ok=True)
            write_project(self.directory)
            env = {
                **self.env,
                "PULUMI_BACKEND_URL": (self.directory / "state").as_uri(),
                "PULUMI_HOME": str(self.directory / "pulumi-home"),
            }
            workspace = auto.LocalWorkspace(
                work_dir=str(self.directory),
                program=self.program,
                env_vars=env,
                pulumi_command=auto.PulumiCommand(root=str(TOOLS)),
            )
            self._stack = auto.Stack.create_or_select(self.name, workspace)
        return self._stack

    def set_config(self, values: Mapping[str, str]) -> None:
        stack = self.stack()
        for key, value in values.items():
            stack.set_config(key, auto.ConfigValue(value))

    def up(self, **options: Any) -> CliResult:
        return self._run(self.stack().up, options)

    def preview(self, **options: Any) -> CliResult:
        return self._run(self.stack().preview, options)

    def refresh(self, **options: Any) -> CliResult:
        return self._run(self.stack().refresh, options)

    def destroy(self, **options: Any) -> CliResult:
        return self._run(self.stack().destroy, options)

    def policy_pack(self, pack: Path) -> str:
        """What to pass to `--policy-pack` for the Python pack in `pack`.

        The CLI starts a Python pack in a folder through the Python language host, which can't
        be built here; an executable it starts directly instead, as a binary analyzer. This one
        runs the pack with the same analyzer the language host would (`python -m
        pulumi.policy`), so the pack's own code, protocol and messages are what the CLI sees."""
        launcher = self.directory / f"policy-pack-{pack.name}"
        launcher.write_text(
            "#!/bin/sh\n"
            "# Started by the Pulumi CLI with the engine's address as its argument.\n"
            f'exec python3 -u -m pulumi.policy "$1" "{pack}"\n'
        )
        launcher.chmod(0o755)
        return str(launcher)

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources, as `pulumi stack export` has them."""
        deployment = self.stack().export_stack().deployment
        return list((deployment or {}).get("resources") or [])

    def _run(self, operation: Callable[..., Any], options: Mapping[str, Any]) -> CliResult:
        lines: list[str] = []

        def output(line: str) -> None:
            lines.append(line)
            self.echo(line)

        try:
            with _LOOPS.watching():
                operation(on_output=output, color="never", **options)
        except auto.errors.CommandError as failure:
            # Its text repeats stdout (already shown) and adds the exit code and stderr.
            stderr = str(failure).rpartition(" stderr: ")[2].strip()
            if stderr:
                self.echo(stderr)
            return CliResult(False, "\n".join([*lines, stderr]))
        return CliResult(True, "\n".join(lines))
