"""The pack as `pulumi preview --policy-pack policies` runs it: the real CLI, its engine and the
ami-lifecycle plugin, previewing small programs against the EC2 emulator.

These are the few tests that need the CLI (a preview takes a second or two). Every rule and
message is tested in detail, in this process, by the other files here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_stack import CliStack, cli_environment
from cli_stack.stack import ROOT, TOOLS
from ec2_emulator import EmulatorServer
from pulumi_ami_lifecycle import Image, MachineImage
from tests.policies.policy_cases import DESCRIPTIONS, PROTECTION

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
    server: EmulatorServer, seeded: tuple[str, str], work: Path, program: Callable[[], None]
) -> tuple[bool, list[str]]:
    """Whether `pulumi preview --policy-pack policies` succeeded, and the lines of its
    `Policies:` block, without indentation or the pack's local path."""
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

    result = stack.preview(policy_packs=[pack])

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
