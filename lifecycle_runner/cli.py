"""``python -m lifecycle_runner {preview,up,refresh,destroy,demo}``: the command line.

Why this exists: it turns flags into :class:`~lifecycle_runner.runner.RunOptions` and decides
where AWS is: ``--endpoint URL``, or the local EC2 emulator (long-lived per work folder for
the four commands, one per run for ``demo``; see :mod:`lifecycle_runner.local_emulator`).
The stack's lock (:mod:`lifecycle_runner.stack_lock`) is taken first and held until the end,
so that the emulator record, like the state, has one writer at a time.
Exit status: 0 on success, 1 when anything failed, 2 for a usage error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .aws_target import DEFAULT_REGION, AwsTarget
from .display import Display
from .local_emulator import EmulatorError, long_lived_emulator, stop_long_lived_emulator
from .runner import COMMANDS, STATE_NAME, RunOptions, run_command
from .stack_config import ConfigError, parse_assignments, project_name, stack_config
from .stack_lock import StackLockedError, stack_lock
from .state import StackState, StateError, load_state
from .story import REPO_ROOT, Story, StoryError, load_story, run_story, story_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lifecycle_runner",
        description="Run a Pulumi Python program's lifecycle through Pulumi's real dynamic "
        "provider and policy protocols, offline, against a local EC2 emulator.",
    )
    parser.add_argument("command", choices=[*COMMANDS, "demo"])
    parser.add_argument(
        "--program",
        type=Path,
        default=REPO_ROOT,
        help="folder with Pulumi.yaml and __main__.py (default: the example stack)",
    )
    parser.add_argument("--stack", default="dev", help="stack name (default: dev)")
    parser.add_argument(
        "--config",
        action="extend",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="stack config; kept for later commands like `pulumi config set` (repeatable)",
    )
    parser.add_argument("--policy-pack", type=Path, help="a policy pack folder (PulumiPolicy.yaml)")
    parser.add_argument("--policy-config", type=Path, help="a policy config JSON file")
    parser.add_argument(
        "--endpoint", help="AWS endpoint URL to use instead of starting the local emulator"
    )
    parser.add_argument(
        "--work-dir", type=Path, help="state and emulator files (default: .work/<stack>)"
    )
    parser.add_argument(
        "--story",
        type=Path,
        help="demo: the story file (default: lifecycle_story.py beside the program)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    display = Display()
    program: Path = args.program.resolve()
    try:
        project = project_name(program)
        overrides = parse_assignments(args.config, project)
        found = story_path(program, args.story)
        story = load_story(found) if found is not None else None
        if args.command == "demo":
            if story is None:
                raise StoryError(
                    f"no story for {program}: give --story or add a lifecycle_story.py"
                )
            return run_story(
                story,
                program=program,
                stack=args.stack,
                work_dir=(args.work_dir or Path(".work") / f"demo-{args.stack}").resolve(),
                endpoint=args.endpoint,
                extra_config=overrides,
                policy_pack=args.policy_pack,
                policy_config=args.policy_config,
                display=display,
            )
        options = RunOptions(
            command=args.command,
            program=program,
            stack=args.stack,
            config=overrides,
            policy_pack=args.policy_pack,
            policy_config=args.policy_config,
            work_dir=args.work_dir,
        )
        with stack_lock(options.resolved_work_dir(), args.command):
            return _run(options, project, args.endpoint, story, display)
    except (ConfigError, StateError, StoryError, EmulatorError, StackLockedError) as error:
        display.error(str(error))
        return 1
    except KeyboardInterrupt:
        # What the command left pending has been said and saved; a traceback would add nothing.
        display.error("interrupted")
        return 130


def _run(
    options: RunOptions, project: str, endpoint: str | None, story: Story | None, display: Display
) -> int:
    work_dir = options.resolved_work_dir()
    saved = load_state(work_dir / STATE_NAME, project, options.stack)
    region = _region(options, project, saved)
    if endpoint:
        target = AwsTarget(endpoint, region)
    else:
        target = long_lived_emulator(
            work_dir,
            region=region,
            seed=story.seed if story is not None else None,
            display=display,
            # What may live in the emulator: dynamic resources, and what pending creates made.
            resources_in_state=sum(r.kind == "dynamic" for r in saved.resources)
            + len(saved.pending),
        )
    result = run_command(options, target, display)
    if (
        not endpoint
        and options.command == "destroy"
        and result.ok
        and result.resources_left == 0
        and stop_long_lived_emulator(work_dir)
    ):
        display.line("The stack is empty: stopped its local EC2 emulator.")
    return result.exit_code


def _region(options: RunOptions, project: str, saved: StackState) -> str:
    """``aws:region`` of the stack's config (saved and given, before seeding), or the default."""
    config = stack_config(
        options.program,
        project,
        options.stack,
        seeded={},
        overrides={**saved.config_overrides, **options.config},
    )
    return config.get("aws:region", DEFAULT_REGION)
