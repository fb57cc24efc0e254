"""One stack of the example project, driven through the real Pulumi CLI.

The stack lives in `.work/cli/<stack>/`: a copy of the project file, the local file backend and
its own PULUMI_HOME, so nothing touches the user's Pulumi settings. The demo's secrets
passphrase is fixed and public: it protects nothing but the demo's own state.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
DEMO_PASSPHRASE = "ami-lifecycle-demo"

__all__ = ["CliResult", "CliStack", "cli_environment"]


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
            operation(on_output=output, color="never", **options)
        except auto.errors.CommandError as failure:
            # Its text repeats stdout (already shown) and adds the exit code and stderr.
            stderr = str(failure).rpartition(" stderr: ")[2].strip()
            if stderr:
                self.echo(stderr)
            return CliResult(False, "\n".join([*lines, stderr]))
        return CliResult(True, "\n".join(lines))
