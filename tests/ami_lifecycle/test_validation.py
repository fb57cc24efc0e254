"""Every input rule, table-driven: one valid image, one change per row, the exact refusal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle.validation import validate_image_props, validate_snapshot_props

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
        set_ebs(snapshotId=None, volumeId="vol-0abc", encrypted=True),
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
        set_ebs(volumeId="vol-0abc"),
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
        lambda p: p["fromInstance"].update(instanceId="vol-123"),
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
        "not a known property",
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
    assert validate_snapshot_props({"volumeId": "vol-0abc"}) == []
    [problem] = validate_snapshot_props({"volumeId": "snap-1"})
    assert problem.property == "volumeId"
    assert "must be an EBS volume id" in problem.reason
    [problem] = validate_snapshot_props({})
    assert "is required" in problem.reason
