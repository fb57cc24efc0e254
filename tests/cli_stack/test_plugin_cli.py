"""The provider plugin through the real Pulumi CLI, as a user meets it: refused inputs and
refusals without a Python traceback, `pulumi import` and the `import` option, and a stack made by
the dynamic-provider version moving to the plugin without its image being replaced."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from cli_stack import CliStack, ProjectFolder, cli_environment
from cli_stack.stack import ROOT, TOOLS
from cli_stack.story import REGION, seed
from ec2_emulator import EmulatorServer
from pulumi_ami_lifecycle import Image, MachineImage, MachineImageArgs

pytestmark = pytest.mark.e2e

IMAGE = "ami-lifecycle:index:Image"
SNAPSHOT = "ami-lifecycle:index:VolumeSnapshot"
DYNAMIC = "pulumi-python:dynamic/ami-lifecycle:"


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    for tool in ("pulumi", "pulumi-language-yaml"):
        if not (TOOLS / "bin" / tool).exists():
            pytest.fail(f"no {tool} in .tools/bin: run scripts/install-pulumi.sh (make cli) first")


def snapshot_of_new_volume(server: EmulatorServer) -> str:
    ec2 = server.client(REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume)["SnapshotId"]


def stack_of(
    server: EmulatorServer, work: Path, name: str, program: Callable[[], None]
) -> CliStack:
    stack = CliStack(
        name,
        cli_environment(server.endpoint_url, REGION),
        work=work,
        program=program,
        echo=lambda _line: None,
    )
    stack.set_config({"ami-lifecycle:region": REGION, "rootSnapshotId": "snap-0000000000000dead"})
    return stack


def diagnostics(output: str) -> str:
    """The CLI's summary of what went wrong, where each message should stand once."""
    return output.partition("Diagnostics:")[2].partition("Resources:")[0]


def bad_args(snapshot_id: str) -> dict[str, Any]:
    """Three mistakes a user makes: a rate of 99, a typo in a property name, a short name."""
    return {
        "image_name": "ab",
        "deregistration_protectoin": "enabled",
        "from_snapshots": {"root_device_name": "/dev/xvda"},
        "block_device_mappings": [
            {
                "device_name": "/dev/xvda",
                "ebs": {"snapshot_id": snapshot_id, "volume_initialization_rate": 99},
            }
        ],
    }


REFUSALS = (
    "property deregistrationProtectoin value {enabled} has a problem: unknown property; did you "
    "mean deregistrationProtection?",
    "property imageName value {ab} has a problem: must be 3-128 characters long, got 2 ('ab').",
    "property blockDeviceMappings[0].ebs.volumeInitializationRate value {<nil>} has a problem: "
    "must be 100-300 MiB/s, got 99 (source: botocore EC2 model, "
    "EbsBlockDevice.VolumeInitializationRate).",
)


@pytest.mark.parametrize("resource", ["component", "image"])
def test_refused_inputs_are_one_message_each_without_a_traceback(
    server: EmulatorServer, tmp_path: Path, resource: str
) -> None:
    snapshot_id = snapshot_of_new_volume(server)
    server.clear_requests()

    def program() -> None:
        args: Any = bad_args(snapshot_id)
        if resource == "component":
            MachineImage("bad", args)
        else:
            Image("bad", args)

    stack = stack_of(server, tmp_path, f"refused-{resource}", program)
    preview = stack.preview()

    assert not preview.ok
    assert "Traceback" not in preview.output
    summary = diagnostics(preview.output)
    # The component hands refused inputs to its image, whose check reports them.
    name = "bad-image" if resource == "component" else "bad"
    for refusal in REFUSALS:
        assert summary.count(f"{IMAGE} resource '{name}': {refusal}") == 1, summary
    assert server.requests == []  # refused before any AWS call


