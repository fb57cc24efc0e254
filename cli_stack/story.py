"""The example stack's story, through the real Pulumi CLI: `make demo`.

`up` creates a protected image from a snapshot (and snapshots a data volume for it); `destroy`
is refused because of deregistration protection; protection is turned off and `up` applies it;
`destroy` deregisters the image with DeleteAssociatedSnapshots; then `pulumi preview` with the
policy pack blocks the unprotected image; finally the emulator is asked, and no image and no
snapshot of the stack is left.

The story is the same in every Pulumi language: a `StoryDriver` is one stack of one language's
program, and answers the few commands the story plays (config, up, destroy, preview, and the
stack's resources). `CliStack` plays the Python example (`__main__.py`) as an Automation API
inline program; `ProjectStack` plays a project folder with plain `pulumi` commands, as a user
types them, such as the YAML example (`examples/yaml`). Each step's output is checked against
what the emulator says happened, not against what the program exports, so a program the project
has never seen is held to the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ec2_emulator import EmulatorServer

from .golang import go_example
from .project import ProjectFolder, ProjectStack, copy_project, policy_pack_launcher
from .stack import ROOT, CliResult, CliStack, cli_environment
from .typescript import typescript_example

__all__ = [
    "EXAMPLES",
    "LANGUAGES",
    "REGION",
    "Driver",
    "Setting",
    "StoryDriver",
    "StoryFailedError",
    "play",
    "python_example",
    "seed",
    "yaml_project",
]

REGION = "us-east-1"
EXAMPLES = ROOT / "examples"
#: Seconds a plain `pulumi` command of the story may take: each takes a few here, so a command
#: still running then is stuck, and fails its step instead of stalling the story.
COMMAND_TIMEOUT = 60.0


class StoryFailedError(RuntimeError):
    """A step of the story did not do what the story says it does."""


class StoryDriver(Protocol):
    """One stack of one language's program, as the story plays it."""

    @property
    def directory(self) -> Path:
        """The stack's own folder, with its state (the policy-pack launcher is written there)."""
        ...

    def set_config(self, values: Mapping[str, str]) -> None: ...

    def up(self) -> CliResult: ...

    def destroy(self) -> CliResult: ...

    def preview(self, *, policy_packs: Sequence[str]) -> CliResult: ...

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources, as `pulumi stack export` has them."""
        ...


@dataclass(frozen=True)
class Setting:
    """What a driver is made from."""

    stack_name: str
    env: Mapping[str, str]
    """The CLI's environment, pointed at this story's emulator (`cli_environment`)."""
    work: Path
    """The folder the story's stacks live in (state, PULUMI_HOME, copies of projects)."""
    echo: Callable[[str], Any]
    """Where the CLI's output goes."""


Driver = Callable[[Setting], StoryDriver]


def python_example(setting: Setting) -> CliStack:
    """The Python example, `__main__.py`, in `<work>/<stack>/`."""
    return CliStack(setting.stack_name, setting.env, work=setting.work, echo=setting.echo)


def yaml_project(source: Path, *, timeout: float = COMMAND_TIMEOUT) -> Driver:
    """The project folder `source` (a YAML program), copied to
    `<work>/<source's name>/<stack>/project/` (its state and PULUMI_HOME beside it), so that
    no stack file or state lands in `source`."""

    def driver(setting: Setting) -> ProjectStack:
        stack = setting.work / source.name / setting.stack_name
        copy = copy_project(source, stack / "project")
        return ProjectStack(
            ProjectFolder(copy, setting.env, timeout=timeout), setting.stack_name, setting.echo
        )

    return driver


LANGUAGES: dict[str, Driver] = {
    "go": go_example,
    "python": python_example,
    "typescript": typescript_example,
    "yaml": yaml_project(EXAMPLES / "yaml"),
}


def seed(server: EmulatorServer) -> dict[str, str]:
    """A root snapshot to register the image from; a data volume the component snapshots."""
    ec2 = server.client(REGION)
    zone = f"{REGION}a"
    root = ec2.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=root, Description="root device of the example image")
    data = ec2.create_volume(AvailabilityZone=zone, Size=4, VolumeType="gp3")["VolumeId"]
    return {"rootSnapshotId": snapshot["SnapshotId"], "dataVolumeId": data}


@dataclass
class _Step:
    title: str
    run: Callable[[], CliResult]
    should_succeed: bool
    check: Callable[[CliResult], Iterator[str]]
    """What is wrong with the step, if anything: its output and the emulator's answers."""


@dataclass(frozen=True)
class _Image:
    """The image the first `up` made, as EC2 has it."""

    image_id: str
    name: str
    snapshot_ids: tuple[str, ...]


