"""The Go example (`examples/go`) as a driver of the demo story.

No Go language host can be had here, so the example is its own Automation API runner: its
program is a Go Automation API inline program, and one invocation of the binary runs one CLI
operation (`up`, `destroy`, `preview`, `config`, `export`) with the pinned CLI, streaming the
CLI's output. The binary is built once (`build_example`, under .tools/); each stack's project
file, settings, state and PULUMI_HOME are in its own folder of the story's work folder, so
nothing lands in the repository. Each command is bounded as `ProjectFolder.run`'s are: one still
running after its timeout is stopped, with the CLI and every plugin it started.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bounded import run_bounded
from .stack import ROOT, TOOLS, CliResult

if TYPE_CHECKING:
    # Only for annotations: story.py imports this module to list the Go driver.
    from .story import Setting

__all__ = ["BINARY", "EXAMPLE", "GoStack", "build_example", "go_example"]

EXAMPLE = ROOT / "examples" / "go"
BINARY = TOOLS / "go" / "golden-image"
#: The folder with the provider plugin, as the example projects' `plugins.providers` name it.
PLUGINS = ROOT / ".venv" / "bin"
#: Seconds one step may take: each takes a few here (as the story's plain `pulumi` commands).
COMMAND_TIMEOUT = 60.0
#: Seconds the build may take: with Go's caches empty it compiles the Pulumi Go SDK and its
#: dependencies (minutes on 2 cores); with them warm and nothing changed, under a second.
BUILD_TIMEOUT = 900.0


@functools.cache
def build_example(output: Path = BINARY, *, timeout: float = BUILD_TIMEOUT) -> Path:
    """The Go example built into `output`, once per process (and by Go only when its sources or
    the SDK's changed: `go build -o` leaves an up-to-date binary alone)."""
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("Go (1.26 or newer) is needed to build examples/go")
    built = run_bounded(
        [go, "build", "-buildvcs=false", "-o", str(output), "."],
        cwd=EXAMPLE,
        env=os.environ,
        timeout=timeout,
    )
    if not built.ok:
        raise RuntimeError(f"go build in {EXAMPLE} failed:\n{built.output}")
    return output


@dataclass
class GoStack:
    """One stack of the Go example: each command is one run of its binary, in `directory`
    (which holds the stack's project file, settings, state and PULUMI_HOME)."""

    binary: Path
    name: str
    directory: Path
    env: Mapping[str, str]
    echo: Callable[[str], Any] = print
    timeout: float | None = COMMAND_TIMEOUT
    """Seconds a command may take; a command still running then is stopped, with the CLI and
    the plugins it started, and fails."""

    def set_config(self, values: Mapping[str, str]) -> None:
        self._quietly("config", *(f"{key}={value}" for key, value in values.items()))

    def up(self) -> CliResult:
        return self._run("up", echo=self.echo)

    def destroy(self) -> CliResult:
        return self._run("destroy", echo=self.echo)

    def preview(self, *, policy_packs: Sequence[str] = ()) -> CliResult:
        packs = [part for pack in policy_packs for part in ("-policy-pack", pack)]
        return self._run("preview", *packs, echo=self.echo)

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources, as `pulumi stack export` has them."""
        with tempfile.TemporaryDirectory() as scratch:
            exported = Path(scratch) / "stack.json"
            self._quietly("export", "-file", str(exported))
            deployment = json.loads(exported.read_text()).get("deployment") or {}
        return list(deployment.get("resources") or [])

    def _run(self, *args: str, echo: Callable[[str], Any] | None = None) -> CliResult:
        (self.directory / "state").mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            # Set here, not left to the runner's defaults: a user's own backend or home in the
            # environment must not receive the story's stacks.
            "PULUMI_BACKEND_URL": (self.directory / "state").as_uri(),
            "PULUMI_HOME": str(self.directory / "pulumi-home"),
        }
        command = [
            str(self.binary),
            "-stack",
            self.name,
            "-work",
            str(self.directory),
            "-pulumi",
            str(TOOLS),
            "-plugins",
            str(PLUGINS),
            *args,
        ]
        return run_bounded(
            command,
            cwd=self.directory,
            env=env,
            timeout=self.timeout,
            echo=echo,
            title=f"{self.binary.name} {args[0]}",
            # This stack's own PULUMI_HOME: the runner, the CLI and its plugins inherit it.
            marks={"PULUMI_HOME": env["PULUMI_HOME"]},
        )

    def _quietly(self, *args: str) -> None:
        done = self._run(*args)
        if not done.ok:
            raise RuntimeError(f"{self.binary.name} {' '.join(args)}: {done.output}")


def go_example(setting: Setting) -> GoStack:
    """The Go example, `examples/go`, built once; its stack in `<work>/go/<stack>/`."""
    return GoStack(
        build_example(),
        setting.stack_name,
        setting.work / "go" / setting.stack_name,
        setting.env,
        setting.echo,
    )
