// The example stack of ../../__main__.py as a TypeScript program on the generated SDK: the same
// protected golden image, registered from a snapshot, with fast volume start
// (volumeInitializationRate) and a data volume the component snapshots first.
//
// Config: `rootSnapshotId` (required), `dataVolumeId`, `protection` ("enabled",
// "enabled-with-cooldown" or "disabled"; default enabled), `imageName` (default golden-<stack>),
// `deprecationTime` (RFC 3339 in UTC), `copyRegion` (a Region for an encrypted copy), and
// `ami-lifecycle:region`.
import * as pulumi from "@pulumi/pulumi";
import * as amilifecycle from "@ami-lifecycle/pulumi";

export interface GoldenImage {
    imageId: pulumi.Output<string>;
    snapshotIds: pulumi.Output<string[]>;
    protectionState: pulumi.Output<string>;
    copyImageIds: pulumi.Output<Record<string, string>>;
}

const PROTECTIONS: readonly string[] = Object.values(amilifecycle.DeregistrationProtection);

function isProtection(value: string): value is amilifecycle.DeregistrationProtection {
    return PROTECTIONS.includes(value);
}

/** The program: what `pulumi up` declares, and the stack's outputs. */
export async function goldenImage(): Promise<GoldenImage> {
    const config = new pulumi.Config();
    const rootSnapshotId = config.require("rootSnapshotId");
    const dataVolumeId = config.get("dataVolumeId");
    const copyRegion = config.get("copyRegion");
    // An empty setting means the default, as in the Python example.
    const protection = config.get("protection") || amilifecycle.DeregistrationProtection.Enabled;
    if (!isProtection(protection)) {
        // A config error the CLI reports, before anything is declared.
        throw new pulumi.RunError(
            `protection must be one of ${PROTECTIONS.join(", ")}, not ${JSON.stringify(protection)}`,
        );
    }

    const mappings: amilifecycle.types.input.BlockDeviceMappingArgs[] = [
        {
            deviceName: "/dev/xvda",
            ebs: {
                snapshotId: rootSnapshotId,
                volumeType: "gp3",
                iops: 3000,
                throughput: 125,
                deleteOnTermination: true,
                volumeInitializationRate: 200,
            },
        },
    ];
    if (dataVolumeId) {
        // The component snapshots this volume first; the image owns that snapshot.
        mappings.push({
            deviceName: "/dev/sdf",
            ebs: { volumeId: dataVolumeId, volumeType: "gp3", volumeInitializationRate: 300 },
        });
    }

    const image = new amilifecycle.MachineImage("golden", {
        imageName: config.get("imageName") || `golden-${pulumi.getStack()}`,
        description: "Golden base image managed by Pulumi",
        tags: { project: pulumi.getProject(), stack: pulumi.getStack() },
        deregistrationProtection: protection,
        // An empty setting leaves it out, as in the Python example.
        deprecationTime: config.get("deprecationTime") || undefined,
        fromSnapshots: {
            rootDeviceName: "/dev/xvda",
            architecture: "x86_64",
            bootMode: "uefi",
            enaSupport: true,
            imdsSupport: "v2.0",
        },
        blockDeviceMappings: mappings,
        copies: copyRegion ? [{ region: copyRegion, encrypted: true }] : undefined,
    });

    return {
        imageId: image.imageId,
        snapshotIds: image.snapshotIds,
        protectionState: image.protectionState,
        copyImageIds: image.copyImageIds,
    };
}
