"""The resources these policies look at, reduced to what a check needs to know about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from pulumi_policy import PolicyProviderResource, PolicyResource, ResourceValidationArgs

from .property_values import PropertyValue, resolve

__all__ = [
    "AMI_COPY",
    "AMI_LAUNCH_PERMISSION",
    "AWS_DEPRECATION_TYPES",
    "AWS_IMAGE_TYPES",
    "EBS_VOLUME",
    "IMAGE",
    "IMAGE_COPY",
    "LAUNCH_TEMPLATE",
    "MACHINE_IMAGE",
    "OUR_IMAGE_TYPES",
    "REGISTERED_IMAGE_TYPES",
    "CheckedResource",
    "urn_name",
    "urn_type",
]

MACHINE_IMAGE: Final = "ami-lifecycle:index:MachineImage"
"""Our component."""
IMAGE: Final = "ami-lifecycle:index:Image"
"""The custom resource the component creates, which a program may also declare on its own; checked
by its own type token, so that using it without the component doesn't bypass the policies."""
IMAGE_COPY: Final = "ami-lifecycle:index:ImageCopy"
"""A copy of an image (CopyImage), one per entry of a MachineImage's `copies` or declared on its
own; like `Image`, checked by its own type token."""
REGISTERED_IMAGE_TYPES: Final = frozenset({MACHINE_IMAGE, IMAGE})
"""Ours that register an image from snapshots or an instance (block device mappings, sources)."""
OUR_IMAGE_TYPES: Final = REGISTERED_IMAGE_TYPES | {IMAGE_COPY}
"""Every AMI this provider makes: protection, retention, sharing and deprecation apply to all."""

AMI_COPY: Final = "aws:ec2/amiCopy:AmiCopy"
AWS_IMAGE_TYPES: Final = frozenset(
    {"aws:ec2/ami:Ami", AMI_COPY, "aws:ec2/amiFromInstance:AmiFromInstance"}
)
"""pulumi-aws image resources; none of them can enable deregistration protection."""
AWS_DEPRECATION_TYPES: Final = AWS_IMAGE_TYPES
"""pulumi-aws 7.x image resources taking `deprecationTime`: all three do."""
AMI_LAUNCH_PERMISSION: Final = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
"""pulumi-aws 7.x: one launch permission per resource, `accountId`, `group` ("all" is public),
`organizationArn` or `organizationalUnitArn`."""
EBS_VOLUME: Final = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE: Final = "aws:ec2/launchTemplate:LaunchTemplate"


@dataclass(frozen=True, kw_only=True)
class CheckedResource:
    """One resource, as a resource policy (inputs) or a stack policy (outputs) sees it."""

    resource_type: str
    name: str
    urn: str
    parent_urn: str | None
    props: dict[str, PropertyValue]
    provider_props: dict[str, PropertyValue] = field(default_factory=dict)
    """The inputs of the resource's provider, as the engine sends them with a custom resource
    (e.g. `region`, from `aws:region` or `ami-lifecycle:region`); a component gets none."""

    @property
    def parent_type(self) -> str:
        """The type of the resource's parent; empty for a top-level resource."""
        return urn_type(self.parent_urn) if self.parent_urn else ""

    @classmethod
    def from_validation_args(cls, args: ResourceValidationArgs) -> CheckedResource:
        """The resource a resource policy is asked about, with its inputs."""
        return cls(
            resource_type=args.resource_type,
            name=args.name,
            urn=args.urn,
            parent_urn=args.opts.parent or None,
            props=resolve(args.props),
            provider_props=_provider_props(args.provider),
        )

    @classmethod
    def from_stack_resource(cls, resource: PolicyResource) -> CheckedResource:
        """A resource of the stack after the update, with its outputs."""
        return cls(
            resource_type=resource.resource_type,
            name=resource.name,
            urn=resource.urn,
            parent_urn=resource.opts.parent or None,
            props=resolve(resource.props),
            provider_props=_provider_props(resource.provider),
        )


def _provider_props(provider: PolicyProviderResource | None) -> dict[str, PropertyValue]:
    return resolve(provider.props, prefix="the provider's ") if provider is not None else {}


def urn_type(urn: str) -> str:
    """The resource type a URN names (`urn:pulumi:<stack>::<project>::<parent$type>::<name>`)."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def urn_name(urn: str) -> str:
    """The logical name a URN ends with; names may themselves contain `::`."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else ""
