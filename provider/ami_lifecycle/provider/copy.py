"""`ImageCopyProvider`: the CRUD of `ami-lifecycle:index:ImageCopy`, a copy of an AMI made with
CopyImage in the copy's own Region (a `MachineImage`'s `copies`, or declared on its own).

A copy is an AMI like any other once made: its protection, description, tags, deprecation,
disabled state and launch permissions change in place, and it is deleted with one
`DeregisterImage(DeleteAssociatedSnapshots)` in its own Region, with the same refusals and
report as an `Image` (`deregistration`). What CopyImage alone decides (the source, the name, the
encryption, the copied tags) replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError

from ..adoption import creation_token, token_of
from ..attributes import (
    ATTRIBUTE_KEYS,
    attribute_outputs,
    drifted_attributes,
)
from ..aws.finder import find_image
from ..copying import CopySpec, copy_image
from ..errors import AwsCallError, InputProblem
from ..iam import requires
from ..outputs import image_outputs, protection_setting, reported_tags
from ..validation import is_unknown, validate_copy_props
from .image import DEFAULTS, ImageProvider
from .results import CreateResult, ReadResult, UpdateResult

__all__ = ["REPLACE_KEYS", "UPDATE_KEYS", "ImageCopyProvider"]

REPLACE_KEYS = (
    "sourceImageId",
    "sourceRegion",
    "region",
    "imageName",
    "encrypted",
    "kmsKeyId",
    "copyImageTags",
)
"""What only CopyImage sets: a change is another copy."""
UPDATE_KEYS = (
    "deregistrationProtection",
    "description",
    "tags",
    "deleteSnapshotsOnDestroy",
    "deleteWhenInUse",
    "snapshotCopyCompletionDurationMinutes",
    *ATTRIBUTE_KEYS,
)
"""What is changed in place (`deleteSnapshotsOnDestroy`, `deleteWhenInUse` and the completion
duration, which only paces the copy being made, only in the state)."""


class ImageCopyProvider(ImageProvider):
    """Copies one AMI into a Region with boto3, and keeps and deletes the copy there: its
    check (the defaults, the deprecation and sharing rules, the token), diff and update are an
    image's, on its own inputs."""

    replace_keys = REPLACE_KEYS
    update_keys = UPDATE_KEYS
    noun = "copy"

    def validate(self, inputs: dict[str, Any], *, in_component: bool) -> list[InputProblem]:
        """`in_component`: the copy is a `MachineImage`'s, whose image is in the provider's
        Region unless the component names one: that is the source Region then."""
        if in_component and inputs.get("sourceRegion") is None:
            inputs["sourceRegion"] = self._resolved_region(None)
        return validate_copy_props(inputs)

    def _resolved_region(self, declared: str | None) -> str | None:
        """The Region calls go to, boto3's own choice included (no AWS call)."""
        try:
            return self.region(declared) or self.client(declared).meta.region_name or None
        except BotoCoreError:
            return None  # no Region anywhere: check then says which input is missing

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = CopySpec.from_props(props)
        client = self.client(spec.region)
        image = copy_image(
            client,
            spec,
            token=token_of(props) or creation_token("", props),
            report=self.reporter(f"copy {spec.image_name}"),
            now=self.now,
            schedule=self.schedule,
            clock=self.clock,
        )
        return CreateResult(str(image.get("ImageId")), {**props, **image_outputs(image, {})})

    @requires("ec2:DescribeImages")
    def read(
        self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None
    ) -> ReadResult:
        """Refresh (`props` is the recorded state) or import (`props` is empty: the source and
        every input are read from AWS)."""
        client = self.client(props.get("region"))
        report = self.reporter(f"copy {id_}")
        image = self.reported(client, id_, report)
        if image is None:
            return ReadResult("", {}, {})
        reported = attribute_outputs(client, image)
        if not props:
            declared = self._imported(id_, image, reported)
            report("imported: the source and every input read from DescribeImages")
            return ReadResult(id_, {**declared, **image_outputs(image, {})}, declared)
        drift = {
            "deregistrationProtection": protection_setting(image.get("DeregistrationProtection")),
            "description": image.get("Description") or props.get("description"),
            "tags": _reported_tags(image, props),
            **drifted_attributes(props, reported),
        }
        outs = {**props, **image_outputs(image, {}), **drift}
        return ReadResult(id_, outs, {**(inputs or {}), **drift})

    def _imported(
        self, id_: str, image: Mapping[str, Any], reported: Mapping[str, Any]
    ) -> dict[str, Any]:
        source, region = image.get("SourceImageId"), image.get("SourceImageRegion")
        if not source or not region:
            raise AwsCallError(
                "importing",
                id_,
                "NotACopy",
                "DescribeImages names no SourceImageId and SourceImageRegion for it, so it was "
                "not made by CopyImage: import it as an ami-lifecycle:index:Image instead.",
            )
        declared: dict[str, Any] = {
            "sourceImageId": source,
            "sourceRegion": region,
            "imageName": image.get("Name"),
            **DEFAULTS,
            "deregistrationProtection": protection_setting(image.get("DeregistrationProtection")),
            **{k: v for k, v in reported.items() if v is not None},
        }
        if image.get("Description"):
            declared["description"] = image["Description"]
        tags = reported_tags(image.get("Tags", []))
        if tags:
            declared["tags"] = tags
        return declared

    @requires("ec2:ModifyImageAttribute", "ec2:DescribeImages")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec = CopySpec.from_props(news)
        client = self.client(spec.region)
        self.change_in_place(
            client,
            id_,
            olds,
            news,
            protection=spec.protection,
            description=spec.description,
            tags=spec.tags,
            # CopyImage made the copy's snapshots for it alone: they carry its tags.
            owned_snapshots=list(olds.get("snapshotIds") or []),
            report=self.reporter(f"copy {spec.image_name} ({id_})"),
        )
        image = find_image(client, id_)
        return UpdateResult({**news, **image_outputs(image, {})})


def _reported_tags(image: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, str] | None:
    """The tags a refresh records. With `copyImageTags`, the copy also carries the source's
    tags, which are no drift: only the declared keys are read back then."""
    tags = reported_tags(image.get("Tags", []))
    if props.get("copyImageTags") is True:
        declared = props.get("tags") or {}
        tags = {k: v for k, v in tags.items() if k in declared and not is_unknown(k)}
    return tags or None
