"""The package's Pulumi schema: every resource, property and enum, each with its description.

This is the contract other languages' SDKs are generated from, and what `GetSchema` answers.
Limits in the descriptions come from `limits` (never typed twice); the validators
(`validation`) read the same property names, and `tests/plugin/test_schema.py` fails when
the schema, the validators and ARCHITECTURE.md disagree.
"""

from __future__ import annotations

from typing import Any, Final

from . import copying, limits
from .protection import Protection

__all__ = [
    "IMAGE",
    "IMAGE_COPY",
    "MACHINE_IMAGE",
    "PACKAGE",
    "VERSION",
    "VOLUME_SNAPSHOT",
    "former_types",
    "package_schema",
]

PACKAGE: Final = "ami-lifecycle"
VERSION: Final = "0.1.0"

IMAGE: Final = f"{PACKAGE}:index:Image"
VOLUME_SNAPSHOT: Final = f"{PACKAGE}:index:VolumeSnapshot"
MACHINE_IMAGE: Final = f"{PACKAGE}:index:MachineImage"
IMAGE_COPY: Final = f"{PACKAGE}:index:ImageCopy"

_EBS = f"{PACKAGE}:index:Ebs"
_MAPPING = f"{PACKAGE}:index:BlockDeviceMapping"
_FROM_SNAPSHOTS = f"{PACKAGE}:index:FromSnapshots"
_FROM_INSTANCE = f"{PACKAGE}:index:FromInstance"
_PROTECTION = f"{PACKAGE}:index:DeregistrationProtection"
_LAUNCH_PERMISSIONS = f"{PACKAGE}:index:LaunchPermissions"
_COPY_TARGET = f"{PACKAGE}:index:CopyTarget"
_DYNAMIC = "pulumi-python:dynamic/ami-lifecycle:"
"""The types the resources had as dynamic resources: aliases, so that stacks made then move to
the plugin without replacing anything."""