class _Story:
    def __init__(self, driver: StoryDriver, server: EmulatorServer, policies: list[str]) -> None:
        self.driver = driver
        self.ec2 = server.client(REGION)
        self.policies = policies
        self.image: _Image | None = None

    def steps(self) -> list[_Step]:
        return [
            _Step("pulumi up: a protected image", self.driver.up, True, self.created),
            _Step(
                "pulumi destroy: refused, the image is protected",
                self.driver.destroy,
                False,
                self.refused,
            ),
            _Step(
                "pulumi up: protection disabled in place", self.unprotect_and_up, True, self.updated
            ),
            _Step(
                "pulumi destroy: one DeregisterImage, every snapshot reported",
                self.driver.destroy,
                True,
                self.deleted,
            ),
            _Step(
                "pulumi preview --policy-pack policies: an unprotected image is blocked",
                lambda: self.driver.preview(policy_packs=self.policies),
                False,
                self.blocked,
            ),
        ]

    def unprotect_and_up(self) -> CliResult:
        self.driver.set_config({"protection": "disabled"})
        return self.driver.up()

    def images(self) -> list[Any]:
        return list(self.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"])

    def made(self) -> _Image:
        assert self.image is not None, "the first step records the image"
        return self.image

    def created(self, result: CliResult) -> Iterator[str]:
        if "created" not in result.output:
            yield "no resource reported 'created'"
        images = self.images()
        if len(images) != 1:
            yield f"{len(images)} images in EC2, not one"
            return
        [image] = images
        self.image = _Image(
            image["ImageId"],
            image["Name"],
            tuple(
                m["Ebs"]["SnapshotId"]
                for m in image.get("BlockDeviceMappings", [])
                if "SnapshotId" in m.get("Ebs", {})
            ),
        )
        if image.get("DeregistrationProtection") != "enabled-without-cooldown":
            yield f"its deregistration protection is {image.get('DeregistrationProtection')!r}"

    def refused(self, result: CliResult) -> Iterator[str]:
        image = self.made()
        message = (
            f"deleting EC2 AMI ({image.image_id}): deregistration protection is on "
            f"(enabled-without-cooldown). To delete '{image.name}', set its "
            'deregistrationProtection to "disabled", run `pulumi up`, then run `pulumi destroy` '
            "again."
        )
        if message not in result.output:
            yield f"the refusal does not say {message!r}"
        if [i["ImageId"] for i in self.images()] != [image.image_id]:
            yield f"{image.image_id} is not in EC2 any more"

    def updated(self, result: CliResult) -> Iterator[str]:
        if "updated" not in result.output:
            yield "no resource reported 'updated'"
        image = self.made()
        now = [i.get("DeregistrationProtection") for i in self.images()]
        if now != ["disabled"]:
            yield f"{image.image_id}'s deregistration protection is {now}, not ['disabled']"

    def deleted(self, result: CliResult) -> Iterator[str]:
        image = self.made()
        if "success (deleted)" not in result.output:
            yield "no snapshot reported 'success (deleted)'"
        for snapshot_id in image.snapshot_ids:
            if f"{snapshot_id}: success (deleted)" not in result.output:
                yield f"{snapshot_id} of {image.image_id} is not reported 'success (deleted)'"
        if self.images():
            yield f"{image.image_id} is still in EC2"

    def blocked(self, result: CliResult) -> Iterator[str]:
        for text in (
            "[mandatory]  ami-deregistration-protection",
            'deregistrationProtection must be "enabled" or "enabled-with-cooldown", not '
            '"disabled".',
        ):
            if text not in result.output:
                yield f"the policy pack's report lacks {text!r}"


def _judge(number: int, step: _Step, result: CliResult) -> None:
    name = f"step {number} ({step.title})"
    if result.ok != step.should_succeed:
        raise StoryFailedError(
            f"{name} {'failed' if not result.ok else 'succeeded'}, which it should not"
        )
    # A user never meets a Python traceback, in any step.
    if "Traceback" in result.output:
        raise StoryFailedError(f"{name} printed a Python traceback")
    problems = list(step.check(result))
    if problems:
        raise StoryFailedError(f"{name}: {'; '.join(problems)}")


def play(
    stack_name: str = "demo",
    *,
    work: Path | None = None,
    echo: Callable[[str], Any] = print,
    steps: int | None = None,
    driver: Driver = python_example,
) -> None:
    """Run the story (its first `steps` steps) against a fresh local emulator, with the stack
    `driver` makes (by default the Python example's); raise `StoryFailedError` if a step doesn't
    do what it says."""
    with EmulatorServer() as server:
        seeded = seed(server)
        stack = driver(
            Setting(
                stack_name,
                cli_environment(server.endpoint_url, REGION),
                ROOT / ".work" / "cli" if work is None else work,
                echo,
            )
        )
        if stack.resources():
            raise StoryFailedError(
                f"stack {stack_name!r} in {stack.directory} still has resources from an earlier "
                "run whose emulator is gone: delete that folder and run again"
            )
        # `imageName` is what the Python example defaults to; programs that can't compute it
        # (YAML has no conditionals) read it, and the others leave it unused.
        stack.set_config(
            {
                "ami-lifecycle:region": REGION,
                **seeded,
                "protection": "enabled",
                "imageName": f"golden-{stack_name}",
            }
        )
        story = _Story(stack, server, [policy_pack_launcher(ROOT / "policies", stack.directory)])
        steps_of_story = story.steps()
        for number, step in enumerate(steps_of_story[:steps], 1):
            echo(f"\n=== {number}. {step.title}")
            _judge(number, step, step.run())
        if steps is not None:
            return
        ec2 = server.client(REGION)
        images = ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
        snapshots = [
            s["SnapshotId"]
            for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
            if s["SnapshotId"] != seeded["rootSnapshotId"]
        ]
        echo(
            f"\n=== left in EC2: {len(images)} image(s), "
            f"{len(snapshots)} snapshot(s) made by the stack"
        )
        if images or snapshots:
            raise StoryFailedError(f"left behind: {images or ''} {snapshots or ''}")
