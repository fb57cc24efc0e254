"""`ImageProvider`: the CRUD of one AMI, kept thin over creation, updates and deregistration.

Pickled into Pulumi state by reference as `ami_lifecycle.provider.image.ImageProvider`.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..aws.finder import find_image
from ..creation import create_image, set_protection
from ..deregistration import deregister_image
from ..errors import ImageNotFoundError
from ..iam import requires
from ..image_spec import ImageSpec
from ..outputs import image_outputs, protection_setting, reported_tags
from ..protection import Protection, parse_protection_state
from ..tagging import retag
from ..validation import validate_image_props
from .aws_settings import AwsSettings
from .property_diff import changed_keys, normalized

__all__ = ["REPLACE_KEYS", "UPDATE_KEYS", "ImageProvider"]

REPLACE_KEYS = ("imageName", "region", "fromSnapshots", "fromInstance", "blockDeviceMappings")
"""What AWS can't change on an existing AMI."""
UPDATE_KEYS = ("deregistrationProtection", "description", "tags", "deleteSnapshotsOnDestroy")
"""What is changed in place (`deleteSnapshotsOnDestroy` only in the state)."""

_DEFAULTS: dict[str, Any] = {
    "deregistrationProtection": Protection.ENABLED.value,
    "deleteSnapshotsOnDestroy": True,
}


class ImageProvider(AwsSettings, ResourceProvider):
    """Creates, updates, refreshes and deletes one AMI with boto3."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {**news}
        for key, default in _DEFAULTS.items():
            if inputs.get(key) is None:
                inputs[key] = default
        failures = [
            CheckFailure(p.property, p.reason)
            for p in validate_image_props(inputs, volumes_snapshotted=True)
        ]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = changed_keys(olds, news, REPLACE_KEYS)
        updates = changed_keys(olds, news, UPDATE_KEYS)
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            stables=["imageId", "ownerId", "creationDate"],
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = ImageSpec.from_props(props)
        created = create_image(
            self.client(spec.region),
            spec,
            report=self.reporter(f"image {spec.image_name}"),
            schedule=self.schedule,
            clock=self.clock,
        )
        image_id = str(created.image.get("ImageId"))
        outs = image_outputs(created.image, spec.declared_rates(), created.protection_state)
        return CreateResult(image_id, {**props, **outs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client(props.get("region"))
        try:
            image = find_image(client, id_)
        except ImageNotFoundError:
            self.reporter(f"image {id_}")("deregistered outside Pulumi; it is gone from the stack")
            return ReadResult("", {})
        declared = ImageSpec.from_props(props).declared_rates() if "imageName" in props else {}
        outs = {**props, **image_outputs(image, declared, None)}
        # What AWS reports replaces the recorded value, so the next `up` repairs drift; what it
        # doesn't report (VolumeInitializationRate, the declared mappings) stays as declared.
        outs["deregistrationProtection"] = protection_setting(image.get("DeregistrationProtection"))
        outs["description"] = image.get("Description") or props.get("description")
        outs["tags"] = reported_tags(image.get("Tags", [])) or None
        return ReadResult(id_, outs)

    @requires("ec2:ModifyImageAttribute", "ec2:DescribeImages")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec = ImageSpec.from_props(news)
        client = self.client(spec.region)
        report = self.reporter(f"image {spec.image_name} ({id_})")
        protection_state = olds.get("protectionState")
        if not parse_protection_state(protection_state).satisfies(spec.protection):
            protection_state = set_protection(
                client, id_, spec.protection, currently=str(protection_state or "")
            )
            report(f"deregistration protection is now {protection_state}")
        if normalized(olds.get("description")) != normalized(news.get("description")):
            client.modify_image_attribute(
                ImageId=id_, Description={"Value": spec.description or ""}
            )
        old_tags = {str(k): str(v) for k, v in (olds.get("tags") or {}).items()}
        if old_tags != dict(spec.tags):
            # Snapshots CreateImage made belong to the image; snapshots from elsewhere don't.
            owned = list(olds.get("snapshotIds") or []) if spec.from_instance else []
            retag(client, [id_, *owned], old_tags, spec.tags)
        image = find_image(client, id_)
        outs = image_outputs(image, spec.declared_rates(), str(protection_state))
        return UpdateResult({**news, **outs})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_snapshots = props.get("deleteSnapshotsOnDestroy")
        deregister_image(
            self.client(props.get("region")),
            id_,
            delete_snapshots=True if delete_snapshots is None else bool(delete_snapshots),
            recorded_snapshot_ids=[str(s) for s in props.get("snapshotIds") or []],
            report=self.reporter(f"image {props.get('imageName', id_)} ({id_})"),
            now=self.now,
        )
