"""The TypeScript example (`examples/typescript`) as a driver of the demo story.

No Node.js language host can be built here, so the example's own runner (`automation.ts`) runs
the program as a Node Automation API inline program through the pinned CLI: the CLI runs the
program through the runner's process, and everything else (engine, file backend, provider
plugin, policy analyzer, output) is the CLI's. The runner plays one operation per invocation,
so each step of the story is one `node` command, bounded like the YAML driver's `pulumi`
commands: one still running after its timeout is stopped with everything it started.

The example is installed and compiled once per process (scripts/install-typescript-example.sh,
quick when nothing changed); the stack's project files, state and PULUMI_HOME are in
`<work>/typescript/<stack>/`, never in the example's folder.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bounded import run_bounded
from .stack import ROOT, CliResult

if TYPE_CHECKING:
    from .story import Setting

__all__ = [
    "COMMAND_TIMEOUT",
    "EXAMPLE",
    "INSTALL_TIMEOUT",
    "TypeScriptStack",
    "install_example",
    "typescript_example",
]

EXAMPLE = ROOT / "examples" / "typescript"
RUNNER = EXAMPLE / "bin" / "automation.js"
INSTALL_SCRIPT = ROOT / "scripts" / "install-typescript-example.sh"
#: Seconds one runner command may take: each takes a few here (the story's own bound on a
#: `pulumi` command), so one still running then is stuck, and fails its step.
COMMAND_TIMEOUT = 60.0
#: Seconds installing and compiling the example may take with an empty npm cache; warm, it
#: takes well under one.
INSTALL_TIMEOUT = 900.0


@functools.cache
def install_example() -> Path:
    """The compiled runner, installed and compiled first if needed (once per process)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise RuntimeError("the TypeScript example needs Node.js 20 or later, with npm")
    done = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not RUNNER.is_file():
        raise RuntimeError(f"{INSTALL_SCRIPT.name} failed:\n{done.stdout}\n{done.stderr}")
    return RUNNER


@dataclass
class TypeScriptStack:
    """One stack of the TypeScript example: the story's commands, each one runner invocation
    (its output passed on to `echo`, and returned)."""

    name: str
    env: Mapping[str, str]
    directory: Path
    """The stack's folder: its Pulumi.yaml and stack file, its state and its PULUMI_HOME."""
    echo: Callable[[str], Any] = print
    timeout: float | None = COMMAND_TIMEOUT

    def set_config(self, values: Mapping[str, str]) -> None:
        self._quietly("config", *(f"{key}={value}" for key, value in values.items()))

    def up(self) -> CliResult:
        return self.run("up", echo=self.echo)

    def destroy(self) -> CliResult:
        return self.run("destroy", echo=self.echo)

    def preview(self, *, policy_packs: Sequence[str] = ()) -> CliResult:
        packs = [part for pack in policy_packs for part in ("--policy-pack", pack)]
        return self.run("preview", *packs, echo=self.echo)

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources, as `pulumi stack export` has them."""
        # The deployment is one line of JSON; Node's own warnings, if any, are lines of their own.
        [exported] = [line for line in self._quietly("export").splitlines() if line.startswith("{")]
        return list((json.loads(exported).get("deployment") or {}).get("resources") or [])

    def run(self, *args: str, echo: Callable[[str], Any] | None = None) -> CliResult:
        """The runner's `args` on this stack; its whole output, stdout and stderr (each line
        passed to `echo` too, as it comes)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            "node",
            str(install_example()),
            "--stack",
            self.name,
            "--work",
            str(self.directory),
            *args,
        ]
        return run_bounded(
            command,
            cwd=self.directory,
            env={**os.environ, **self.env},
            timeout=self.timeout,
            echo=echo,
            title=args[0],
        )

    def _quietly(self, *args: str) -> str:
        done = self.run(*args)
        if not done.ok:
            raise RuntimeError(f"automation.js {' '.join(args)}: {done.output}")
        return done.output


def typescript_example(setting: Setting) -> TypeScriptStack:
    """The TypeScript example, `examples/typescript`, in `<work>/typescript/<stack>/`."""
    install_example()
    return TypeScriptStack(
        setting.stack_name,
        setting.env,
        setting.work / "typescript" / setting.stack_name,
        setting.echo,
    )
