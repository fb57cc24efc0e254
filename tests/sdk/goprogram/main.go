// A golden image through the generated Go SDK. tests/sdk vets it in a module that finds sdk/go
// through a replace directive, as README shows: a misspelt field or a wrong type fails there.
package main

import (
	"github.com/ami-lifecycle/pulumi-ami-lifecycle/sdk/go/amilifecycle"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		provider, err := amilifecycle.NewProvider(ctx, "us-east-1", &amilifecycle.ProviderArgs{
			Region:           pulumi.String("us-east-1"),
			RecycleBinReport: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		data, err := amilifecycle.NewVolumeSnapshot(ctx, "data", &amilifecycle.VolumeSnapshotArgs{
			VolumeId: pulumi.String(cfg.Require("dataVolumeId")),
			Tags:     pulumi.StringMap{"role": pulumi.String("data")},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		image, err := amilifecycle.NewMachineImage(ctx, "golden", &amilifecycle.MachineImageArgs{
			ImageName:                pulumi.String("golden-image"),
			DeregistrationProtection: amilifecycle.DeregistrationProtectionEnabledWithCooldown,
			FromSnapshots: &amilifecycle.FromSnapshotsArgs{
				RootDeviceName: pulumi.String("/dev/xvda"),
				Architecture:   pulumi.String("x86_64"),
				EnaSupport:     pulumi.Bool(true),
			},
			BlockDeviceMappings: amilifecycle.BlockDeviceMappingArray{
				&amilifecycle.BlockDeviceMappingArgs{
					DeviceName: pulumi.String("/dev/xvda"),
					Ebs: &amilifecycle.EbsArgs{
						SnapshotId: pulumi.String(cfg.Require("rootSnapshotId")),
						VolumeType: pulumi.String("gp3"),
					},
				},
				&amilifecycle.BlockDeviceMappingArgs{
					DeviceName: pulumi.String("/dev/sdf"),
					Ebs:        &amilifecycle.EbsArgs{SnapshotId: data.SnapshotId},
				},
			},
			DeprecationTime: pulumi.String("2027-06-01T00:00:00Z"),
			Disabled:        pulumi.Bool(false),
			DeleteWhenInUse: pulumi.Bool(false),
			LaunchPermissions: &amilifecycle.LaunchPermissionsArgs{
				UserIds: pulumi.StringArray{pulumi.String("123456789012")},
				Public:  pulumi.Bool(false),
			},
			Copies: amilifecycle.CopyTargetArray{
				&amilifecycle.CopyTargetArgs{
					Region:                                pulumi.String("eu-west-1"),
					Encrypted:                             pulumi.Bool(true),
					SnapshotCopyCompletionDurationMinutes: pulumi.Int(30),
					DeregistrationProtection:              amilifecycle.DeregistrationProtectionEnabled,
					LaunchPermissions: &amilifecycle.LaunchPermissionsArgs{
						OrganizationArns: pulumi.StringArray{pulumi.String(cfg.Require("organizationArn"))},
					},
					Tags: pulumi.StringMap{"cost-center": pulumi.String("images")},
				},
			},
		}, pulumi.Providers(provider))
		if err != nil {
			return err
		}
		ctx.Export("imageId", image.ImageId)
		ctx.Export("snapshotIds", image.SnapshotIds)
		ctx.Export("copyImageIds", image.CopyImageIds)
		ctx.Export("deprecationTime", image.DeprecationTime)
		ctx.Export("lastLaunchedTime", image.LastLaunchedTime)
		// A copy declared on its own, of the component's image, in a third Region.
		copy, err := amilifecycle.NewImageCopy(ctx, "golden-ap", &amilifecycle.ImageCopyArgs{
			SourceImageId:            image.ImageId,
			SourceRegion:             pulumi.String("us-east-1"),
			Region:                   pulumi.String("ap-southeast-2"),
			ImageName:                pulumi.String("golden-image"),
			CopyImageTags:            pulumi.Bool(true),
			Tags:                     pulumi.StringMap{"cost-center": pulumi.String("images")},
			DeleteSnapshotsOnDestroy: pulumi.Bool(true),
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		ctx.Export("copyId", copy.ImageId)
		ctx.Export("copyLastLaunchedTime", copy.LastLaunchedTime)
		return nil
	})
}
