"""ImageCopyProvider against the EC2 emulator in two Regions (the source in us-east-1, the copy
made in eu-west-1, where CopyImage runs), and MachineImage's `copies` under Pulumi's mocks."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle import ImageCreationError, ProtectedImageError
from ami_lifecycle.adoption import COMPLETE_TAG, TOKEN_PROPERTY, TOKEN_TAG
from ami_lifecycle.copying import client_token
from ami_lifecycle.iam import policy_actions
from ami_lifecycle.provider.copy import ImageCopyProvider
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.schema import IMAGE, IMAGE_COPY, MACHINE_IMAGE

from .conftest import Aws
from .test_image_provider import create as create_image
from .test_image_provider import snapshot_image
from .test_machine_image import (
    ChildOutputs,
    RecordingMonitor,
    construct,
    from_snapshots,
    recording,
)

SOURCE = "us-east-1"
DESTINATION = "eu-west-1"


@pytest.fixture
def copies(aws: Aws) -> ImageCopyProvider:
    provider = ImageCopyProvider()
    provider.inject(
        client_factory=lambda region, _profile: aws.emulator.client(region),
        now=aws.now,
        clock=aws.time,
    )
    provider.configure(region=DESTINATION, profile=None)
    return provider


@pytest.fixture
def source(aws: Aws, image_provider: ImageProvider) -> dict[str, Any]:
    """An Image in us-east-1 with two snapshots, tagged, as the copies' source."""
    _, outs = create_image(
        image_provider,
        snapshot_image([aws.snapshot(), aws.snapshot(20)], region=SOURCE, tags={"owner": "a"}),
    )
    return outs


def copy_inputs(source: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "sourceImageId": source["imageId"],
        "sourceRegion": SOURCE,
        "imageName": "golden-eu",
        "description": "the golden image, in Europe",
        "tags": {"team": "platform"},
    }
    props.update(overrides)
    return props


def checked(provider: ImageCopyProvider, props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = provider.check({}, props, urn="urn:pulumi:dev::p::ami-lifecycle:index:ImageCopy::c")
    assert [(f.property, f.reason) for f in result.failures] == []
    return result.inputs


def problems(provider: ImageCopyProvider, props: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, props).failures]


def images(aws: Aws, region: str) -> list[dict[str, Any]]:
    found = aws.emulator.client(region).describe_images(Owners=["self"], IncludeDisabled=True)
    return [dict(image) for image in found["Images"]]


def snapshots(aws: Aws, region: str) -> dict[str, dict[str, str]]:
    """Each of the account's snapshots in the Region, with its tags."""
    found = aws.emulator.client(region).describe_snapshots(OwnerIds=["self"])["Snapshots"]
    return {s["SnapshotId"]: {t["Key"]: t["Value"] for t in s.get("Tags", [])} for s in found}


def copy_calls(aws: Aws) -> list[dict[str, str]]:
    return [
        r.params | {"region": r.region} for r in aws.emulator.requests if r.action == "CopyImage"
    ]


# -- check ---------------------------------------------------------------------------------------


