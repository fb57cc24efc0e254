"""A Pulumi project folder driven with plain `pulumi` commands, as a user types them.

The CLI loads the program through the project's language host; of the hosts, only YAML's builds
here (scripts/install-pulumi.sh), so this serves YAML projects: `pulumi import`, and `pulumi up`
in a folder. State and PULUMI_HOME live beside the project, as for `CliStack`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .stack import TOOLS, CliResult

__all__ = ["ProjectFolder"]


@dataclass
class ProjectFolder:
    directory: Path
    env: Mapping[str, str]

    def run(self, *args: str) -> CliResult:
        """`pulumi <args>` in the project folder, non-interactively; its whole output."""
        state = self.directory.parent / f"{self.directory.name}-state"
        state.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "PULUMI_BACKEND_URL": state.as_uri(),
            "PULUMI_HOME": str(self.directory.parent / f"{self.directory.name}-home"),
        }
        done = subprocess.run(
            [str(TOOLS / "bin" / "pulumi"), *args, "--non-interactive", "--color=never"],
            cwd=self.directory,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return CliResult(done.returncode == 0, done.stdout + done.stderr)
