"""Deprecation, disabling and sharing of an Image, against the emulator: what check refuses, the
calls create, update and refresh make, and what is left in EC2."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import botocore.session
import pytest
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle import ImageCreationError
from ami_lifecycle.attributes import (
    ORGANIZATION_ARN,
    ORGANIZATIONAL_UNIT_ARN,
    canonical_attributes,
    check_attribute_inputs,
)
from ami_lifecycle.errors import ImageOperationError
from ami_lifecycle.provider.image import ImageProvider

from .conftest import Aws
from .test_image_provider import checked, create, snapshot_image

ACCOUNT = "111122223333"
OTHER = "444455556666"
ORG = "arn:aws:organizations::123456789012:organization/o-abcdefghij"
OU = "arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdefghij"


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def later(aws: Aws, **delta: float) -> datetime:
    return aws.now() + timedelta(**delta)


def failures(
    provider: ImageProvider, props: dict[str, Any], olds: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check(olds or {}, props).failures]


def shared_with(aws: Aws, image_id: str) -> list[dict[str, str]]:
    answer = aws.ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    permissions = [{k: str(v) for k, v in p.items()} for p in answer["LaunchPermissions"]]
    return sorted(permissions, key=lambda p: sorted(p.items()))


def described(aws: Aws, image_id: str) -> Any:
    return aws.ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"][0]


def calls_with(aws: Aws, action: str) -> list[dict[str, str]]:
    return [r.params for r in aws.emulator.requests if r.action == action]


# -- check: the form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "prop", "says"),
    [
        ({"deprecationTime": "2027-06-01"}, "deprecationTime", "RFC 3339 date and time in UTC"),
        ({"deprecationTime": "next year"}, "deprecationTime", "such as '2027-06-01T00:00:00Z'"),
        ({"deprecationTime": 1780000000}, "deprecationTime", "must be a string"),
        (
            {"deprecationTime": "2027-06-01T02:00:00+02:00"},
            "deprecationTime",
            "write '2027-06-01T00:00:00Z' for '2027-06-01T02:00:00+02:00'",
        ),
        (
            {"launchPermissions": {"userIds": ["12345"]}},
            "launchPermissions.userIds[0]",
            "12 digits",
        ),
        (
            {"launchPermissions": {"userIds": ACCOUNT}},
            "launchPermissions.userIds",
            f"wrap it in a list: [{ACCOUNT!r}]",
        ),
        (
            {"launchPermissions": {"organizationArns": ["o-abcdefghij"]}},
            "launchPermissions.organizationArns[0]",
            "an organization ARN: arn:aws:organizations::",
        ),
        (
            {"launchPermissions": {"organizationalUnitArns": [ORG]}},
            "launchPermissions.organizationalUnitArns[0]",
            "an OU ARN",
        ),
        ({"launchPermissions": {"accounts": [ACCOUNT]}}, "launchPermissions.accounts", "unknown"),
        ({"launchPermissions": {"public": "true"}}, "launchPermissions.public", "a bool"),
        (
            {"disabled": True, "launchPermissions": {"userIds": [ACCOUNT]}},
            "launchPermissions",
            "a disabled image can't be shared",
        ),
    ],
)
def test_check_refuses_malformed_attributes_naming_the_property(
    image_provider: ImageProvider, aws: Aws, props: dict[str, Any], prop: str, says: str
) -> None:
    found = failures(image_provider, snapshot_image([aws.snapshot()], **props))
    assert [p for p, _ in found] == [prop]
    assert says in found[0][1]


def test_a_wrongly_typed_attribute_is_reported_once(
    aws: Aws, image_provider: ImageProvider
) -> None:
    found = failures(
        image_provider,
        snapshot_image([aws.snapshot()], disabled="false", launchPermissions=[ACCOUNT]),
    )
    assert [p for p, _ in found] == ["disabled", "launchPermissions"]


def test_values_not_known_yet_are_not_judged() -> None:
    assert (
        check_attribute_inputs(
            {
                "deprecationTime": UNKNOWN,
                "disabled": UNKNOWN,
                "launchPermissions": {"userIds": [UNKNOWN, ACCOUNT], "organizationArns": UNKNOWN},
            }
        )
        == []
    )


def test_the_organization_arn_forms_are_the_organizations_models() -> None:
    model = botocore.session.get_session().get_service_model("organizations")
    for pattern, shape in (
        (ORGANIZATION_ARN, "OrganizationArn"),
        (ORGANIZATIONAL_UNIT_ARN, "OrganizationalUnitArn"),
    ):
        assert "^" + pattern.pattern == model.shape_for(shape).metadata["pattern"]


# -- check: the time window ----------------------------------------------------------------------


def test_check_refuses_a_past_or_too_distant_deprecation_time(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    past = at(later(aws, days=-1))
    [(prop, reason)] = failures(image_provider, snapshot_image([root], deprecationTime=past))
    assert prop == "deprecationTime"
    assert reason.startswith(f"{past} is in the past")
    far = at(later(aws, days=365 * 10 + 5))
    [(_, reason)] = failures(image_provider, snapshot_image([root], deprecationTime=far))
    assert "more than 10 years from now" in reason
    public = at(later(aws, days=365 * 2 + 5))
    [(_, reason)] = failures(
        image_provider,
        snapshot_image([root], deprecationTime=public, launchPermissions={"public": True}),
    )
    assert "more than 2 years from its creation (now)" in reason
    assert "public AMIs" in reason
    assert failures(image_provider, snapshot_image([root], deprecationTime=public)) == []


def test_a_deprecation_time_that_has_passed_since_it_was_set_fails_no_preview(
    aws: Aws, image_provider: ImageProvider
) -> None:
    props = snapshot_image([aws.snapshot()], deprecationTime=at(later(aws, days=2)))
    olds = checked(image_provider, props)
    aws.emulator.advance_clock(3 * 86400)
    # The same instant in AWS's spelling, as a refresh records it.
    recorded = {**olds, "deprecationTime": olds["deprecationTime"].replace("Z", ".000Z")}
    assert failures(image_provider, props, recorded) == []
    moved = {**props, "deprecationTime": at(later(aws, days=-2))}
    assert [p for p, _ in failures(image_provider, moved, recorded)] == ["deprecationTime"]


def test_check_refuses_public_sharing_while_block_public_access_is_on(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    aws.ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    aws.emulator.clear_requests()

    assert (
        failures(image_provider, snapshot_image([root], launchPermissions={"userIds": [ACCOUNT]}))
        == []
    )
    assert aws.calls() == []
    [(prop, reason)] = failures(
        image_provider, snapshot_image([root], launchPermissions={"public": True})
    )

    assert aws.calls() == ["GetImageBlockPublicAccessState"]
    assert prop == "launchPermissions.public"
    assert "block public access for AMIs is on" in reason
    assert "`aws ec2 get-image-block-public-access-state --region us-east-1`" in reason
    assert "`aws ec2 disable-image-block-public-access --region us-east-1`" in reason


# -- create --------------------------------------------------------------------------------------


def test_create_deprecates_and_shares_after_protection_and_before_the_complete_mark(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    moment = later(aws, days=90).replace(second=0, microsecond=0)
    declared = at(moment + timedelta(seconds=40))  # AWS rounds it up to the next minute
    aws.emulator.clear_requests()

    image_id, outs = create(
        image_provider,
        snapshot_image(
            [root],
            deprecationTime=declared,
            launchPermissions={"userIds": [OTHER, ACCOUNT], "organizationArns": [ORG]},
        ),
    )

    assert aws.calls() == [
        "RegisterImage",
        "DescribeImages",
        "EnableImageDeregistrationProtection",
        "DescribeImages",
        "ModifyImageAttribute",
        "EnableImageDeprecation",
        "DescribeImages",
        "CreateTags",
    ]
    [shared] = calls_with(aws, "ModifyImageAttribute")
    assert {k: v for k, v in shared.items() if k.startswith("LaunchPermission")} == {
        "LaunchPermission.Add.1.OrganizationArn": ORG,
        "LaunchPermission.Add.2.UserId": ACCOUNT,
        "LaunchPermission.Add.3.UserId": OTHER,
    }
    assert shared_with(aws, image_id) == [
        {"OrganizationArn": ORG},
        {"UserId": ACCOUNT},
        {"UserId": OTHER},
    ]
    reported = described(aws, image_id)["DeprecationTime"]
    assert reported.startswith(at(moment + timedelta(minutes=1))[:-1])
    assert outs["deprecationTime"] == declared
    # The state holds the declaration; against AWS's rounded answer it is no change.
    read = image_provider.read(image_id, outs)
    assert read.outs is not None
    assert read.outs["deprecationTime"] == declared
    diff = image_provider.diff(image_id, read.outs, checked(image_provider, {**outs}))
    assert (diff.changes, diff.updates) == (False, [])


def test_create_of_a_disabled_image_reports_its_state(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()], disabled=True))

    assert outs["state"] == "disabled"
    assert outs["disabled"] is True
    assert described(aws, image_id)["State"] == "disabled"


def test_a_refused_share_undoes_the_create_and_says_why(
    aws: Aws, image_provider: ImageProvider
) -> None:
    root = aws.snapshot()
    props = checked(image_provider, snapshot_image([root], launchPermissions={"public": True}))
    # Turned on between the preview and the create.
    aws.ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")

    with pytest.raises(ImageCreationError) as refused:
        image_provider.create(props)

    message = str(refused.value)
    assert "setting deprecation, disabled state and launch permissions" in message
    assert "launchPermissions.public can't be true: block public access for AMIs is on" in message
    assert "undone: deregistered" in message
    assert aws.ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"] == []
    assert aws.snapshot_exists(root)


# -- diff and update -----------------------------------------------------------------------------


def test_the_same_instant_or_the_same_permissions_in_another_order_are_no_change(
    aws: Aws, image_provider: ImageProvider
) -> None:
    when = at(later(aws, days=30).replace(second=0))
    image_id, outs = create(
        image_provider,
        snapshot_image(
            [aws.snapshot()],
            deprecationTime=when,
            launchPermissions={"userIds": [ACCOUNT, OTHER], "public": False},
        ),
    )
    # A state written before `disabled` existed has none.
    recorded = {k: v for k, v in outs.items() if k != "disabled"}
    news = {
        **outs,
        "deprecationTime": when.replace("Z", ".000Z"),
        "launchPermissions": {"userIds": [OTHER, ACCOUNT, ACCOUNT]},
    }
    diff = image_provider.diff(image_id, recorded, checked(image_provider, news))
    assert (diff.changes, diff.updates) == (False, [])
    assert "state" in diff.stables


def test_update_changes_exactly_the_difference_one_call_each(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(
        image_provider,
        snapshot_image(
            [aws.snapshot()],
            deprecationTime=at(later(aws, days=30)),
            launchPermissions={"userIds": [ACCOUNT], "organizationalUnitArns": [OU]},
        ),
    )
    moved = later(aws, days=60).replace(second=0, microsecond=0)
    news = checked(
        image_provider,
        {
            **outs,
            "deprecationTime": at(moved),
            "launchPermissions": {"userIds": [ACCOUNT, OTHER]},
        },
    )
    diff = image_provider.diff(image_id, outs, news)
    assert sorted(diff.updates) == ["deprecationTime", "launchPermissions"]
    aws.emulator.clear_requests()

    updated = image_provider.update(image_id, outs, news).outs

    assert aws.calls() == ["ModifyImageAttribute", "EnableImageDeprecation", "DescribeImages"]
    [shared] = calls_with(aws, "ModifyImageAttribute")
    assert {k: v for k, v in shared.items() if k.startswith("LaunchPermission")} == {
        "LaunchPermission.Add.1.UserId": OTHER,
        "LaunchPermission.Remove.1.OrganizationalUnitArn": OU,
    }
    assert shared_with(aws, image_id) == [{"UserId": ACCOUNT}, {"UserId": OTHER}]
    assert described(aws, image_id)["DeprecationTime"].startswith(at(moved)[:-1])
    assert updated is not None
    assert updated["launchPermissions"] == {"userIds": [ACCOUNT, OTHER]}


def test_removing_the_inputs_makes_the_image_private_and_cancels_its_deprecation(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(
        image_provider,
        snapshot_image(
            [aws.snapshot()],
            deprecationTime=at(later(aws, days=30)),
            launchPermissions={"userIds": [ACCOUNT], "public": True},
        ),
    )
    assert described(aws, image_id)["Public"] is True
    news = checked(
        image_provider,
        {k: v for k, v in outs.items() if k not in ("deprecationTime", "launchPermissions")},
    )
    aws.emulator.clear_requests()

    image_provider.update(image_id, outs, news)

    assert aws.calls() == ["ModifyImageAttribute", "DisableImageDeprecation", "DescribeImages"]
    assert shared_with(aws, image_id) == []
    image = described(aws, image_id)
    assert image["Public"] is False
    assert "DeprecationTime" not in image


def test_disabling_removes_the_shares_itself_and_enabling_shares_again(
    aws: Aws, image_provider: ImageProvider
) -> None:
    sharing = {"userIds": [ACCOUNT]}
    image_id, outs = create(
        image_provider, snapshot_image([aws.snapshot()], launchPermissions=sharing)
    )
    off = checked(image_provider, {**outs, "disabled": True, "launchPermissions": None})
    assert image_provider.preview_update(outs, off)["state"] == UNKNOWN
    diff = image_provider.diff(image_id, outs, off)
    assert "state" not in diff.stables
    aws.emulator.clear_requests()

    disabled = image_provider.update(image_id, outs, off).outs or {}

    assert aws.calls() == ["DisableImage", "DescribeImages"]
    assert disabled["state"] == "disabled"
    assert shared_with(aws, image_id) == []
    on = checked(image_provider, {**disabled, "disabled": False, "launchPermissions": sharing})
    aws.emulator.clear_requests()

    enabled = image_provider.update(image_id, disabled, on).outs or {}

    # A disabled AMI can't be shared: EnableImage first.
    assert aws.calls() == ["EnableImage", "ModifyImageAttribute", "DescribeImages"]
    assert enabled["state"] == "available"
    assert shared_with(aws, image_id) == [{"UserId": ACCOUNT}]


def test_a_public_images_deprecation_is_limited_by_its_creation_date_at_preview(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(
        image_provider, snapshot_image([aws.snapshot()], launchPermissions={"public": True})
    )
    aws.emulator.advance_clock(200 * 86400)
    # Within 2 years from now (check's bound), but not from the creation date.
    moved = at(later(aws, days=365 * 2 - 100))
    news = checked(image_provider, {**outs, "deprecationTime": moved})

    with pytest.raises(ImageOperationError) as refused:
        image_provider.diff(image_id, outs, news)

    assert str(refused.value).startswith(f"updating EC2 AMI (golden-test, {image_id}): ")
    assert "more than 2 years from its creation" in str(refused.value)


# -- refresh and import --------------------------------------------------------------------------


def test_refresh_shows_sharing_and_disabling_done_outside_pulumi_and_up_repairs_it(
    aws: Aws, image_provider: ImageProvider
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": OTHER}]})
    aws.ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=later(aws, days=7))
    aws.emulator.clear_requests()

    read = image_provider.read(image_id, outs, {k: outs[k] for k in ("imageName",)})

    assert aws.calls() == ["DescribeImages", "DescribeImageAttribute"]
    assert read.outs is not None
    assert read.inputs is not None
    assert read.outs["launchPermissions"] == {"userIds": [OTHER]}
    assert read.inputs["launchPermissions"] == {"userIds": [OTHER]}
    assert read.outs["deprecationTime"] == described(aws, image_id)["DeprecationTime"]
    program = checked(image_provider, snapshot_image(outs["snapshotIds"]))
    diff = image_provider.diff(image_id, read.outs, program)
    assert sorted(diff.updates) == ["deprecationTime", "launchPermissions"]
    aws.emulator.clear_requests()

    image_provider.update(image_id, read.outs, program)

    assert aws.calls() == ["ModifyImageAttribute", "DisableImageDeprecation", "DescribeImages"]
    assert shared_with(aws, image_id) == []
    assert "DeprecationTime" not in described(aws, image_id)


def test_refresh_reads_an_image_disabled_outside_pulumi_as_disabled(
    aws: Aws, image_provider: ImageProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, outs = create(image_provider, snapshot_image([aws.snapshot()]))
    aws.ec2.disable_image(ImageId=image_id)

    read = image_provider.read(image_id, outs)

    assert read.outs is not None
    assert read.outs["disabled"] is True
    assert "the next `pulumi up` re-enables it (EnableImage)" in capsys.readouterr().err
    diff = image_provider.diff(
        image_id, read.outs, checked(image_provider, snapshot_image(outs["snapshotIds"]))
    )
    assert diff.updates == ["disabled"]


def test_import_reads_the_three_back(aws: Aws, image_provider: ImageProvider) -> None:
    image_id, _ = create(
        image_provider,
        snapshot_image(
            [aws.snapshot()],
            imageName="shared-by-hand",
            deprecationTime=at(later(aws, days=10)),
            launchPermissions={"organizationArns": [ORG]},
        ),
    )

    read = image_provider.read(image_id, {}, {})

    assert read.inputs is not None
    assert read.inputs["launchPermissions"] == {"organizationArns": [ORG]}
    assert read.inputs["deprecationTime"] == described(aws, image_id)["DeprecationTime"]
    assert "disabled" not in read.inputs
    assert failures(image_provider, read.inputs, read.inputs) == []


def test_canonical_attributes_round_seconds_as_aws_does() -> None:
    assert (
        canonical_attributes({"deprecationTime": "2027-06-01T00:00:29Z"})["deprecationTime"]
        == "2027-06-01T00:00:00Z"
    )
    assert (
        canonical_attributes({"deprecationTime": "2027-06-01T00:00:30.000Z"})["deprecationTime"]
        == "2027-06-01T00:01:00Z"
    )