def _ref(token: str) -> str:
    return f"#/types/{token}"


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _boolean(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _integer(description: str) -> dict[str, Any]:
    return {"type": "integer", "description": description}


def _object(token: str, description: str) -> dict[str, Any]:
    return {"$ref": _ref(token), "description": description}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _tags(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": description,
    }


def _choices(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def _per_type(attribute: str) -> str:
    ranges = []
    for name, type_limits in limits.VOLUME_TYPES.items():
        allowed = getattr(type_limits, attribute)
        if allowed is not None:
            ranges.append(f"{name} {allowed}")
    return "; ".join(ranges)


_EBS_PROPERTIES: Final = {
    "snapshotId": _string("The snapshot (snap-...) the volume is created from."),
    "volumeId": _string(
        "A volume (vol-...) to snapshot first: the component makes the snapshot (a "
        "VolumeSnapshot child), and the image owns it. Only on MachineImage; not with snapshotId."
    ),
    "volumeSize": _integer(
        "The size in GiB; required for a new empty volume, at least the snapshot's size "
        f"otherwise. Per volume type: {_per_type('size_gib')}."
    ),
    "volumeType": _string(f"The EBS volume type: {_choices(frozenset(limits.VOLUME_TYPES))}."),
    "iops": _integer(
        "Provisioned IOPS, for the types that take them (required for io1 and io2): "
        f"{_per_type('iops')}."
    ),
    "throughput": _integer(
        f"Throughput in MiB/s, gp3 only: {limits.VOLUME_TYPES['gp3'].throughput_mibps}."
    ),
    "deleteOnTermination": _boolean(
        "Whether instances launched from the image delete this volume when they terminate."
    ),
    "encrypted": _boolean(
        "Only for a new empty volume: a volume from a snapshot takes the snapshot's encryption "
        "(AWS fails the request if it is given beside a snapshot)."
    ),
    "kmsKeyId": _string(
        "Refused: AWS takes a KMS key only at launch (RunInstances), never in an AMI's mapping; "
        "encrypt the snapshot instead."
    ),
    "outpostArn": _string(
        "The ARN of the Outpost the snapshot is stored on (not with fromInstance)."
    ),
    "volumeInitializationRate": _integer(
        "The rate in MiB/s ("
        f"{limits.VOLUME_INITIALIZATION_RATE}) at which volumes launched from the image are "
        "initialised from the snapshot (VolumeInitializationRate); only for volumes created "
        "from snapshots, and not with fromInstance (CreateImage doesn't support it)."
    ),
}

_MAPPING_PROPERTIES: Final = {
    "deviceName": _string("The device name, for example /dev/xvda or /dev/sdf."),
    "ebs": _object(_EBS, "An EBS volume; give exactly one of ebs, noDevice and virtualName."),
    "noDevice": _boolean(
        "True: omit this device (one of the instance's devices, with fromInstance)."
    ),
    "virtualName": _string("An instance store volume: ephemeral0, ephemeral1, ..."),
}

_FROM_SNAPSHOTS_PROPERTIES: Final = {
    "rootDeviceName": _string(
        "The root device, for example /dev/xvda; one of the blockDeviceMappings must name it "
        "and be backed by a snapshot."
    ),
    "architecture": _string(f"The architecture: {_choices(limits.ARCHITECTURES)}."),
    "bootMode": _string(f"The boot mode: {_choices(limits.BOOT_MODES)}."),
    "virtualizationType": _string(
        f"The virtualization type: {_choices(limits.VIRTUALIZATION_TYPES)} (default hvm)."
    ),
    "enaSupport": _boolean("Enhanced networking with the Elastic Network Adapter."),
    "tpmSupport": _string(f"NitroTPM: {_choices(limits.TPM_SUPPORT_VALUES)}."),
    "imdsSupport": _string(
        f"{_choices(limits.IMDS_SUPPORT_VALUES)}: instances launched from the image require IMDSv2."
    ),
    "uefiData": _string("The UEFI variable store, base64-encoded."),
    "sriovNetSupport": _string(
        "simple: enhanced networking with the Intel 82599 Virtual Function interface."
    ),
    "kernelId": _string("The kernel (paravirtual images)."),
    "ramdiskId": _string("The RAM disk (paravirtual images)."),
    "billingProducts": _strings("Billing product codes (accounts authorised by AWS only)."),
}

_FROM_INSTANCE_PROPERTIES: Final = {
    "instanceId": _string("The running or stopped EBS-backed instance (i-...)."),
    "noReboot": _boolean(
        "True: don't reboot the instance before the snapshots (they are then crash-consistent)."
    ),
}

_LAUNCH_PERMISSIONS_PROPERTIES: Final = {
    "userIds": _strings("AWS account ids (12 digits) that may launch the image."),
    "organizationArns": _strings(
        "AWS Organizations organization ARNs (arn:aws:organizations::<account>:organization/"
        "o-...): every account of the organization may launch the image."
    ),
    "organizationalUnitArns": _strings(
        "AWS Organizations OU ARNs (arn:aws:organizations::<account>:ou/o-.../ou-...): every "
        "account of the OU may launch the image."
    ),
    "public": _boolean(
        "True: every AWS account may launch the image; refused while block public access for "
        "AMIs is on in the Region."
    ),
}

_IMAGE_INPUTS: Final = {
    "imageName": _string(
        f"The AMI's name: {limits.IMAGE_NAME_LENGTH} characters of letters, digits, spaces and "
        "( ) [ ] . / - ' @ _, unique in the Region. Changing it replaces the image."
    ),
    "description": _string("The AMI's description (changed in place)."),
    "tags": _tags(
        "Tags for the image and for every snapshot it owns (changed in place); keys may not "
        f"begin with aws:, keys are at most {limits.TAG_KEY_MAX} and values "
        f"{limits.TAG_VALUE_MAX} characters."
    ),
    "region": _string(
        "The Region; defaults to the provider's region (ami-lifecycle:region), then to the AWS "
        "SDK's own settings (AWS_REGION). Changing it replaces the image."
    ),
    "deregistrationProtection": {
        "$ref": _ref(_PROTECTION),
        "description": "Deregistration protection (default enabled; changed in place).",
    },
    "deleteSnapshotsOnDestroy": _boolean(
        "Whether destroy deletes the image's snapshots with DeregisterImage("
        "DeleteAssociatedSnapshots) (default true); a snapshot another AMI uses is kept and "
        "reported."
    ),
    "deleteWhenInUse": _boolean(
        "Whether destroy deregisters the image while instances, launch templates, Systems "
        "Manager parameters or Image Builder recipes still use it (DescribeImageReferences); "
        "default false: destroy is refused, listing each of them. True: they are only reported."
    ),
    "fromSnapshots": _object(
        _FROM_SNAPSHOTS,
        "Register the image from snapshots (RegisterImage); exactly one of fromSnapshots and "
        "fromInstance.",
    ),
    "fromInstance": _object(_FROM_INSTANCE, "Create the image from an instance (CreateImage)."),
    "blockDeviceMappings": {
        "type": "array",
        "items": {"$ref": _ref(_MAPPING)},
        "description": (
            "The image's devices: required with fromSnapshots, overrides of the instance's "
            "devices with fromInstance. Changing them replaces the image."
        ),
    },
    "deprecationTime": _string(
        "When the image is deprecated (EnableImageDeprecation), in UTC, for example "
        "2027-06-01T00:00:00Z; seconds are rounded to the nearest minute, as AWS does. Not in "
        "the past, at most 10 years ahead (2 years from creation for a public image); changed "
        "in place, removing it cancels the deprecation. Read back as AWS reports it."
    ),
    "disabled": _boolean(
        "Whether the image is disabled (DisableImage: it can't launch instances and is made "
        "private); default false, changed in place (EnableImage)."
    ),
    "launchPermissions": _object(
        _LAUNCH_PERMISSIONS,
        "Who may launch the image besides its owner (ModifyImageAttribute launchPermission); "
        "absent: private. Changed in place, exactly the difference; sharing done outside "
        "Pulumi shows as drift on refresh.",
    ),
}

_IMAGE_OUTPUTS: Final = {
    "imageId": _string("The AMI id (ami-...)."),
    "state": _string("The image state AWS reports (available once created)."),
    "ownerId": _string("The AWS account that owns the image."),
    "creationDate": _string("When AWS created the image."),
    "rootDeviceName": _string("The root device, as AWS reports it."),
    "reportedBlockDeviceMappings": {
        "type": "array",
        "items": {"$ref": _ref(_MAPPING)},
        "description": (
            "The mappings as DescribeImages reports them, with the declared "
            "volumeInitializationRate kept where AWS doesn't report it."
        ),
    },
    "snapshotIds": _strings("Every snapshot the image's mappings use."),
    "protectionState": _string(
        "Deregistration protection as AWS reports it: enabled-without-cooldown, "
        "enabled-with-cooldown, disabled, or a 'disabled after <time>' form while a cooldown runs."
    ),
    "lastLaunchedTime": _string(
        "When the image last launched an instance (DescribeImages' LastLaunchedTime); AWS "
        "reports a launch 24 hours later, and the output is absent until it does."
    ),
}
_OPTIONAL_OUTPUTS: Final = frozenset({"lastLaunchedTime"})
"""Outputs AWS may not report, so absent from the state: not `required`."""
_COMPONENT_OUTPUTS: Final = {
    **_IMAGE_OUTPUTS,
    "deprecationTime": _string(
        "When the image is deprecated, as DescribeImages reports it (DeprecationTime)."
    ),
    "copyImageIds": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": (
            "The copies' AMI ids by Region (a further copy into the same Region as "
            "<region>/<imageName>)."
        ),
    },
}
"""A `MachineImage`'s outputs: its `Image`'s, and what the image reads back of its inputs."""

