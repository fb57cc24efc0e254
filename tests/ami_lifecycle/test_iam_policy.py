"""The shipped IAM policy, the actions declared beside the code, and the calls really made."""

from __future__ import annotations

import ami_lifecycle.provider.image
import ami_lifecycle.provider.snapshot  # noqa: F401  (importing declares their actions)
from ami_lifecycle.iam import declared_actions, policy_actions
from ami_lifecycle.provider.image import ImageProvider

from .conftest import Aws
from .test_image_provider import create, snapshot_image


def test_the_policy_document_allows_exactly_what_the_code_declares() -> None:
    declared = {action for actions in declared_actions().values() for action in actions}
    assert declared == policy_actions()


def test_every_call_of_a_whole_lifecycle_is_declared(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    news = {**outs, "deregistrationProtection": "disabled", "description": "v2", "tags": {}}
    outs = image_provider.update(image_id, outs, news).outs or {}
    image_provider.read(image_id, outs)
    image_provider.delete(image_id, outs)
    called = {f"ec2:{r.action}" for r in aws.emulator.requests} - {
        "ec2:CreateVolume",
        "ec2:CreateSnapshot",
    }
    assert called <= policy_actions(), called - policy_actions()
    assert {"ec2:RegisterImage", "ec2:DeregisterImage", "ec2:DeleteTags"} <= called
