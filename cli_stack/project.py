"""A Pulumi project folder driven with plain `pulumi` commands, as a user types them.

The CLI loads the program through the project's language host; of the hosts, only YAML's builds
here (scripts/install-pulumi.sh), so this serves YAML projects: `pulumi import`, and `pulumi up`
in a folder. State and PULUMI_HOME live beside the project, as for `CliStack`.
`ProjectStack` is one stack of such a folder, with the commands the demo story plays.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .bounded import RunningCommand
from .stack import TOOLS, CliResult

__all__ = ["ProjectFolder", "ProjectStack", "copy_project", "policy_pack_launcher"]


def copy_project(source: Path, directory: Path) -> Path:
    """A copy of the project folder `source` as `directory`, its plugin paths made absolute
    (they are relative to the project's own folder, which the copy is not in)."""
    # Only the program: a user's stack files in `source` are not the copy's, and the copy's own
    # (from an earlier run) stay, as `CliStack` keeps its stack's.
    shutil.copytree(
        source, directory, ignore=shutil.ignore_patterns("Pulumi.*.yaml"), dirs_exist_ok=True
    )
    project = yaml.safe_load((source / "Pulumi.yaml").read_text())
    for plugin in project.get("plugins", {}).get("providers", []):
        plugin["path"] = str((source / plugin["path"]).resolve())
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return directory


def policy_pack_launcher(pack: Path, directory: Path) -> str:
    """What to pass to `--policy-pack` for the Python pack in `pack`, written in `directory`.

    The CLI starts a Python pack in a folder through the Python language host, which can't be
    built here; an executable it starts directly instead, as a binary analyzer. This one runs
    the pack with the same analyzer the language host would (`python -m pulumi.policy`), so the
    pack's own code, protocol and messages are what the CLI sees (as `CliStack.policy_pack`)."""
    directory.mkdir(parents=True, exist_ok=True)
    launcher = directory / f"policy-pack-{pack.name}"
    launcher.write_text(
        "#!/bin/sh\n"
        "# Started by the Pulumi CLI with the engine's address as its argument.\n"
        f'exec python3 -u -m pulumi.policy "$1" "{pack}"\n'
    )
    launcher.chmod(0o755)
    return str(launcher)


@dataclass
class ProjectFolder:
    directory: Path
    env: Mapping[str, str]
    timeout: float | None = None
    """Seconds a command may take; a command still running then is stopped, with the plugins
    and language host it started, and fails."""

    def run(self, *args: str, echo: Callable[[str], Any] | None = None) -> CliResult:
        """`pulumi <args>` in the project folder, non-interactively; its whole output (each line
        passed to `echo` too, as it comes)."""
        return self.start(*args, echo=echo).result(self.timeout)

    def start(self, *args: str, echo: Callable[[str], Any] | None = None) -> RunningCommand:
        """`pulumi <args>` started, not awaited: for a test to interrupt it as a user would."""
        state = self.directory.parent / f"{self.directory.name}-state"
        state.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "PULUMI_BACKEND_URL": state.as_uri(),
            "PULUMI_HOME": str(self.directory.parent / f"{self.directory.name}-home"),
        }
        return RunningCommand(
            [str(TOOLS / "bin" / "pulumi"), *args, "--non-interactive", "--color=never"],
            cwd=self.directory,
            env=env,
            echo=echo,
            title=" ".join(["pulumi", *args[:1]]),
        )


@dataclass
class ProjectStack:
    """One stack of a project folder: `up`, `preview` and `destroy` as plain commands (their
    output passed on to `echo`), its config and its resources."""

    folder: ProjectFolder
    name: str
    echo: Callable[[str], Any] = print
    _selected: bool = field(default=False, init=False)

    @property
    def directory(self) -> Path:
        """The folder that holds the project folder, its state and its PULUMI_HOME."""
        return self.folder.directory.parent

    def set_config(self, values: Mapping[str, str]) -> None:
        pairs = [
            part for key, value in values.items() for part in ("--plaintext", f"{key}={value}")
        ]
        self._quietly("config", "set-all", *pairs)

    def up(self, *options: str) -> CliResult:
        return self._shown("up", "--yes", *options)

    def start_up(self, *options: str) -> RunningCommand:
        """`pulumi up`, started: the caller interrupts it or waits for its `result`."""
        self._select()
        return self.folder.start("up", "--yes", *options, echo=self.echo)

    def preview(self, *options: str, policy_packs: Sequence[str] = ()) -> CliResult:
        packs = [part for pack in policy_packs for part in ("--policy-pack", pack)]
        return self._shown("preview", *packs, *options)

    def refresh(self, *options: str) -> CliResult:
        return self._shown("refresh", "--yes", *options)

    def destroy(self, *options: str) -> CliResult:
        return self._shown("destroy", "--yes", *options)

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources, as `pulumi stack export` has them."""
        with tempfile.TemporaryDirectory() as scratch:
            exported = Path(scratch) / "stack.json"
            self._quietly("stack", "export", "--file", str(exported))
            deployment = json.loads(exported.read_text()).get("deployment") or {}
        return list(deployment.get("resources") or [])

    def _select(self) -> None:
        if not self._selected:
            created = self.folder.run("stack", "select", "--create", self.name)
            if not created.ok:
                raise RuntimeError(f"pulumi stack select --create {self.name}: {created.output}")
            self._selected = True

    def _shown(self, *args: str) -> CliResult:
        self._select()
        return self.folder.run(*args, echo=self.echo)

    def _quietly(self, *args: str) -> None:
        self._select()
        done = self.folder.run(*args)
        if not done.ok:
            raise RuntimeError(f"pulumi {' '.join(args)}: {done.output}")