def test_bad_inputs_are_refused_at_preview_each_by_name(copies: ImageCopyProvider) -> None:
    assert problems(
        copies,
        {
            "sourceImageId": "snap-0123456789abcdef0",
            "sourceRegion": "US East",
            "region": "eu-west",
            "imageName": "golden eu!",
            "description": "x" * 256,
            "kmsKeyId": "alias/golden",
            "snapshotCopyCompletionDurationMinutes": 50,
            "deregistrationProtection": "on",
            "tags": {"aws:team": "a"},
            "launchPermissons": {"public": True},
        },
    ) == [
        ("launchPermissons", "unknown property; did you mean launchPermissions?"),
        (
            "sourceImageId",
            "must be an AMI id: ami- and 8 or 17 hexadecimal characters, such as "
            "ami-0123456789abcdef0; got 'snap-0123456789abcdef0' (that is a snapshot id).",
        ),
        (
            "sourceRegion",
            "must be an AWS Region code, such as us-east-1 or eu-west-1; got 'US East'.",
        ),
        ("region", "must be an AWS Region code, such as us-east-1 or eu-west-1; got 'eu-west'."),
        (
            "imageName",
            "may contain only letters, digits, spaces and ( ) [ ] . / - ' @ _; remove '!'.",
        ),
        ("description", "must be at most 255 characters (CopyImage.Description), got 256."),
        (
            "kmsKeyId",
            "is taken only with encrypted: true (CopyImage.KmsKeyId: if you specify a KMS key, "
            "you must also set the encrypted state to true); set encrypted to true, or remove "
            "kmsKeyId to keep the snapshots' own encryption.",
        ),
        (
            "snapshotCopyCompletionDurationMinutes",
            "must be a multiple of 15 minutes (CopyImage: in 15 minute increments), got 50; try "
            "45.",
        ),
        (
            "deregistrationProtection",
            'must be one of "disabled", "enabled", "enabled-with-cooldown"; got \'on\'.',
        ),
        ("tags.aws:team", "tag keys may not begin with 'aws:' (AWS reserves it)."),
    ]


def test_the_required_inputs_and_the_duration_range(copies: ImageCopyProvider) -> None:
    assert problems(copies, {"snapshotCopyCompletionDurationMinutes": 2895}) == [
        ("sourceImageId", "is required: name the AMI to copy (ami-…)."),
        ("sourceRegion", "is required: name the Region the AMI to copy is in (us-east-1, …)."),
        ("imageName", "is required: every AMI needs a name, unique in its Region."),
        (
            "snapshotCopyCompletionDurationMinutes",
            "must be 15-2,880 minutes, got 2,895 (source: botocore EC2 model, "
            "CopyImage.SnapshotCopyCompletionDurationMinutes (15-minute increments) and "
            "CopySnapshot.CompletionDurationMinutes (max 2,880)).",
        ),
    ]


def test_values_not_known_yet_are_never_refused(copies: ImageCopyProvider) -> None:
    props = {
        "sourceImageId": UNKNOWN,
        "sourceRegion": UNKNOWN,
        "imageName": UNKNOWN,
        "kmsKeyId": UNKNOWN,
        "encrypted": UNKNOWN,
    }
    assert problems(copies, props) == []


def test_check_fills_the_defaults_and_a_creation_token(copies: ImageCopyProvider) -> None:
    inputs = copies.check(
        {},
        {"sourceImageId": "ami-0123456789abcdef0", "imageName": "x-eu"},
        urn="urn:a",
        in_component=True,
    ).inputs
    assert inputs["deregistrationProtection"] == "enabled"
    assert inputs["deleteSnapshotsOnDestroy"] is True
    assert inputs["deleteWhenInUse"] is False
    # In a MachineImage whose region is the provider's, the source is in the provider's Region.
    assert inputs["sourceRegion"] == DESTINATION
    assert len(inputs[TOKEN_PROPERTY]) == 32


# -- create, in another Region --------------------------------------------------------------------


def test_a_copy_is_made_in_its_own_region_with_new_snapshots(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source, region=DESTINATION))
    aws.emulator.clear_requests()
    created = copies.create(props)

    outs = created.outs
    assert outs["imageId"] == created.id != source["imageId"]
    assert (outs["state"], outs["protectionState"]) == ("available", "enabled-without-cooldown")
    [copy] = images(aws, DESTINATION)
    assert (copy["ImageId"], copy["Name"]) == (created.id, "golden-eu")
    assert (copy["SourceImageId"], copy["SourceImageRegion"]) == (source["imageId"], SOURCE)
    assert copy["Description"] == "the golden image, in Europe"
    assert {t["Key"]: t["Value"] for t in copy["Tags"]}["team"] == "platform"
    # New snapshots in the copy's Region, tagged like the copy; the source's are untouched.
    copied = snapshots(aws, DESTINATION)
    assert sorted(copied) == sorted(outs["snapshotIds"])
    assert not set(copied) & set(source["snapshotIds"])
    assert all(tags["team"] == "platform" for tags in copied.values())
    assert [i["ImageId"] for i in images(aws, SOURCE)] == [source["imageId"]]
    # CopyImage ran once, in the destination Region, with a ClientToken of this declaration.
    [call] = copy_calls(aws)
    assert call["region"] == DESTINATION
    assert (call["SourceImageId"], call["SourceRegion"]) == (source["imageId"], SOURCE)
    assert call["ClientToken"] == client_token(props[TOKEN_PROPERTY])
    assert {t["Key"]: t["Value"] for t in copy["Tags"]}[COMPLETE_TAG] == "true"