def test_destroying_a_protected_image_is_refused_once_without_a_traceback(
    server: EmulatorServer, tmp_path: Path
) -> None:
    snapshot_id = snapshot_of_new_volume(server)
    args: MachineImageArgs = {
        "image_name": "kept-image",
        "from_snapshots": {"root_device_name": "/dev/xvda"},
        "block_device_mappings": [
            {"device_name": "/dev/xvda", "ebs": {"snapshot_id": snapshot_id}}
        ],
    }

    def program() -> None:
        Image("kept", args)

    stack = stack_of(server, tmp_path, "protected", program)
    created = stack.up()
    assert created.ok, created.output
    [image] = [r for r in stack.resources() if r["type"] == IMAGE]

    refused = stack.destroy()

    assert not refused.ok
    assert "Traceback" not in refused.output
    message = (
        f"deleting EC2 AMI ({image['id']}): deregistration protection is on "
        "(enabled-without-cooldown). To delete 'kept-image', set its deregistrationProtection to "
        '"disabled", run `pulumi up`, then run `pulumi destroy` again.'
    )
    assert diagnostics(refused.output).count(message) == 1
    assert server.client(REGION).describe_images(ImageIds=[image["id"]])["Images"]


def register_by_hand(server: EmulatorServer, name: str) -> tuple[str, str]:
    """An AMI that Pulumi did not make: its id and its snapshot's."""
    snapshot_id = snapshot_of_new_volume(server)
    image_id = server.client(REGION).register_image(
        Name=name,
        Description="registered by hand",
        RootDeviceName="/dev/xvda",
        Architecture="x86_64",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id, "VolumeType": "gp3"}}
        ],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "ops"}]}],
    )["ImageId"]
    return image_id, snapshot_id


def test_pulumi_import_adopts_an_ami_and_the_next_preview_shows_no_change(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """`pulumi import` needs the project's language host: a YAML project's, the one here."""
    image_id, snapshot_id = register_by_hand(server, "legacy-image")
    folder = tmp_path / "imported"
    folder.mkdir()
    project: dict[str, Any] = {
        "name": "imported",
        "runtime": "yaml",
        "plugins": {
            "providers": [{"name": "ami-lifecycle", "path": str(Path(ROOT / ".venv/bin"))}]
        },
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    cli = ProjectFolder(folder, cli_environment(server.endpoint_url, REGION))
    assert cli.run("stack", "init", "dev").ok
    assert cli.run("config", "set", "ami-lifecycle:region", REGION).ok

    generated = tmp_path / "generated.yaml"
    imported = cli.run(
        "import", IMAGE, "legacy", image_id, "--yes", "--protect=false", "--out", str(generated)
    )
    assert imported.ok, imported.output
    assert "= 1 imported" in imported.output
    code = yaml.safe_load(generated.read_text())
    properties = code["resources"]["legacy"]["properties"]
    assert properties["imageName"] == "legacy-image"
    assert properties["description"] == "registered by hand"
    assert properties["tags"] == {"team": "ops"}
    assert properties["deregistrationProtection"] == "disabled"
    assert properties["blockDeviceMappings"][0]["ebs"]["snapshotId"] == snapshot_id

    (folder / "Pulumi.yaml").write_text(yaml.safe_dump({**project, **code}))
    assert cli.run("preview", "--expect-no-changes").ok
    destroyed = cli.run("destroy", "--yes")
    assert destroyed.ok, destroyed.output
    assert f"{snapshot_id}: success (deleted)" in destroyed.output
    assert server.client(REGION).describe_images(Owners=["self"])["Images"] == []


def test_the_import_option_adopts_an_ami_declared_as_aws_reports_it(
    server: EmulatorServer, tmp_path: Path
) -> None:
    image_id, snapshot_id = register_by_hand(server, "adopted-image")
    args: MachineImageArgs = {
        "image_name": "adopted-image",
        "description": "registered by hand",
        "tags": {"team": "ops"},
        "deregistration_protection": "disabled",
        "from_snapshots": {
            "root_device_name": "/dev/xvda",
            "architecture": "x86_64",
            "virtualization_type": "paravirtual",
        },
        "block_device_mappings": [
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "snapshot_id": snapshot_id,
                    "volume_type": "gp3",
                    "volume_size": 8,
                    "iops": 3000,
                    "delete_on_termination": True,
                },
            }
        ],
    }

    def program() -> None:
        Image("adopted", args, pulumi.ResourceOptions(import_=image_id))

    stack = stack_of(server, tmp_path, "adopt", program)
    adopted = stack.up()

    assert adopted.ok, adopted.output
    assert "= 1 imported" in adopted.output
    assert stack.up(expect_no_changes=True).ok
    assert [r["id"] for r in stack.resources() if r["type"] == IMAGE] == [image_id]


