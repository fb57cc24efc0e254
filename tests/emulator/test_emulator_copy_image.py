"""CopyImage across Regions.

Texts: the newest botocore model (CopyImage: "The copy operation must be initiated in the
destination Region"; ``Encrypted``, ``KmsKeyId``, ``CopyImageTags``, ``TagSpecifications``,
``SnapshotCopyCompletionDurationMinutes``, ``ClientToken``; ``Snapshot.VolumeId`` of copies),
seed 004 (``SourceImageId``/``SourceImageRegion`` "appears if the AMI was created using
CreateImage, CopyImage, or CreateRestoreImageTask") and the EC2 API Reference's "Ensuring
idempotency" (``IdempotentParameterMismatch``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

SOURCE = "us-east-1"
DESTINATION = "eu-west-1"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _image(ec2: EC2Client, image_id: str) -> dict[str, Any]:
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    return cast(dict[str, Any], image)


def _snapshot_ids(ec2: EC2Client) -> list[str]:
    return sorted(s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"])


def _tags(resource: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


@pytest.fixture
def europe(ec2_emulator: Ec2Emulator) -> EC2Client:
    return ec2_emulator.client(DESTINATION)


def _snapshot(ec2: EC2Client, size: int, *, encrypted: bool = False) -> str:
    volume = ec2.create_volume(
        Size=size, AvailabilityZone=f"{SOURCE}a", VolumeType="gp3", Encrypted=encrypted
    )
    return ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="source")["SnapshotId"]


@pytest.fixture
def source_id(ec2: EC2Client) -> str:
    """A two-volume AMI in us-east-1, tagged."""
    return ec2.register_image(
        Name="golden",
        Description="the source",
        Architecture="x86_64",
        VirtualizationType="hvm",
        BootMode="uefi",
        EnaSupport=True,
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {"SnapshotId": _snapshot(ec2, 8), "VolumeType": "gp3", "Iops": 4000},
            },
            {"DeviceName": "/dev/xvdb", "Ebs": {"SnapshotId": _snapshot(ec2, 20)}},
            {"DeviceName": "/dev/xvdc", "VirtualName": "ephemeral0"},
        ],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "a"}]}],
    )["ImageId"]


def _copy(europe: EC2Client, source_id: str, **kwargs: Any) -> str:
    arguments: dict[str, Any] = {
        "SourceImageId": source_id,
        "SourceRegion": SOURCE,
        "Name": "golden-copy",
    }
    return europe.copy_image(**(arguments | kwargs))["ImageId"]


# -- the copy -------------------------------------------------------------------------------------


def test_the_copy_is_a_new_image_in_the_destination_region(
    ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    source_before = _image(ec2, source_id)

    copy_id = _copy(europe, source_id, Description="copied")

    copy = _image(europe, copy_id)
    assert copy_id != source_id
    assert (copy["Name"], copy["Description"], copy["State"]) == (
        "golden-copy",
        "copied",
        "available",
    )
    assert (copy["SourceImageId"], copy["SourceImageRegion"]) == (source_id, SOURCE)
    assert copy["OwnerId"] == source_before["OwnerId"]
    assert copy["ImageLocation"] == f"{copy['OwnerId']}/golden-copy"
    assert (copy["Architecture"], copy["VirtualizationType"], copy["BootMode"]) == (
        "x86_64",
        "hvm",
        "uefi",
    )
    assert copy["EnaSupport"] is True
    assert "Tags" not in copy  # "Default: Your user-defined AMI tags are not copied."
    assert _image(ec2, source_id) == source_before
    with pytest.raises(ClientError) as error:
        ec2.describe_images(ImageIds=[copy_id])
    assert _error(error)[0] == "InvalidAMIID.NotFound"


def test_the_copy_has_new_snapshots_in_the_destination_region_only(
    ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    source_snapshots = _snapshot_ids(ec2)

    copy_id = _copy(europe, source_id)

    mappings = _image(europe, copy_id)["BlockDeviceMappings"]
    source_mappings = _image(ec2, source_id)["BlockDeviceMappings"]
    copied = [m["Ebs"]["SnapshotId"] for m in mappings if "Ebs" in m]
    assert len(copied) == 2
    assert not set(copied) & set(source_snapshots)
    assert _snapshot_ids(ec2) == source_snapshots
    assert _snapshot_ids(europe) == sorted(copied)
    # The mappings are the source's, with the new snapshots.
    for mapping, source_mapping in zip(mappings, source_mappings, strict=True):
        if "Ebs" in mapping:
            assert {**mapping["Ebs"], "SnapshotId": None} == {
                **source_mapping["Ebs"],
                "SnapshotId": None,
            }
        else:
            assert mapping == source_mapping
    for snapshot in europe.describe_snapshots(SnapshotIds=copied)["Snapshots"]:
        assert snapshot["OwnerId"] == _image(europe, copy_id)["OwnerId"]
        assert snapshot["VolumeId"] == "vol-ffffffff"
        assert snapshot["State"] == "completed"
        assert re.fullmatch(
            rf"Copied for DestinationAmi {copy_id} from SourceAmi {source_id} for "
            r"SourceSnapshot snap-[0-9a-f]+\. Task created on [0-9,]+\.",
            snapshot["Description"],
        )
    sizes = sorted(
        s["VolumeSize"] for s in europe.describe_snapshots(SnapshotIds=copied)["Snapshots"]
    )
    assert sizes == [8, 20]


def test_deregistering_the_copy_deletes_its_snapshots_not_the_sources(
    ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    source_snapshots = _snapshot_ids(ec2)
    copy_id = _copy(europe, source_id)
    copied = _snapshot_ids(europe)

    response = europe.deregister_image(ImageId=copy_id, DeleteAssociatedSnapshots=True)

    assert sorted(r["SnapshotId"] for r in response["DeleteSnapshotResults"]) == copied
    assert {r["ReturnCode"] for r in response["DeleteSnapshotResults"]} == {"success"}
    assert _snapshot_ids(europe) == []
    assert _snapshot_ids(ec2) == source_snapshots
    assert _image(ec2, source_id)["State"] == "available"


def test_the_copy_is_pending_like_any_new_image(
    ec2_emulator: Ec2Emulator, europe: EC2Client, source_id: str
) -> None:
    ec2_emulator.update_settings(pending_seconds=120)
    ec2_emulator.advance_clock(120)

    copy_id = _copy(europe, source_id, SnapshotCopyCompletionDurationMinutes=30)

    assert _image(europe, copy_id)["State"] == "pending"
    ec2_emulator.advance_clock(120)
    assert _image(europe, copy_id)["State"] == "available"


def test_an_injected_failure_applies_to_a_copy(
    ec2_emulator: Ec2Emulator, europe: EC2Client, source_id: str
) -> None:
    ec2_emulator.fail_next_image("Client.InternalError", "copy failed")

    copy = _image(europe, _copy(europe, source_id))

    assert (copy["State"], copy["StateReason"]["Code"]) == ("failed", "Client.InternalError")


def test_a_copy_within_the_same_region(ec2: EC2Client, source_id: str) -> None:
    before = _snapshot_ids(ec2)

    copy_id = ec2.copy_image(SourceImageId=source_id, SourceRegion=SOURCE, Name="same-region")[
        "ImageId"
    ]

    assert _image(ec2, copy_id)["SourceImageRegion"] == SOURCE
    assert len(_snapshot_ids(ec2)) == len(before) + 2


def test_launch_permissions_protection_and_deprecation_are_not_copied(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    ec2.modify_image_attribute(ImageId=source_id, LaunchPermission={"Add": [{"Group": "all"}]})
    ec2.enable_image_deregistration_protection(ImageId=source_id)
    ec2.enable_image_deprecation(ImageId=source_id, DeprecateAt=ec2_emulator.now())

    copy = _image(europe, _copy(europe, source_id))

    assert copy["Public"] is False
    assert copy["DeregistrationProtection"] == "disabled"
    assert "DeprecationTime" not in copy


# -- tags -----------------------------------------------------------------------------------------


def test_copy_image_tags_copies_user_tags_but_not_system_tags(
    ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    # moto accepts the system tag that AWS itself would have attached.
    ec2.create_tags(Resources=[source_id], Tags=[{"Key": "aws:origin", "Value": "system"}])

    copy = _image(europe, _copy(europe, source_id, CopyImageTags=True))

    assert _tags(copy) == {"team": "a"}


def test_tag_specifications_tag_the_image_and_every_new_snapshot(
    europe: EC2Client, source_id: str
) -> None:
    copy_id = _copy(
        europe,
        source_id,
        CopyImageTags=True,
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "stage", "Value": "prod"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "copy-of", "Value": source_id}]},
        ],
    )

    assert _tags(_image(europe, copy_id)) == {"team": "a", "stage": "prod"}
    snapshots = europe.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert [_tags(snapshot) for snapshot in snapshots] == [{"copy-of": source_id}] * 2


def test_a_tag_specification_of_another_type_is_refused(europe: EC2Client, source_id: str) -> None:
    with pytest.raises(ClientError) as error:
        _copy(
            europe,
            source_id,
            TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "k", "Value": "v"}]}],
        )

    assert _error(error)[0] == "InvalidParameterValue"
    assert europe.describe_images(Owners=["self"])["Images"] == []


# -- encryption -----------------------------------------------------------------------------------


def test_encrypted_makes_encrypted_copies_with_the_given_key(
    europe: EC2Client, source_id: str
) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    copy = _image(europe, _copy(europe, source_id, Encrypted=True, KmsKeyId=key))

    assert [m["Ebs"]["Encrypted"] for m in copy["BlockDeviceMappings"] if "Ebs" in m] == [
        True,
        True,
    ]
    snapshots = europe.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert {(s["Encrypted"], s.get("KmsKeyId")) for s in snapshots} == {(True, key)}


def test_an_encrypted_source_is_never_copied_unencrypted(ec2: EC2Client, europe: EC2Client) -> None:
    source_id = ec2.register_image(
        Name="encrypted",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": _snapshot(ec2, 8, encrypted=True)}}
        ],
    )["ImageId"]

    copy = _image(europe, _copy(europe, source_id, Encrypted=False))

    assert copy["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert europe.describe_snapshots(OwnerIds=["self"])["Snapshots"][0]["Encrypted"] is True


def test_a_key_without_encrypted_is_refused(europe: EC2Client, source_id: str) -> None:
    with pytest.raises(ClientError) as error:
        _copy(europe, source_id, KmsKeyId="alias/my-key")

    assert _error(error)[0] == "InvalidParameterCombination"
    assert _snapshot_ids(europe) == []


# -- ClientToken ----------------------------------------------------------------------------------


def test_the_same_client_token_answers_the_same_image(europe: EC2Client, source_id: str) -> None:
    first = _copy(europe, source_id, ClientToken="copy-1")
    again = _copy(europe, source_id, ClientToken="copy-1")

    assert again == first
    assert [i["ImageId"] for i in europe.describe_images(Owners=["self"])["Images"]] == [first]
    assert len(_snapshot_ids(europe)) == 2


def test_the_same_client_token_with_other_parameters_is_a_mismatch(
    europe: EC2Client, source_id: str
) -> None:
    _copy(europe, source_id, ClientToken="copy-1")

    with pytest.raises(ClientError) as error:
        _copy(europe, source_id, ClientToken="copy-1", Description="changed")

    assert _error(error)[0] == "IdempotentParameterMismatch"
    assert len(europe.describe_images(Owners=["self"])["Images"]) == 1


def test_client_tokens_are_per_region(
    ec2_emulator: Ec2Emulator, europe: EC2Client, source_id: str
) -> None:
    """The idempotency page: "You can use the same client token for the same request across
    different regions"."""
    frankfurt = ec2_emulator.client("eu-central-1")

    in_europe = _copy(europe, source_id, ClientToken="copy-1")
    in_frankfurt = _copy(frankfurt, source_id, ClientToken="copy-1")

    assert in_europe != in_frankfurt
    assert _image(frankfurt, in_frankfurt)["SourceImageId"] == source_id


