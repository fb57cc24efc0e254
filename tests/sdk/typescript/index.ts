// A golden image through the generated SDK: the types here are what tests/sdk checks (a
// misspelt property or a wrong enum value fails the check).
import * as pulumi from "@pulumi/pulumi";
import * as amilifecycle from "@ami-lifecycle/pulumi";

const config = new pulumi.Config();

const provider = new amilifecycle.Provider("us-east-1", {
    region: "us-east-1",
    recycleBinReport: true,
});

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
        deprecationTime: "2027-06-01T00:00:00Z",
        disabled: false,
        deleteWhenInUse: false,
        launchPermissions: { userIds: ["123456789012"], public: false },
        copies: [
            {
                region: "eu-west-1",
                encrypted: true,
                snapshotCopyCompletionDurationMinutes: 30,
                deregistrationProtection: amilifecycle.DeregistrationProtection.Enabled,
                launchPermissions: { organizationArns: [config.require("organizationArn")] },
                tags: { "cost-center": "images" },
            },
        ],
    },
    { providers: [provider] },
);

// A copy declared on its own, of the component's image, in a third Region.
const copy = new amilifecycle.ImageCopy(
    "golden-ap",
    {
        sourceImageId: image.imageId,
        sourceRegion: "us-east-1",
        region: "ap-southeast-2",
        imageName: "golden-image",
        copyImageTags: true,
        tags: { "cost-center": "images" },
        deleteSnapshotsOnDestroy: true,
    },
    { provider },
);

const mappings: pulumi.Output<amilifecycle.types.output.BlockDeviceMapping[]> =
    image.reportedBlockDeviceMappings;

export const imageId: pulumi.Output<string> = image.imageId;
export const snapshotIds: pulumi.Output<string[]> = image.snapshotIds;
export const devices = mappings.apply((all) => all.map((mapping) => mapping.deviceName));
export const copyImageIds: pulumi.Output<{ [region: string]: string } | undefined> =
    image.copyImageIds;
export const deprecationTime: pulumi.Output<string | undefined> = image.deprecationTime;
export const lastLaunchedTime: pulumi.Output<string | undefined> = image.lastLaunchedTime;
export const copyId: pulumi.Output<string> = copy.imageId;
export const copyState: pulumi.Output<string> = copy.state;
