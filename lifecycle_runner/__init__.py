"""Local lifecycle runner: a Pulumi Python program's whole lifecycle, offline, through the real
dynamic provider and policy protocols (dev tool).

Why this exists: there is no Pulumi CLI here, yet "it works under ``pulumi up``" must be
shown. The runner plays the CLI's part: it runs the program with the Python SDK, drives every
dynamic resource through a real ``python -u -m pulumi.dynamic`` provider host over gRPC
(Configure, Check, Diff, Create, Read, Update, Delete, with ``__provider`` as the SDK pickled
it), shows resources to a real ``python -u -m pulumi.policy`` pack (Analyze, AnalyzeStack),
keeps a state file between commands, and points every AWS call at a local EC2 emulator.

Python API (what the CLI and the tests use)::

    from lifecycle_runner import AwsTarget, RunOptions, run_command
    result = run_command(RunOptions("up", program=Path("..."), stack="dev"),
                         AwsTarget("http://127.0.0.1:PORT"))
    result.exit_code, result.steps, result.errors, result.outputs

Command line: ``python -m lifecycle_runner {preview,up,refresh,destroy,demo} ...`` (see
:mod:`lifecycle_runner.cli`).
"""

from .aws_target import AwsTarget
from .runner import CommandResult, RunOptions, run_command

__all__ = ["AwsTarget", "CommandResult", "RunOptions", "run_command"]
