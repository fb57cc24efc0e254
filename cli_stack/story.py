"""The example stack's story, through the real Pulumi CLI: `make demo`.

`up` creates a protected image from a snapshot (and snapshots a data volume for it); `destroy`
is refused because of deregistration protection; protection is turned off and `up` applies it;
`destroy` deregisters the image with DeleteAssociatedSnapshots; then `pulumi preview` with the
policy pack blocks the unprotected image; finally the emulator is asked, and no image and no
snapshot of the stack is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ec2_emulator import EmulatorServer

from .stack import ROOT, CliResult, CliStack, cli_environment

__all__ = ["REGION", "StoryFailedError", "play", "seed"]

REGION = "us-east-1"


class StoryFailedError(RuntimeError):
    """A step of the story did not do what the story says it does."""


@dataclass
class _Step:
    title: str
    run: Callable[[], CliResult]
    should_succeed: bool
    expect: str


def seed(server: EmulatorServer) -> dict[str, str]:
    """A root snapshot to register the image from; a data volume the component snapshots."""
    ec2 = server.client(REGION)
    zone = f"{REGION}a"
    root = ec2.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=root, Description="root device of the example image")
    data = ec2.create_volume(AvailabilityZone=zone, Size=4, VolumeType="gp3")["VolumeId"]
    return {"rootSnapshotId": snapshot["SnapshotId"], "dataVolumeId": data}


def play(
    stack_name: str = "demo",
    *,
    work: Path | None = None,
    echo: Callable[[str], Any] = print,
    steps: int | None = None,
) -> None:
    """Run the story (its first `steps` steps) against a fresh local emulator; raise
    `StoryFailedError` if a step doesn't do what it says."""
    with EmulatorServer() as server:
        seeded = seed(server)
        stack = CliStack(stack_name, cli_environment(server.endpoint_url, REGION), echo=echo)
        if work is not None:
            stack.work = work
        if stack.resources():
            raise StoryFailedError(
                f"stack {stack_name!r} in {stack.directory} still has resources from an earlier "
                "run whose emulator is gone: delete that folder and run again"
            )
        stack.set_config({"ami-lifecycle:region": REGION, **seeded, "protection": "enabled"})
        policies = [stack.policy_pack(ROOT / "policies")]

        def unprotect_and_up() -> CliResult:
            stack.set_config({"protection": "disabled"})
            return stack.up()

        steps_of_story = [
            _Step("pulumi up: a protected image", stack.up, True, "created"),
            _Step(
                "pulumi destroy: refused, the image is protected",
                stack.destroy,
                False,
                "deregistration protection is on",
            ),
            _Step("pulumi up: protection disabled in place", unprotect_and_up, True, "updated"),
            _Step(
                "pulumi destroy: one DeregisterImage, every snapshot reported",
                stack.destroy,
                True,
                "success (deleted)",
            ),
            _Step(
                "pulumi preview --policy-pack policies: an unprotected image is blocked",
                lambda: stack.preview(policy_packs=policies),
                False,
                "ami-deregistration-protection",
            ),
        ]
        story = [*steps_of_story[: len(steps_of_story) if steps is None else steps]]
        for number, step in enumerate(story, 1):
            echo(f"\n=== {number}. {step.title}")
            result = step.run()
            if result.ok != step.should_succeed or step.expect not in result.output:
                raise StoryFailedError(
                    f"step {number} ({step.title}) "
                    f"{'failed' if not result.ok else 'succeeded'} without {step.expect!r}"
                )
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