_COPY_SETTINGS: Final = {
    "description": _string(
        f"The copy's description (at most {copying.DESCRIPTION_MAX} characters; changed in place)."
    ),
    "encrypted": _boolean(
        "Whether the copy's snapshots are encrypted (CopyImage Encrypted): an unencrypted "
        "snapshot can be copied encrypted, an encrypted one never unencrypted. Changing it "
        "replaces the copy."
    ),
    "kmsKeyId": _string(
        "The KMS key (key id, alias or their ARNs; it must exist in the copy's Region) that "
        "encrypts the copy's snapshots; only with encrypted: true (default: the AWS managed key "
        "for EBS). Changing it replaces the copy."
    ),
    "copyImageTags": _boolean(
        "Whether the source AMI's user-defined tags are copied to the copy too (default false; "
        "not aws: tags). Changing it replaces the copy."
    ),
    "snapshotCopyCompletionDurationMinutes": _integer(
        "A time-based copy: each snapshot is copied within this many minutes, "
        f"{copying.COMPLETION_DURATION_MINUTES}, in "
        f"{copying.COMPLETION_INCREMENT_MINUTES}-minute increments; without it, best effort. "
        "Only paces the copy being made: changing it changes nothing in AWS."
    ),
}
_IMAGE_COPY_INPUTS: Final = {
    "sourceImageId": _string("The AMI to copy (ami-...). Changing it replaces the copy."),
    "sourceRegion": _string(
        "The Region the AMI to copy is in (CopyImage SourceRegion); it may be the copy's own. "
        "Changing it replaces the copy."
    ),
    "region": _string(
        "The Region the copy is made in (CopyImage runs there); defaults to the provider's "
        "region, then to the AWS SDK's own settings. Changing it replaces the copy."
    ),
    "imageName": _string(
        f"The copy's name: {limits.IMAGE_NAME_LENGTH} characters of letters, digits, spaces "
        "and ( ) [ ] . / - ' @ _, unique in its Region. Changing it replaces the copy."
    ),
    "description": _COPY_SETTINGS["description"],
    "encrypted": _COPY_SETTINGS["encrypted"],
    "kmsKeyId": _COPY_SETTINGS["kmsKeyId"],
    "copyImageTags": _COPY_SETTINGS["copyImageTags"],
    "snapshotCopyCompletionDurationMinutes": _COPY_SETTINGS[
        "snapshotCopyCompletionDurationMinutes"
    ],
    "deregistrationProtection": _IMAGE_INPUTS["deregistrationProtection"],
    "deprecationTime": _IMAGE_INPUTS["deprecationTime"],
    "disabled": _IMAGE_INPUTS["disabled"],
    "launchPermissions": _IMAGE_INPUTS["launchPermissions"],
    "tags": _tags(
        "Tags for the copy and for its snapshots, which CopyImage makes for it alone (changed "
        f"in place); keys may not begin with aws:, keys are at most {limits.TAG_KEY_MAX} and "
        f"values {limits.TAG_VALUE_MAX} characters."
    ),
    "deleteSnapshotsOnDestroy": _IMAGE_INPUTS["deleteSnapshotsOnDestroy"],
    "deleteWhenInUse": _IMAGE_INPUTS["deleteWhenInUse"],
}
_COPY_TARGET_PROPERTIES: Final = {
    "region": _string(
        "The Region to copy the image to (required); it may be the image's own, with an "
        "imageName of its own."
    ),
    "imageName": _string(
        "The copy's name (default: the image's); two copies in one Region need different names."
    ),
    **_COPY_SETTINGS,
    "deregistrationProtection": {
        "$ref": _ref(_PROTECTION),
        "description": "The copy's deregistration protection (default: the image's).",
    },
    "deprecationTime": _string("When the copy is deprecated (default: the image's)."),
    "disabled": _boolean("Whether the copy is disabled (default false)."),
    "launchPermissions": _object(
        _LAUNCH_PERMISSIONS, "Who may launch the copy besides its owner (default: private)."
    ),
    "tags": _tags("Tags for the copy and its snapshots (default: the image's)."),
}
_COMPONENT_INPUTS: Final = {
    **_IMAGE_INPUTS,
    "copies": {
        "type": "array",
        "items": {"$ref": _ref(_COPY_TARGET)},
        "description": (
            "Copies of the image, each an ImageCopy child made with CopyImage in its Region, "
            "from this image; settings it leaves out are the image's (imageName, protection, "
            "tags, deprecation; deleteSnapshotsOnDestroy and deleteWhenInUse always)."
        ),
    },
}
"""A `MachineImage`'s inputs: its `Image`'s, and the copies it makes of the image."""

