"""Tags: the image's tags are also the tags of the snapshots the image owns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .iam import requires
from .image_spec import tag_list

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["retag"]


@requires("ec2:CreateTags", "ec2:DeleteTags")
def retag(
    client: EC2Client,
    resource_ids: Sequence[str],
    old: Mapping[str, str],
    new: Mapping[str, str],
) -> None:
    """Move the resources' tags from `old` to `new` with at most two calls."""
    if not resource_ids:
        return
    removed = sorted(set(old) - set(new))
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    if removed:
        client.delete_tags(Resources=list(resource_ids), Tags=[{"Key": k} for k in removed])
    if changed:
        client.create_tags(Resources=list(resource_ids), Tags=tag_list(changed))
