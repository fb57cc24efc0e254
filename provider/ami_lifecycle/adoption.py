"""Adoption: finding what a retried or interrupted create already made, by its creation token.

EC2's `RegisterImage`, `CreateImage` and `CreateSnapshot` take no idempotency token. When a
response is lost, botocore retries the call: the retry of `RegisterImage`/`CreateImage` meets
the first attempt's image (`InvalidAMIName.Duplicate`), and the retry of `CreateSnapshot` makes
a second snapshot. So every image and snapshot this package creates carries a tag with a token
minted by the provider's `check` for that one create (a new token for each create, so an old
image or snapshot is never taken for a new one; kept while the resource is only updated). With
it, a create can tell its own earlier attempt from someone else's object: it adopts the first,
and names the second in its error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .iam import requires

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef, SnapshotTypeDef

__all__ = [
    "TOKEN_PROPERTY",
    "TOKEN_TAG",
    "carries_token",
    "checked_token",
    "find_image_named",
    "find_snapshots_with_token",
    "new_token",
    "token_of",
    "without_token_tag",
]

TOKEN_PROPERTY = "creationToken"
"""The provider-internal input that carries the token from `check` to `create`."""
TOKEN_TAG = "ami-lifecycle:creation-token"
"""The tag the token is stored under on the image and its snapshots."""


def new_token() -> str:
    return uuid.uuid4().hex


def checked_token(olds: Mapping[str, Any], *, replacing: bool) -> str:
    """The token `check` gives: the recorded one while the resource stays the same resource
    (so previews show no change), a new one for anything that will be created (a first create or
    a replacement, which must never take its predecessor for its own)."""
    recorded = token_of(olds)
    return recorded if recorded is not None and not replacing else new_token()


def token_of(props: Mapping[str, Any]) -> str | None:
    value = props.get(TOKEN_PROPERTY)
    return value if isinstance(value, str) and value else None


def without_token_tag(tags: Mapping[str, str]) -> dict[str, str]:
    """The user's tags: the token tag is this package's bookkeeping, never a user's tag."""
    return {k: v for k, v in tags.items() if k != TOKEN_TAG}


def _tag(tagged: Mapping[str, Any], key: str) -> str | None:
    for tag in tagged.get("Tags", []):
        if tag.get("Key") == key:
            return str(tag.get("Value"))
    return None


def carries_token(tagged: Mapping[str, Any], token: str | None) -> bool:
    return token is not None and _tag(tagged, TOKEN_TAG) == token


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
