"""The example stack's lifecycle story (``STORY``), played by ``python -m lifecycle_runner demo``.

Why this exists: these are the example stack's details, kept apart from the runner: its
config keys, what the emulator must hold before the first ``up``, and what each step must do.
It belongs beside the example's ``__main__.py`` as ``lifecycle_story.py``; the runner uses this
copy while there is none there.

The story: ``up`` creates a protected image from a snapshot; ``destroy`` is refused because of
deregistration protection; ``up`` with protection ``disabled`` turns it off in place;
``destroy`` deregisters the image with DeleteAssociatedSnapshots; no image and no snapshot are
left.
"""

from __future__ import annotations

from lifecycle_runner.aws_target import AwsTarget
from lifecycle_runner.story import Story, StoryStep

REGION = "us-east-1"


def seed(target: AwsTarget) -> dict[str, str]:
    """A root snapshot to register the image from; a data volume the component snapshots."""
    ec2 = target.client("ec2")
    zone = f"{target.region}a"
    root = ec2.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")
    snapshot = ec2.create_snapshot(
        VolumeId=root["VolumeId"], Description="root device of the example image"
    )
    data = ec2.create_volume(AvailabilityZone=zone, Size=4, VolumeType="gp3")
    return {
        "ami-lifecycle:rootSnapshotId": snapshot["SnapshotId"],
        "ami-lifecycle:dataVolumeId": data["VolumeId"],
    }


STORY = Story(
    title="a protected golden image, from creation to a clean destroy",
    region=REGION,
    config={"aws:region": REGION},
    seed=seed,
    steps=(
        StoryStep(
            "up",
            "create the image with deregistration protection enabled",
            config={"ami-lifecycle:protection": "enabled"},
        ),
        StoryStep(
            "destroy",
            "destroy is refused: the image is protected from deregistration",
            expect_failure=True,
            expect_error="protect",
        ),
        StoryStep(
            "up",
            "disable the protection in place",
            config={"ami-lifecycle:protection": "disabled"},
        ),
        StoryStep(
            "destroy",
            "destroy deregisters the image and deletes its snapshots",
        ),
    ),
    must_be_gone=("images", "snapshots"),
)
