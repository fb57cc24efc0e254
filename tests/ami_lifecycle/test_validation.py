"""Every input rule, table-driven: one valid image, one change per row, the exact refusal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle.adoption import TOKEN_PROPERTY
from ami_lifecycle.image_spec import ImageSpec, SnapshotSource
from ami_lifecycle.outputs import OUTPUT_KEYS
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from ami_lifecycle.validation import validate_image_props, validate_snapshot_props

from .conftest import Aws

Props = dict[str, Any]


def valid_snapshot_image() -> Props:
    return {
        "imageName": "golden-base (v1.2) [x86]",
        "deregistrationProtection": "enabled",
        "deleteSnapshotsOnDestroy": True,
        "tags": {"team": "platform"},
        "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "snapshotId": "snap-0123456789abcdef0",
                    "volumeType": "gp3",
                    "iops": 3000.0,  # gRPC sends numbers as floats
                    "throughput": 125,
                    "volumeInitializationRate": 200,
                },
            },
            {
                "deviceName": "/dev/sdb",
                "ebs": {"volumeSize": 100, "volumeType": "io2", "iops": 500},
            },
            {"deviceName": "/dev/sdc", "virtualName": "ephemeral0"},
        ],
    }


def valid_instance_image() -> Props:
    return {
        "imageName": "from-instance",
        "fromInstance": {"instanceId": "i-0123456789abcdef0", "noReboot": True},
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"deleteOnTermination": False}},
            {"deviceName": "/dev/sdf", "noDevice": True},
        ],
    }


def ebs(props: Props, index: int = 0) -> dict[str, Any]:
    ebs_block: dict[str, Any] = props["blockDeviceMappings"][index]["ebs"]
    return ebs_block


def set_ebs(index: int = 0, **fields: Any) -> Callable[[Props], None]:
    def change(props: Props) -> None:
        ebs(props, index).update(fields)

    return change


def drop(*path: str | int) -> Callable[[Props], None]:
    def change(props: Props) -> None:
        target: Any = props
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def set_top(**fields: Any) -> Callable[[Props], None]:
    return lambda props: props.update(fields)


def test_valid_images_pass() -> None:
    assert validate_image_props(valid_snapshot_image()) == []
    assert validate_image_props(valid_instance_image()) == []


# (id, base, change, property, words the reason must contain)
RULES: list[tuple[str, Callable[[], Props], Callable[[Props], None], str, str]] = [
    # VolumeInitializationRate: 100-300, only from a snapshot, never with CreateImage.
    (
        "rate-below-range",
        valid_snapshot_image,
        set_ebs(volumeInitializationRate=99),
        "blockDeviceMappings[0].ebs.volumeInitializationRate",
        "must be 100-300 MiB/s, got 99",
    ),
    (
        "rate-above-range",
        valid_snapshot_image,
        set_ebs(volumeInitializationRate=301),
        "blockDeviceMappings[0].ebs.volumeInitializationRate",
        "must be 100-300 MiB/s, got 301",
    ),
    (
        "rate-not-whole",
        valid_snapshot_image,
        set_ebs(volumeInitializationRate=150.5),
        "blockDeviceMappings[0].ebs.volumeInitializationRate",
        "must be a whole number",
    ),
    (
        "rate-without-snapshot",
        valid_snapshot_image,
        set_ebs(1, volumeInitializationRate=200),
        "blockDeviceMappings[1].ebs.volumeInitializationRate",
        "applies only to volumes created from snapshots",
    ),
    (
        "rate-with-instance",
        valid_instance_image,
        set_ebs(volumeInitializationRate=200),
        "blockDeviceMappings[0].ebs.volumeInitializationRate",
        "not supported by CreateImage",
    ),
    # Encrypted must be omitted with a snapshot.
    (
        "encrypted-with-snapshot",
        valid_snapshot_image,
        set_ebs(encrypted=False),
        "blockDeviceMappings[0].ebs.encrypted",
        "must be omitted for a volume from a snapshot",
    ),
    (
        "encrypted-with-volume",
        valid_snapshot_image,
        set_ebs(snapshotId=None, volumeId="vol-0abc0abc0abc0abc0", encrypted=True),
        "blockDeviceMappings[0].ebs.encrypted",
        "must be omitted for a volume from a snapshot",
    ),
    # Throughput: gp3 only, within its range.
    (
        "throughput-not-gp3",
        valid_snapshot_image,
        set_ebs(1, throughput=500),
        "blockDeviceMappings[1].ebs.throughput",
        "valid only for gp3 volumes, not io2",
    ),
    (
        "throughput-no-type",
        valid_snapshot_image,
        set_ebs(volumeType=None, iops=None),
        "blockDeviceMappings[0].ebs.throughput",
        'set volumeType to "gp3"',
    ),
    (
        "throughput-above-range",
        valid_snapshot_image,
        set_ebs(throughput=2001),
        "blockDeviceMappings[0].ebs.throughput",
        "must be 125-2,000 MiB/s, got 2,001",
    ),
    (
        "throughput-below-range",
        valid_snapshot_image,
        set_ebs(throughput=124),
        "blockDeviceMappings[0].ebs.throughput",
        "must be 125-2,000 MiB/s, got 124",
    ),
    # IOPS: per-type ranges, required for io1/io2, not for other types.
    (
        "iops-gp3-below",
        valid_snapshot_image,
        set_ebs(iops=2999),
        "blockDeviceMappings[0].ebs.iops",
        "must be 3,000-80,000 IOPS for gp3, got 2,999",
    ),
    (
        "iops-gp3-above",
        valid_snapshot_image,
        set_ebs(iops=80001),
        "blockDeviceMappings[0].ebs.iops",
        "must be 3,000-80,000 IOPS for gp3, got 80,001",
    ),
    (
        "iops-io1-above",
        valid_snapshot_image,
        set_ebs(1, volumeType="io1", iops=64001),
        "blockDeviceMappings[1].ebs.iops",
        "must be 100-64,000 IOPS for io1",
    ),
    (
        "iops-io2-below",
        valid_snapshot_image,
        set_ebs(1, iops=99),
        "blockDeviceMappings[1].ebs.iops",
        "must be 100-256,000 IOPS for io2",
    ),
    (
        "iops-missing-io2",
        valid_snapshot_image,
        set_ebs(1, iops=None),
        "blockDeviceMappings[1].ebs.iops",
        "is required for io2 volumes",
    ),
    (
        "iops-missing-io1",
        valid_snapshot_image,
        set_ebs(1, volumeType="io1", iops=None),
        "blockDeviceMappings[1].ebs.iops",
        "is required for io1 volumes",
    ),
    (
        "iops-on-gp2",
        valid_snapshot_image,
        set_ebs(volumeType="gp2", throughput=None),
        "blockDeviceMappings[0].ebs.iops",
        "not supported for gp2 volumes",
    ),
    # Volume size per type.
    (
        "size-io2-below",
        valid_snapshot_image,
        set_ebs(1, volumeSize=3),
        "blockDeviceMappings[1].ebs.volumeSize",
        "must be 4-65,536 GiB for io2, got 3",
    ),
    (
        "size-gp3-above",
        valid_snapshot_image,
        set_ebs(volumeSize=65537),
        "blockDeviceMappings[0].ebs.volumeSize",
        "must be 1-65,536 GiB for gp3",
    ),
    (
        "size-st1-below",
        valid_snapshot_image,
        set_ebs(1, volumeType="st1", iops=None, volumeSize=124),
        "blockDeviceMappings[1].ebs.volumeSize",
        "must be 125-16,384 GiB for st1",
    ),
    (
        "size-standard-above",
        valid_snapshot_image,
        set_ebs(1, volumeType="standard", iops=None, volumeSize=1025),
        "blockDeviceMappings[1].ebs.volumeSize",
        "must be 1-1,024 GiB for standard",
    ),
    (
        "volume-type-unknown",
        valid_snapshot_image,
        set_ebs(1, volumeType="gp9"),
        "blockDeviceMappings[1].ebs.volumeType",
        "must be one of gp2, gp3, io1, io2",
    ),
    # kmsKeyId is never accepted in an AMI mapping.
    (
        "kms-key",
        valid_snapshot_image,
        set_ebs(kmsKeyId="alias/aws/ebs"),
        "blockDeviceMappings[0].ebs.kmsKeyId",
        "not supported in an AMI's block device mapping",
    ),
    # outpostArn is not supported by CreateImage.
    (
        "outpost-with-instance",
        valid_instance_image,
        set_ebs(outpostArn="arn:aws:outposts:us-east-1:123456789012:outpost/op-1"),
        "blockDeviceMappings[0].ebs.outpostArn",
        "not supported by CreateImage",
    ),
    # A new volume needs a snapshot or a size.
    (
        "new-volume-no-size",
        valid_snapshot_image,
        set_ebs(1, volumeSize=None),
        "blockDeviceMappings[1].ebs.volumeSize",
        "a new empty volume needs a volumeSize",
    ),
    (
        "snapshot-and-volume",
        valid_snapshot_image,
        set_ebs(volumeId="vol-0abc0abc0abc0abc0"),
        "blockDeviceMappings[0].ebs.volumeId",
        "set snapshotId or volumeId, not both",
    ),
    # CreateImage: only DeleteOnTermination may change, and never the size.
    (
        "instance-volume-size",
        valid_instance_image,
        set_ebs(volumeSize=50),
        "blockDeviceMappings[0].ebs.volumeSize",
        "can't be changed by CreateImage",
    ),
    (
        "instance-volume-type",
        valid_instance_image,
        set_ebs(volumeType="gp3"),
        "blockDeviceMappings[0].ebs.volumeType",
        "CreateImage changes only deleteOnTermination",
    ),
    (
        "instance-iops",
        valid_instance_image,
        set_ebs(iops=4000),
        "blockDeviceMappings[0].ebs.iops",
        "CreateImage changes only deleteOnTermination",
    ),
    # One mapping per device; exactly one kind per mapping.
    (
        "duplicate-device",
        valid_snapshot_image,
        lambda p: p["blockDeviceMappings"][2].update(deviceName="/dev/sdb"),
        "blockDeviceMappings[2].deviceName",
        "/dev/sdb is already mapped by blockDeviceMappings[1]",
    ),
    (
        "mapping-two-kinds",
        valid_snapshot_image,
        lambda p: p["blockDeviceMappings"][2].update(noDevice=True),
        "blockDeviceMappings[2]",
        "set exactly one of ebs, noDevice or virtualName",
    ),
    (
        "mapping-no-device-name",
        valid_snapshot_image,
        drop("blockDeviceMappings", 2, "deviceName"),
        "blockDeviceMappings[2].deviceName",
        "is required",
    ),
    (
        "root-not-mapped",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(rootDeviceName="/dev/sda1"),
        "fromSnapshots.rootDeviceName",
        "/dev/sda1 must be the deviceName of a mapping",
    ),
    (
        "root-missing",
        valid_snapshot_image,
        drop("fromSnapshots", "rootDeviceName"),
        "fromSnapshots.rootDeviceName",
        "is required",
    ),
    (
        "no-mappings",
        valid_snapshot_image,
        set_top(blockDeviceMappings=[]),
        "blockDeviceMappings",
        "needs at least the root device's mapping",
    ),
    # The image name: 3-128 characters of the allowed set.
    (
        "name-too-short",
        valid_snapshot_image,
        set_top(imageName="ab"),
        "imageName",
        "must be 3-128 characters long, got 2",
    ),
    (
        "name-too-long",
        valid_snapshot_image,
        set_top(imageName="a" * 129),
        "imageName",
        "must be 3-128 characters long, got 129",
    ),
    (
        "name-bad-characters",
        valid_snapshot_image,
        set_top(imageName="golden:image#1"),
        "imageName",
        "remove '#:'",
    ),
    ("name-missing", valid_snapshot_image, drop("imageName"), "imageName", "is required"),
    # Exactly one source.
    (
        "both-sources",
        valid_snapshot_image,
        set_top(fromInstance={"instanceId": "i-0123456789abcdef0"}),
        "fromSnapshots",
        "set exactly one of fromSnapshots (RegisterImage) or fromInstance",
    ),
    ("no-source", valid_snapshot_image, drop("fromSnapshots"), "fromSnapshots", "neither is set"),
    (
        "instance-id-format",
        valid_instance_image,
        lambda p: p["fromInstance"].update(instanceId="vol-01230123012301230"),
        "fromInstance.instanceId",
        "must be an instance id",
    ),
    # Enumerations and protection.
    (
        "architecture",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(architecture="amd64"),
        "fromSnapshots.architecture",
        "must be one of arm64, arm64_mac, i386, x86_64",
    ),
    (
        "boot-mode",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(bootMode="bios"),
        "fromSnapshots.bootMode",
        "must be one of legacy-bios, uefi, uefi-preferred",
    ),
    (
        "protection-value",
        valid_snapshot_image,
        set_top(deregistrationProtection="on"),
        "deregistrationProtection",
        'must be one of "disabled", "enabled", "enabled-with-cooldown"',
    ),
    (
        "tag-aws-prefix",
        valid_snapshot_image,
        set_top(tags={"aws:owner": "x"}),
        "tags.aws:owner",
        "may not begin with 'aws:'",
    ),
    (
        "unknown-field",
        valid_snapshot_image,
        set_ebs(volumeInitRate=100),
        "blockDeviceMappings[0].ebs.volumeInitRate",
        "unknown property; did you mean volumeInitializationRate?",
    ),
]


@pytest.mark.parametrize(
    ("base", "change", "prop", "reason"),
    [
        pytest.param(base, change, prop, reason, id=rule)
        for rule, base, change, prop, reason in RULES
    ],
)
def test_rule_refuses_with_property_and_reason(
    base: Callable[[], Props], change: Callable[[Props], None], prop: str, reason: str
) -> None:
    props = copy.deepcopy(base())
    change(props)
    problems = validate_image_props(props)
    assert [p.property for p in problems].count(prop) >= 1, problems
    assert any(p.property == prop and reason in p.reason for p in problems), problems


def test_unknown_values_are_skipped_not_guessed() -> None:
    props = valid_snapshot_image()
    ebs(props).update(snapshotId=UNKNOWN, volumeInitializationRate=UNKNOWN, iops=UNKNOWN)
    props["imageName"] = UNKNOWN
    assert validate_image_props(props) == []


def test_gp3_limits_follow_the_newest_model_not_the_2025_text() -> None:
    props = valid_snapshot_image()
    # The 2025 changelog capped gp3 at 16,000 IOPS, 1,000 MiB/s and 16,384 GiB.
    ebs(props).update(iops=80_000, throughput=2_000, volumeSize=65_536)
    assert validate_image_props(props) == []


def test_every_problem_is_reported_at_once() -> None:
    props = valid_snapshot_image()
    props["imageName"] = "x"
    ebs(props).update(volumeInitializationRate=5, kmsKeyId="k")
    assert {p.property for p in validate_image_props(props)} == {
        "imageName",
        "blockDeviceMappings[0].ebs.volumeInitializationRate",
        "blockDeviceMappings[0].ebs.kmsKeyId",
    }


def test_snapshot_rules() -> None:
    assert validate_snapshot_props({"volumeId": "vol-0abc0abc0abc0abc0"}) == []
    [problem] = validate_snapshot_props({"volumeId": "snap-0123456789abcdef1"})
    assert problem.property == "volumeId"
    assert "must be an EBS volume id" in problem.reason
    [problem] = validate_snapshot_props({})
    assert "is required" in problem.reason


# -- types: every value is type-checked first, and a wrong one draws exactly one problem --------

NOT_BOOL_HINT = (
    "stack config values are strings, so read this one with pulumi.Config.get_bool "
    "(or require_bool)."
)

# (id, base, change, every problem expected, as (property, reason))
TYPE_RULES: list[
    tuple[str, Callable[[], Props], Callable[[Props], None], list[tuple[str, str]]]
] = [
    (
        "name-in-a-list",
        valid_snapshot_image,
        set_top(imageName=["abcd"]),
        [
            (
                "imageName",
                "must be a string, got a list; give the string itself, without the list: 'abcd'.",
            )
        ],
    ),
    (
        "name-a-number",
        valid_snapshot_image,
        set_top(imageName=1234.0),
        [("imageName", "must be a string, got 1234.0.")],
    ),
    (
        "delete-snapshots-config-string",
        valid_snapshot_image,
        set_top(deleteSnapshotsOnDestroy="false"),
        [
            (
                "deleteSnapshotsOnDestroy",
                f"must be true or false (a bool), not the string 'false'; {NOT_BOOL_HINT}",
            )
        ],
    ),
    (
        "delete-snapshots-number",
        valid_snapshot_image,
        set_top(deleteSnapshotsOnDestroy=0),
        [("deleteSnapshotsOnDestroy", "must be true or false (a bool), got 0.")],
    ),
    (
        "ena-support-config-string",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(enaSupport="True"),
        [
            (
                "fromSnapshots.enaSupport",
                f"must be true or false (a bool), not the string 'True'; {NOT_BOOL_HINT}",
            )
        ],
    ),
    (
        "no-reboot-config-string",
        valid_instance_image,
        lambda p: p["fromInstance"].update(noReboot="false"),
        [
            (
                "fromInstance.noReboot",
                f"must be true or false (a bool), not the string 'false'; {NOT_BOOL_HINT}",
            )
        ],
    ),
    (
        "billing-product-not-in-a-list",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(billingProducts="bp-1"),
        [
            (
                "fromSnapshots.billingProducts",
                "must be a list of strings, got the string 'bp-1'; wrap it in a list: ['bp-1'].",
            )
        ],
    ),
    (
        "billing-product-a-number",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(billingProducts=["bp-1", 5]),
        [("fromSnapshots.billingProducts[1]", "must be a string, got 5.")],
    ),
    (
        "architecture-in-a-list",
        valid_snapshot_image,
        lambda p: p["fromSnapshots"].update(architecture=["x86_64"]),
        [
            (
                "fromSnapshots.architecture",
                "must be a string, got a list; give the string itself, without the list: 'x86_64'.",
            )
        ],
    ),
    (
        "protection-an-object",
        valid_snapshot_image,
        set_top(deregistrationProtection={"enabled": True}),
        [("deregistrationProtection", "must be a string, got an object.")],
    ),
    (
        "size-negative-without-type",
        valid_snapshot_image,
        set_ebs(1, volumeType=None, iops=None, volumeSize=-5),
        [("blockDeviceMappings[1].ebs.volumeSize", "must be a positive whole number, got -5.")],
    ),
    (
        "size-zero-without-type",
        valid_snapshot_image,
        set_ebs(1, volumeType=None, iops=None, volumeSize=0.0),
        [("blockDeviceMappings[1].ebs.volumeSize", "must be a positive whole number, got 0.0.")],
    ),
    (
        "size-above-every-type-without-type",
        valid_snapshot_image,
        set_ebs(1, volumeType=None, iops=None, volumeSize=65_537),
        [
            (
                "blockDeviceMappings[1].ebs.volumeSize",
                "must be 1-65,536 GiB, got 65,537 (source: the widest VolumeSize range of any "
                "volume type (botocore EC2 model, EbsBlockDevice)).",
            )
        ],
    ),
    (
        "iops-a-bool",
        valid_snapshot_image,
        set_ebs(1, iops=True),
        [("blockDeviceMappings[1].ebs.iops", "must be a whole number, got True.")],
    ),
    (
        "iops-a-config-string",
        valid_snapshot_image,
        set_ebs(1, iops="500"),
        [
            (
                "blockDeviceMappings[1].ebs.iops",
                "must be a whole number, got the string '500'; pass a number "
                "(pulumi.Config.get_int reads one from stack config).",
            )
        ],
    ),
    (
        "iops-beyond-32-bits",
        valid_snapshot_image,
        set_ebs(1, iops=2**40),
        [
            (
                "blockDeviceMappings[1].ebs.iops",
                "must be at most 2,147,483,647 (EC2 integers are 32-bit), got 1099511627776.",
            )
        ],
    ),
    (
        "volume-type-in-a-list",
        valid_snapshot_image,
        set_ebs(volumeType=["gp3"]),
        [
            (
                "blockDeviceMappings[0].ebs.volumeType",
                "must be a string, got a list; give the string itself, without the list: 'gp3'.",
            )
        ],
    ),
    (
        "encrypted-a-string",
        valid_snapshot_image,
        set_ebs(1, encrypted="yes"),
        [
            (
                "blockDeviceMappings[1].ebs.encrypted",
                "must be true or false (a bool), got the string 'yes'.",
            )
        ],
    ),
    (
        "device-name-an-object",
        valid_snapshot_image,
        lambda p: p["blockDeviceMappings"][2].update(deviceName={"name": "/dev/sdc"}),
        [("blockDeviceMappings[2].deviceName", "must be a string, got an object.")],
    ),
    (
        "no-device-a-string",
        valid_instance_image,
        lambda p: p["blockDeviceMappings"][1].update(noDevice=""),
        [("blockDeviceMappings[1].noDevice", "must be true or false (a bool), got the string ''.")],
    ),
    (
        "tag-value-a-number",
        valid_snapshot_image,
        set_top(tags={"team": "platform", "version": 2.0}),
        [("tags.version", "tag values must be strings, got 2.0.")],
    ),
    (
        "tag-key-empty",
        valid_snapshot_image,
        set_top(tags={"": "platform"}),
        [("tags.''", "tag keys may not be empty; name the tag.")],
    ),
    (
        "tags-a-list",
        valid_snapshot_image,
        set_top(tags=["team=platform"]),
        [("tags", "must be a map of tag keys to string values, got a list.")],
    ),
    (
        "from-snapshots-a-string",
        valid_snapshot_image,
        set_top(fromSnapshots="/dev/xvda"),
        [
            (
                "fromSnapshots",
                "must be an object with rootDeviceName and the other RegisterImage settings, "
                "got the string '/dev/xvda'.",
            )
        ],
    ),
    (
        "from-instance-a-list",
        valid_instance_image,
        set_top(fromInstance=["i-0123456789abcdef0"]),
        [("fromInstance", "must be an object with instanceId (and noReboot), got a list.")],
    ),
    (
        "mappings-an-object",
        valid_snapshot_image,
        set_top(blockDeviceMappings={"deviceName": "/dev/xvda"}),
        [("blockDeviceMappings", "must be a list of block device mappings, got an object.")],
    ),
    (
        "mapping-a-string",
        valid_snapshot_image,
        lambda p: p["blockDeviceMappings"].__setitem__(2, "/dev/sdc"),
        [
            (
                "blockDeviceMappings[2]",
                "must be an object with deviceName and one of ebs, noDevice or virtualName, got "
                "the string '/dev/sdc'.",
            )
        ],
    ),
    (
        # The root's mapping can't be read, so the root device isn't also called unmapped.
        "root-ebs-a-string",
        valid_snapshot_image,
        lambda p: p["blockDeviceMappings"][0].update(ebs="snap-0123456789abcdef0"),
        [
            (
                "blockDeviceMappings[0].ebs",
                "must be an object (the EBS volume's settings), got the string "
                "'snap-0123456789abcdef0'.",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("base", "change", "expected"),
    [pytest.param(base, change, expected, id=rule) for rule, base, change, expected in TYPE_RULES],
)
def test_a_wrong_type_is_one_problem_naming_the_property_and_the_type(
    base: Callable[[], Props], change: Callable[[Props], None], expected: list[tuple[str, str]]
) -> None:
    props = copy.deepcopy(base())
    change(props)
    assert [(p.property, p.reason) for p in validate_image_props(props)] == expected


@pytest.mark.parametrize("props", [None, "imageName", ["imageName"], 3.0, True])
def test_a_bag_that_is_not_an_object_is_refused_as_a_whole(props: Any) -> None:
    [problem] = validate_image_props(props)
    assert problem.property == "inputs"
    assert problem.reason.startswith("must be an object of the image's properties")
    [problem] = validate_snapshot_props(props)
    assert problem.property == "inputs"
    assert problem.reason.startswith("must be an object of the snapshot's properties")


# -- unknown keys, at every level ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "change", "prop", "reason"),
    [
        pytest.param(
            valid_snapshot_image,
            set_top(deregistrationProtecton="disabled"),
            "deregistrationProtecton",
            "unknown property; did you mean deregistrationProtection?",
            id="top-level",
        ),
        pytest.param(
            valid_snapshot_image,
            set_top(delete_snapshots_on_destroy=False),
            "delete_snapshots_on_destroy",
            "unknown property; did you mean deleteSnapshotsOnDestroy?",
            id="top-level-snake-case",
        ),
        pytest.param(
            valid_snapshot_image,
            set_top(owner="platform"),
            "owner",
            "unknown property; expected one of blockDeviceMappings, deleteSnapshotsOnDestroy, "
            "deleteWhenInUse, deprecationTime, deregistrationProtection, description, disabled, "
            "fromInstance, fromSnapshots, imageName, launchPermissions, region, tags.",
            id="top-level-no-close-name",
        ),
        pytest.param(
            valid_snapshot_image,
            lambda p: p["fromSnapshots"].update(bootmode="uefi"),
            "fromSnapshots.bootmode",
            "unknown property; did you mean bootMode?",
            id="from-snapshots",
        ),
        pytest.param(
            valid_instance_image,
            lambda p: p["fromInstance"].update(noReboots=True),
            "fromInstance.noReboots",
            "unknown property; did you mean noReboot?",
            id="from-instance",
        ),
        pytest.param(
            valid_snapshot_image,
            lambda p: p["blockDeviceMappings"][2].update(virtualNames="ephemeral1"),
            "blockDeviceMappings[2].virtualNames",
            "unknown property; did you mean virtualName?",
            id="mapping",
        ),
        pytest.param(
            valid_snapshot_image,
            set_ebs(1, deleteOnTerminate=True),
            "blockDeviceMappings[1].ebs.deleteOnTerminate",
            "unknown property; did you mean deleteOnTermination?",
            id="ebs",
        ),
    ],
)
def test_an_unknown_key_is_refused_with_the_nearest_valid_name(
    base: Callable[[], Props], change: Callable[[Props], None], prop: str, reason: str
) -> None:
    props = copy.deepcopy(base())
    change(props)
    assert [(p.property, p.reason) for p in validate_image_props(props)] == [(prop, reason)]


def test_outputs_and_the_creation_token_may_sit_beside_the_inputs_but_nothing_else() -> None:
    # An image's state holds its inputs, its outputs and the token side by side, and the engine
    # hands that state back to check; no other key is spared.
    props = {
        **valid_snapshot_image(),
        "imageId": "ami-0123456789abcdef0",
        "protectionState": "enabled-without-cooldown",
        TOKEN_PROPERTY: "0123456789abcdef",
        "owner": "platform",
    }
    for standalone in (False, True):
        assert [
            (p.property, p.reason) for p in validate_image_props(props, standalone=standalone)
        ] == [
            (
                "owner",
                "unknown property; expected one of blockDeviceMappings, deleteSnapshotsOnDestroy, "
                "deleteWhenInUse, deprecationTime, deregistrationProtection, description, "
                "disabled, fromInstance, fromSnapshots, imageName, launchPermissions, region, "
                "tags.",
            ),
        ]


# -- the resources' own bags, as the plugin hands them to check ----------------------------------


def test_image_check_accepts_what_the_component_and_the_provider_add(
    aws: Aws, image_provider: ImageProvider
) -> None:
    props = valid_snapshot_image()
    # The component hands its Image the snapshot it made, in place of the volume.
    ebs(props).update(snapshotId=aws.snapshot())
    # The SDK's resources declare their outputs among the inputs, as None.
    news = {**props, **dict.fromkeys(OUTPUT_KEYS)}
    assert image_provider.check({}, news).failures == []
    checked = image_provider.check({}, news, in_component=True)
    assert checked.failures == []

    created = image_provider.create(checked.inputs)
    # The bag as the state holds it after a create (inputs, outputs and the creation token side
    # by side) passes too: none of those keys is a user's misspelling.
    for in_component in (False, True):
        assert (
            image_provider.check(created.outs, created.outs, in_component=in_component).failures
            == []
        )


def test_snapshot_check_accepts_what_the_sdk_and_the_provider_add(
    aws: Aws, snapshot_provider: VolumeSnapshotProvider
) -> None:
    news = {"volumeId": aws.volume(), "snapshotId": None, "state": None}
    checked = snapshot_provider.check({}, news)
    assert checked.failures == []
    created = snapshot_provider.create(checked.inputs)
    assert created.outs is not None
    assert snapshot_provider.check(created.outs, created.outs).failures == []


def test_snapshot_check_refuses_a_config_string_for_delete_on_destroy() -> None:
    checked = VolumeSnapshotProvider().check(
        {}, {"volumeId": "vol-0abc0abc0abc0abc0", "deleteOnDestroy": "false", "tag": {"team": "a"}}
    )
    assert [(f.property, f.reason) for f in checked.failures] == [
        ("tag", "unknown property; did you mean tags?"),
        (
            "deleteOnDestroy",
            f"must be true or false (a bool), not the string 'false'; {NOT_BOOL_HINT}",
        ),
    ]


def test_image_check_never_hands_delete_a_string_for_delete_snapshots() -> None:
    checked = ImageProvider().check(
        {}, {**valid_snapshot_image(), "deleteSnapshotsOnDestroy": "false"}
    )
    assert [f.property for f in checked.failures] == ["deleteSnapshotsOnDestroy"]
    accepted = ImageProvider().check(
        {}, {**valid_snapshot_image(), "deleteSnapshotsOnDestroy": None}
    )
    assert accepted.failures == []
    assert accepted.inputs["deleteSnapshotsOnDestroy"] is True


# -- values not known yet ------------------------------------------------------------------------


def test_unknown_values_are_skipped_wherever_they_are() -> None:
    # The plugin passes every value not known yet on as the engine's marker string.
    props = valid_snapshot_image()
    ebs(props).update(snapshotId=UNKNOWN, volumeType=UNKNOWN, iops=UNKNOWN)
    props.update(imageName=UNKNOWN, deregistrationProtection=UNKNOWN, tags=UNKNOWN)
    props["fromSnapshots"]["rootDeviceName"] = UNKNOWN
    for standalone in (False, True):
        assert validate_image_props(props, standalone=standalone) == []


def test_unknown_containers_are_skipped() -> None:
    for key in ("blockDeviceMappings", "fromSnapshots"):
        assert validate_image_props({**valid_snapshot_image(), key: UNKNOWN}) == []
    props = valid_snapshot_image()
    props["blockDeviceMappings"][0] = UNKNOWN  # it may be the root's: not called unmapped
    assert validate_image_props(props) == []
    assert validate_snapshot_props({"volumeId": UNKNOWN, "deleteOnDestroy": UNKNOWN}) == []


# -- reading accepted bags ----------------------------------------------------------------------


def test_accepted_props_are_read_as_written() -> None:
    props = valid_snapshot_image()
    props["deleteSnapshotsOnDestroy"] = False
    props["fromSnapshots"]["billingProducts"] = ["bp-1"]
    assert validate_image_props(props) == []
    spec = ImageSpec.from_props(props)
    assert spec.delete_snapshots_on_destroy is False
    assert isinstance(spec.source, SnapshotSource)
    assert spec.source.billing_products == ("bp-1",)
    assert spec.block_device_mappings[0].ebs is not None
    assert spec.block_device_mappings[0].ebs.iops == 3000


@pytest.mark.parametrize(("stored", "read"), [("false", False), ("FALSE", False), ("true", True)])
def test_state_from_before_strings_were_refused_is_read_by_what_it_says(
    stored: str, read: bool
) -> None:
    spec = ImageSpec.from_props({**valid_snapshot_image(), "deleteSnapshotsOnDestroy": stored})
    assert spec.delete_snapshots_on_destroy is read


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_top(imageName=["abcd"]), "imageName must be a string, not list"),
        (
            set_top(deleteSnapshotsOnDestroy="no"),
            "deleteSnapshotsOnDestroy must be true or false, not 'no'",
        ),
        (
            lambda p: p["fromSnapshots"].update(billingProducts="bp-1"),
            "billingProducts must be a list, not str",
        ),
        (set_ebs(1, volumeSize="100"), "volumeSize: '100' is not a whole number"),
    ],
)
def test_reading_a_refused_value_raises_instead_of_converting_it(
    change: Callable[[Props], None], message: str
) -> None:
    props = valid_snapshot_image()
    change(props)
    with pytest.raises(TypeError) as raised:
        ImageSpec.from_props(props)
    assert str(raised.value) == message


# -- a volume to snapshot: the component's alone ------------------------------------------------

STANDALONE_VOLUME = (
    "is taken only by a MachineImage, which snapshots the volume first; on an Image, give the "
    "snapshot as snapshotId (or use MachineImage)."
)


def with_volume_to_snapshot() -> Props:
    props = valid_snapshot_image()
    root = ebs(props)
    del root["snapshotId"]
    root["volumeId"] = "vol-0123456789abcdef0"
    return props


def test_a_volume_to_snapshot_is_the_components_and_refused_on_an_image_declared_alone() -> None:
    props = with_volume_to_snapshot()
    assert validate_image_props(props) == []
    assert [(p.property, p.reason) for p in validate_image_props(props, standalone=True)] == [
        ("blockDeviceMappings[0].ebs.volumeId", STANDALONE_VOLUME)
    ]


def test_a_snapshot_and_a_volume_on_one_device_are_refused_in_every_mode() -> None:
    props = valid_snapshot_image()
    ebs(props).update(volumeId="vol-0123456789abcdef0")
    assert [(p.property, p.reason) for p in validate_image_props(props)] == [
        (
            "blockDeviceMappings[0].ebs.volumeId",
            "set snapshotId or volumeId, not both: volumeId asks the component to snapshot that "
            "volume.",
        )
    ]
    assert [(p.property, p.reason) for p in validate_image_props(props, standalone=True)] == [
        ("blockDeviceMappings[0].ebs.volumeId", STANDALONE_VOLUME)
    ]


def test_an_instances_devices_take_no_volume_in_any_mode() -> None:
    props = valid_instance_image()
    ebs(props).update(volumeId="vol-0123456789abcdef0")
    for standalone in (False, True):
        [problem] = validate_image_props(props, standalone=standalone)
        assert problem.property == "blockDeviceMappings[0].ebs.volumeId"
        assert "CreateImage changes only deleteOnTermination" in problem.reason


def test_image_check_refuses_a_volume_unless_the_image_is_a_components() -> None:
    props = with_volume_to_snapshot()
    standalone = ImageProvider().check({}, props)
    assert [(f.property, f.reason) for f in standalone.failures] == [
        ("blockDeviceMappings[0].ebs.volumeId", STANDALONE_VOLUME)
    ]
    # A component passes its volume on only when its inputs are refused; its Image's check then
    # reports the other problems, not the volume.
    in_component = ImageProvider().check({}, {**props, "imageName": "x"}, in_component=True)
    assert [f.property for f in in_component.failures] == ["imageName"]
