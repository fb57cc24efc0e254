"""The pack as `pulumi preview --policy-pack policies` runs it: the real CLI, its engine and the
ami-lifecycle plugin, previewing small programs against the EC2 emulator.

These are the few tests that need the CLI (a preview takes a second or two). Every rule and
message is tested in detail, in this process, by the other files here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from cli_stack import CliStack, cli_environment
from cli_stack.stack import ROOT, TOOLS
from ec2_emulator import EmulatorServer
from pulumi_ami_lifecycle import Image, MachineImage
from tests.policies.policy_cases import (
    COPY_ENCRYPTED,
    DEPRECATION,
    DESCRIPTIONS,
    PROTECTION,
    in_days,
)

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
LOCAL_PACK = re.compile(r" \(local: [^)]*\)$")
NOT_PROTECTED = (
    'deregistrationProtection must be "enabled" or "enabled-with-cooldown", not "disabled".'
)


@pytest.fixture(scope="module", autouse=True)
def _cli_installed() -> None:
    if not (TOOLS / "bin" / "pulumi").exists():
        pytest.fail("no Pulumi CLI in .tools/bin: run scripts/install-pulumi.sh (make cli) first")


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture(scope="module")
def seeded(server: EmulatorServer) -> tuple[str, str]:
    """A snapshot to register images from, and a volume for the component to snapshot."""
    ec2 = server.client(REGION)
    zone = f"{REGION}a"
    root = ec2.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=root)["SnapshotId"]
    data = ec2.create_volume(AvailabilityZone=zone, Size=4, VolumeType="gp3")["VolumeId"]
    return snapshot, data


def images(
    seeded: tuple[str, str], *, component: str = "enabled", standalone: str = "enabled"
) -> Callable[[], None]:
    """A program with a MachineImage that snapshots a data volume for its image, and an Image
    declared on its own; each with the deregistration protection given."""
    snapshot, volume = seeded

    def program() -> None:
        MachineImage(
            "web",
            {
                "image_name": "web-1",
                "deregistration_protection": component,
                "from_snapshots": {"root_device_name": "/dev/xvda", "architecture": "x86_64"},
                "block_device_mappings": [
                    {
                        "device_name": "/dev/xvda",
                        "ebs": {"snapshot_id": snapshot, "volume_initialization_rate": 200},
                    },
                    {
                        "device_name": "/dev/sdf",
                        "ebs": {"volume_id": volume, "volume_initialization_rate": 300},
                    },
                ],
            },
        )
        Image(
            "bare",
            {
                "image_name": "bare-1",
                "deregistration_protection": standalone,
                "from_snapshots": {"root_device_name": "/dev/xvda"},
                "block_device_mappings": [
                    {"device_name": "/dev/xvda", "ebs": {"snapshot_id": snapshot}}
                ],
            },
        )

    return program


def preview_with_the_pack(
    server: EmulatorServer,
    seeded: tuple[str, str],
    work: Path,
    program: Callable[[], None],
    config: dict[str, Any] | None = None,
) -> tuple[bool, list[str]]:
    """Whether `pulumi preview --policy-pack policies` succeeded, and the lines of its
    `Policies:` block, without indentation or the pack's local path. `config` is the
    `--policy-pack-config` file's content; by default ami-deprecation-required is disabled, since
    these programs set no deprecationTime (that policy has its own test here)."""
    stack = CliStack(
        "policies",
        cli_environment(server.endpoint_url, REGION),
        work=work,
        program=program,
        echo=lambda _line: None,
    )
    # The project's own config has no default for rootSnapshotId.
    stack.set_config({"ami-lifecycle:region": REGION, "rootSnapshotId": seeded[0]})
    pack = stack.policy_pack(ROOT / "policies")

    config_file = work / "policy-config.json"
    config_file.write_text(json.dumps({DEPRECATION: "disabled"} if config is None else config))

    result = stack.preview(policy_packs=[pack], policy_pack_configs=[str(config_file)])

    lines = result.output.splitlines()
    assert "Policies:" in lines, result.output
    block = itertools.takewhile(bool, lines[lines.index("Policies:") + 1 :])
    # The CLI shortens the path it names the pack by.
    return result.ok, [LOCAL_PACK.sub("", line.strip()) for line in block]


def violation(resource: str) -> list[str]:
    return [
        f"- [mandatory]  {PROTECTION}  ({resource})",
        DESCRIPTIONS[PROTECTION],
        NOT_PROTECTED,
    ]


def undated(resource: str) -> list[str]:
    return [
        f"- [advisory]  {DEPRECATION}  ({resource})",
        DESCRIPTIONS[DEPRECATION],
        "deprecationTime must be set, at most 365 days ahead, so that the image is deprecated "
        "before it goes stale.",
    ]


def test_protected_images_pass(
    server: EmulatorServer, seeded: tuple[str, str], tmp_path: Path
) -> None:
    # Nothing advisory either: the snapshot the component is yet to take for its Image's
    # volume-backed device is not a value the pack waits for.
    ok, reported = preview_with_the_pack(server, seeded, tmp_path, images(seeded))

    assert ok
    assert reported == ["✅ ami-lifecycle-guard@v0.0.1"]


def test_an_unprotected_machine_image_is_blocked(
    server: EmulatorServer, seeded: tuple[str, str], tmp_path: Path
) -> None:
    program = images(seeded, component="disabled")

    ok, reported = preview_with_the_pack(server, seeded, tmp_path, program)

    assert not ok
    assert reported == [
        "❌ ami-lifecycle-guard@v0.0.1",
        *violation("ami-lifecycle:index:Image: web-image"),
        *violation("ami-lifecycle:index:MachineImage: web"),
    ]


def test_an_unprotected_image_of_its_own_is_blocked(
    server: EmulatorServer, seeded: tuple[str, str], tmp_path: Path
) -> None:
    program = images(seeded, standalone="disabled")

    ok, reported = preview_with_the_pack(server, seeded, tmp_path, program)

    assert not ok
    assert reported == [
        "❌ ami-lifecycle-guard@v0.0.1",
        *violation("ami-lifecycle:index:Image: bare"),
    ]


def test_images_without_a_deprecation_time_are_flagged(
    server: EmulatorServer, seeded: tuple[str, str], tmp_path: Path
) -> None:
    # Advisory: the preview goes on.
    ok, reported = preview_with_the_pack(server, seeded, tmp_path, images(seeded), config={})

    assert ok
    assert reported == [
        "⚠️ ami-lifecycle-guard@v0.0.1",
        *undated("ami-lifecycle:index:Image: bare"),
        *undated("ami-lifecycle:index:Image: web-image"),
        *undated("ami-lifecycle:index:MachineImage: web"),
    ]


def test_a_copy_without_region_is_compared_with_its_provider_region(
    server: EmulatorServer, seeded: tuple[str, str], tmp_path: Path
) -> None:
    # The engine sends the ImageCopy's provider inputs along with it: `region`, from the stack's
    # `ami-lifecycle:region`, is where a copy without `region` goes.
    def program() -> None:
        pulumi.CustomResource(
            "ami-lifecycle:index:ImageCopy",
            "copy",
            {
                "sourceImageId": "ami-0123456789abcdef0",
                "sourceRegion": "eu-west-1",
                "imageName": "web-1-copy",
                "encrypted": False,
                "deprecationTime": in_days(90),
            },
        )

    ok, reported = preview_with_the_pack(server, seeded, tmp_path, program, config={})

    assert ok
    assert reported == [
        "⚠️ ami-lifecycle-guard@v0.0.1",
        f"- [advisory]  {COPY_ENCRYPTED}  (ami-lifecycle:index:ImageCopy: copy)",
        DESCRIPTIONS[COPY_ENCRYPTED],
        'encrypted must be true, because the copy goes from "eu-west-1" to another Region, '
        f'"{REGION}".',
    ]
