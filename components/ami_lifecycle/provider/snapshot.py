"""`VolumeSnapshotProvider`: a snapshot of an EBS volume, made for an image to own.

Pickled into Pulumi state by reference as
`ami_lifecycle.provider.snapshot.VolumeSnapshotProvider`.

The image deletes its snapshots itself (`DeleteAssociatedSnapshots`), and Pulumi deletes the image
before the snapshot it depends on, so this provider's delete usually finds the snapshot gone and
counts that as done. A snapshot another AMI still uses is kept and said so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..aws.clients import error_code
from ..aws.finder import find_snapshot
from ..aws.status import snapshot_status
from ..aws.waiter import WaitFailedError, WaitTimeoutError, wait_until_done
from ..errors import AwsCallError, SnapshotNotFoundError
from ..iam import requires
from ..image_spec import tag_specifications
from ..outputs import reported_tags
from ..tagging import retag
from ..validation import validate_snapshot_props
from .aws_settings import AwsSettings
from .property_diff import changed_keys

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import SnapshotTypeDef

__all__ = ["VolumeSnapshotProvider"]

REPLACE_KEYS = ("volumeId", "description", "region")
UPDATE_KEYS = ("tags", "deleteOnDestroy")


def _outputs(snapshot: SnapshotTypeDef) -> dict[str, Any]:
    return {
        "snapshotId": snapshot.get("SnapshotId"),
        "state": snapshot.get("State"),
        "volumeSize": snapshot.get("VolumeSize"),
        "encrypted": snapshot.get("Encrypted"),
    }


class VolumeSnapshotProvider(AwsSettings, ResourceProvider):
    """Creates a snapshot of a volume, waits until it completes, and deletes it idempotently."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {**news}
        if inputs.get("deleteOnDestroy") is None:
            inputs["deleteOnDestroy"] = True
        failures = [CheckFailure(p.property, p.reason) for p in validate_snapshot_props(inputs)]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = changed_keys(olds, news, REPLACE_KEYS)
        updates = changed_keys(olds, news, UPDATE_KEYS)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces)

    @requires("ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DescribeSnapshots")
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client(props.get("region"))
        volume_id = str(props["volumeId"])
        report = self.reporter(f"snapshot of {volume_id}")
        kwargs: dict[str, Any] = {"VolumeId": volume_id}
        if props.get("description"):
            kwargs["Description"] = str(props["description"])
        tags = tag_specifications(props.get("tags") or {}, ["snapshot"])
        if tags:
            kwargs["TagSpecifications"] = tags
        try:
            snapshot_id = client.create_snapshot(**kwargs)["SnapshotId"]
        except ClientError as error:
            raise AwsCallError("snapshotting", volume_id, error_code(error), str(error)) from error
        report(f"started {snapshot_id}; waiting for it to complete")
        try:
            snapshot = wait_until_done(
                lambda: snapshot_status(client, snapshot_id),
                what=snapshot_id,
                report=report,
                schedule=self.schedule,
                clock=self.clock,
            )
        except (WaitFailedError, WaitTimeoutError) as failure:
            try:
                client.delete_snapshot(SnapshotId=snapshot_id)
                undone = f"undone: deleted {snapshot_id}"
            except ClientError as error:
                # Say what is left rather than hide the first failure behind the second.
                undone = f"undoing failed too ({error_code(error)}): delete {snapshot_id} by hand"
            raise AwsCallError(
                "snapshotting", volume_id, "SnapshotFailed", f"{snapshot_id} {failure}; {undone}"
            ) from failure
        return CreateResult(snapshot_id, {**props, **_outputs(snapshot)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            snapshot = find_snapshot(self.client(props.get("region")), id_)
        except SnapshotNotFoundError:
            return ReadResult("", {})
        outs = {
            **props,
            **_outputs(snapshot),
            "tags": reported_tags(snapshot.get("Tags", [])) or None,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old_tags = {str(k): str(v) for k, v in (olds.get("tags") or {}).items()}
        new_tags = {str(k): str(v) for k, v in (news.get("tags") or {}).items()}
        retag(self.client(news.get("region")), [id_], old_tags, new_tags)
        outs = {k: olds.get(k) for k in ("snapshotId", "state", "volumeSize", "encrypted")}
        return UpdateResult({**news, **outs})

    @requires("ec2:DeleteSnapshot")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        report = self.reporter(f"snapshot {id_}")
        if props.get("deleteOnDestroy") is False:
            report("kept (deleteSnapshotsOnDestroy=false)")
            return
        try:
            self.client(props.get("region")).delete_snapshot(SnapshotId=id_)
        except ClientError as error:
            code = error_code(error)
            if code == "InvalidSnapshot.NotFound":
                return  # deleted with its image (DeleteAssociatedSnapshots)
            if code == "InvalidSnapshot.InUse":
                report(f"kept: another AMI still uses it ({error})")
                return
            raise AwsCallError("deleting snapshot of", id_, code, str(error)) from error
        report("deleted")
