"""Adoption: finding what a retried or interrupted create already made, by its creation token.

EC2's `RegisterImage`, `CreateImage` and `CreateSnapshot` take no idempotency token. When a
response is lost, botocore retries the call: the retry of `RegisterImage`/`CreateImage` meets
the first attempt's image (`InvalidAMIName.Duplicate`), and the retry of `CreateSnapshot` makes
a second snapshot. When `pulumi up` (or the plugin) is killed mid-create, the engine records
nothing but a pending operation, which the next `up` only warns about and drops. So every image
and snapshot this package creates carries a tag with a creation token that `check` derives from
the resource's URN and its checked inputs: the next `up` of the same declaration derives the same
token, and its create finds and adopts what the interrupted one made.

A token alone can't tell an interrupted create's object from a finished one with the same URN
and inputs: `pulumi up --replace` checks its inputs without the old ones (the engine's step
generator passes no olds for a targeted replace, nor when it re-checks a replacement), so its
create derives the very token of the image it replaces. A create therefore marks what it made
as complete (`COMPLETE_TAG`) just before it answers the engine, and only objects not marked are
adopted. The one case left is a create killed between that mark and the engine recording its
answer: that object is named in the error, never adopted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .iam import requires

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef, SnapshotTypeDef

__all__ = [
    "COMPLETE_TAG",
    "TOKEN_PROPERTY",
    "TOKEN_TAG",
    "adoptable",
    "carries_token",
    "checked_token",
    "creation_token",
    "find_image_named",
    "find_snapshots_with_token",
    "mark_complete",
    "token_of",
    "without_own_tags",
]

TOKEN_PROPERTY = "creationToken"
"""The provider-internal input that carries the token from `check` to `create`."""
TOKEN_TAG = "ami-lifecycle:creation-token"
"""The tag the token is stored under on the image and its snapshots."""
COMPLETE_TAG = "ami-lifecycle:complete"
"""Set on an image or snapshot once its create has finished: it is never adopted again."""
_OWN_TAGS = (TOKEN_TAG, COMPLETE_TAG)


def creation_token(urn: str, inputs: Mapping[str, Any]) -> str:
    """The same for the same URN and checked inputs, in any process and any `pulumi up`."""
    declared = {k: v for k, v in inputs.items() if k != TOKEN_PROPERTY}
    canonical = json.dumps([urn, declared], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def checked_token(
    olds: Mapping[str, Any], inputs: Mapping[str, Any], *, urn: str, replacing: bool
) -> str:
    """The token `check` gives: the recorded one while the resource stays the same resource
    (an update changes inputs, not the object), else the one derived for these inputs."""
    recorded = token_of(olds)
    if recorded is not None and not replacing:
        return recorded
    return creation_token(urn, inputs)


def token_of(props: Mapping[str, Any]) -> str | None:
    value = props.get(TOKEN_PROPERTY)
    return value if isinstance(value, str) and value else None


def without_own_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The user's tags: the token and the complete mark are this package's bookkeeping."""
    return {k: v for k, v in tags.items() if k not in _OWN_TAGS}


def _tag(tagged: Mapping[str, Any], key: str) -> str | None:
    for tag in tagged.get("Tags", []):
        if tag.get("Key") == key:
            return str(tag.get("Value"))
    return None


def carries_token(tagged: Mapping[str, Any], token: str | None) -> bool:
    return token is not None and _tag(tagged, TOKEN_TAG) == token


def adoptable(tagged: Mapping[str, Any], token: str | None) -> bool:
    """Made by an interrupted create of exactly this declaration, and never finished."""
    return carries_token(tagged, token) and _tag(tagged, COMPLETE_TAG) is None


@requires("ec2:CreateTags")
def mark_complete(client: EC2Client, resource_ids: Sequence[str]) -> None:
    """Mark a finished create's image (or snapshot): from now on only its stack holds it."""
    client.create_tags(Resources=list(resource_ids), Tags=[{"Key": COMPLETE_TAG, "Value": "true"}])


@requires("ec2:DescribeImages")
def find_image_named(client: EC2Client, name: str) -> ImageTypeDef | None:
    """This account's image with that name (names are unique per account and Region)."""
    images = client.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [name]}], IncludeDisabled=True
    ).get("Images", [])
    live = [i for i in images if i.get("Name") == name and i.get("State") != "deregistered"]
    return live[0] if live else None


@requires("ec2:DescribeSnapshots")
def find_snapshots_with_token(client: EC2Client, token: str) -> list[SnapshotTypeDef]:
    """This account's snapshots that carry the token (one, or more after a retried create)."""
    return list(
        client.describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": f"tag:{TOKEN_TAG}", "Values": [token]}]
        ).get("Snapshots", [])
    )