def test_the_copy_settings_reach_copy_image(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(
        copies,
        copy_inputs(
            source,
            encrypted=True,
            kmsKeyId="alias/golden",
            copyImageTags=True,
            snapshotCopyCompletionDurationMinutes=30,
            deregistrationProtection="disabled",
        ),
    )
    outs = copies.create(props).outs
    [call] = copy_calls(aws)
    assert (call["Encrypted"], call["KmsKeyId"], call["CopyImageTags"]) == (
        "true",
        "alias/golden",
        "true",
    )
    assert call["SnapshotCopyCompletionDurationMinutes"] == "30"
    assert outs["protectionState"] == "disabled"
    assert all(m["ebs"]["encrypted"] for m in outs["reportedBlockDeviceMappings"] if "ebs" in m)
    [copy] = images(aws, DESTINATION)
    tags = {t["Key"]: t["Value"] for t in copy["Tags"]}
    assert (tags["owner"], tags["team"]) == ("a", "platform")
    # The source's bookkeeping came along too: its complete mark is taken off the unfinished
    # copy (so an interrupted create can be adopted), and the copy is marked when it is done.
    assert (tags[TOKEN_TAG], tags[COMPLETE_TAG]) == (props[TOKEN_PROPERTY], "true")
    marks = [
        r.action
        for r in aws.emulator.requests
        if r.action in ("CreateTags", "DeleteTags")
        and r.params.get("ResourceId.1") == outs["imageId"]
        and COMPLETE_TAG in r.params.values()
    ]
    assert marks == ["DeleteTags", "CreateTags"]

    # The source's tags came with copyImageTags: a refresh reads back only the declared ones.
    refreshed = copies.read(outs["imageId"], outs, props)
    assert refreshed.outs["tags"] == {"team": "platform"}
    assert copies.diff(outs["imageId"], refreshed.outs, props).changes is False


def test_a_same_region_copy_is_allowed(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source, region=SOURCE, imageName="golden-again"))
    created = copies.create(props)
    assert sorted(i["Name"] for i in images(aws, SOURCE)) == ["golden-again", "golden-test"]
    assert created.outs["state"] == "available"


