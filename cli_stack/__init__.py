"""The example stack through the real Pulumi CLI, on the local EC2 emulator.

Why this exists: users run `pulumi up`; this runs the same engine. The CLI is the one
scripts/install-pulumi.sh builds (or finds); the program runs as an Automation API inline
program, the Pulumi Python SDK's own language runtime for programs it hosts, because no Python
language host (`pulumi-language-python`) can be built here (see README). Everything else is the
CLI's: the engine, the local file backend, secrets, the provider plugin and the policy analyzer
it launches, and the output it prints. `ProjectFolder` runs plain `pulumi` commands in a YAML
project folder, whose language host does build here.
"""

from .project import ProjectFolder
from .stack import CliStack, cli_environment

__all__ = ["CliStack", "ProjectFolder", "cli_environment"]
