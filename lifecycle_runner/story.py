"""A program's lifecycle story, and ``demo``, which plays it end to end on one emulator.

Why this exists: the demo shows a whole lifecycle (create, a refused destroy, a fix, a clean
destroy, nothing left behind) in one process, with one emulator it starts, seeds and stops.
What the story is (which commands with which config, which ones must fail and why, what to
seed, what must be gone at the end) belongs to the example, not to the runner: a story is
data, a :class:`Story` in the module ``lifecycle_story.py`` next to the program (``STORY``),
or given with ``--story FILE``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .aws_target import LEFTOVER_KINDS, AwsTarget, Seed, leftovers
from .display import Display
from .local_emulator import LOG_NAME, EmulatorProcess
from .runner import STATE_NAME, CommandResult, RunOptions, run_command
from .stack_lock import stack_lock

STORY_FILE = "lifecycle_story.py"
# Until the example stack carries its own story file, the runner ships the example's story.
BUNDLED_EXAMPLE_STORY = Path(__file__).with_name("example_story.py")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StoryStep:
    command: str
    title: str
    config: Mapping[str, str] = field(default_factory=dict)
    expect_failure: bool = False
    # A failing step's errors must mention this (case-insensitive), e.g. the provider's reason.
    expect_error: str = ""

    def check(self, result: CommandResult) -> str | None:
        """Why the result is not what the story expects, or None."""
        if self.expect_failure and result.ok:
            return "expected this command to fail, but it succeeded"
        if not self.expect_failure and not result.ok:
            return "expected this command to succeed, but it failed"
        if self.expect_error:
            text = "\n".join(result.errors).lower()
            if self.expect_error.lower() not in text:
                return f"expected the errors to mention {self.expect_error!r}"
        return None


@dataclass(frozen=True)
class Story:
    title: str
    steps: tuple[StoryStep, ...]
    config: Mapping[str, str] = field(default_factory=dict)
    seed: Seed | None = None
    region: str = "us-east-1"
    # Kinds (of aws_target.LEFTOVER_KINDS) that must be gone when the story ends.
    must_be_gone: tuple[str, ...] = ()


class StoryError(Exception):
    pass


def story_path(program: Path, given: Path | None) -> Path | None:
    if given is not None:
        return given
    beside = program / STORY_FILE
    if beside.is_file():
        return beside
    if program.resolve() == REPO_ROOT:
        return BUNDLED_EXAMPLE_STORY
    return None


def load_story(path: Path) -> Story:
    spec = importlib.util.spec_from_file_location("lifecycle_story", path)
    if spec is None or spec.loader is None:
        raise StoryError(f"cannot load a story from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    story = getattr(module, "STORY", None)
    if not isinstance(story, Story):
        raise StoryError(f"{path} defines no STORY = Story(...)")
    unknown = sorted(set(story.must_be_gone) - set(LEFTOVER_KINDS))
    if unknown:
        raise StoryError(
            f"{path}: must_be_gone names unknown kinds {unknown}; use {LEFTOVER_KINDS}"
        )
    return story


def run_story(
    story: Story,
    *,
    program: Path,
    stack: str,
    work_dir: Path,
    endpoint: str | None,
    extra_config: Mapping[str, str],
    policy_pack: Path | None,
    policy_config: Path | None,
    display: Display,
) -> int:
    """Play the story; 0 if every step went as expected and nothing is left behind.

    Holds the work folder's lock throughout (:class:`~lifecycle_runner.stack_lock.StackLockedError`
    if another command has it): the story starts by discarding the folder's state.
    """
    with stack_lock(work_dir, "demo"):
        return _play(
            story,
            program=program,
            stack=stack,
            work_dir=work_dir,
            endpoint=endpoint,
            extra_config=extra_config,
            policy_pack=policy_pack,
            policy_config=policy_config,
            display=display,
        )


def _play(
    story: Story,
    *,
    program: Path,
    stack: str,
    work_dir: Path,
    endpoint: str | None,
    extra_config: Mapping[str, str],
    policy_pack: Path | None,
    policy_config: Path | None,
    display: Display,
) -> int:
    display.line(f"Demo: {story.title}")
    (work_dir / STATE_NAME).unlink(missing_ok=True)  # a new story starts from an empty stack
    emulator: EmulatorProcess | None = None
    if endpoint is None:
        emulator = EmulatorProcess.start(work_dir / LOG_NAME, detached=False)
        endpoint = emulator.endpoint_url
        display.line(f"Local EC2 emulator for this demo: {endpoint} (pid {emulator.pid})")
    try:
        target = AwsTarget(endpoint, story.region)
        seeded = story.seed(target) if story.seed is not None else {}
        for key, value in seeded.items():
            display.line(f"  seeded {key} = {value}")
        target = AwsTarget(endpoint, story.region, seeded)
        for number, step in enumerate(story.steps, 1):
            display.heading(f"=== Step {number}/{len(story.steps)}: {step.title} ===")
            result = run_command(
                RunOptions(
                    command=step.command,
                    program=program,
                    stack=stack,
                    config={**story.config, **step.config, **extra_config},
                    policy_pack=policy_pack,
                    policy_config=policy_config,
                    work_dir=work_dir,
                ),
                target,
                display,
            )
            problem = step.check(result)
            if problem is not None:
                display.error(f"step {number} ({step.title}): {problem}")
                return 1
            display.line(f"=== Step {number} went as the story expects ===")
        if story.must_be_gone:
            left = leftovers(target, story.must_be_gone)
            display.heading("Asking the emulator what is left:")
            for kind, ids in left.items():
                display.line(f"  {kind}: {', '.join(ids) if ids else 'none left'}")
            if any(left.values()):
                display.error("the story ended with resources left behind")
                return 1
        display.heading("Demo succeeded.")
        return 0
    finally:
        if emulator is not None:
            emulator.stop()
