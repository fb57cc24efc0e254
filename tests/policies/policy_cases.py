"""Happy-path resources, one per resource type the pack checks, and helpers to read diagnostics.

Each test takes one of these, changes one property, and asserts the exact messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pulumi.runtime import proto

from analyzer_host import UNKNOWN, AnalyzerClient, Diagnostic, Resource, marshal_properties
from policies.ami_guard import PACK_OPTIONS

MACHINE_IMAGE = "ami-lifecycle:index:MachineImage"
IMAGE = "ami-lifecycle:index:Image"
IMAGE_COPY = "ami-lifecycle:index:ImageCopy"
AMI_COPY = "aws:ec2/amiCopy:AmiCopy"
AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
EBS_VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_IMAGE_TYPES = (
    "aws:ec2/ami:Ami",
    "aws:ec2/amiCopy:AmiCopy",
    "aws:ec2/amiFromInstance:AmiFromInstance",
)

PROTECTION = "ami-deregistration-protection"
PROTECTION_APPLIED = "ami-deregistration-protection-applied"
RATE = "ami-volume-initialization-rate"
SNAPSHOTS = "ami-snapshots-kept-on-destroy"
VALUES_KNOWN = "ami-policy-values-known"
NO_PUBLIC = "ami-no-public-launch-permission"
ALLOWED_TARGETS = "ami-launch-permission-allowed-targets"
DEPRECATION = "ami-deprecation-required"
COPY_ENCRYPTED = "ami-copy-encrypted"

Configured = Callable[..., AnalyzerClient]
"""Builds an in-process analyzer prepared with the given pack config (the `configured` fixture)."""

DESCRIPTIONS = {policy.name: policy.description for policy in PACK_OPTIONS["policies"]}


def in_days(days: float) -> str:
    """A deprecation time this many days from now, as a user writes one."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def root_volume(**ebs: Any) -> dict[str, Any]:
    """A root-device mapping restored from a snapshot, at a valid initialization rate."""
    return {
        "deviceName": "/dev/xvda",
        "ebs": {
            "snapshotId": "snap-0123456789abcdef0",
            "volumeSize": 8,
            "volumeType": "gp3",
            "deleteOnTermination": True,
            "volumeInitializationRate": 200,
            **ebs,
        },
    }


def machine_image(name: str = "web", **properties: Any) -> Resource:
    """The component, with the inputs a careful user would give it."""
    return Resource(
        type=MACHINE_IMAGE,
        name=name,
        properties={
            "imageName": "web-2025-06-01",
            "description": "Web server base image",
            "tags": {"team": "platform"},
            "deregistrationProtection": "enabled",
            "deleteSnapshotsOnDestroy": True,
            "fromSnapshots": {
                "rootDeviceName": "/dev/xvda",
                "architecture": "x86_64",
                "bootMode": "uefi",
                "virtualizationType": "hvm",
                "enaSupport": True,
            },
            "blockDeviceMappings": [root_volume()],
            "deprecationTime": in_days(90),
            **properties,
        },
    )


def image(parent: Resource | None = None, **properties: Any) -> Resource:
    """The Image the component creates, as the engine analyzes it during preview: the
    component's inputs after the Image's Check (defaults and the creation token added), each
    `ebs.volumeId` replaced by the snapshot the component takes of it, not known yet."""
    parent = parent if parent is not None else machine_image()
    # The component keeps its `copies` to itself: each becomes an ImageCopy child.
    inputs = {
        **{k: v for k, v in parent.properties.items() if k != "copies"},
        "region": "us-east-1",
        "creationToken": "9f3c0a5e5d1b4c2e8a7f6b5c4d3e2f1a",
    }
    if isinstance(mappings := inputs.get("blockDeviceMappings"), list):
        inputs["blockDeviceMappings"] = [_snapshotted(m) for m in mappings]
    return Resource(
        type=IMAGE, name=f"{parent.name}-image", parent=parent, properties={**inputs, **properties}
    )


def standalone_image(**properties: Any) -> Resource:
    """An Image a program declares on its own, from existing snapshots, after its Check."""
    return Resource(type=IMAGE, name="bare", properties={**image().properties, **properties})


