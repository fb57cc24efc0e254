package main

import (
	"github.com/ami-lifecycle/pulumi-ami-lifecycle/sdk/go/amilifecycle"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// goldenImage is the example stack of ../../__main__.py in Go: a protected golden image,
// registered from a snapshot, with fast volume start (VolumeInitializationRate) and a data volume
// the component snapshots first.
//
// Config: rootSnapshotId (required), dataVolumeId, protection (default enabled), imageName
// (default golden-<stack>), deprecationTime (RFC 3339 in UTC), copyRegion (a Region for an
// encrypted copy), and ami-lifecycle:region.
func goldenImage(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")

	mappings := amilifecycle.BlockDeviceMappingArray{
		&amilifecycle.BlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &amilifecycle.EbsArgs{
				SnapshotId:               pulumi.String(cfg.Require("rootSnapshotId")),
				VolumeType:               pulumi.String("gp3"),
				Iops:                     pulumi.Int(3000),
				Throughput:               pulumi.Int(125),
				DeleteOnTermination:      pulumi.Bool(true),
				VolumeInitializationRate: pulumi.Int(200),
			},
		},
	}
	if dataVolumeID := cfg.Get("dataVolumeId"); dataVolumeID != "" {
		// The component snapshots this volume first; the image owns that snapshot.
		mappings = append(mappings, &amilifecycle.BlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/sdf"),
			Ebs: &amilifecycle.EbsArgs{
				VolumeId:                 pulumi.String(dataVolumeID),
				VolumeType:               pulumi.String("gp3"),
				VolumeInitializationRate: pulumi.Int(300),
			},
		})
	}

	imageName := cfg.Get("imageName")
	if imageName == "" {
		imageName = "golden-" + ctx.Stack()
	}
	protection := cfg.Get("protection")
	if protection == "" {
		protection = string(amilifecycle.DeregistrationProtectionEnabled)
	}

	// Empty settings leave these out, as in the Python example.
	var deprecationTime pulumi.StringPtrInput
	if at := cfg.Get("deprecationTime"); at != "" {
		deprecationTime = pulumi.String(at)
	}
	var copies amilifecycle.CopyTargetArrayInput
	if region := cfg.Get("copyRegion"); region != "" {
		copies = amilifecycle.CopyTargetArray{&amilifecycle.CopyTargetArgs{
			Region:    pulumi.String(region),
			Encrypted: pulumi.Bool(true),
		}}
	}

	image, err := amilifecycle.NewMachineImage(ctx, "golden", &amilifecycle.MachineImageArgs{
		ImageName:   pulumi.String(imageName),
		Description: pulumi.String("Golden base image managed by Pulumi"),
		Tags: pulumi.StringMap{
			"project": pulumi.String(ctx.Project()),
			"stack":   pulumi.String(ctx.Stack()),
		},
		DeregistrationProtection: amilifecycle.DeregistrationProtection(protection),
		DeprecationTime:          deprecationTime,
		FromSnapshots: &amilifecycle.FromSnapshotsArgs{
			RootDeviceName: pulumi.String("/dev/xvda"),
			Architecture:   pulumi.String("x86_64"),
			BootMode:       pulumi.String("uefi"),
			EnaSupport:     pulumi.Bool(true),
			ImdsSupport:    pulumi.String("v2.0"),
		},
		BlockDeviceMappings: mappings,
		Copies:              copies,
	})
	if err != nil {
		return err
	}

	ctx.Export("imageId", image.ImageId)
	ctx.Export("snapshotIds", image.SnapshotIds)
	ctx.Export("protectionState", image.ProtectionState)
	ctx.Export("copyImageIds", image.CopyImageIds)
	return nil
}
