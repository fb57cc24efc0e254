"""The example stack's story, through the real Pulumi CLI: `make demo`.

`up` creates a protected image from a snapshot (and snapshots a data volume for it), deprecated
at the story's `deprecationTime`, with an encrypted copy in `copyRegion` where the program
declares one; `destroy` is refused because of deregistration protection; protection is turned
off and `up` applies it; `destroy` is refused again because a launch template made outside the
stack still uses the image (DescribeImageReferences), naming it; once that template is gone,
`destroy` deregisters the image with DeleteAssociatedSnapshots; then `pulumi preview` with the
policy pack blocks the unprotected image; finally the emulator is asked, and no image and no
snapshot of the stack is left, in either Region.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ec2_emulator import EmulatorServer

from .golang import go_example
from .project import ProjectFolder, ProjectStack, copy_project, policy_pack_launcher
from .stack import ROOT, CliResult, CliStack, cli_environment
from .typescript import typescript_example

__all__ = [
    "COPY_REGION",
    "EXAMPLES",
    "LANGUAGES",
    "REGION",
    "Driver",
    "Setting",
    "StoryDriver",
    "StoryFailedError",
    "lifecycle_settings",
    "play",
    "python_example",
    "seed",
    "yaml_project",
]

REGION = "us-east-1"
COPY_REGION = "us-west-2"
#: How far ahead the story's images are deprecated: within the policy pack's default limit.
DEPRECATION_AHEAD = timedelta(days=180)
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


def lifecycle_settings(now: datetime | None = None) -> dict[str, str]:
    """The story's deprecation time (a whole minute, as AWS keeps it) and copy Region."""
    at = (now or datetime.now(UTC)) + DEPRECATION_AHEAD
    return {
        "deprecationTime": at.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "copyRegion": COPY_REGION,
    }


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
    def __init__(
        self,
        driver: StoryDriver,
        server: EmulatorServer,
        policies: list[str],
        settings: Mapping[str, str],
        echo: Callable[[str], Any],
    ) -> None:
        self.driver = driver
        self.ec2 = server.client(REGION)
        self.copy_ec2 = server.client(COPY_REGION)
        self.policies = policies
        self.settings = settings
        self.echo = echo
        self.image: _Image | None = None
        self.copies: list[str] = []
        self.launch_template_id = ""

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
                "pulumi destroy: refused, a launch template still uses the image",
                self.use_in_launch_template_and_destroy,
                False,
                self.refused_in_use,
            ),
            _Step(
                "pulumi destroy: one DeregisterImage, every snapshot reported",
                self.delete_launch_template_and_destroy,
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

    def use_in_launch_template_and_destroy(self) -> CliResult:
        """Someone else's launch template starts instances from the image."""
        template = self.ec2.create_launch_template(
            LaunchTemplateName="web-servers",
            LaunchTemplateData={"ImageId": self.made().image_id, "InstanceType": "t3.micro"},
        )
        self.launch_template_id = template["LaunchTemplate"]["LaunchTemplateId"]
        return self.driver.destroy()

    def delete_launch_template_and_destroy(self) -> CliResult:
        self.ec2.delete_launch_template(LaunchTemplateId=self.launch_template_id)
        return self.driver.destroy()

    def images(self) -> list[Any]:
        return list(self.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"])

    def copied(self) -> list[Any]:
        return list(self.copy_ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"])

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
        yield from self.lifecycle_of(image)

    def lifecycle_of(self, image: Any) -> Iterator[str]:
        """The image's deprecation and its copies, where the program declares them: said, and
        held to the story's settings."""
        deprecated = image.get("DeprecationTime")
        wanted = self.settings["deprecationTime"]
        if deprecated and _instant(deprecated) != _instant(wanted):
            yield f"it is deprecated at {deprecated}, not at {wanted}"
        copies = self.copied()
        self.copies = [c["ImageId"] for c in copies]
        for copy in copies:
            ebs = [m["Ebs"] for m in copy.get("BlockDeviceMappings", []) if "Ebs" in m]
            if copy.get("DeregistrationProtection") != "enabled-without-cooldown":
                yield f"its copy {copy['ImageId']} is not protected"
            if not ebs or not all(e.get("Encrypted") for e in ebs):
                yield f"its copy {copy['ImageId']} is not encrypted"
            if deprecated and copy.get("DeprecationTime") != deprecated:
                yield f"its copy {copy['ImageId']} is deprecated at {copy.get('DeprecationTime')}"
        listing = ", ".join(f"{COPY_REGION}: {c} (encrypted)" for c in self.copies) or "none"
        self.echo(f"=== deprecated at: {deprecated or 'never'}; copies: {listing}")

    def refused(self, result: CliResult) -> Iterator[str]:
        image = self.made()
        # A copy is deleted before its source, so its refusal may come first and alone.
        messages = [
            f"deleting EC2 AMI ({image_id}): deregistration protection is on "
            f"(enabled-without-cooldown). To delete '{image.name}', set its "
            'deregistrationProtection to "disabled", run `pulumi up`, then run `pulumi destroy` '
            "again."
            for image_id in (image.image_id, *self.copies)
        ]
        if not any(message in result.output for message in messages):
            yield f"the refusal does not say {messages[0]!r}"
        if [i["ImageId"] for i in self.images()] != [image.image_id]:
            yield f"{image.image_id} is not in EC2 any more"
        if [c["ImageId"] for c in self.copied()] != self.copies:
            yield f"its copies {self.copies} are not all in {COPY_REGION} any more"

    def updated(self, result: CliResult) -> Iterator[str]:
        if "updated" not in result.output:
            yield "no resource reported 'updated'"
        image = self.made()
        now = [i.get("DeregistrationProtection") for i in self.images()]
        if now != ["disabled"]:
            yield f"{image.image_id}'s deregistration protection is {now}, not ['disabled']"
        copies = [c.get("DeregistrationProtection") for c in self.copied()]
        if copies != ["disabled"] * len(self.copies):
            yield f"its copies' deregistration protection is {copies}, not disabled"

    def refused_in_use(self, result: CliResult) -> Iterator[str]:
        image = self.made()
        for text in (f"deleting EC2 AMI ({image.image_id})", self.launch_template_id):
            if text not in result.output:
                yield f"the refusal does not name {text!r}"
        if [i["ImageId"] for i in self.images()] != [image.image_id]:
            yield f"{image.image_id} is not in EC2 any more"
        if self.copied():
            # Nothing uses the copies: they go, their source stays.
            yield f"its copies are still in {COPY_REGION}"

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


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


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
        settings = lifecycle_settings()
        stack.set_config(
            {
                "ami-lifecycle:region": REGION,
                **seeded,
                "protection": "enabled",
                "imageName": f"golden-{stack_name}",
                **settings,
            }
        )
        story = _Story(
            stack,
            server,
            [policy_pack_launcher(ROOT / "policies", stack.directory)],
            settings,
            echo,
        )
        steps_of_story = story.steps()
        for number, step in enumerate(steps_of_story[:steps], 1):
            echo(f"\n=== {number}. {step.title}")
            _judge(number, step, step.run())
        if steps is not None:
            return
        images, snapshots = [], []
        for region in (REGION, COPY_REGION):
            ec2 = server.client(region)
            images += ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
            snapshots += [
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
