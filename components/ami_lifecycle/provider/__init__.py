"""The dynamic providers. Their module paths are pickled into Pulumi state: keep them stable.

`ami_lifecycle.provider.image.ImageProvider` and
`ami_lifecycle.provider.snapshot.VolumeSnapshotProvider` are public contracts.
"""