_SNAPSHOT_INPUTS: Final = {
    "volumeId": _string("The EBS volume (vol-...) to snapshot. Changing it replaces the snapshot."),
    "description": _string("The snapshot's description. Changing it replaces the snapshot."),
    "tags": _tags("Tags for the snapshot (changed in place)."),
    "region": _string(
        "The Region; defaults to the provider's region, then to the AWS SDK's own settings."
    ),
    "deleteOnDestroy": _boolean(
        "Whether destroy deletes the snapshot (default true); one another AMI uses is kept."
    ),
}

_SNAPSHOT_OUTPUTS: Final = {
    "snapshotId": _string("The snapshot id (snap-...)."),
    "state": _string("The snapshot state AWS reports (completed once created)."),
    "volumeSize": _integer("The size of the snapshotted volume, in GiB."),
    "encrypted": _boolean("Whether the snapshot is encrypted."),
}

_PROTECTION_DESCRIPTIONS: Final = {
    Protection.ENABLED: "Protected; turning protection off takes effect at once.",
    Protection.ENABLED_WITH_COOLDOWN: (
        "Protected; after protection is turned off the image stays protected for 24 hours."
    ),
    Protection.DISABLED: "Not protected: pulumi destroy may deregister the image.",
}

_CONFIG: Final = {
    "region": _string(
        "The AWS Region for the package's resources; without it, the AWS SDK's own settings "
        "(AWS_REGION, the profile's region)."
    ),
    "profile": _string(
        "The AWS shared-config profile to use; without it, the AWS SDK's own settings "
        "(AWS_PROFILE, the default credential chain)."
    ),
    "recycleBinReport": _boolean(
        "Whether destroy reports which deregistered AMIs and deleted snapshots a Recycle Bin "
        "retention rule keeps, and until when (default false: it costs one or two more EC2 "
        "calls per image, ListImagesInRecycleBin and ListSnapshotsInRecycleBin)."
    ),
}