def test_a_refused_request_does_not_use_up_its_token(europe: EC2Client, source_id: str) -> None:
    with pytest.raises(ClientError):
        _copy(europe, source_id, ClientToken="copy-1", Name="no!")

    assert _image(europe, _copy(europe, source_id, ClientToken="copy-1"))["Name"] == "golden-copy"


# -- what is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, 20, -15])
def test_the_completion_duration_is_in_15_minute_increments(
    europe: EC2Client, source_id: str, minutes: int
) -> None:
    with pytest.raises(ClientError) as error:
        _copy(europe, source_id, SnapshotCopyCompletionDurationMinutes=minutes)

    assert _error(error)[0] == "InvalidParameterValue"


def test_an_unknown_or_deregistered_source_is_not_found(
    ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    with pytest.raises(ClientError) as unknown:
        _copy(europe, "ami-0123456789abcdef0")
    with pytest.raises(ClientError) as elsewhere:
        _copy(europe, source_id, SourceRegion="us-west-2")
    ec2.deregister_image(ImageId=source_id)
    with pytest.raises(ClientError) as gone:
        _copy(europe, source_id)

    assert _error(unknown)[0] == "InvalidAMIID.NotFound"
    assert _error(elsewhere)[0] == "InvalidAMIID.NotFound"
    assert _error(gone)[0] == "InvalidAMIID.Unavailable"


def test_an_unknown_source_region_is_refused(europe: EC2Client, source_id: str) -> None:
    with pytest.raises(ClientError) as error:
        _copy(europe, source_id, SourceRegion="xx-nowhere-1")

    assert _error(error)[0] == "InvalidParameterValue"


def test_a_source_that_is_not_available_is_refused(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, europe: EC2Client, source_id: str
) -> None:
    ec2_emulator.update_settings(pending_seconds=60)
    pending = ec2.register_image(Name="still-pending")["ImageId"]
    ec2.disable_image(ImageId=source_id)

    with pytest.raises(ClientError) as still_pending:
        _copy(europe, pending)
    with pytest.raises(ClientError) as disabled:
        _copy(europe, source_id)

    assert _error(still_pending)[0] == "IncorrectState"
    assert _error(disabled)[0] == "IncorrectState"
    assert _snapshot_ids(europe) == []


def test_names_are_unique_in_the_destination_region(europe: EC2Client, source_id: str) -> None:
    _copy(europe, source_id)

    with pytest.raises(ClientError) as duplicate:
        _copy(europe, source_id)
    with pytest.raises(ClientError) as malformed:
        _copy(europe, source_id, Name="bad name!")

    assert _error(duplicate)[0] == "InvalidAMIName.Duplicate"
    assert _error(malformed)[0] == "InvalidAMIName.Malformed"


def test_copies_to_outposts_and_local_zones_are_not_modelled(
    europe: EC2Client, source_id: str
) -> None:
    with pytest.raises(ClientError) as error:
        _copy(europe, source_id, DestinationAvailabilityZone="eu-west-1-lhr-1a")

    code, message = _error(error)
    assert code == "InvalidParameterValue"
    assert "Region to Region" in message


# -- other accounts' images -----------------------------------------------------------------------


def test_a_public_image_of_another_account_is_copied_into_the_callers_account(
    ec2_emulator: Ec2Emulator, europe: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image(public=True, name="vendor")

    copy = _image(europe, _copy(europe, foreign, Name="my-vendor-copy"))

    assert copy["OwnerId"] == "123456789012"
    (snapshot,) = europe.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert snapshot["SnapshotId"] == copy["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]


def test_the_copy_is_recorded_as_sent(
    ec2_emulator: Ec2Emulator, europe: EC2Client, source_id: str
) -> None:
    _copy(europe, source_id, ClientToken="token", CopyImageTags=True)

    (request,) = [r for r in ec2_emulator.requests if r.action == "CopyImage"]
    assert request.region == DESTINATION
    assert request.params["SourceRegion"] == SOURCE
    assert request.params["ClientToken"] == "token"


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_model_says_what_the_emulator_does() -> None:
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    copy = model.operation_model("CopyImage")
    request = copy.input_shape
    assert request is not None
    members = request.members
    snapshot: Any = model.shape_for("Snapshot")

    assert "The copy operation must be initiated in the destination Region" in _doc(
        copy.documentation
    )
    assert "you cannot create an unencrypted copy of an encrypted snapshot" in _doc(
        members["Encrypted"].documentation
    )
    assert "you must also set the encrypted state to true" in _doc(
        members["KmsKeyId"].documentation
    )
    assert "System tags (prefixed with aws: )" in _doc(members["CopyImageTags"].documentation)
    assert "in 15 minute increments" in _doc(
        members["SnapshotCopyCompletionDurationMinutes"].documentation
    )
    assert members["ClientToken"].metadata["max"] == 128
    assert "arbitrary volume ID" in _doc(snapshot.members["VolumeId"].documentation)
