"""Example stack: a protected golden image, registered from a snapshot, with fast volume start.

Config (see Pulumi.yaml): `rootSnapshotId` (required), `dataVolumeId`, `protection`, `imageName`,
`deprecationTime`, `copyRegion`, and `ami-lifecycle:region`. Launched volumes are initialised
from their snapshots at a provisioned rate (VolumeInitializationRate), so instances reach full
disk speed predictably; the copy in `copyRegion` is encrypted, and deprecated with the image.
"""

import pulumi

from pulumi_ami_lifecycle import BlockDeviceMappingArgs, MachineImage, MachineImageArgs

config = pulumi.Config()
root_snapshot_id = config.require("rootSnapshotId")
data_volume_id = config.get("dataVolumeId")

mappings: list[BlockDeviceMappingArgs] = [
    {
        "device_name": "/dev/xvda",
        "ebs": {
            "snapshot_id": root_snapshot_id,
            "volume_type": "gp3",
            "iops": 3000,
            "throughput": 125,
            "delete_on_termination": True,
            "volume_initialization_rate": 200,
        },
    }
]
if data_volume_id:
    # The component snapshots this volume first; the image owns that snapshot.
    mappings.append(
        {
            "device_name": "/dev/sdf",
            "ebs": {
                "volume_id": data_volume_id,
                "volume_type": "gp3",
                "volume_initialization_rate": 300,
            },
        }
    )

args: MachineImageArgs = {
    "image_name": config.get("imageName") or f"golden-{pulumi.get_stack()}",
    "description": "Golden base image managed by Pulumi",
    "tags": {"project": pulumi.get_project(), "stack": pulumi.get_stack()},
    "deregistration_protection": config.get("protection") or "enabled",
    "from_snapshots": {
        "root_device_name": "/dev/xvda",
        "architecture": "x86_64",
        "boot_mode": "uefi",
        "ena_support": True,
        "imds_support": "v2.0",
    },
    "block_device_mappings": mappings,
}
# Empty settings leave these out.
if deprecation_time := config.get("deprecationTime"):
    args["deprecation_time"] = deprecation_time
if copy_region := config.get("copyRegion"):
    args["copies"] = [{"region": copy_region, "encrypted": True}]

image = MachineImage("golden", args)

pulumi.export("imageId", image.image_id)
pulumi.export("snapshotIds", image.snapshot_ids)
pulumi.export("protectionState", image.protection_state)
pulumi.export("copyImageIds", image.copy_image_ids)
