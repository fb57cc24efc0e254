// A golden image through the generated SDK: the types here are what tests/sdk checks (a
// misspelt property or a wrong enum value fails the check).
import * as pulumi from "@pulumi/pulumi";
import * as amilifecycle from "@ami-lifecycle/pulumi";

const config = new pulumi.Config();

const provider = new amilifecycle.Provider("us-east-1", { region: "us-east-1" });

const data = new amilifecycle.VolumeSnapshot(
    "data",
    { volumeId: config.require("dataVolumeId"), tags: { role: "data" } },
    { provider },
);

const image = new amilifecycle.MachineImage(
    "golden",
    {
        imageName: "golden-image",
        deregistrationProtection: amilifecycle.DeregistrationProtection.EnabledWithCooldown,
        fromSnapshots: { rootDeviceName: "/dev/xvda", architecture: "x86_64", enaSupport: true },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                ebs: { snapshotId: config.require("rootSnapshotId"), volumeType: "gp3" },
            },
            { deviceName: "/dev/sdf", ebs: { snapshotId: data.snapshotId } },
        ],
    },
    { providers: [provider] },
);

const mappings: pulumi.Output<amilifecycle.types.output.BlockDeviceMapping[]> =
    image.reportedBlockDeviceMappings;

export const imageId: pulumi.Output<string> = image.imageId;
export const snapshotIds: pulumi.Output<string[]> = image.snapshotIds;
export const devices = mappings.apply((all) => all.map((mapping) => mapping.deviceName));
