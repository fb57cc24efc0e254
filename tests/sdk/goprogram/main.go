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
			Region: pulumi.String("us-east-1"),
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
		}, pulumi.Providers(provider))
		if err != nil {
			return err
		}
		ctx.Export("imageId", image.ImageId)
		ctx.Export("snapshotIds", image.SnapshotIds)
		return nil
	})
}
