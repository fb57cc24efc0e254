"""An AMI's deprecation, disabled state and launch permissions: checked, applied, read back.

The same for every resource that owns an AMI (`Image`, `ImageCopy`): none of it depends on a
provider class, only on an EC2 client and plain camelCase property bags.

`deprecationTime` is an RFC 3339 instant in UTC. AWS rounds seconds to the nearest minute
(EnableImageDeprecation `DeprecateAt`) and reports the rounded time (DescribeImages
`DeprecationTime`, as `2027-06-01T00:01:00.000Z`). A value with seconds is accepted and taken the
way AWS takes it: rounded, half a minute up. Every comparison (diff, refresh) is between rounded
instants, never strings, so a declaration with seconds, or in another RFC 3339 spelling, never
shows a change against AWS's answer. Removing it cancels the deprecation.

`launchPermissions` is managed whole: absent means private, as an AMI is created; removing the
input after sharing makes the image private again, and sharing done outside Pulumi shows as
drift on refresh. A disabled image can't be shared (DisableImage removes every launch
permission), so `disabled: true` with any launch permission is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, cast

from botocore.exceptions import ClientError
from pulumi.runtime.rpc import UNKNOWN

from .aws.clients import error_code
from .errors import AwsCallError, ImageOperationError, InputProblem
from .iam import requires

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import (
        ImageTypeDef,
        LaunchPermissionModificationsTypeDef,
        LaunchPermissionTypeDef,
    )

__all__ = [
    "ATTRIBUTE_KEYS",
    "BLOCKED_STATE",
    "LAUNCH_PERMISSION_KEYS",
    "apply_attributes",
    "attribute_outputs",
    "canonical_attributes",
    "check_attribute_inputs",
    "check_deprecation_window",
    "declares_attributes",
    "deprecation_instant",
    "drifted_attributes",
    "public_sharing_blocked",
]

ATTRIBUTE_KEYS: Final = ("deprecationTime", "disabled", "launchPermissions")
"""The inputs this module manages, changed in place."""
LAUNCH_PERMISSION_KEYS: Final = ("userIds", "organizationArns", "organizationalUnitArns", "public")

BLOCKED_STATE: Final = "block-new-sharing"
"""GetImageBlockPublicAccessState: "Any attempt to publicly share your AMIs in the specified
Region is blocked"."""

# LaunchPermission members are AWS Organizations ARNs: the `pattern` of the shapes of the same
# name in botocore's organizations model (test_image_attributes compares them), anchored.
ORGANIZATION_ARN: Final = re.compile(
    r"arn:aws:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}"
)
ORGANIZATIONAL_UNIT_ARN: Final = re.compile(
    r"arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}"
)
ACCOUNT_ID: Final = re.compile(r"\d{12}")
MAX_USER_IDS: Final = 10_000
"""LaunchPermission.UserId: "Up to 10 000 account IDs can be specified in a single request"
(all additions go in one ModifyImageAttribute)."""

# EnableImageDeprecation DeprecateAt: "The upper limit for DeprecateAt is 10 years from now,
# except for public AMIs, where the upper limit is 2 years from the creation date."
MAX_YEARS_AHEAD: Final = 10
MAX_PUBLIC_YEARS: Final = 2

_RFC3339: Final = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})"
)
_EXAMPLE: Final = "2027-06-01T00:00:00Z"


def _unknown(value: Any) -> bool:
    """Pulumi's marker for a value not known yet (as `validation.is_unknown`, which imports
    this module)."""
    return isinstance(value, str) and value == UNKNOWN


def _contains_unknown(value: Any) -> bool:
    if _unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


# -- deprecationTime ---------------------------------------------------------------------------


def _parsed(text: str) -> datetime | None:
    """An RFC 3339 date-time (any offset), aware; None when it is not one."""
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    date, time, offset = match.groups()
    try:
        return datetime.fromisoformat(f"{date}T{time}{'+00:00' if offset in 'Zz' else offset}")
    except ValueError:
        return None


def _round_to_minute(moment: datetime) -> datetime:
    """EnableImageDeprecation DeprecateAt: "If you specify a value for seconds, Amazon EC2 rounds
    the seconds to the nearest minute" (half a minute up)."""
    floor = moment.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if moment - floor >= timedelta(seconds=30) else floor


