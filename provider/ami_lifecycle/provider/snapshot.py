"""`VolumeSnapshotProvider`: the CRUD of `ami-lifecycle:index:VolumeSnapshot`, a snapshot of an
EBS volume made for an image to own.

The image deletes its snapshots itself (`DeleteAssociatedSnapshots`), and Pulumi deletes the image
before the snapshot it depends on, so this provider's delete usually finds the snapshot gone and
counts that as done. A snapshot another AMI still uses is kept and said so.

A create that fails after `CreateSnapshot`, is interrupted, or meets the plugin's shutdown
(`cancellation`, checked between its steps and in the wait) deletes the snapshot it made; only
snapshots carrying its own token are ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..adoption import (
    TOKEN_PROPERTY,
    TOKEN_TAG,
    adoptable,
    checked_token,
    creation_token,
    find_snapshots_with_token,
    mark_complete,
    token_of,
)
from ..aws.clients import error_code
from ..aws.finder import find_snapshot
from ..aws.status import snapshot_status
from ..aws.waiter import Clock, PollSchedule, keep_trying, wait_until_done
from ..cancellation import raise_if_cancelled
from ..errors import SnapshotNotFoundError, SnapshotOperationError
from ..iam import requires
from ..image_spec import tag_specifications
from ..outputs import SNAPSHOT_OUTPUT_KEYS, reported_tags
from ..tagging import retag
from ..validation import validate_snapshot_props
from .aws_settings import AwsSettings
from .property_diff import DYNAMIC_PROVIDER_KEY, changed_keys
from .results import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import SnapshotTypeDef

__all__ = ["VolumeSnapshotProvider"]

_Undoer = Callable[[list[str]], str]

REPLACE_KEYS = ("volumeId", "description", "region")
UPDATE_KEYS = ("tags", "deleteOnDestroy")
VERB = "creating"


def _outputs(snapshot: SnapshotTypeDef) -> dict[str, Any]:
    return {
        "snapshotId": snapshot.get("SnapshotId"),
        "state": snapshot.get("State"),
        "volumeSize": snapshot.get("VolumeSize"),
        "encrypted": snapshot.get("Encrypted"),
    }


class VolumeSnapshotProvider(AwsSettings):
    """Creates a snapshot of a volume, waits until it completes, and deletes it idempotently."""

    def check(
        self,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        urn: str = "",
        in_component: bool = False,
    ) -> CheckResult:
        inputs = {**news}
        if inputs.get("deleteOnDestroy") is None:
            inputs["deleteOnDestroy"] = True
        failures = validate_snapshot_props(inputs)
        # Only a create of exactly this declaration can adopt what it finds.
        inputs[TOKEN_PROPERTY] = checked_token(
            olds, inputs, urn=urn, replacing=bool(changed_keys(olds, inputs, REPLACE_KEYS))
        )
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = self.comparable(olds), self.comparable(news)
        replaces = changed_keys(olds, news, REPLACE_KEYS)
        updates = changed_keys(olds, news, UPDATE_KEYS)
        if DYNAMIC_PROVIDER_KEY in olds:
            updates.append(DYNAMIC_PROVIDER_KEY)  # rewrite the state without the pickled provider
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            updates=updates,
            stables=list(SNAPSHOT_OUTPUT_KEYS),
        )

    def preview_update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """An update only retags: every output (the snapshot id an image uses among them) stays
        known in a preview."""
        return {**news, **{k: olds.get(k) for k in SNAPSHOT_OUTPUT_KEYS}}

    @requires("ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DescribeSnapshots", "ec2:DeleteSnapshot")
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client(props.get("region"))
        volume_id = str(props["volumeId"])
        ident = f"from {volume_id}"
        token = token_of(props) or creation_token("", props)
        report = self.reporter(f"snapshot of {volume_id}")
        snapshot_id = _start(
            client, props, token, ident, report=report, schedule=self.schedule, clock=self.clock
        )
        step = f"waiting for {snapshot_id} to complete"
        try:
            raise_if_cancelled()
            report(f"{snapshot_id} started; waiting for it to complete")
            snapshot = wait_until_done(
                lambda: snapshot_status(client, snapshot_id),
                what=snapshot_id,
                report=report,
                schedule=self.schedule,
                clock=self.clock,
            )
            raise_if_cancelled()
            step = f"marking {snapshot_id} complete"
            mark_complete(client, [snapshot_id])
        except BaseException as failure:
            undone = _undo(client, [snapshot_id], schedule=self.schedule, clock=self.clock)
            if not isinstance(failure, Exception):
                failure.add_note(f"{VERB} EBS snapshot ({ident}): interrupted; {undone}")
                raise
            raise SnapshotOperationError(VERB, ident, f"{step}: {failure}; {undone}") from failure
        return CreateResult(snapshot_id, {**props, **_outputs(snapshot)})

    def read(
        self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None
    ) -> ReadResult:
        """Refresh (`props` is the recorded state) or import (`props` is empty)."""
        try:
            snapshot = find_snapshot(self.client(props.get("region")), id_)
        except SnapshotNotFoundError:
            return ReadResult("", {}, {})
        tags = reported_tags(snapshot.get("Tags", [])) or None
        if props:
            # Tags removed outside Pulumi must read as none, not as the recorded ones: otherwise
            # the next diff sees no change and `up` never puts them back.
            refreshed = {**(inputs or {}), "tags": tags}
            return ReadResult(id_, {**props, "tags": tags, **_outputs(snapshot)}, refreshed)
        declared: dict[str, Any] = {
            "volumeId": snapshot.get("VolumeId"),
            "description": snapshot.get("Description") or None,
            "tags": tags,
            "deleteOnDestroy": True,
        }
        declared = {k: v for k, v in declared.items() if v is not None}
        return ReadResult(id_, {**declared, **_outputs(snapshot)}, declared)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old_tags = {str(k): str(v) for k, v in (olds.get("tags") or {}).items()}
        new_tags = {str(k): str(v) for k, v in (news.get("tags") or {}).items()}
        retag(self.client(news.get("region")), [id_], old_tags, new_tags)
        outs = {k: olds.get(k) for k in SNAPSHOT_OUTPUT_KEYS}
        return UpdateResult({**news, **outs})

    @requires("ec2:DeleteSnapshot")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        report = self.reporter(f"snapshot {id_}")
        wanted = props.get("deleteOnDestroy")
        # Only an explicit true deletes (older state may hold the string "false").
        if not (wanted is None or str(wanted).lower() == "true"):
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
            raise SnapshotOperationError(
                "deleting", id_, f"DeleteSnapshot: {code}: {error}"
            ) from error
        report("deleted")


def _start(
    client: EC2Client,
    props: dict[str, Any],
    token: str,
    ident: str,
    *,
    report: Callable[[str], None],
    schedule: PollSchedule,
    clock: Clock,
) -> str:
    """`CreateSnapshot`, made safe to retry: its id, and no second snapshot left behind.

    `CreateSnapshot` takes no idempotency token, so each snapshot carries this create's token
    tag: a replayed create finds the snapshot its interrupted run made, and a create whose
    answer came only after botocore retried (or never came) finds every snapshot its attempts
    made, keeps one and deletes the rest."""
    undo: _Undoer = partial(_undo, client, schedule=schedule, clock=clock)
    earlier = _unfinished(client, token)
    if earlier:
        kept, *extra = sorted(earlier)
        report(f"adopting {kept}, made by an earlier, interrupted run of this create")
        _drop_duplicates(extra, report, undo)
        return kept
    kwargs: dict[str, Any] = {"VolumeId": str(props["volumeId"])}
    if props.get("description"):
        kwargs["Description"] = str(props["description"])
    tags = {**{str(k): str(v) for k, v in (props.get("tags") or {}).items()}, TOKEN_TAG: token}
    kwargs["TagSpecifications"] = tag_specifications(tags, ["snapshot"])
    try:
        response = client.create_snapshot(**kwargs)
    except ClientError as error:
        code = error_code(error)
        raise SnapshotOperationError(VERB, ident, f"CreateSnapshot: {code}: {error}") from error
    except BaseException as failure:
        # The request may have been processed before the connection failed: delete whatever
        # this create made, so that a failed create leaves nothing.
        try:
            made = keep_trying(partial(_unfinished, client, token), schedule=schedule, clock=clock)
        except Exception:
            made = []
            undone = (
                f"look for snapshots tagged {TOKEN_TAG}={token} and delete them by hand (the "
                "next `pulumi up` with the same inputs adopts one)"
            )
        else:
            undone = undo(made) if made else "no snapshot was left behind"
        if not isinstance(failure, Exception):
            failure.add_note(f"{VERB} EBS snapshot ({ident}): interrupted; {undone}")
            raise
        raise SnapshotOperationError(VERB, ident, f"CreateSnapshot: {failure}; {undone}") from (
            failure
        )
    snapshot_id = response["SnapshotId"]
    if response.get("ResponseMetadata", {}).get("RetryAttempts", 0):
        # An earlier attempt may have been processed although its answer was lost.
        extra = [s for s in _unfinished(client, token) if s != snapshot_id]
        _drop_duplicates(extra, report, undo)
    return snapshot_id


def _unfinished(client: EC2Client, token: str) -> list[str]:
    """The snapshots an interrupted create of this declaration made (finished ones are a
    stack's: a forced replacement derives its predecessor's token)."""
    return [
        s["SnapshotId"] for s in find_snapshots_with_token(client, token) if adoptable(s, token)
    ]


def _drop_duplicates(extra: list[str], report: Callable[[str], None], undo: _Undoer) -> None:
    if extra:
        report(
            f"deleting {', '.join(extra)}: made by a retried CreateSnapshot whose answer was lost"
        )
        report(f"  {undo(extra)}")


def _undo(
    client: EC2Client, snapshot_ids: list[str], *, schedule: PollSchedule, clock: Clock
) -> str:
    """Delete the snapshots, trying again while EC2 gives no answer; say what was undone, or
    exactly what is left to delete by hand."""
    deleted: list[str] = []
    left: list[str] = []
    for snapshot_id in snapshot_ids:
        try:
            keep_trying(
                partial(client.delete_snapshot, SnapshotId=snapshot_id),
                schedule=schedule,
                clock=clock,
            )
        except ClientError as error:
            if error_code(error) == "InvalidSnapshot.NotFound":
                deleted.append(snapshot_id)
            else:
                left.append(f"{snapshot_id} ({error_code(error)})")
        except Exception as error:
            left.append(f"{snapshot_id} ({type(error).__name__})")
        else:
            deleted.append(snapshot_id)
    undone = f"undone: deleted {', '.join(deleted)}" if deleted else "nothing was deleted"
    if left:
        undone += (
            f"; undoing failed for these, delete them by hand: {', '.join(left)} (they are not "
            "marked complete, so the next `pulumi up` with the same inputs adopts them instead)"
        )
    return undone