def image_copy(parent: Resource | None = None, **properties: Any) -> Resource:
    """An encrypted ImageCopy into another Region, after its Check: declared on its own, or, with
    a parent, the one a MachineImage makes for its `copies` entry."""
    inputs = {
        "sourceImageId": "ami-0123456789abcdef0",
        "sourceRegion": "us-east-1",
        "region": "eu-west-1",
        "imageName": "web-2025-06-01",
        "encrypted": True,
        "deregistrationProtection": "enabled",
        "deleteSnapshotsOnDestroy": True,
        "deleteWhenInUse": False,
        "deprecationTime": in_days(90),
        "creationToken": "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    }
    name = f"{parent.name}-copy-eu-west-1" if parent is not None else "copy"
    return Resource(type=IMAGE_COPY, name=name, parent=parent, properties={**inputs, **properties})


def copy_target(**properties: Any) -> dict[str, Any]:
    """One entry of a MachineImage's `copies`: an encrypted copy into another Region."""
    return {"region": "eu-west-1", "encrypted": True, **properties}


def analyze_with_provider(
    analyzer: AnalyzerClient,
    resource: Resource,
    provider_inputs: Mapping[str, Any],
    provider_type: str = "pulumi:providers:ami-lifecycle",
) -> list[Diagnostic]:
    """`Analyze` with the resource's provider and its inputs, as the engine sends them with every
    custom resource (e.g. `{"region": "us-east-1"}` from `ami-lifecycle:region`)."""
    request = resource.analyze_request()
    request.provider.CopyFrom(
        proto.AnalyzerProviderResource(
            type=provider_type,
            name="default",
            urn=f"urn:pulumi:{resource.stack}::{resource.project}::{provider_type}::default",
            properties=marshal_properties(provider_inputs),
        )
    )
    response = analyzer.transport("Analyze", request)
    assert isinstance(response, proto.AnalyzeResponse)
    diagnostics = (Diagnostic.from_proto(d) for d in response.diagnostics)
    return [d if d.urn else replace(d, urn=resource.urn) for d in diagnostics]


def _snapshotted(mapping: Any) -> Any:
    ebs = mapping.get("ebs") if isinstance(mapping, dict) else None
    if not isinstance(ebs, dict) or "volumeId" not in ebs:
        return mapping
    backed = {k: v for k, v in ebs.items() if k != "volumeId"}
    return {**mapping, "ebs": {**backed, "snapshotId": UNKNOWN}}


def deployed_image(protection_state: Any = "enabled-without-cooldown", **outputs: Any) -> Resource:
    """An Image after `pulumi up`, with the outputs the provider reports."""
    return image().with_properties(
        imageId="ami-0123456789abcdef0",
        state="available",
        protectionState=protection_state,
        **outputs,
    )


def ebs_volume(**properties: Any) -> Resource:
    """A pulumi-aws volume restored from a snapshot at a valid initialization rate."""
    return Resource(
        type=EBS_VOLUME,
        name="data",
        properties={
            "availabilityZone": "us-east-1a",
            "snapshotId": "snap-0123456789abcdef0",
            "type": "gp3",
            "volumeInitializationRate": 150,
            **properties,
        },
    )


def launch_template(**ebs: Any) -> Resource:
    """A pulumi-aws launch template whose root device sets a valid initialization rate."""
    return Resource(
        type=LAUNCH_TEMPLATE,
        name="web",
        properties={
            "imageId": "ami-0123456789abcdef0",
            "instanceType": "t3.micro",
            "blockDeviceMappings": [
                {
                    "deviceName": "/dev/xvda",
                    "ebs": {"volumeSize": 20, "volumeInitializationRate": 300, **ebs},
                }
            ],
        },
    )


def reported(
    diagnostics: Iterable[Diagnostic], policy_name: str | None = None
) -> list[tuple[str, str]]:
    """(enforcement level, message) of each diagnostic, optionally of one policy only."""
    return [
        (d.enforcement_level, d.detail)
        for d in diagnostics
        if policy_name is None or d.policy_name == policy_name
    ]


def note(path: str, policy_name: str) -> tuple[str, str]:
    """The advisory note `ami-policy-values-known` gives for an unknown value."""
    return (
        "advisory",
        f"{path} must be known for {policy_name} to check it; the check will run when the value "
        "is known, during `pulumi up`.",
    )