def deprecation_instant(value: Any) -> datetime | None:
    """The instant a `deprecationTime` (declared, or AWS's `DeprecationTime`) stands for, rounded
    to the minute as AWS rounds it; None when absent or not a valid time."""
    if not isinstance(value, str) or _unknown(value):
        return None
    moment = _parsed(value)
    return None if moment is None else _round_to_minute(moment.astimezone(UTC))


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


# -- launchPermissions -------------------------------------------------------------------------


def _sharing(value: Any) -> dict[str, Any] | None:
    """Launch permissions in one form: sorted, without duplicates, empty parts left out; None
    for private (absent, empty, or `public: false` alone)."""
    if not isinstance(value, Mapping):
        return None
    canonical: dict[str, Any] = {}
    for key in ("userIds", "organizationArns", "organizationalUnitArns"):
        members = value.get(key)
        if isinstance(members, list | tuple) and members:
            canonical[key] = sorted({str(m) for m in members})
    if value.get("public") is True:
        canonical["public"] = True
    return canonical or None


def _permissions(sharing: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    """(LaunchPermission member, value) pairs."""
    pairs: set[tuple[str, str]] = set()
    for key, member in (
        ("userIds", "UserId"),
        ("organizationArns", "OrganizationArn"),
        ("organizationalUnitArns", "OrganizationalUnitArn"),
    ):
        pairs.update((member, str(v)) for v in (sharing or {}).get(key, []))
    if (sharing or {}).get("public") is True:
        pairs.add(("Group", "all"))
    return pairs


def _reported_sharing(permissions: list[LaunchPermissionTypeDef]) -> dict[str, Any] | None:
    shared: dict[str, Any] = {}
    for permission in permissions:
        for member, key in (
            ("UserId", "userIds"),
            ("OrganizationArn", "organizationArns"),
            ("OrganizationalUnitArn", "organizationalUnitArns"),
        ):
            if permission.get(member):
                shared.setdefault(key, []).append(str(permission[member]))  # type: ignore[literal-required]
        if permission.get("Group") == "all":
            shared["public"] = True
    return _sharing(shared)


def canonical_attributes(props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` with the three attributes in the form they compare in: `deprecationTime` as its
    rounded instant, `disabled` false when absent, `launchPermissions` sorted (None when
    private). Values not known yet stay as they are, so that they count as changes."""
    canonical = dict(props)
    declared = props.get("deprecationTime")
    if not _unknown(declared):
        moment = deprecation_instant(declared)
        # A value that is no time (refused by check) compares as it is.
        canonical["deprecationTime"] = _format(moment) if moment else declared or None
    if not _unknown(props.get("disabled")):
        canonical["disabled"] = props.get("disabled") is True
    if not _contains_unknown(props.get("launchPermissions")):
        canonical["launchPermissions"] = _sharing(props.get("launchPermissions"))
    return canonical


def declares_attributes(props: Mapping[str, Any]) -> bool:
    """Whether `props` ask for anything but an AMI as created: private, enabled, without
    deprecation."""
    declared, created = canonical_attributes(props), canonical_attributes({})
    return any(declared[key] != created[key] for key in ATTRIBUTE_KEYS)


# -- check ---------------------------------------------------------------------------------------


def check_attribute_inputs(props: Mapping[str, Any]) -> list[InputProblem]:
    """The form of `deprecationTime`, `disabled` and `launchPermissions`: everything that needs
    neither an AWS call nor the current time. Values not known yet are skipped."""
    problems: list[InputProblem] = []
    _check_deprecation_form(problems, props.get("deprecationTime"))
    disabled = props.get("disabled")
    if disabled is not None and not _unknown(disabled) and not isinstance(disabled, bool):
        problems.append(
            InputProblem("disabled", f"must be true or false (a bool), got {disabled!r}.")
        )
    sharing = props.get("launchPermissions")
    if sharing is not None and not _unknown(sharing):
        _check_sharing_form(problems, sharing)
        if disabled is True and _sharing(sharing) and not _contains_unknown(sharing):
            problems.append(
                InputProblem(
                    "launchPermissions",
                    "a disabled image can't be shared (DisableImage removes every launch "
                    "permission): remove launchPermissions, or set disabled to false.",
                )
            )
    return problems


def _check_deprecation_form(problems: list[InputProblem], value: Any) -> None:
    if value is None or _unknown(value):
        return
    if not isinstance(value, str):
        problems.append(
            InputProblem(
                "deprecationTime", f"must be a string such as {_EXAMPLE!r}, got {value!r}."
            )
        )
        return
    moment = _parsed(value)
    if moment is None:
        problems.append(
            InputProblem(
                "deprecationTime",
                f"must be an RFC 3339 date and time in UTC, such as {_EXAMPLE!r}; got {value!r}.",
            )
        )
    elif moment.utcoffset() != timedelta(0):
        problems.append(
            InputProblem(
                "deprecationTime",
                f"must be in UTC (EnableImageDeprecation takes UTC): write "
                f"{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')!r} for {value!r}.",
            )
        )


def _check_sharing_form(problems: list[InputProblem], sharing: Any) -> None:
    prop = "launchPermissions"
    if not isinstance(sharing, Mapping):
        problems.append(
            InputProblem(
                prop,
                "must be an object with userIds, organizationArns, organizationalUnitArns "
                f"and public, got {type(sharing).__name__}.",
            )
        )
        return
    for key in sharing:
        if key not in LAUNCH_PERMISSION_KEYS:
            problems.append(
                InputProblem(
                    f"{prop}.{key}",
                    f"unknown property; expected one of {', '.join(LAUNCH_PERMISSION_KEYS)}.",
                )
            )
    public = sharing.get("public")
    if public is not None and not _unknown(public) and not isinstance(public, bool):
        problems.append(
            InputProblem(f"{prop}.public", f"must be true or false (a bool), got {public!r}.")
        )
    rules: tuple[tuple[str, re.Pattern[str], str], ...] = (
        ("userIds", ACCOUNT_ID, "an AWS account id: 12 digits, such as 123456789012"),
        (
            "organizationArns",
            ORGANIZATION_ARN,
            "an organization ARN: arn:aws:organizations::<management account id>:organization/"
            "o-<10 to 32 lowercase letters or digits>",
        ),
        (
            "organizationalUnitArns",
            ORGANIZATIONAL_UNIT_ARN,
            "an OU ARN: arn:aws:organizations::<management account id>:ou/o-<organization id>/"
            "ou-<root or parent id>-<8 to 32 lowercase letters or digits>",
        ),
    )
    for key, pattern, form in rules:
        members = sharing.get(key)
        if members is None or _unknown(members):
            continue
        if not isinstance(members, list | tuple):
            hint = f"; wrap it in a list: [{members!r}]" if isinstance(members, str) else ""
            problems.append(InputProblem(f"{prop}.{key}", f"must be a list of strings{hint}."))
            continue
        for index, member in enumerate(members):
            if _unknown(member):
                continue
            if not isinstance(member, str) or not pattern.fullmatch(member):
                problems.append(
                    InputProblem(f"{prop}.{key}[{index}]", f"must be {form}; got {member!r}.")
                )
    user_ids = sharing.get("userIds")
    if isinstance(user_ids, list | tuple) and len(user_ids) > MAX_USER_IDS:
        problems.append(
            InputProblem(
                f"{prop}.userIds",
                f"at most {MAX_USER_IDS:,} account ids (LaunchPermission.UserId: per request); "
                "share with an organization or OU instead.",
            )
        )


def check_deprecation_window(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    now: datetime,
    created: datetime | None = None,
    setting: bool = False,
) -> list[InputProblem]:
    """EnableImageDeprecation's limits on a `deprecationTime` that is about to be set: not in
    the past, at most 10 years from now, and for a public image at most 2 years from its
    creation (`created`; None: the image is yet to be made, now).

    A time is judged only when it will be set (`setting`: a create or replacement; or it
    differs from `olds`), so that a deprecation time that has since passed never fails a
    preview of an image that already carries it."""
    declared = news.get("deprecationTime")
    moment = deprecation_instant(declared)
    if moment is None:
        return []
    if not setting and deprecation_instant(olds.get("deprecationTime")) == moment:
        return []
    assert isinstance(declared, str)
    problems: list[InputProblem] = []
    given = _parsed(declared)
    if given is not None and given < now:
        problems.append(
            InputProblem(
                "deprecationTime",
                f"{declared} is in the past (EnableImageDeprecation: you can't specify a date in "
                "the past); give a later time, or remove deprecationTime.",
            )
        )
    ahead = _years_after(now, MAX_YEARS_AHEAD)
    if moment > ahead:
        problems.append(
            InputProblem(
                "deprecationTime",
                f"{declared} is more than {MAX_YEARS_AHEAD} years from now, the upper limit of "
                f"EnableImageDeprecation; give a time before {_format(ahead)}.",
            )
        )
    sharing = news.get("launchPermissions")
    if isinstance(sharing, Mapping) and sharing.get("public") is True:
        limit = _years_after(created or now, MAX_PUBLIC_YEARS)
        if moment > limit:
            since = "its creation" if created else "its creation (now)"
            problems.append(
                InputProblem(
                    "deprecationTime",
                    f"{declared} is more than {MAX_PUBLIC_YEARS} years from {since}, the "
                    "upper limit EnableImageDeprecation sets for public AMIs; give a time "
                    f"before {_format(limit)}, or don't make the image public.",
                )
            )
    return problems


@requires("ec2:GetImageBlockPublicAccessState")
def public_sharing_blocked(client: EC2Client) -> bool:
    """Whether block public access for AMIs refuses new public sharing in the client's Region
    (GetImageBlockPublicAccessState, `block-new-sharing`)."""
    state = client.get_image_block_public_access_state()
    return state.get("ImageBlockPublicAccessState") == BLOCKED_STATE


def blocked_message(region: str | None) -> str:
    where = f" --region {region}" if region else ""
    return (
        "can't be true: block public access for AMIs is on in this account and Region "
        "(GetImageBlockPublicAccessState: block-new-sharing), so AWS refuses to make any AMI "
        f"public. See it with `aws ec2 get-image-block-public-access-state{where}`; turn it off "
        f"with `aws ec2 disable-image-block-public-access{where}` (not possible when a "
        "declarative policy manages it), or share with userIds, organizationArns or "
        "organizationalUnitArns instead."
    )


# -- apply ---------------------------------------------------------------------------------------


@requires(
    "ec2:EnableImageDeprecation",
    "ec2:DisableImageDeprecation",
    "ec2:DisableImage",
    "ec2:EnableImage",
    "ec2:ModifyImageAttribute",
    "ec2:GetImageBlockPublicAccessState",
)
def apply_attributes(
    client: EC2Client,
    image_id: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    report: Callable[[str], None],
    now: datetime,
) -> None:
    """Change deprecation, the disabled state and launch permissions from `olds` to `news`: one
    call for each that differs, nothing for the others (`olds={}`: a new image, private and
    enabled, without deprecation).

    A disabled image can't be shared: re-enabling comes first, disabling last. Accounts that
    lost access when it was disabled "do not regain access automatically" (EnableImage): old
    launch permissions of a disabled image count as none. Deprecation is set while the image is
    not public, where its limit is looser (EnableImageDeprecation: 2 years from creation for
    public AMIs)."""
    old, new = canonical_attributes(olds), canonical_attributes(news)
    was_disabled, disabling = old["disabled"], new["disabled"]
    old_sharing = None if was_disabled else old["launchPermissions"]
    if was_disabled and not disabling:
        _call(client.enable_image, image_id, "EnableImage", "enabling")
        report("enabled again (EnableImage)")
    # Disabling removes every launch permission itself.
    sharing = not disabling
    going_public = bool(new["launchPermissions"] and new["launchPermissions"].get("public"))
    if sharing and not going_public:
        _share(client, image_id, old_sharing, new["launchPermissions"], report)
    _deprecate(
        client, image_id, old["deprecationTime"], new["deprecationTime"], report=report, now=now
    )
    if sharing and going_public:
        _share(client, image_id, old_sharing, new["launchPermissions"], report)
    if disabling and not was_disabled:
        _call(client.disable_image, image_id, "DisableImage", "disabling")
        report("disabled (DisableImage): it can't launch instances, and it is private")


def _call(operation: Callable[..., Any], image_id: str, name: str, verb: str, **kwargs: Any) -> Any:
    try:
        return operation(ImageId=image_id, **kwargs)
    except ClientError as error:
        raise AwsCallError(verb, image_id, error_code(error), f"{name}: {error}") from error


def _deprecate(
    client: EC2Client,
    image_id: str,
    old: str | None,
    new: str | None,
    *,
    report: Callable[[str], None],
    now: datetime,
) -> None:
    if old == new:
        return
    if new is None:
        _call(client.disable_image_deprecation, image_id, "DisableImageDeprecation", "deprecating")
        report("deprecation cancelled (DisableImageDeprecation)")
        return
    moment = deprecation_instant(new)
    assert moment is not None  # canonical: a formatted instant
    if moment < now:
        raise ImageOperationError(
            "deprecating",
            image_id,
            f"deprecationTime {new} has passed since the preview (EnableImageDeprecation takes "
            "no date in the past); give a later time and run `pulumi up` again.",
        )
    _call(
        client.enable_image_deprecation,
        image_id,
        "EnableImageDeprecation",
        "deprecating",
        DeprecateAt=moment,
    )
    report(f"deprecated from {new} (EnableImageDeprecation)")


def _share(
    client: EC2Client,
    image_id: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    report: Callable[[str], None],
) -> None:
    before, after = _permissions(old), _permissions(new)
    added, removed = sorted(after - before), sorted(before - after)
    if not added and not removed:
        return
    change: LaunchPermissionModificationsTypeDef = {}
    if added:
        change["Add"] = [cast("LaunchPermissionTypeDef", {m: v}) for m, v in added]
    if removed:
        change["Remove"] = [cast("LaunchPermissionTypeDef", {m: v}) for m, v in removed]
    try:
        client.modify_image_attribute(ImageId=image_id, LaunchPermission=change)
    except ClientError as error:
        if ("Group", "all") in added and _blocked_after_all(client):
            region = client.meta.region_name
            raise ImageOperationError(
                "sharing", image_id, f"launchPermissions.public {blocked_message(region)}"
            ) from error
        raise AwsCallError(
            "sharing", image_id, error_code(error), f"ModifyImageAttribute: {error}"
        ) from error
    described = ", ".join(f"{m} {v}" for m, v in added) or "nobody"
    gone = ", ".join(f"{m} {v}" for m, v in removed) or "nobody"
    report(f"launch permissions: added {described}; removed {gone}")


def _blocked_after_all(client: EC2Client) -> bool:
    """Whether block public access explains a refused public share (asked only then)."""
    try:
        return public_sharing_blocked(client)
    except ClientError:
        return False


# -- read ----------------------------------------------------------------------------------------


@requires("ec2:DescribeImageAttribute")
def attribute_outputs(client: EC2Client, image: ImageTypeDef) -> dict[str, Any]:
    """`deprecationTime`, `disabled` and `launchPermissions` as AWS reports them: the first two
    from this `DescribeImages` answer, the launch permissions with one
    DescribeImageAttribute(launchPermission). None stands for "not set" (private)."""
    image_id = str(image.get("ImageId"))
    try:
        answer = client.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    except ClientError as error:
        raise AwsCallError(
            "reading", image_id, error_code(error), f"DescribeImageAttribute: {error}"
        ) from error
    return {
        "deprecationTime": image.get("DeprecationTime") or None,
        "disabled": image.get("State") == "disabled",
        "launchPermissions": _reported_sharing(list(answer.get("LaunchPermissions", []))),
    }


def drifted_attributes(declared: Mapping[str, Any], reported: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes a refresh records: AWS's, except where they mean what is declared (the
    same instant, the same permissions in another order), where the declared spelling stays and
    the refresh shows no change. An attribute neither declared nor set is left out."""
    mine, theirs = canonical_attributes(declared), canonical_attributes(reported)
    drifted = {
        key: declared.get(key) if mine[key] == theirs[key] else reported.get(key)
        for key in ATTRIBUTE_KEYS
    }
    return {k: v for k, v in drifted.items() if v is not None or k in declared}