def former_types(token: str) -> list[str]:
    """The types a resource had before (its schema aliases)."""
    aliases = package_schema()["resources"][token].get("aliases", [])
    return [str(alias["type"]) for alias in aliases]


def _required_outputs(outputs: dict[str, Any], *extra: str) -> list[str]:
    return sorted([*(k for k in outputs if k not in _OPTIONAL_OUTPUTS), *extra])


def package_schema() -> dict[str, Any]:
    """The schema, as JSON-ready data."""
    return {
        "name": PACKAGE,
        "displayName": "AMI Lifecycle",
        "version": VERSION,
        "description": (
            "Amazon EC2 machine images as code: an AMI with its EBS snapshots and block device "
            "mappings, protected from deregistration by default, deleted with one "
            "DeregisterImage(DeleteAssociatedSnapshots) call and an exact report of each snapshot."
        ),
        "keywords": ["pulumi", "aws", "ec2", "ami", "category/infrastructure", "kind/component"],
        "license": "Apache-2.0",
        "config": {"variables": _CONFIG},
        "provider": {
            "description": "The ami-lifecycle provider: where its resources' AWS calls go.",
            "inputProperties": _CONFIG,
            "properties": _CONFIG,
        },
        "types": {
            _PROTECTION: {
                "type": "string",
                "description": "Whether, and how, the image is protected from deregistration.",
                "enum": [
                    {
                        "name": protection.name.title().replace("_", ""),
                        "value": protection.value,
                        "description": description,
                    }
                    for protection, description in _PROTECTION_DESCRIPTIONS.items()
                ],
            },
            _EBS: {
                "type": "object",
                "description": (
                    "An EBS volume of the image: from a snapshot, from a volume to snapshot, or "
                    "new and empty (every documented Ebs field of a block device mapping)."
                ),
                "properties": _EBS_PROPERTIES,
            },
            _MAPPING: {
                "type": "object",
                "description": "One device of the image.",
                "properties": _MAPPING_PROPERTIES,
                "required": ["deviceName"],
            },
            _FROM_SNAPSHOTS: {
                "type": "object",
                "description": "Register the image from snapshots (RegisterImage).",
                "properties": _FROM_SNAPSHOTS_PROPERTIES,
                "required": ["rootDeviceName"],
            },
            _FROM_INSTANCE: {
                "type": "object",
                "description": "Create the image from an instance (CreateImage).",
                "properties": _FROM_INSTANCE_PROPERTIES,
                "required": ["instanceId"],
            },
            _LAUNCH_PERMISSIONS: {
                "type": "object",
                "description": (
                    "The accounts, organizations and OUs that may launch the image, or every "
                    "account (public)."
                ),
                "properties": _LAUNCH_PERMISSIONS_PROPERTIES,
            },
            _COPY_TARGET: {
                "type": "object",
                "description": (
                    "One copy of a MachineImage's image in a Region (an ImageCopy child); what "
                    "it leaves out is the image's."
                ),
                "properties": _COPY_TARGET_PROPERTIES,
                "required": ["region"],
            },
        },
        "resources": {
            IMAGE: {
                "description": (
                    "One AMI. MachineImage creates it (with a VolumeSnapshot per volume to "
                    "snapshot); use it directly to manage or import an existing AMI. Destroy "
                    "deregisters it with one DeregisterImage(DeleteAssociatedSnapshots) call, "
                    "reports every snapshot's result, and refuses while the image is protected."
                ),
                "aliases": [{"type": f"{_DYNAMIC}Image"}],
                "inputProperties": _IMAGE_INPUTS,
                "requiredInputs": ["imageName"],
                "properties": {**_IMAGE_INPUTS, **_IMAGE_OUTPUTS},
                "required": _required_outputs(
                    _IMAGE_OUTPUTS, "imageName", "deregistrationProtection"
                ),
            },
            VOLUME_SNAPSHOT: {
                "description": "A completed snapshot of one EBS volume, made for an image to own.",
                "aliases": [{"type": f"{_DYNAMIC}VolumeSnapshot"}],
                "inputProperties": _SNAPSHOT_INPUTS,
                "requiredInputs": ["volumeId"],
                "properties": {**_SNAPSHOT_INPUTS, **_SNAPSHOT_OUTPUTS},
                "required": _required_outputs(_SNAPSHOT_OUTPUTS, "volumeId"),
            },
            IMAGE_COPY: {
                "description": (
                    "A copy of an AMI, made with CopyImage in the copy's Region (from another "
                    "Region, or the same one), with new snapshots of its own. MachineImage makes "
                    "one per entry of its copies. Kept and deleted like an Image: protected by "
                    "default, deregistered with DeregisterImage(DeleteAssociatedSnapshots) in "
                    "its Region, every snapshot's result reported."
                ),
                "inputProperties": _IMAGE_COPY_INPUTS,
                "requiredInputs": ["imageName", "sourceImageId", "sourceRegion"],
                "properties": {**_IMAGE_COPY_INPUTS, **_IMAGE_OUTPUTS},
                "required": _required_outputs(
                    _IMAGE_OUTPUTS,
                    "imageName",
                    "sourceImageId",
                    "sourceRegion",
                    "deregistrationProtection",
                ),
            },
            MACHINE_IMAGE: {
                "isComponent": True,
                "description": (
                    "An AMI with its EBS snapshots, block device mappings and deregistration "
                    "protection (on by default). Give exactly one of fromSnapshots and "
                    "fromInstance. On destroy the image is deregistered with one "
                    "DeregisterImage(DeleteAssociatedSnapshots) call and every snapshot's result "
                    "is reported; a protected image refuses to be destroyed."
                ),
                "inputProperties": _COMPONENT_INPUTS,
                "requiredInputs": ["imageName"],
                "properties": _COMPONENT_OUTPUTS,
                "required": _required_outputs(_IMAGE_OUTPUTS, "copyImageIds"),
            },
        },
        # The generated SDKs (scripts/generate-sdks.sh) carry the schema's version, and no
        # download URL: the engine finds the plugin through Pulumi.yaml or PATH.
        "language": {
            "nodejs": {
                "packageName": "@ami-lifecycle/pulumi",
                "respectSchemaVersion": True,
                "typescriptVersion": "^5.9.3",
            },
            "go": {
                "importBasePath": (
                    "github.com/ami-lifecycle/pulumi-ami-lifecycle/sdk/go/amilifecycle"
                ),
                "modulePath": "github.com/ami-lifecycle/pulumi-ami-lifecycle/sdk/go",
                "respectSchemaVersion": True,
            },
            "python": {"packageName": "pulumi_ami_lifecycle"},
        },
    }