def test_a_replayed_create_adopts_the_copy_an_interrupted_one_made(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    first = copies.create(props)
    # As if the first create had been killed before its complete mark.
    aws.emulator.client(DESTINATION).delete_tags(Resources=[first.id], Tags=[{"Key": COMPLETE_TAG}])

    again = copies.create(props)
    assert again.id == first.id
    assert len(images(aws, DESTINATION)) == 1
    assert len(copy_calls(aws)) == 1


def test_a_finished_copy_of_the_same_name_is_never_taken(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    first = copies.create(props)
    with pytest.raises(ImageCreationError) as refused:
        copies.create(props)  # `pulumi up --replace`: the same token, the old copy still there
    assert str(refused.value).startswith(
        f"copying EC2 AMI (golden-eu, a copy of {source['imageId']} from us-east-1): "
        f"{first.id} (deregistration protection: enabled-without-cooldown) has this name and "
        "was made by a finished create of this very resource and inputs"
    )
    assert len(images(aws, DESTINATION)) == 1


@pytest.mark.parametrize("visible", [3600.0, 0.0], ids=["deregistered", "not-found"])
def test_destroy_then_up_again_copies_under_the_next_client_token(
    aws: Aws,
    copies: ImageCopyProvider,
    source: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    visible: float,
) -> None:
    """A deregistered AMI is reported `deregistered` for a while, then not at all (the
    emulator's phases): the first is seen at once, the second once the wait's grace is over."""
    aws.emulator.update_settings(deregistered_visible_seconds=visible)
    props = checked(copies, copy_inputs(source, deregistrationProtection="disabled"))
    first = copies.create(props)
    copies.delete(first.id, first.outs)

    # The same URN and inputs: the same creation token, which CopyImage answers with the
    # deregistered copy.
    again = copies.create(props)
    assert again.id != first.id
    assert [i["ImageId"] for i in images(aws, DESTINATION) if i["State"] != "deregistered"] == [
        again.id
    ]
    tokens = [call["ClientToken"] for call in copy_calls(aws)]
    base = props[TOKEN_PROPERTY]
    assert tokens == [client_token(base), client_token(base), client_token(base, 1)]
    seen = (
        f"CopyImage answered {first.id}, a copy an earlier create of these inputs made and "
        "deregistered since; copying again with the next ClientToken"
        if visible
        else f"{first.id} is gone: it was a copy made earlier with these inputs"
    )
    assert seen in capsys.readouterr().err


def test_a_failed_copy_is_undone_with_its_snapshots(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    aws.emulator.fail_next_image("Client.InternalError", "the copy failed")
    with pytest.raises(ImageCreationError) as failed:
        copies.create(props)
    message = str(failed.value)
    assert message.startswith(
        f"copying EC2 AMI (golden-eu, a copy of {source['imageId']} from us-east-1): waiting "
        "for completion: state failed: the copy failed; undone: deregistered ami-"
    ), message
    assert "and deleted the snapshots CopyImage made (snap-" in message
    assert [i["State"] for i in images(aws, DESTINATION)] in ([], ["deregistered"])
    assert snapshots(aws, DESTINATION) == {}
    assert [i["ImageId"] for i in images(aws, SOURCE)] == [source["imageId"]]


def test_a_source_that_is_not_there_is_one_plain_message(
    aws: Aws, copies: ImageCopyProvider
) -> None:
    props = checked(
        copies,
        {"sourceImageId": "ami-0123456789abcdef0", "sourceRegion": SOURCE, "imageName": "x-eu"},
    )
    with pytest.raises(Exception) as failed:
        copies.create(props)
    assert str(failed.value).startswith(
        "copying EC2 AMI (x-eu, a copy of ami-0123456789abcdef0 from us-east-1): "
        "InvalidAMIID.NotFound: CopyImage: "
    )
    assert images(aws, DESTINATION) == []


# -- update, refresh, delete ---------------------------------------------------------------------


def test_a_copy_is_updated_in_place_and_refreshes_without_drift(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    created = copies.create(props)
    news = {
        **props,
        "description": "v2",
        "tags": {"team": "web"},
        "deregistrationProtection": "disabled",
        "deprecationTime": "2030-01-01T00:00:00Z",
        "launchPermissions": {"userIds": ["123456789012"]},
        "snapshotCopyCompletionDurationMinutes": 60,
    }
    diff = copies.diff(created.id, created.outs, news)
    assert diff.replaces == []
    assert sorted(diff.updates) == sorted(
        [
            "deregistrationProtection",
            "description",
            "tags",
            "snapshotCopyCompletionDurationMinutes",
            "deprecationTime",
            "launchPermissions",
        ]
    )
    outs = copies.update(created.id, created.outs, news).outs

    ec2 = aws.emulator.client(DESTINATION)
    [copy] = ec2.describe_images(ImageIds=[created.id])["Images"]
    assert copy["Description"] == "v2"
    assert copy["DeprecationTime"].startswith("2030-01-01T00:00")
    assert {t["Key"]: t["Value"] for t in copy["Tags"]}["team"] == "web"
    assert all(tags["team"] == "web" for tags in snapshots(aws, DESTINATION).values())
    shared = ec2.describe_image_attribute(ImageId=created.id, Attribute="launchPermission")
    assert shared["LaunchPermissions"] == [{"UserId": "123456789012"}]
    assert outs["protectionState"] == "disabled"

    refreshed = copies.read(created.id, outs, news)
    assert copies.diff(created.id, refreshed.outs, news).changes is False


def test_changing_the_source_replaces_and_a_protected_copy_refuses_it(
    copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    created = copies.create(props)
    news = {**props, "sourceImageId": "ami-0123456789abcdef0"}
    with pytest.raises(ProtectedImageError) as refused:
        copies.diff(created.id, created.outs, news)
    assert str(refused.value).startswith(
        f"replacing EC2 AMI (golden-eu, {created.id}): changing sourceImageId replaces the AMI"
    )
    unprotected = {**created.outs, "protectionState": "disabled"}
    assert copies.diff(created.id, unprotected, news).replaces == ["sourceImageId"]


def test_delete_is_refused_while_protected_then_deregisters_in_the_copys_region(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    created = copies.create(props)
    with pytest.raises(ProtectedImageError) as refused:
        copies.delete(created.id, created.outs)
    assert "deregistration protection is on (enabled-without-cooldown)" in str(refused.value)

    news = {**props, "deregistrationProtection": "disabled"}
    outs = copies.update(created.id, created.outs, news).outs
    aws.emulator.clear_requests()
    copies.delete(created.id, outs)
    [deregister] = [r for r in aws.emulator.requests if r.action == "DeregisterImage"]
    assert (deregister.region, deregister.params["DeleteAssociatedSnapshots"]) == (
        DESTINATION,
        "true",
    )
    assert snapshots(aws, DESTINATION) == {}
    # The source and its snapshots stay.
    assert [i["ImageId"] for i in images(aws, SOURCE)] == [source["imageId"]]
    assert set(source["snapshotIds"]) <= set(snapshots(aws, SOURCE))
    copies.delete(created.id, outs)  # idempotent


def test_import_reads_the_source_and_every_input(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    props = checked(copies, copy_inputs(source))
    created = copies.create(props)
    imported = copies.read(created.id, {})
    assert imported.inputs["sourceImageId"] == source["imageId"]
    assert imported.inputs["sourceRegion"] == SOURCE
    assert imported.inputs["imageName"] == "golden-eu"
    recheck = copies.check({}, imported.inputs)
    assert recheck.failures == []
    assert copies.diff(created.id, imported.outs, {**imported.inputs}).changes is False


# -- MachineImage's copies (under Pulumi's mocks) ----------------------------------------------


class CopyOutputs(ChildOutputs):
    """The mocks' outputs, and an AMI id for each copy, named after it."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        id_, outputs = super().new_resource(args)
        if args.typ == IMAGE_COPY:
            outputs["imageId"] = f"ami-{args.name}"
        return id_, outputs


def copies_monitor() -> RecordingMonitor:
    monitor = recording()
    monitor.mocks = CopyOutputs()
    return monitor


def test_each_copy_is_an_image_copy_child_of_the_component() -> None:
    monitor = copies_monitor()
    props = from_snapshots(
        region="us-east-1",
        tags={"team": "platform"},
        deregistrationProtection="enabled-with-cooldown",
        copies=[
            {"region": "eu-west-1"},
            {"region": "eu-west-1", "imageName": "golden-v2-b", "tags": {"team": "b"}},
            {"region": "ap-south-1", "deregistrationProtection": "disabled"},
        ],
    )
    outputs = construct("golden", props)

    component = monitor.one(MACHINE_IMAGE)
    image = monitor.one(IMAGE)
    assert "copies" not in image.inputs
    assert component.inputs["copies"] == props["copies"]  # what a policy pack reads
    made = monitor.of_type(IMAGE_COPY)
    assert sorted(r.name for r in made) == [
        "golden-copy-ap-south-1",
        "golden-copy-eu-west-1",
        "golden-copy-eu-west-1-golden-v2-b",
    ]
    assert all(r.parent == component.urn for r in made)
    europe = monitor.named("golden-copy-eu-west-1")
    assert image.urn in europe.dependencies
    assert {k: v for k, v in europe.inputs.items() if v is not None} == {
        "sourceImageId": "ami-0mock",
        "sourceRegion": "us-east-1",
        "region": "eu-west-1",
        "imageName": "golden-v2",
        "deregistrationProtection": "enabled-with-cooldown",
        "tags": {"team": "platform"},
        "deleteSnapshotsOnDestroy": True,
        "deleteWhenInUse": False,
    }
    second = monitor.named("golden-copy-eu-west-1-golden-v2-b").inputs
    assert (second["imageName"], second["tags"]) == ("golden-v2-b", {"team": "b"})
    assert monitor.named("golden-copy-ap-south-1").inputs["deregistrationProtection"] == "disabled"
    assert outputs["copyImageIds"] == {
        "eu-west-1": "ami-golden-copy-eu-west-1",
        "eu-west-1/golden-v2-b": "ami-golden-copy-eu-west-1-golden-v2-b",
        "ap-south-1": "ami-golden-copy-ap-south-1",
    }


def test_refused_copies_are_reported_by_the_images_check_as_copies() -> None:
    monitor = copies_monitor()
    props = from_snapshots(
        region="us-east-1",
        copies=[
            {"region": "eu-west-1", "kmsKeyId": "alias/k"},
            {"region": "eu-west-1"},
            {"region": "us-east-1"},
            {"imageName": "x"},
            "eu-west-2",
        ],
    )
    outputs = construct("golden", props)

    assert monitor.of_type(IMAGE_COPY) == []
    assert outputs["copyImageIds"] == {}
    image = monitor.one(IMAGE)
    checked_image = ImageProvider().check({}, image.inputs, in_component=True)
    assert [(f.property, f.reason) for f in checked_image.failures] == [
        (
            "copies[0].kmsKeyId",
            "is taken only with encrypted: true (CopyImage.KmsKeyId: if you specify a KMS key, "
            "you must also set the encrypted state to true); set encrypted to true, or remove "
            "kmsKeyId to keep the snapshots' own encryption.",
        ),
        (
            "copies[1].region",
            "eu-west-1 already has a copy named 'golden-v2' (copies[0]); AMI names are unique "
            "per Region: give this copy an imageName of its own.",
        ),
        (
            "copies[2].imageName",
            "a copy into the image's own Region (us-east-1) needs an imageName of its own: AMI "
            "names are unique per Region.",
        ),
        ("copies[3].region", "is required: name the Region to copy the image to."),
        ("copies[3].imageName", "must be 3-128 characters long, got 1 ('x')."),
        (
            "copies[4]",
            "must be an object with region (and the copy's own settings), got the string "
            "'eu-west-2'.",
        ),
    ]
    standalone = ImageProvider().check({}, {**image.inputs, "copies": []})
    assert (
        "copies",
        "is taken only by a MachineImage, which makes one ImageCopy of its image per entry; "
        "beside an Image, declare ImageCopy resources instead.",
    ) in [(f.property, f.reason) for f in standalone.failures]


def test_every_call_of_a_copys_lifecycle_is_in_the_iam_policy(
    aws: Aws, copies: ImageCopyProvider, source: dict[str, Any]
) -> None:
    aws.emulator.clear_requests()
    props = checked(copies, copy_inputs(source, copyImageTags=True))
    created = copies.create(props)
    news = {**props, "deregistrationProtection": "disabled", "tags": {}, "disabled": True}
    outs = copies.update(created.id, created.outs, news).outs
    copies.read(created.id, outs, news)
    copies.delete(created.id, outs)
    called = {f"ec2:{r.action}" for r in aws.emulator.requests}
    assert called <= policy_actions(), called - policy_actions()
    assert {"ec2:CopyImage", "ec2:DeregisterImage", "ec2:DisableImage"} <= called