def dynamic_provider_era(stack: CliStack) -> None:
    """Rewrite the stack's state the way the dynamic-provider version wrote it: resources of the
    dynamic types under the `pulumi-python` provider, each carrying its pickled provider, the
    stack's `aws:region` in each resource, and the snapshotted volume's id beside its snapshot."""
    exported = stack.stack().export_stack()
    deployment: Any = exported.deployment
    resources = deployment["resources"]
    stack_urn = next(r["urn"] for r in resources if r["type"] == "pulumi:pulumi:Stack")
    provider_urn = stack_urn.rsplit("::", 2)[0] + "::pulumi:providers:pulumi-python::default"
    provider = {
        "urn": provider_urn,
        "custom": True,
        "id": "9f2b8a0e-2a9e-4f59-9d55-f3d2a1c0b7aa",
        "type": "pulumi:providers:pulumi-python",
        "inputs": {},
        "outputs": {},
    }
    pickled = base64.b64encode(b"ami_lifecycle.provider.image ImageProvider").decode()
    snapshots = {
        r["outputs"]["snapshotId"]: r["inputs"]["volumeId"]
        for r in resources
        if r["type"] == SNAPSHOT
    }

    def old_urn(text: str) -> str:
        return re.sub(r"ami-lifecycle:index:(Image|VolumeSnapshot)", rf"{DYNAMIC}\1", text)

    rewritten = []
    for resource in resources:
        if resource["type"].startswith("pulumi:providers:ami-lifecycle"):
            continue
        if resource["type"] in (IMAGE, SNAPSHOT):
            resource["type"] = old_urn(resource["type"])
            resource["urn"] = old_urn(resource["urn"])
            resource["provider"] = f"{provider_urn}::{provider['id']}"
            for bag in (resource["inputs"], resource["outputs"]):
                bag["__provider"] = pickled
                bag["region"] = REGION
                for mapping in bag.get("blockDeviceMappings", []):
                    if mapping["ebs"]["snapshotId"] in snapshots:
                        mapping["ebs"]["volumeId"] = snapshots[mapping["ebs"]["snapshotId"]]
        resource["dependencies"] = [old_urn(u) for u in resource.get("dependencies", [])]
        resource["propertyDependencies"] = {
            key: [old_urn(u) for u in urns]
            for key, urns in (resource.get("propertyDependencies") or {}).items()
        }
        rewritten.append(resource)
    rewritten.insert(1, provider)
    deployment["resources"] = rewritten
    stack.stack().import_stack(exported)


def test_a_dynamic_provider_stack_moves_to_the_plugin_without_replacing_its_image(
    server: EmulatorServer, tmp_path: Path
) -> None:
    stack = CliStack(
        "moved", cli_environment(server.endpoint_url, REGION), work=tmp_path, echo=lambda _: None
    )
    stack.set_config({"ami-lifecycle:region": REGION, **seed(server), "protection": "enabled"})
    assert stack.up().ok
    dynamic_provider_era(stack)
    [old_image] = [r for r in stack.resources() if r["type"] == f"{DYNAMIC}Image"]

    preview = stack.preview()
    moved = stack.up()

    assert preview.ok, preview.output
    for name in ("golden-image", "golden-snapshot-sdf"):
        assert "update [diff: ~__provider]" in preview.output.split(name, 1)[1].splitlines()[0]
    assert "replace" not in preview.output
    assert moved.ok, moved.output
    assert "~ 2 updated" in moved.output
    resources = stack.resources()
    assert {r["type"] for r in resources} == {
        "pulumi:pulumi:Stack",
        "pulumi:providers:ami-lifecycle",
        "ami-lifecycle:index:MachineImage",
        IMAGE,
        SNAPSHOT,
    }
    [image] = [r for r in resources if r["type"] == IMAGE]
    assert image["id"] == old_image["id"]
    assert "__provider" not in image["outputs"] and "__provider" not in image["inputs"]
    images = server.client(REGION).describe_images(Owners=["self"])["Images"]
    assert [i["ImageId"] for i in images] == [image["id"]]
    assert stack.up(expect_no_changes=True).ok
