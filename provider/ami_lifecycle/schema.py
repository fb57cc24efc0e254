"""The package's Pulumi schema: every resource, property and enum, each with its description.

This is the contract other languages' SDKs are generated from, and what `GetSchema` answers.
Limits in the descriptions come from `limits` (never typed twice); the validators
(`validation`) read the same property names, and `tests/plugin/test_schema.py` fails when
the schema, the validators and ARCHITECTURE.md disagree.
"""

from __future__ import annotations

from typing import Any, Final

from . import limits
from .protection import Protection

__all__ = [
    "IMAGE",
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

_EBS = f"{PACKAGE}:index:Ebs"
_MAPPING = f"{PACKAGE}:index:BlockDeviceMapping"
_FROM_SNAPSHOTS = f"{PACKAGE}:index:FromSnapshots"
_FROM_INSTANCE = f"{PACKAGE}:index:FromInstance"
_PROTECTION = f"{PACKAGE}:index:DeregistrationProtection"
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
}

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
}


def former_types(token: str) -> list[str]:
    """The types a resource had before (its schema aliases)."""
    aliases = package_schema()["resources"][token].get("aliases", [])
    return [str(alias["type"]) for alias in aliases]


def _required_outputs(outputs: dict[str, Any], *extra: str) -> list[str]:
    return sorted([*outputs, *extra])


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
            MACHINE_IMAGE: {
                "isComponent": True,
                "description": (
                    "An AMI with its EBS snapshots, block device mappings and deregistration "
                    "protection (on by default). Give exactly one of fromSnapshots and "
                    "fromInstance. On destroy the image is deregistered with one "
                    "DeregisterImage(DeleteAssociatedSnapshots) call and every snapshot's result "
                    "is reported; a protected image refuses to be destroyed."
                ),
                "inputProperties": _IMAGE_INPUTS,
                "requiredInputs": ["imageName"],
                "properties": _IMAGE_OUTPUTS,
                "required": _required_outputs(_IMAGE_OUTPUTS),
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
