"""The in-use guard: before an AMI is deregistered, ask AWS what still references it.

One `DescribeImageReferences` call (newest botocore model, "Describes your Amazon Web Services
resources that are referencing the specified images") covers instances, launch templates,
Systems Manager parameters and Image Builder recipes, and whatever resource types AWS adds
later (`IncludeAllResourceTypes`). A referenced image's destroy is refused with each reference
listed, unless `deleteWhenInUse` is true: then the references go to the progress log and the
delete goes on.

The guard never makes the destroy of an unreferenced image fail for a reason of its own:

* `UnauthorizedOperation` (a policy written before the guard, without
  `ec2:DescribeImageReferences`), or any other refusal of the call (a partition or Region
  without the action): the check is skipped, said so in the progress log with the IAM action
  to grant, and the delete goes on. Refusing would turn every upgrade of this package into
  failing destroys until the policy is changed.
* No answer after botocore's retries: the destroy fails with nothing changed, like the
  `DescribeImages` before it (EC2 is unreachable; `DeregisterImage` would not get through
  either), and the next `pulumi destroy` asks again.

Launch template versions are looked up (`DescribeLaunchTemplateVersions`) only to name them in
the message when a template references the image; that lookup failing only leaves them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws.clients import NO_ANSWER, error_code
from .errors import AwsCallError, ImageOperationError
from .iam import requires

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "INSTANCE_STATES_IN_USE",
    "LAUNCH_TEMPLATE_VERSION_DEPTH",
    "ImageInUseError",
    "ImageReference",
    "check_not_in_use",
    "find_references",
]

VERB = "deleting"

INSTANCE_STATES_IN_USE = ("pending", "running", "stopping", "stopped")
"""`ResourceTypeOption` `state-name` (default "All states"): a terminated or shutting-down
instance no longer needs its AMI, so it does not hold the delete."""

LAUNCH_TEMPLATE_VERSION_DEPTH = 10
"""`ResourceTypeOption` `version-depth`: "The number of launch template versions to check,
starting from the most recent version", 1-10000, default 10. AWS's default, stated here: an
older version is rarely launched, and counting every version ever made would refuse deletes
for templates long moved on to another AMI."""

_KINDS = {
    "ec2:Instance": "instance",
    "ec2:LaunchTemplate": "launch template",
    "ssm:Parameter": "Systems Manager parameter",
    "imagebuilder:ImageRecipe": "Image Builder image recipe",
    "imagebuilder:ContainerRecipe": "Image Builder container recipe",
}
"""`ImageReferenceResourceType`, as a user calls each."""


class ImageInUseError(ImageOperationError):
    """DescribeImageReferences lists resources that still use the AMI, and `deleteWhenInUse`
    is false: the destroy is refused, and the message lists each reference."""

    def __init__(self, verb: str, ident: str, cause: str, references: Sequence[ImageReference]):
        self.references = tuple(references)
        super().__init__(verb, ident, cause)


@dataclass(frozen=True)
class ImageReference:
    """One `ImageReference`: a resource of the account that references the AMI."""

    resource_type: str
    arn: str
    versions: tuple[int, ...] = ()
    """Launch templates only: the versions that name the AMI, when they could be looked up."""

    @property
    def resource_id(self) -> str:
        """The id in the ARN's resource part (`i-…`, `lt-…`); the whole ARN for the others,
        whose names may contain slashes."""
        if self.resource_type in ("ec2:Instance", "ec2:LaunchTemplate"):
            return self.arn.rpartition("/")[2] or self.arn
        return self.arn

    def describe(self) -> str:
        kind = _KINDS.get(self.resource_type, self.resource_type)
        text = f"{kind} {self.resource_id}"
        if self.versions:
            label = "version" if len(self.versions) == 1 else "versions"
            text += f" ({label} {', '.join(str(v) for v in self.versions)})"
        return text


def _request(image_id: str) -> dict[str, Any]:
    """Every type AWS checks (`IncludeAllResourceTypes`), with our options overriding its
    defaults ("If you also specify ResourceTypes with ResourceTypeOptions, your specified values
    override the default values")."""
    return {
        "ImageIds": [image_id],
        "IncludeAllResourceTypes": True,
        "ResourceTypes": [
            {
                "ResourceType": "ec2:Instance",
                "ResourceTypeOptions": [
                    {"OptionName": "state-name", "OptionValues": list(INSTANCE_STATES_IN_USE)}
                ],
            },
            {
                "ResourceType": "ec2:LaunchTemplate",
                "ResourceTypeOptions": [
                    {
                        "OptionName": "version-depth",
                        "OptionValues": [str(LAUNCH_TEMPLATE_VERSION_DEPTH)],
                    }
                ],
            },
        ],
    }


@requires("ec2:DescribeImageReferences", "ec2:DescribeLaunchTemplateVersions")
def find_references(client: EC2Client, image_id: str) -> list[ImageReference]:
    """What references the image, one `DescribeImageReferences` call per page (`NextToken`);
    AWS's errors are raised as they come."""
    found: list[ImageReference] = []
    seen: set[tuple[str, str]] = set()
    for page in client.get_paginator("describe_image_references").paginate(**_request(image_id)):
        for reference in page.get("ImageReferences", []):
            key = (str(reference.get("ResourceType", "?")), str(reference.get("Arn", "?")))
            if reference.get("ImageId", image_id) == image_id and key not in seen:
                seen.add(key)
                found.append(ImageReference(*key))
    return [_with_versions(client, image_id, reference) for reference in found]


def _with_versions(client: EC2Client, image_id: str, reference: ImageReference) -> ImageReference:
    if reference.resource_type != "ec2:LaunchTemplate":
        return reference
    try:
        pages = client.get_paginator("describe_launch_template_versions").paginate(
            LaunchTemplateId=reference.resource_id
        )
        versions = sorted(
            int(version["VersionNumber"])
            for page in pages
            for version in page.get("LaunchTemplateVersions", [])
            if version.get("LaunchTemplateData", {}).get("ImageId") == image_id
            and "VersionNumber" in version
        )
    except (ClientError, *NO_ANSWER):
        return reference  # the versions only make the message more precise
    return ImageReference(reference.resource_type, reference.arn, tuple(versions))


def check_not_in_use(
    client: EC2Client,
    image_id: str,
    *,
    name: str,
    delete_when_in_use: bool,
    report: Callable[[str], None],
) -> list[ImageReference]:
    """Refuse (`ImageInUseError`) while something references the image, unless
    `delete_when_in_use`; returns the references found (empty when the check was refused)."""
    try:
        references = find_references(client, image_id)
    except ClientError as error:
        code = error_code(error)
        grant = (
            "grant the IAM action ec2:DescribeImageReferences to have it checked"
            if code == "UnauthorizedOperation"
            else f"AWS refused DescribeImageReferences: {error}"
        )
        report(
            f"could not check whether anything still uses {image_id} ({code}; {grant}); "
            "deregistering it without the in-use check"
        )
        return []
    except NO_ANSWER as error:
        raise AwsCallError(
            VERB,
            image_id,
            type(error).__name__,
            f"DescribeImageReferences (the in-use check) got no answer after botocore's retries "
            f"({error}); nothing was changed; run `pulumi destroy` again.",
        ) from error
    if not references:
        return []
    listing = "; ".join(reference.describe() for reference in references)
    if delete_when_in_use:
        report(
            f"{image_id} is still in use, deregistering it anyway (deleteWhenInUse=true): {listing}"
        )
        return references
    raise ImageInUseError(
        VERB,
        image_id,
        f"{name!r} is still in use by {len(references)} resource(s): {listing}. Nothing was "
        "changed. Stop using it (terminate the instances; point the launch templates, "
        "parameters and recipes at another AMI), or set deleteWhenInUse to true on this image "
        "and run `pulumi up` to delete it anyway; then run `pulumi destroy` again.",
        references,
    )
