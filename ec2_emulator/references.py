"""DescribeImageReferences: which of the account's resources use an AMI.

Why this exists: the newest botocore model's DescribeImageReferences "Describes your Amazon Web
Services resources that are referencing the specified images", of five resource types. moto
has no such action. Instances and launch templates are moto's own EC2 resources and are found
in its backend; Systems Manager parameters and Image Builder recipes belong to services this
emulator doesn't run, so a test declares them with the controls (:func:`declare_reference`).
``install()`` binds :func:`describe_image_references` onto moto's ``EC2Backend``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from moto.ec2.exceptions import MalformedAMIIdError
from moto.utilities.utils import get_partition

from .errors import InvalidParameterValueError, MissingParameterError
from .regional import ImageReference, regional

__all__ = [
    "DECLARED_TYPES",
    "INSTANCE_STATES",
    "RESOURCE_TYPES",
    "VERSION_DEPTH_RANGE",
    "declare_reference",
    "describe_image_references",
    "forget_reference",
]

#: ``ImageReferenceResourceType`` (newest model), in the order the answer lists them (the
#: EMULATOR'S CHOICE: "The order of the elements in the response ... might vary" is said of
#: most EC2 lists).
RESOURCE_TYPES = (
    "ec2:Instance",
    "ec2:LaunchTemplate",
    "ssm:Parameter",
    "imagebuilder:ImageRecipe",
    "imagebuilder:ContainerRecipe",
)

#: The types whose references come from the controls, with what their ARNs must look like:
#: Image Builder's from the ``pattern`` of the shape named in botocore's imagebuilder model;
#: a Systems Manager parameter ARN (``arn:<partition>:ssm:<region>:<account>:parameter/<name>``)
#: by the EMULATOR'S CHOICE of check, the ssm model having no ARN shape.
DECLARED_TYPES = {
    "ssm:Parameter": None,
    "imagebuilder:ImageRecipe": "ImageRecipeArn",
    "imagebuilder:ContainerRecipe": "ContainerRecipeArn",
}
_SSM_PARAMETER_ARN = re.compile(r"^arn:aws[^:]*:ssm:[a-z0-9-]+:\d{12}:parameter/.+$")

#: ResourceTypeOption ``state-name``: "Valid values: pending | running | shutting-down |
#: terminated | stopping | stopped Default: All states".
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")

#: ResourceTypeOption ``version-depth``: "The number of launch template versions to check,
#: starting from the most recent version. [...] Valid values: Integers between 1 and 10000
#: Default: 10".
VERSION_DEPTH_RANGE = (1, 10000)
_DEFAULT_VERSION_DEPTH = 10

#: Which option each type takes: "Valid only when ResourceType is ec2:Instance or
#: ec2:LaunchTemplate".
_OPTIONS = {"ec2:Instance": "state-name", "ec2:LaunchTemplate": "version-depth"}

#: DescribeImageReferencesImageIdStringList: "max": 10.
_MAX_IMAGE_IDS = 10


@cache
def _imagebuilder_pattern(shape: str) -> re.Pattern[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("imagebuilder")
    return re.compile(str(model.shape_for(shape).metadata["pattern"]))


def _check_declared(image_id: str, resource_type: str, arn: str) -> None:
    if not image_id.startswith("ami-"):
        raise ValueError(f"not an image id: {image_id!r}")
    if resource_type not in DECLARED_TYPES:
        raise ValueError(
            f"resource_type must be one of {sorted(DECLARED_TYPES)}; instances and launch "
            "templates are found among moto's resources"
        )
    shape = DECLARED_TYPES[resource_type]
    pattern = _SSM_PARAMETER_ARN if shape is None else _imagebuilder_pattern(shape)
    if not pattern.match(arn):
        raise ValueError(f"not an ARN of a {resource_type}: {arn!r}")


def declare_reference(backend: Any, image_id: str, resource_type: str, arn: str) -> None:
    """Declare that a Systems Manager parameter or an Image Builder recipe of this backend's
    account and Region references the image. Declaring it again changes nothing. The image need
    not exist: a parameter can name an AMI that has been deregistered."""
    _check_declared(image_id, resource_type, arn)
    reference = ImageReference(image_id, resource_type, arn)
    references = regional(backend).declared_references
    if reference not in references:
        references.append(reference)


def forget_reference(backend: Any, image_id: str, resource_type: str, arn: str) -> None:
    """The resource no longer references the image (the parameter was changed or deleted)."""
    reference = ImageReference(image_id, resource_type, arn)
    references = regional(backend).declared_references
    if reference not in references:
        raise KeyError(f"no such declared reference: {reference}")
    references.remove(reference)


def _options(
    include_all: bool, requested: Sequence[Mapping[str, Any]]
) -> dict[str, list[str] | None]:
    """The types to check, each with its option values (``None``: the option's default).

    IncludeAllResourceTypes: "default values are applied for ResourceTypeOptions. [...] If you
    also specify ResourceTypes with ResourceTypeOptions, your specified values override the
    default values." An option of another type, or of a type without options, is refused with
    ``InvalidParameterValue`` (the EMULATOR'S CHOICE of code).
    """
    chosen: dict[str, list[str] | None] = dict.fromkeys(RESOURCE_TYPES) if include_all else {}
    for entry in requested:
        resource_type = str(entry.get("ResourceType", ""))
        if resource_type not in RESOURCE_TYPES:
            raise InvalidParameterValueError(f"Unsupported ResourceType {resource_type!r}.")
        values: list[str] | None = None
        for option in entry.get("ResourceTypeOptions") or []:
            name = str(option.get("OptionName", ""))
            if _OPTIONS.get(resource_type) != name:
                raise InvalidParameterValueError(
                    f"The option {name!r} is not valid for ResourceType {resource_type}."
                )
            values = [str(value) for value in option.get("OptionValues") or []]
        chosen[resource_type] = values
    return chosen


def _states(values: list[str] | None) -> tuple[str, ...]:
    if not values:
        return INSTANCE_STATES
    unknown = [value for value in values if value not in INSTANCE_STATES]
    if unknown:
        raise InvalidParameterValueError(f"Invalid state-name {unknown[0]!r}.")
    return tuple(values)


def _depth(values: list[str] | None) -> int:
    if not values:
        return _DEFAULT_VERSION_DEPTH
    low, high = VERSION_DEPTH_RANGE
    if len(values) != 1 or not values[0].isdigit() or not low <= int(values[0]) <= high:
        raise InvalidParameterValueError(
            f"version-depth must be one integer between {low} and {high}, not {values}."
        )
    return int(values[0])


def _arn(self: Any, kind: str, resource_id: str) -> str:
    partition = get_partition(self.region_name)
    return f"arn:{partition}:ec2:{self.region_name}:{self.account_id}:{kind}/{resource_id}"


def describe_image_references(
    self: Any,
    image_ids: Sequence[str],
    *,
    include_all_resource_types: bool = False,
    resource_types: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, str]]:
    """The references to ``image_ids`` among the account's resources in this Region.

    * ``ec2:Instance``: instances launched from the image, in the ``state-name`` states (default
      all, terminated included, for as long as moto keeps a terminated instance).
    * ``ec2:LaunchTemplate``: templates whose ``version-depth`` most recent versions (default
      10) name the image, one reference per template and image.
    * the declared types: as declared (:func:`declare_reference`).

    Any well-formed image ID may be asked about, a deregistered one included (its instances and
    templates may well still reference it); an ID that is no image's answers no reference (the
    EMULATOR'S CHOICE: the texts don't say it fails). The model's rules: ``ImageIds`` takes
    at most 10 IDs ("max": 10, ``InvalidParameterValue`` beyond: the EMULATOR'S CHOICE of
    code); "Either IncludeAllResourceTypes or ResourceTypes must be specified".
    """
    malformed = [image_id for image_id in image_ids if not image_id.startswith("ami-")]
    if malformed:
        raise MalformedAMIIdError(malformed)
    if len(image_ids) > _MAX_IMAGE_IDS:
        raise InvalidParameterValueError(
            f"ImageIds takes at most {_MAX_IMAGE_IDS} image IDs, not {len(image_ids)}."
        )
    if not include_all_resource_types and not resource_types:
        raise MissingParameterError(
            "Either IncludeAllResourceTypes or ResourceTypes must be specified."
        )
    chosen = _options(include_all_resource_types, resource_types)
    wanted = list(dict.fromkeys(image_ids))
    references: list[ImageReference] = []
    if "ec2:Instance" in chosen:
        states = _states(chosen["ec2:Instance"])
        for instance in self.all_instances():
            if instance.image_id in wanted and instance.state in states:
                arn = _arn(self, "instance", instance.id)
                references.append(ImageReference(instance.image_id, "ec2:Instance", arn))
    if "ec2:LaunchTemplate" in chosen:
        depth = _depth(chosen["ec2:LaunchTemplate"])
        for template in list(self.launch_templates.values()):
            named = {version.image_id for version in template.versions[-depth:]}
            for image_id in wanted:
                if image_id in named:
                    arn = _arn(self, "launch-template", template.id)
                    references.append(ImageReference(image_id, "ec2:LaunchTemplate", arn))
    references.extend(
        reference
        for reference in regional(self).declared_references
        if reference.resource_type in chosen and reference.image_id in wanted
    )
    order = {resource_type: index for index, resource_type in enumerate(RESOURCE_TYPES)}
    references.sort(key=lambda reference: order[reference.resource_type])
    return [reference.to_dict() for reference in references]
