"""The benchmark's scaling stack: `imageCount` MachineImages, each from its own seeded snapshot.

Why this exists: "does a stack of 100 images cost 100 times a stack of one?" needs a program
whose only variable is the number of images. Each image is the example stack's image minus the
data volume, unprotected so that `destroy` can run without an `up` in between.
"""

import pulumi

from ami_lifecycle import MachineImage

config = pulumi.Config()
count = config.get_int("imageCount") or 1
snapshot_ids = [s for s in config.require("rootSnapshotIds").split(",") if s]
if len(snapshot_ids) < count:
    raise ValueError(f"rootSnapshotIds names {len(snapshot_ids)} snapshots, need {count}")

images = [
    MachineImage(
        f"image-{index}",
        {
            "image_name": f"bench-{pulumi.get_stack()}-{index}",
            "description": "benchmark image",
            "tags": {"stack": pulumi.get_stack()},
            "deregistration_protection": "disabled",
            "from_snapshots": {"root_device_name": "/dev/xvda", "architecture": "x86_64"},
            "block_device_mappings": [
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "snapshot_id": snapshot_ids[index],
                        "volume_type": "gp3",
                        "volume_initialization_rate": 200,
                    },
                }
            ],
        },
    )
    for index in range(count)
]

pulumi.export("imageIds", [image.image_id for image in images])
