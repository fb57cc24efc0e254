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
from pulumi.runtime.rpc import UNKNOWN

from ..adoption import TOKEN_PROPERTY, checked_token, creation_token, token_of
from ..attributes import (
    ATTRIBUTE_KEYS,
    attribute_outputs,
    canonical_attributes,
    check_deprecation_window,
    drifted_attributes,
)
from ..aws.finder import find_image
from ..copying import CopySpec, copy_image
from ..deregistration import deregister_image
from ..errors import AwsCallError
from ..iam import requires
from ..outputs import OUTPUT_KEYS, image_outputs, protection_setting, reported_tags
from ..protection import Protection
from ..validation import is_unknown, validate_copy_props
from .image import ImageProvider
from .property_diff import changed_keys
from .results import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

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

_DEFAULTS: dict[str, Any] = {
    "deregistrationProtection": Protection.ENABLED.value,
    "deleteSnapshotsOnDestroy": True,
    "deleteWhenInUse": False,
    "disabled": False,
}


class ImageCopyProvider(ImageProvider):
    """Copies one AMI into a Region with boto3, and keeps and deletes the copy there."""

    def check(
        self,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        urn: str = "",
        in_component: bool = False,
    ) -> CheckResult:
        """`in_component`: the copy is a `MachineImage`'s, whose image is in the provider's
        Region unless the component names one: that is the source Region then."""
        inputs = {**news}
        for key, default in _DEFAULTS.items():
            if inputs.get(key) is None:
                inputs[key] = default
        if in_component and inputs.get("sourceRegion") is None:
            inputs["sourceRegion"] = self._resolved_region(None)
        failures = validate_copy_props(inputs)
        replacing = bool(changed_keys(olds, inputs, REPLACE_KEYS))
        failures += check_deprecation_window(
            olds, inputs, now=self.now(), setting=not olds or replacing
        )
        failures += self._public_sharing_problems({} if replacing else olds, inputs)
        inputs[TOKEN_PROPERTY] = checked_token(olds, inputs, urn=urn, replacing=replacing)
        return CheckResult(inputs, failures)

    def _resolved_region(self, declared: str | None) -> str | None:
        """The Region calls go to, boto3's own choice included (no AWS call)."""
        try:
            return self.region(declared) or self.client(declared).meta.region_name or None
        except BotoCoreError:
            return None  # no Region anywhere: check then says which input is missing

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = self.comparable(canonical_attributes(olds))
        news = self.comparable(canonical_attributes(news))
        replaces = changed_keys(olds, news, REPLACE_KEYS)
        updates = changed_keys(olds, news, UPDATE_KEYS)
        if replaces:
            self._refuse_protected_replacement(_id, olds, replaces)
        elif "deprecationTime" in updates:
            self._refuse_public_deprecation(_id, olds, news)
        moving = {"protectionState", "lastLaunchedTime"}
        if "disabled" in updates:
            moving.add("state")
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            updates=updates,
            stables=[k for k in OUTPUT_KEYS if k not in moving],
        )

    def preview_update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """An update changes no output but the protection and the state (disabled)."""
        kept = {k: olds.get(k) for k in OUTPUT_KEYS}
        if changed_keys(olds, news, ["deregistrationProtection"]):
            kept["protectionState"] = UNKNOWN
        if changed_keys(canonical_attributes(olds), canonical_attributes(news), ["disabled"]):
            kept["state"] = UNKNOWN
        return {**news, **kept}

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
            **_DEFAULTS,
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

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_snapshots = props.get("deleteSnapshotsOnDestroy")
        deregister_image(
            self.client(props.get("region")),
            id_,
            delete_snapshots=delete_snapshots is None or str(delete_snapshots).lower() == "true",
            delete_when_in_use=str(props.get("deleteWhenInUse")).lower() == "true",
            recorded_snapshot_ids=[str(s) for s in props.get("snapshotIds") or []],
            report=self.reporter(f"copy {props.get('imageName', id_)} ({id_})"),
            now=self.now,
            recycle_bin=self.recycle_bin_report,
        )


def _reported_tags(image: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, str] | None:
    """The tags a refresh records. With `copyImageTags`, the copy also carries the source's
    tags, which are no drift: only the declared keys are read back then."""
    tags = reported_tags(image.get("Tags", []))
    if props.get("copyImageTags") is True:
        declared = props.get("tags") or {}
        tags = {k: v for k, v in tags.items() if k in declared and not is_unknown(k)}
    return tags or None
